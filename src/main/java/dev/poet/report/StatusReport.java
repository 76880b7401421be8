package dev.poet.report;

import dev.poet.PoetException;
import dev.poet.json.Json;
import dev.poet.store.AtomicFile;
import dev.poet.store.EventSpool.State;
import dev.poet.store.Names;
import dev.poet.store.Store;
import dev.poet.store.Versions;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What {@code poet status} shows: each function's live version, versions, parameters and last
 * change, event counts per state, the last learn run, and every problem found on the way
 * (a dangling {@code current}, unreadable parameters, a torn history line). Reading never
 * changes the store.
 */
public final class StatusReport {
    private StatusReport() {
    }

    /** The report as an ordered map: its JSON form is the stable {@code poet status --json} format. */
    public static Map<String, Object> build(Store store, String onlyFunction) throws IOException {
        Versions versions = store.versions();
        List<String> fns;
        if (onlyFunction != null) {
            Names.function(onlyFunction);
            if (!versions.exists(onlyFunction)) {
                throw PoetException.notFound("no function " + onlyFunction + " in " + store.root());
            }
            fns = List.of(onlyFunction);
        } else {
            fns = versions.functions();
        }
        List<String> problems = new ArrayList<>();
        List<Object> functions = new ArrayList<>();
        for (String fn : fns) {
            functions.add(function(versions, fn, problems));
        }
        Object summary = readJsonOrNull(store.root().resolve(Store.INDEX).resolve("correlate_last.json"), problems);
        Map<String, Object> events = new LinkedHashMap<>();
        for (State s : State.values()) {
            events.put(s.dirName(), s == State.PROCESSED ? processed(store, summary)
                    : s == State.FAILED ? count(store.spool().dir(s), false) - reasons(store.spool().dir(s))
                    : count(store.spool().dir(s), s == State.TMP));
        }
        long claimed = 0;
        for (Path claim : store.claims().claimed()) {
            claimed += count(claim, false);
        }
        events.put("pending", (Long) events.get("pending") + claimed);
        events.put("trash_batches", (long) store.claims().trash().size());
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("store", store.root().toString());
        m.put("functions", functions);
        m.put("events", events);
        m.put("last_correlate", summary);
        Object lastLearn = readJsonOrNull(store.root().resolve(Store.INDEX).resolve("learn_last.json"), problems);
        m.put("last_learn", lastLearn);
        // a shadow's running score is the last learn pass's judgement of it (status reads no event log)
        if (lastLearn instanceof Map && ((Map<?, ?>) lastLearn).get("functions") instanceof List) {
            for (Object o : (List<?>) ((Map<?, ?>) lastLearn).get("functions")) {
                if (!(o instanceof Map) || !(((Map<?, ?>) o).get("shadow") instanceof Map)) {
                    continue;
                }
                Map<?, ?> judged = (Map<?, ?>) ((Map<?, ?>) o).get("shadow");
                for (Object fo : functions) {
                    @SuppressWarnings("unchecked")
                    Map<String, Object> f = (Map<String, Object>) fo;
                    if (f.get("name").equals(((Map<?, ?>) o).get("function")) && f.get("shadow") instanceof Map
                            && ((Map<?, ?>) f.get("shadow")).get("id") != null
                            && ((Map<?, ?>) f.get("shadow")).get("id").equals(judged.get("shadow"))) {
                        Map<String, Object> score = new LinkedHashMap<>();
                        score.put("state", judged.get("state"));
                        score.put("reason", judged.get("reason"));
                        score.put("at", ((Map<?, ?>) lastLearn).get("finished"));
                        f.put("shadow_score", score);
                    }
                }
            }
        }
        m.put("problems", problems);
        return m;
    }

    private static Map<String, Object> function(Versions versions, String fn, List<String> problems) throws IOException {
        Map<String, Object> f = new LinkedHashMap<>();
        f.put("name", fn);
        Versions.Current cur = versions.current(fn);
        f.put("current", cur.version().orElse(null));
        cur.problem().ifPresent(p -> problems.add(fn + ": " + p));
        List<String> vs = new ArrayList<>();
        for (int n : versions.versionNumbers(fn)) {
            vs.add("v" + n);
        }
        f.put("versions", vs);
        Object params = readJsonOrNull(versions.paramsFile(fn), problems);
        f.put("params", params);
        Object last = lastHistoryEntry(versions.historyFile(fn), fn, problems);
        f.put("last_change", last);
        Object shadow = readJsonOrNull(versions.paramsFile(fn).resolveSibling(fn + "_shadow.json"), problems);
        if (shadow != null) {
            f.put("shadow", shadow);
        }
        String interrupted = interrupted(fn, last, cur.version().orElse(null), params);
        if (interrupted != null) {
            f.put("interrupted", interrupted);
        }
        return f;
    }

    /**
     * A change the history announces but the store does not show yet: a process was killed between
     * writing the history line and finishing the change. Not a problem: the next deploy, rollback,
     * config set or learn pass completes it (see docs/store-format.md, the history as a journal).
     */
    private static String interrupted(String fn, Object last, String current, Object params) {
        if (!(last instanceof Map)) {
            return null;
        }
        Map<?, ?> h = (Map<?, ?>) last;
        Object action = h.get("action");
        if (("deploy".equals(action) || "rollback".equals(action)) && current != null && h.get("version") instanceof String
                && !h.get("version").equals(current)) {
            return "the " + action + " of " + h.get("version") + " was interrupted (current is still " + current
                    + "); the next poet learn, deploy, rollback or config set completes it";
        }
        if ("config".equals(action) && params instanceof Map && h.get("parameter") instanceof String
                && !Json.sameValue(((Map<?, ?>) params).get(h.get("parameter")), h.get("new_value"))) {
            return "the change of " + h.get("parameter") + " was interrupted; the next poet learn, deploy, rollback or"
                    + " config set completes it";
        }
        return null;
    }

    private static Object readJsonOrNull(Path p, List<String> problems) throws IOException {
        if (!Files.exists(p)) {
            return null;
        }
        try {
            return Json.parse(Files.readAllBytes(p), p.getFileName().toString());
        } catch (PoetException e) {
            problems.add(e.getMessage());
            return null;
        }
    }

    private static Object lastHistoryEntry(Path p, String fn, List<String> problems) throws IOException {
        if (!Files.exists(p)) {
            return null;
        }
        List<String> lines = Files.readAllLines(p, StandardCharsets.UTF_8);
        for (int i = lines.size() - 1; i >= 0; i--) {
            String line = lines.get(i);
            if (line.isBlank()) {
                continue;
            }
            try {
                return Json.parse(line.getBytes(StandardCharsets.UTF_8), p.getFileName().toString());
            } catch (PoetException e) {
                problems.add(p.getFileName() + " line " + (i + 1) + " is torn or invalid and is ignored");
            }
        }
        return null;
    }

    /** The processed total from the last correlate run, or, without one, the lines of every segment. */
    private static long processed(Store store, Object summary) throws IOException {
        if (summary instanceof Map && ((Map<?, ?>) summary).get("processed_total") instanceof Long) {
            return (Long) ((Map<?, ?>) summary).get("processed_total");
        }
        long n = 0;
        for (dev.poet.store.Segments.Segment s : store.segments().list()) {
            n += dev.poet.store.Segments.lines(s.path()).size();
        }
        return n;
    }

    private static long reasons(Path dir) throws IOException {
        long n = 0;
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(dir, "*.reason")) {
            for (Path ignored : ds) {
                n++;
            }
        }
        return n;
    }

    private static long count(Path dir, boolean includeTemp) throws IOException {
        if (!Files.isDirectory(dir)) {
            return 0;
        }
        long n = 0;
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(dir)) {
            for (Path p : ds) {
                if (includeTemp) {
                    n++;
                } else if (!AtomicFile.isTemp(p)) {
                    // a batch file counts as the events its name announces
                    n += Math.max(1, dev.poet.store.Batches.count(p.getFileName().toString()));
                }
            }
        }
        return n;
    }
}
