package dev.poet.learn;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/**
 * The params generator's switches: seasonal adjustment (from reviewers' reasons) and the window
 * size (from measured parameter changes). Their effect cannot be replayed from what executions
 * recorded (the test results were computed with the old setting), so what they learn is not
 * deployed: it runs in shadow first (docs/learning.md, "Shadow candidates").
 */
public final class Switches {
    private Switches() {
    }

    /**
     * Whether a change the params generator reports is one of these switches (its text starts as
     * {@link #seasonal} and {@link #window} write it): such a change runs in shadow first.
     */
    public static boolean isChange(String change) {
        return change.startsWith("seasonal adjustment") || change.startsWith("window_size ");
    }

    static void seasonal(ParamsLearner.Options options, Map<String, Object> params, long falsePositives, Map<String, Long> reasons, List<String> changes,
                          List<String> notes, Map<String, Object> report) {
        long seasonal = 0;
        List<String> matched = new ArrayList<>();
        for (Map.Entry<String, Long> r : reasons.entrySet()) {
            String lower = r.getKey().toLowerCase(Locale.ROOT);
            if (options.seasonalReasons().stream().anyMatch(s -> lower.contains(s.toLowerCase(Locale.ROOT)))) {
                seasonal += r.getValue();
                matched.add(r.getKey());
            }
        }
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("false_positives", falsePositives);
        m.put("seasonal", seasonal);
        m.put("reasons", matched);
        report.put("seasonal", m);
        if (Boolean.TRUE.equals(params.get("seasonal_adjustment"))) {
            m.put("decision", "already on");
            return;
        }
        String numbers = seasonal + " of " + falsePositives + " false positives of the live version have a seasonal reason"
                + (matched.isEmpty() ? "" : " (" + String.join(", ", matched) + ")");
        if (seasonal >= 5 && seasonal * 2 > falsePositives) {
            params.put("seasonal_adjustment", true);
            m.put("decision", "turned on");
            changes.add("seasonal adjustment on: " + numbers);
        } else {
            m.put("decision", "left off");
            if (falsePositives > 0) {
                notes.add("seasonal adjustment left off: " + numbers + " (needs at least 5 and more than half)");
            }
        }
    }

    static void window(ParamsLearner.Options options, Map<String, Object> params, List<ParamsLearner.WindowMeasure> windows, List<String> changes, List<String> notes,
                        Map<String, Object> report) {
        Map<Double, ParamsLearner.WindowMeasure> latest = new TreeMap<>();
        for (ParamsLearner.WindowMeasure w : windows) {
            latest.put(w.windowSize(), w);
        }
        List<Object> rows = new ArrayList<>();
        ParamsLearner.WindowMeasure best = null;
        double budget = options.maxLatencyHours() * 3600;
        for (ParamsLearner.WindowMeasure w : latest.values()) {
            Map<String, Object> r = new LinkedHashMap<>();
            r.put("window_size", w.windowSize());
            r.put("false_positive_rate", w.falsePositiveRate());
            r.put("n", w.n());
            r.put("median_latency_s", w.medianLatencyS());
            r.put("change_id", w.changeId());
            boolean eligible = w.falsePositiveRate() != null && w.n() >= options.minSamples() && w.medianLatencyS() != null
                    && w.medianLatencyS() <= budget;
            r.put("eligible", eligible);
            rows.add(r);
            if (eligible && (best == null || w.falsePositiveRate() < best.falsePositiveRate() - 1e-12
                    || (Math.abs(w.falsePositiveRate() - best.falsePositiveRate()) <= 1e-12
                    && w.medianLatencyS() < best.medianLatencyS()))) {
                best = w;
            }
        }
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("max_latency_hours", options.maxLatencyHours());
        m.put("measured", rows);
        report.put("window_size", m);
        if (best == null) {
            if (!latest.isEmpty()) {
                notes.add("window size unchanged: no measured window has " + options.minSamples()
                        + " validated alerts and a median detection latency within " + ParamsLearner.fmt(options.maxLatencyHours()) + " h");
            }
            return;
        }
        Object live = params.get("window_size");
        if (live instanceof Number && ((Number) live).doubleValue() == best.windowSize()) {
            m.put("decision", "kept");
            return;
        }
        Object value = best.windowSize() == Math.rint(best.windowSize()) ? (Object) (long) best.windowSize() : best.windowSize();
        params.put("window_size", value);
        m.put("decision", value);
        changes.add("window_size " + live + " -> " + value + ": false-positive rate " + ParamsLearner.fmt(best.falsePositiveRate())
                + " (n=" + best.n() + "), median detection latency " + ParamsLearner.fmt(best.medianLatencyS() / 3600) + " h, the lowest"
                + " false-positive rate among measured windows within " + ParamsLearner.fmt(options.maxLatencyHours()) + " h");
    }
}
