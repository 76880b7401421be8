package dev.poet.learn;

import dev.poet.event.Event;
import dev.poet.event.EventLog;
import dev.poet.event.Timestamps;
import dev.poet.json.Json;
import dev.poet.store.Store;
import dev.poet.store.Versions;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * The function's history as a write-ahead journal. Every change that moves {@code current} or
 * the parameters is written in this order, under the function's lock:
 * <ol>
 * <li>whatever new file it needs (a version file), complete and durable;</li>
 * <li>the history line, which says everything the change will do (the version to make live, the
 * full parameters to leave live, the ids of its events);</li>
 * <li>its events, under the ids the line names, so recording them twice is one event;</li>
 * <li>the parameters file, replaced atomically;</li>
 * <li>the {@code current} link, swapped atomically.</li>
 * </ol>
 * A change killed after step 2 is completed by {@link #recover}: the last line is the truth,
 * and {@code current} or the parameters disagreeing with it means the steps after it did not all
 * happen, so they are done again. Before step 2 nothing visible has changed.
 */
public final class Journal {
    private Journal() {
    }

    /** The events a history line implies, rebuilt from the line alone (so recovery records the same ones). */
    @SuppressWarnings("unchecked")
    static List<Event> eventsOf(String fn, Map<String, Object> line) {
        List<Event> out = new ArrayList<>();
        String action = String.valueOf(line.get("action"));
        java.time.Instant t = Timestamps.parse((String) line.get("time"), "history time");
        String version = (String) line.get("version");
        switch (action) {
            case "deploy": {
                Map<String, Object> completed = new LinkedHashMap<>();
                completed.put("generator", line.get("generator"));
                if (line.get("previous_version") != null) {
                    completed.put("previous_version", line.get("previous_version"));
                }
                completed.put("sha256", line.get("sha256"));
                out.add(new Event((String) line.get("completed_event_id"), "enhancement.completed", t, "poet", fn, version,
                        null, completed, null));
                Map<String, Object> deployed = new LinkedHashMap<>();
                if (line.get("previous_version") != null) {
                    deployed.put("previous_version", line.get("previous_version"));
                }
                deployed.put("reason", line.get("reason"));
                deployed.put("generator", line.get("generator"));
                for (String k : List.of("kind", "code_from", "changes", "replay", "patterns")) {
                    if (line.get(k) != null) {
                        deployed.put(k, line.get(k));
                    }
                }
                out.add(new Event((String) line.get("event_id"), "version.deployed", t, "poet", fn, version, null, deployed,
                        null));
                break;
            }
            case "rollback": {
                Map<String, Object> data = new LinkedHashMap<>();
                data.put("from_version", line.get("previous_version") == null ? "(none)" : line.get("previous_version"));
                data.put("reason", line.get("reason"));
                if (Boolean.TRUE.equals(line.get("params_restored"))) {
                    data.put("params_restored", true);
                }
                out.add(new Event((String) line.get("event_id"), "version.rolled_back", t, "poet", fn, version, null, data,
                        null));
                break;
            }
            case "config": {
                Map<String, Object> data = new LinkedHashMap<>();
                data.put("parameter", line.get("parameter"));
                data.put("old_value", line.get("old_value"));
                data.put("new_value", line.get("new_value"));
                data.put("change_id", line.get("change_id"));
                if (line.get("reason") != null) {
                    data.put("reason", line.get("reason"));
                }
                out.add(new Event((String) line.get("change_id"), "config.changed", t, "cli", fn, version, null, data, null));
                break;
            }
            default:
                break;
        }
        return out;
    }

    /**
     * Steps 2 to 5 for one line: append it, record its events, then make the parameters and
     * {@code current} what it says. The caller holds the function's lock and wrote any new file.
     */
    static void apply(Store store, EventLog events, String fn, Map<String, Object> line) throws IOException {
        store.versions().appendHistory(fn, Json.encodeLine(line));
        finish(store, events, fn, line, false);
    }

    /** Steps 3 to 5; when recovering, events already recorded (perhaps correlated since) are not recorded again. */
    private static void finish(Store store, EventLog events, String fn, Map<String, Object> line, boolean recovering)
            throws IOException {
        for (Event e : eventsOf(fn, line)) {
            if (!recovering || events.findOne(e.id()).isEmpty()) {
                events.record(e);
            }
        }
        Versions versions = store.versions();
        Map<String, Object> params = paramsAfter(store, fn, line);
        if (params != null) {
            versions.writeParams(fn, (Json.pretty(params) + "\n").getBytes(StandardCharsets.UTF_8));
        }
        Object target = line.get("version");
        if (("deploy".equals(line.get("action")) || "rollback".equals(line.get("action"))) && target instanceof String
                && !target.equals(versions.current(fn).version().orElse(null))) {
            versions.swapCurrent(fn, (String) target);
        }
    }

    /** The parameters the line leaves live when the file does not hold them yet; null when it already does. */
    @SuppressWarnings("unchecked")
    private static Map<String, Object> paramsAfter(Store store, String fn, Map<String, Object> line) throws IOException {
        Map<String, Object> live;
        try {
            live = ParamsChanger.read(store, fn);
        } catch (dev.poet.PoetException e) {
            return null; // corrupt, not interrupted: reported by status, never silently replaced
        }
        Object action = line.get("action");
        if (("deploy".equals(action) || "rollback".equals(action)) && line.get("params") instanceof Map) {
            Map<String, Object> want = (Map<String, Object>) line.get("params");
            return live != null && Json.sameValue(live, want) ? null : want;
        }
        if ("config".equals(action) && line.get("parameter") instanceof String) {
            Map<String, Object> base = live;
            String p = (String) line.get("parameter");
            if (base.containsKey(p) && Json.sameValue(base.get(p), line.get("new_value"))) {
                return null;
            }
            base.put(p, line.get("new_value"));
            return base;
        }
        return null;
    }

    /**
     * Completes a change a killed process left half done: when the last line's version is not
     * {@code current}, or its parameters are not the live ones, the steps after the line are done
     * again. Returns what was completed, or null when the store already agreed with its history.
     * The caller holds the function's lock.
     */
    public static String recover(Store store, EventLog events, String fn) throws IOException {
        if (!Files.exists(store.versions().historyFile(fn))) {
            return null;
        }
        List<Map<String, Object>> history = store.versions().history(fn);
        Map<String, Object> last = null;
        for (Map<String, Object> h : history) {
            if (h.get("action") instanceof String && h.get("time") instanceof String) {
                last = h;
            }
        }
        if (last == null) {
            return null;
        }
        Object action = last.get("action");
        boolean moves = "deploy".equals(action) || "rollback".equals(action);
        // an interrupted swap leaves the old link or none at all (a first deploy), never a broken one:
        // a link that names no valid version is damage for 'poet rollback --to', not an interrupted change
        var cur = store.versions().current(fn);
        String current = cur.version().orElse(null);
        boolean linkMissing = !Files.exists(store.versions().currentFile(fn), java.nio.file.LinkOption.NOFOLLOW_LINKS);
        boolean currentOff = moves && last.get("version") instanceof String && (current != null || linkMissing)
                && !Objects.equals(last.get("version"), current)
                && Files.isRegularFile(store.versions().versionFile(fn, (String) last.get("version")));
        boolean paramsOff = paramsAfter(store, fn, last) != null;
        if (!currentOff && !paramsOff) {
            return null;
        }
        finish(store, events, fn, last, true);
        return "completed an interrupted " + action + (last.get("version") != null ? " of " + last.get("version") : "")
                + " (" + (currentOff ? fn + "_current.py" : "") + (currentOff && paramsOff ? " and " : "")
                + (paramsOff ? fn + "_params.json" : "") + " did not match the history yet)";
    }
}
