package dev.poet.analyze;

import dev.poet.json.Json;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Parameters revisions: what an execution's {@code params_revision} names. A revision is the
 * first 16 hex digits of the SHA-256 of the parameters' canonical JSON (keys sorted at every
 * level, compact, UTF-8), as the Python runtime computes it. Replaying a function's history
 * gives the revision after each change, so an execution's revision says which deploy, rollback
 * or {@code config set} made the parameters it ran with; a revision no change made is an edit
 * of the file outside poet (or parameters a caller passed itself).
 */
public final class ParamsRevisions {
    private ParamsRevisions() {
    }

    /** The revision of a parameters object. */
    public static String of(Object params) {
        byte[] canonical = Json.encode(sorted(params));
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256").digest(canonical);
            return HexFormat.of().formatHex(digest, 0, 8);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private static Object sorted(Object v) {
        if (v instanceof Map<?, ?> m) {
            Map<String, Object> out = new TreeMap<>();
            for (Map.Entry<?, ?> e : m.entrySet()) {
                out.put(String.valueOf(e.getKey()), sorted(e.getValue()));
            }
            return out;
        }
        if (v instanceof List<?> l) {
            List<Object> out = new ArrayList<>(l.size());
            for (Object x : l) {
                out.add(sorted(x));
            }
            return out;
        }
        return v;
    }

    /** Where a revision came from: the first change in the history that made the parameters so. */
    public record Origin(String revision, String action, String label, String changeId, String time, String version) {
        public Map<String, Object> toMap() {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("revision", revision);
            m.put("made_by", action);
            m.put("description", label);
            m.put("change_id", changeId);
            m.put("time", time);
            m.put("version", version);
            return m;
        }
    }

    /** One step of the replay: the history line and the revision live after it (null when unknown). */
    public record Step(Map<String, Object> line, String before, String after) {
    }

    /** The history replayed: for each line, the parameters revision before and after it. */
    public static List<Step> replay(List<Map<String, Object>> history) {
        List<Step> steps = new ArrayList<>();
        Map<String, Object> state = null;
        for (Map<String, Object> h : history) {
            String before = state == null ? null : of(state);
            Object action = h.get("action");
            if (("deploy".equals(action) || "rollback".equals(action)) && h.get("params") instanceof Map<?, ?> p) {
                state = new LinkedHashMap<>();
                for (Map.Entry<?, ?> e : p.entrySet()) {
                    state.put(String.valueOf(e.getKey()), e.getValue());
                }
            } else if ("config".equals(action) && h.get("parameter") instanceof String parameter) {
                state = state == null ? new LinkedHashMap<>() : new LinkedHashMap<>(state);
                state.put(parameter, h.get("new_value"));
            }
            steps.add(new Step(h, before, state == null ? null : of(state)));
        }
        return steps;
    }

    /** Each revision the history made, with the first change that made it. */
    public static Map<String, Origin> origins(List<Map<String, Object>> history) {
        Map<String, Origin> out = new LinkedHashMap<>();
        for (Step s : replay(history)) {
            if (s.after() == null || out.containsKey(s.after())) {
                continue;
            }
            Map<String, Object> h = s.line();
            Object action = h.get("action");
            String label;
            String id;
            if ("config".equals(action)) {
                label = "config set " + h.get("parameter") + " " + text(h.get("old_value")) + " -> "
                        + text(h.get("new_value"));
                id = str(h.get("change_id"));
            } else if ("rollback".equals(action)) {
                label = "rollback to " + h.get("version");
                id = str(h.get("event_id"));
            } else {
                label = ("params".equals(h.get("kind")) ? "learned parameters, " : "deploy of ") + h.get("version");
                id = str(h.get("event_id"));
            }
            out.put(s.after(), new Origin(s.after(), String.valueOf(action), label, id, str(h.get("time")), str(h.get("version"))));
        }
        return out;
    }

    /** The revisions before and after a {@code config} line of the history (either null when unknown). */
    public static String[] around(List<Map<String, Object>> history, Map<String, Object> change) {
        for (Step s : replay(history)) {
            if (s.line() == change || s.line().equals(change)) {
                return new String[] {s.before(), s.after()};
            }
        }
        return new String[] {null, null};
    }

    private static String text(Object v) {
        return new String(Json.encode(v), StandardCharsets.UTF_8);
    }

    private static String str(Object o) {
        return o instanceof String s ? s : null;
    }
}
