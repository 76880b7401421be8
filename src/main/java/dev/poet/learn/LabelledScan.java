package dev.poet.learn;

import dev.poet.event.Event;
import dev.poet.event.EventLog;
import dev.poet.store.EventSpool.State;
import dev.poet.store.Store;
import java.io.IOException;
import java.time.Clock;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.function.Predicate;

/**
 * The counted executions of functions, read from the processed log in two passes: first the
 * latest verdict of each execution (repeats marked {@code duplicate_of} skipped, as analysis
 * does), then the test results of the executions that have one, and of the quiet ones (no alert,
 * no verdict) older than the function's grace period, counted as "not real" (implicit
 * negatives). Memory follows the number of counted executions.
 */
public final class LabelledScan {
    private LabelledScan() {
    }

    private record Verdict(boolean real, long time) {
    }

    /**
     * One function's counted executions; {@code implicitAfterMillis} is its grace period (null:
     * implicit negatives off) and {@code now} the present on the events' clock.
     */
    public static List<ParamsLearner.Labelled> scan(Store store, String fn, Long implicitAfterMillis, long now)
            throws IOException {
        return scan(store, fn::equals, f -> implicitAfterMillis, now).getOrDefault(fn, List.of());
    }

    /**
     * Every function's counted executions, in the same two passes as one function's: what a
     * {@code poet learn} pass reads once, however many functions it regenerates.
     */
    public static Map<String, List<ParamsLearner.Labelled>> scanAll(Store store, Function<String, Long> implicitAfterMillis,
                                                                    long now) throws IOException {
        return scan(store, fn -> true, implicitAfterMillis, now);
    }

    private static Map<String, List<ParamsLearner.Labelled>> scan(Store store, Predicate<String> functions,
                                                                  Function<String, Long> implicitAfterMillis, long now)
            throws IOException {
        EventLog log = new EventLog(store, Clock.systemUTC());
        // function -> execution id -> latest verdict
        Map<String, Map<String, Verdict>> verdicts = new HashMap<>();
        log.forEach(List.of(State.PROCESSED), s -> {
            Event e = s.event();
            if (e == null || !"drift.validation".equals(e.type()) || e.executionId() == null || e.function() == null
                    || !functions.test(e.function())
                    || (e.correlation() != null && e.correlation().containsKey("duplicate_of"))) {
                return;
            }
            long t = e.time().toEpochMilli();
            Map<String, Verdict> of = verdicts.computeIfAbsent(e.function(), k -> new HashMap<>());
            Verdict old = of.get(e.executionId());
            if (old == null || t >= old.time()) {
                of.put(e.executionId(), new Verdict(Boolean.TRUE.equals(e.data().get("was_real_drift")), t));
            }
        });
        Map<String, Long> grace = new HashMap<>();
        Map<String, Object> settings = dev.poet.store.Settings.read(store);
        Map<String, String> keys = new HashMap<>();
        Map<String, Map<String, ParamsLearner.Labelled>> out = new HashMap<>();
        log.forEach(List.of(State.PROCESSED), s -> {
            Event e = s.event();
            if (e == null || !"execution.completed".equals(e.type()) || e.function() == null || e.executionId() == null
                    || !functions.test(e.function())) {
                return;
            }
            Map<String, Verdict> of = verdicts.get(e.function());
            Verdict v = of == null ? null : of.get(e.executionId());
            ParamsLearner.Labelled x = null;
            String key = keys.computeIfAbsent(e.function(), f -> dev.poet.analyze.IncidentSettings.of(settings, f).key());
            if (v != null) {
                x = labelled(e, v.real(), false, key);
            } else if (!Boolean.TRUE.equals(e.data().get("drift_detected"))) {
                Long after = grace.computeIfAbsent(e.function(), f -> {
                    Long g = implicitAfterMillis.apply(f);
                    return g == null ? -1L : g;
                });
                if (after >= 0 && now - e.time().toEpochMilli() > after) {
                    x = labelled(e, false, true, key);
                }
            }
            if (x != null) {
                out.computeIfAbsent(e.function(), k -> new LinkedHashMap<>()).put(e.executionId(), x);
            }
        });
        Map<String, List<ParamsLearner.Labelled>> lists = new HashMap<>();
        out.forEach((fn, m) -> lists.put(fn, new ArrayList<>(m.values())));
        return lists;
    }

    /** A shadow's decision on one execution: null {@code alerted} when it failed or gave none. */
    public record ShadowDecision(boolean success, Boolean alerted, String error) {
    }

    /**
     * The decisions each function's registered shadow ({@code shadowIds}: function to shadow id)
     * recorded, by execution id, from one pass over the processed log; the last one recorded for
     * an execution counts.
     */
    public static Map<String, Map<String, ShadowDecision>> shadows(Store store, Map<String, String> shadowIds)
            throws IOException {
        Map<String, Map<String, ShadowDecision>> out = new HashMap<>();
        if (shadowIds.isEmpty()) {
            return out;
        }
        new EventLog(store, Clock.systemUTC()).forEach(List.of(State.PROCESSED), s -> {
            Event e = s.event();
            if (e == null || !"execution.shadow".equals(e.type()) || e.function() == null || e.executionId() == null
                    || !java.util.Objects.equals(shadowIds.get(e.function()), e.data().get("shadow"))) {
                return;
            }
            Map<String, Object> d = e.data();
            boolean ok = Boolean.TRUE.equals(d.get("success")) && d.get("drift_detected") instanceof Boolean;
            String error = d.get("error") instanceof String ? (String) d.get("error")
                    : ok ? null : "no drift_detected in the shadow's result";
            out.computeIfAbsent(e.function(), k -> new HashMap<>()).put(e.executionId(),
                    new ShadowDecision(ok, ok ? (Boolean) d.get("drift_detected") : null, error));
        });
        return out;
    }

    /**
     * An execution's reported tests: {@code tests} (name to p_value/statistic), plus its primary
     * {@code test}; its monitored input is the value of its data's field {@code key}.
     */
    static ParamsLearner.Labelled labelled(Event e, boolean real, boolean implicit, String key) {
        Map<String, Object> d = e.data();
        Map<String, ParamsLearner.Score> scores = new LinkedHashMap<>();
        if (d.get("tests") instanceof Map) {
            for (Map.Entry<?, ?> t : ((Map<?, ?>) d.get("tests")).entrySet()) {
                if (t.getValue() instanceof Map) {
                    ParamsLearner.Score s = score((Map<?, ?>) t.getValue());
                    if (s != null) {
                        scores.put(String.valueOf(t.getKey()).intern(), s);
                    }
                }
            }
        }
        String test = d.get("test") instanceof String ? (String) d.get("test") : null;
        ParamsLearner.Score primary = score(d);
        if (primary != null) {
            scores.putIfAbsent(test == null ? "test" : test, primary);
        }
        String ft = d.get("feature_type") instanceof String ? (String) d.get("feature_type") : null;
        Double cost = d.get("cost_usd") instanceof Number ? ((Number) d.get("cost_usd")).doubleValue() : null;
        return new ParamsLearner.Labelled(e.executionId(), e.time().toEpochMilli(), ft == null ? null : ft.intern(),
                Boolean.TRUE.equals(d.get("drift_detected")), real, implicit, cost, test == null ? null : test.intern(),
                scores.size() == 1 ? Map.copyOf(scores) : scores, input(d.get(key)),
                e.version() == null ? null : e.version().intern());
    }

    /** A monitored input's name: a string or number as text, interned (few distinct values); else null. */
    static String input(Object v) {
        if (v instanceof String) {
            return ((String) v).intern();
        }
        return v instanceof Number || v instanceof Boolean ? String.valueOf(v).intern() : null;
    }

    private static ParamsLearner.Score score(Map<?, ?> m) {
        if (m.get("p_value") instanceof Number) {
            return new ParamsLearner.Score(((Number) m.get("p_value")).doubleValue(), true);
        }
        if (m.get("statistic") instanceof Number) {
            return new ParamsLearner.Score(((Number) m.get("statistic")).doubleValue(), false);
        }
        return null;
    }
}
