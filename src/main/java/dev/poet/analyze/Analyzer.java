package dev.poet.analyze;

import dev.poet.PoetException;
import dev.poet.event.Timestamps;
import dev.poet.store.Names;
import dev.poet.store.Settings;
import dev.poet.store.Store;
import java.io.IOException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Function;

/** {@code poet analyze}: the patterns of a function, by version, window, feature and test, and the verdict. */
public final class Analyzer {
    private static final long DAY = 86_400_000L;

    /** Which executions to look at, by their time; null bounds are open. */
    public record Window(Instant since, Instant until) {
        boolean contains(long t) {
            return (since == null || t >= since.toEpochMilli()) && (until == null || t < until.toEpochMilli());
        }
    }

    private final Store store;
    private final Facts facts;
    private final Map<String, Object> settings;
    private final long now;

    public Analyzer(Store store, Facts facts, long now) throws IOException {
        this.store = store;
        this.facts = facts;
        this.settings = Settings.read(store);
        this.now = now;
    }

    /** The current version: the store's {@code current} link, else the highest version seen in executions. */
    String currentVersion(String fn, List<ExecutionFacts> xs) throws IOException {
        if (store.versions().exists(fn)) {
            var c = store.versions().current(fn);
            if (c.version().isPresent()) {
                return c.version().get();
            }
        }
        String best = null;
        for (ExecutionFacts x : xs) {
            if (x.version != null && (best == null || versionNumber(x.version) > versionNumber(best))) {
                best = x.version;
            }
        }
        return best;
    }

    private static int versionNumber(String v) {
        return Names.isVersion(v) ? Integer.parseInt(v.substring(1)) : 0;
    }

    public Map<String, Object> analyze(String fn, String onlyVersion, Window window) throws IOException {
        Names.function(fn);
        List<ExecutionFacts> all = facts.of(fn);
        if (all.isEmpty() && !store.versions().exists(fn)) {
            throw PoetException.notFound("no function " + fn + " in " + store.root()
                    + " (nothing processed for it either; run 'poet correlate' first?)");
        }
        Thresholds t = Thresholds.of(settings, fn);
        String current = currentVersion(fn, all);
        List<ExecutionFacts> inWindow = new ArrayList<>();
        for (ExecutionFacts x : all) {
            if (window.contains(x.time) && (onlyVersion == null || onlyVersion.equals(x.version))) {
                inWindow.add(x);
            }
        }
        Map<String, List<ExecutionFacts>> byVersion = group(inWindow, x -> x.version == null ? "(none)" : x.version);
        List<String> versions = new ArrayList<>(byVersion.keySet());
        versions.sort((a, b) -> a.equals(current) ? -1 : b.equals(current) ? 1 : versionNumber(b) - versionNumber(a));
        if (onlyVersion != null && versions.isEmpty()) {
            versions.add(onlyVersion);
        }
        long ackTarget = t.ackTargetMinutes() * 60_000L;
        Long implicit = t.implicitNegativeAfterMillis();

        Map<String, Object> out = new LinkedHashMap<>();
        out.put("function", fn);
        out.put("current_version", current);
        Map<String, Object> w = new LinkedHashMap<>();
        w.put("since", window.since() == null ? null : Timestamps.format(window.since()));
        w.put("until", window.until() == null ? null : Timestamps.format(window.until()));
        out.put("window", w);
        IncidentSettings incidentSettings = IncidentSettings.of(settings, fn);
        Map<String, Object> overall = new Patterns(inWindow, ackTarget, now, implicit).toMap();
        overall.put("incidents", incidents(inWindow, incidentSettings));
        out.put("overall", overall);
        List<Object> vs = new ArrayList<>();
        List<Map<String, Object>> history = history(fn);
        Map<String, Object> learnedHeldOut = learnedHeldOut(history);
        Map<String, ParamsRevisions.Origin> origins = ParamsRevisions.origins(history);
        for (String v : versions) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("version", v);
            m.put("current", v.equals(current));
            m.putAll(new Patterns(byVersion.getOrDefault(v, List.of()), ackTarget, now, implicit).toMap());
            m.put("incidents", incidents(byVersion.getOrDefault(v, List.of()), incidentSettings));
            m.put("learned_held_out", learnedHeldOut.get(v));
            m.put("params_revisions", revisions(byVersion.getOrDefault(v, List.of()), origins, ackTarget));
            vs.add(m);
        }
        out.put("versions", vs);
        out.put("live_params_revision", liveRevision(fn));
        out.put("by_feature", breakdown(inWindow, x -> x.feature, ackTarget));
        out.put("by_feature_type", breakdown(inWindow, x -> x.featureType, ackTarget));
        out.put("by_test", breakdown(inWindow, x -> x.test, ackTarget));
        out.put("by_params_revision", breakdown(inWindow, x -> x.paramsRevision, ackTarget));
        out.put("by_feature_type_and_test", breakdown(inWindow,
                x -> x.featureType == null || x.test == null ? null : x.featureType + "/" + x.test, ackTarget));
        out.put("false_positive_rate_over_time", overTime(byVersion, versions));

        List<ExecutionFacts> currentData = new ArrayList<>();
        for (ExecutionFacts x : all) {
            if (window.contains(x.time) && current != null && current.equals(x.version)) {
                currentData.add(x);
            }
        }
        Patterns judged = new Patterns(currentData, ackTarget, now, implicit);
        List<Object> rules = new ArrayList<>();
        boolean needs = false;
        for (Rules.Outcome o : Rules.judge(judged, t)) {
            rules.add(o.toMap());
            needs |= o.fired();
        }
        Map<String, Object> verdict = new LinkedHashMap<>();
        verdict.put("needs_improvement", needs);
        verdict.put("judged_on", current);
        verdict.put("min_samples", t.minSamples());
        verdict.put("rules", rules);
        out.put("verdict", verdict);
        out.put("learning", lastLearn(fn));
        return out;
    }

    /**
     * The incidents among {@code xs} (executions of one input whose verdict is real drift, see
     * {@link Incidents}) and how the alerts they raised caught them; with the key it groups by.
     */
    static Map<String, Object> incidents(List<ExecutionFacts> xs, IncidentSettings s) {
        Incidents in = Incidents.group(xs, ExecutionFacts::subject, ExecutionFacts::time,
                x -> Boolean.TRUE.equals(x.verdictReal), s.mergeGap());
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("key", s.key());
        m.put("merge_gap", (long) s.mergeGap());
        m.putAll(in.score(i -> xs.get(i).alert).toMap());
        return m;
    }

    /**
     * For each parameter revision the params generator deployed, the held-out figures it was
     * deployed on (live and learned decisions on executions later than those it learned from),
     * from the function's history.
     */
    private Map<String, Object> learnedHeldOut(List<Map<String, Object>> history) {
        Map<String, Object> out = new LinkedHashMap<>();
        for (Map<String, Object> m : history) {
            if ("deploy".equals(m.get("action")) && m.get("held_out") instanceof Map && m.get("version") instanceof String) {
                out.put((String) m.get("version"), m.get("held_out"));
            }
        }
        return out;
    }

    /** The function's history, oldest first (empty when it has none or it cannot be read). */
    private List<Map<String, Object>> history(String fn) {
        try {
            return store.versions().history(fn);
        } catch (IOException | RuntimeException e) {
            return List.of();
        }
    }

    /** The revision of the parameters live now, or null without a readable params file. */
    private String liveRevision(String fn) {
        try {
            java.nio.file.Path p = store.versions().paramsFile(fn);
            return java.nio.file.Files.exists(p)
                    ? ParamsRevisions.of(dev.poet.json.Json.parseObject(java.nio.file.Files.readAllBytes(p), "params")) : null;
        } catch (IOException | RuntimeException e) {
            return null;
        }
    }

    /**
     * A version's executions by the parameters revision they ran with, in the order the revisions
     * were first seen, each with the change that made it (from the history) and its burden.
     */
    private List<Object> revisions(List<ExecutionFacts> xs, Map<String, ParamsRevisions.Origin> origins, long ackTarget) {
        Map<String, List<ExecutionFacts>> by = new LinkedHashMap<>();
        List<ExecutionFacts> sorted = new ArrayList<>(xs);
        sorted.sort(java.util.Comparator.comparingLong(x -> x.time));
        for (ExecutionFacts x : sorted) {
            by.computeIfAbsent(x.paramsRevision == null ? "(not recorded)" : x.paramsRevision, k -> new ArrayList<>()).add(x);
        }
        List<Object> out = new ArrayList<>();
        for (Map.Entry<String, List<ExecutionFacts>> g : by.entrySet()) {
            List<ExecutionFacts> group = g.getValue();
            Patterns p = new Patterns(group, ackTarget, now);
            Map<String, Object> m = new LinkedHashMap<>();
            boolean recorded = !g.getKey().equals("(not recorded)");
            m.put("revision", recorded ? g.getKey() : null);
            ParamsRevisions.Origin o = recorded ? origins.get(g.getKey()) : null;
            m.put("made_by", o == null ? (recorded ? "outside poet" : null) : o.action());
            m.put("description", o == null ? (recorded ? "parameters no change in the history made (edited by hand, or"
                    + " passed by the caller)" : "executions that did not record their parameters") : o.label());
            m.put("change_id", o == null ? null : o.changeId());
            m.put("executions", p.executions);
            m.put("alerts", p.alerts);
            m.put("false_positive_rate", p.falsePositiveRate.toMap());
            m.put("missed_drift_rate", p.missedDriftRate.toMap());
            m.put("first_seen", Timestamps.format(java.time.Instant.ofEpochMilli(group.get(0).time)));
            m.put("last_seen", Timestamps.format(java.time.Instant.ofEpochMilli(group.get(group.size() - 1).time)));
            out.add(m);
        }
        return out;
    }

    /** The summary {@code poet learn} writes after each pass. */
    public static final String LEARN_LAST = "learn_last.json";

    /**
     * What the last {@code poet learn} pass found for {@code fn}: when, the version it judged,
     * what regeneration did, its diagnosis and held-out figures; null when no pass has looked at it.
     */
    @SuppressWarnings("unchecked")
    private Map<String, Object> lastLearn(String fn) {
        Map<String, Object> last;
        try {
            last = dev.poet.json.Json.parseObject(java.nio.file.Files.readAllBytes(store.indexDir().resolve(LEARN_LAST)),
                    LEARN_LAST);
        } catch (IOException | RuntimeException e) {
            return null; // never run, or a file being replaced: nothing to show
        }
        if (!(last.get("functions") instanceof List)) {
            return null;
        }
        for (Object o : (List<Object>) last.get("functions")) {
            if (o instanceof Map && fn.equals(((Map<String, Object>) o).get("function"))) {
                Map<String, Object> f = (Map<String, Object>) o;
                Map<String, Object> regen = f.get("regeneration") instanceof Map ? (Map<String, Object>) f.get("regeneration")
                        : Map.of();
                Map<String, Object> m = new LinkedHashMap<>();
                m.put("at", last.get("finished"));
                m.put("version", f.get("version"));
                m.put("result", regen.get("result"));
                m.put("deployed", regen.get("version"));
                m.put("diagnosis", regen.get("diagnosis"));
                m.put("held_out", regen.get("held_out"));
                m.put("notes", regen.get("notes"));
                return m;
            }
        }
        return null;
    }

    /** One line per function, worst first: most rules fired, then highest false-positive rate. */
    @SuppressWarnings("unchecked")
    public List<Map<String, Object>> summary(Window window) throws IOException {
        List<String> fns = new ArrayList<>(facts.functions());
        for (String f : store.versions().functions()) {
            if (!fns.contains(f)) {
                fns.add(f);
            }
        }
        List<Map<String, Object>> rows = new ArrayList<>();
        for (String fn : fns) {
            Map<String, Object> a = analyze(fn, null, window);
            Map<String, Object> verdict = (Map<String, Object>) a.get("verdict");
            Map<String, Object> row = new LinkedHashMap<>();
            row.put("function", fn);
            row.put("current_version", a.get("current_version"));
            Map<String, Object> current = currentPatterns(a);
            for (String k : List.of("executions", "false_positive_rate", "missed_drift_rate", "alert_fatigue_score",
                    "cost_efficiency")) {
                row.put(k, current.get(k));
            }
            List<String> fired = new ArrayList<>();
            for (Map<String, Object> rule : firedRules(a)) {
                fired.add((String) rule.get("rule"));
            }
            row.put("needs_improvement", verdict.get("needs_improvement"));
            row.put("rules_fired", fired);
            rows.add(row);
        }
        rows.sort((a, b) -> {
            int f = Integer.compare(((List<?>) b.get("rules_fired")).size(), ((List<?>) a.get("rules_fired")).size());
            return f != 0 ? f : Double.compare(fp(b), fp(a));
        });
        return rows;
    }

    /** The patterns of the current version in an {@link #analyze} result (the overall ones when it has none). */
    @SuppressWarnings("unchecked")
    public static Map<String, Object> currentPatterns(Map<String, Object> analysis) {
        return ((List<Map<String, Object>>) analysis.get("versions")).stream()
                .filter(v -> Boolean.TRUE.equals(v.get("current"))).findFirst()
                .orElse((Map<String, Object>) analysis.get("overall"));
    }

    /** The rules that fired in an {@link #analyze} result's verdict, with their numbers. */
    @SuppressWarnings("unchecked")
    public static List<Map<String, Object>> firedRules(Map<String, Object> analysis) {
        List<Map<String, Object>> fired = new ArrayList<>();
        for (Object r : (List<Object>) ((Map<String, Object>) analysis.get("verdict")).get("rules")) {
            if (Boolean.TRUE.equals(((Map<String, Object>) r).get("fired"))) {
                fired.add((Map<String, Object>) r);
            }
        }
        return fired;
    }

    @SuppressWarnings("unchecked")
    private static double fp(Map<String, Object> row) {
        Object v = ((Map<String, Object>) row.get("false_positive_rate")).get("value");
        return v == null ? -1 : (Double) v;
    }

    private static Map<String, List<ExecutionFacts>> group(List<ExecutionFacts> xs, Function<ExecutionFacts, String> key) {
        Map<String, List<ExecutionFacts>> m = new TreeMap<>();
        for (ExecutionFacts x : xs) {
            String k = key.apply(x);
            if (k != null) {
                m.computeIfAbsent(k, z -> new ArrayList<>()).add(x);
            }
        }
        return m;
    }

    private Map<String, Object> breakdown(List<ExecutionFacts> xs, Function<ExecutionFacts, String> key, long ackTarget) {
        Map<String, Object> out = new LinkedHashMap<>();
        for (Map.Entry<String, List<ExecutionFacts>> g : group(xs, key).entrySet()) {
            Patterns p = new Patterns(g.getValue(), ackTarget, now);
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("executions", p.executions);
            m.put("false_positive_rate", p.falsePositiveRate.toMap());
            m.put("missed_drift_rate", p.missedDriftRate.toMap());
            out.put(g.getKey(), m);
        }
        return out;
    }

    /** The false-positive rate per day (per week over more than 60 days), per version, by execution time. */
    private List<Object> overTime(Map<String, List<ExecutionFacts>> byVersion, List<String> versions) {
        long min = Long.MAX_VALUE;
        long max = Long.MIN_VALUE;
        for (List<ExecutionFacts> xs : byVersion.values()) {
            for (ExecutionFacts x : xs) {
                min = Math.min(min, x.time);
                max = Math.max(max, x.time);
            }
        }
        List<Object> out = new ArrayList<>();
        if (min > max) {
            return out;
        }
        long bucket = max - min > 60 * DAY ? 7 * DAY : DAY;
        long start = Math.floorDiv(min, DAY) * DAY;
        int buckets = (int) ((max - start) / bucket) + 1;
        for (String v : versions) {
            long[] k = new long[buckets];
            long[] n = new long[buckets];
            for (ExecutionFacts x : byVersion.getOrDefault(v, List.of())) {
                if (x.alert && x.verdictReal != null) {
                    int b = (int) ((x.time - start) / bucket);
                    n[b]++;
                    if (!x.verdictReal) {
                        k[b]++;
                    }
                }
            }
            List<Object> points = new ArrayList<>();
            for (int i = 0; i < buckets; i++) {
                Map<String, Object> p = new LinkedHashMap<>();
                p.put("start", Timestamps.format(Instant.ofEpochMilli(start + i * bucket)));
                p.put("value", n[i] == 0 ? null : (double) k[i] / n[i]);
                p.put("n", n[i]);
                points.add(p);
            }
            Map<String, Object> series = new LinkedHashMap<>();
            series.put("version", v);
            series.put("bucket", bucket == DAY ? "day" : "week");
            series.put("points", points);
            out.add(series);
        }
        return out;
    }
}
