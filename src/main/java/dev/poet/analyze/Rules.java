package dev.poet.analyze;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * When a function needs improvement: false-positive rate above 0.3, missed-drift rate above 0.1,
 * alert fatigue above 0.7, or cost efficiency below 0.5 (all from poet.json, overridable per
 * function), judged on the current version only, only with at least {@code min_samples} behind
 * the rate, and only when the Wilson bound on the safe side crosses the threshold too: the lower
 * bound for an upper limit, the upper bound for a lower limit. So a small sample never fires.
 */
public final class Rules {
    /** One rule's outcome. */
    public record Outcome(String rule, String comparison, double threshold, Rate rate, boolean evaluated,
                          boolean fired, String why) {
        public Map<String, Object> toMap() {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("rule", rule);
            m.put("comparison", comparison);
            m.put("threshold", threshold);
            m.put("value", rate.value());
            m.put("n", rate.n());
            m.put("low", rate.low());
            m.put("high", rate.high());
            m.put("evaluated", evaluated);
            m.put("fired", fired);
            m.put("why", why);
            return m;
        }
    }

    private Rules() {
    }

    public static List<Outcome> judge(Patterns p, Thresholds t) {
        List<Outcome> out = new ArrayList<>();
        out.add(above("false_positive_rate", p.falsePositiveRate, t.falsePositiveRate(), t.minSamples()));
        out.add(above("missed_drift_rate", p.missedDriftRate, t.missedDriftRate(), t.minSamples()));
        out.add(above("alert_fatigue_score", p.alertFatigueScore, t.alertFatigueScore(), t.minSamples()));
        out.add(below("cost_efficiency", p.costEfficiency, t.costEfficiency(), t.minSamples()));
        return out;
    }

    private static Outcome above(String rule, Rate r, double threshold, long min) {
        if (!r.hasData() || r.n() < min) {
            return new Outcome(rule, ">", threshold, r, false, false, "not enough data: n=" + r.n() + " < " + min);
        }
        boolean fired = r.value() > threshold && r.low() > threshold;
        String why = fired ? String.format(java.util.Locale.ROOT, "%.3f > %.3f and its 95%% lower bound %.3f > %.3f (n=%d)",
                r.value(), threshold, r.low(), threshold, r.n())
                : r.value() > threshold ? String.format(java.util.Locale.ROOT,
                        "%.3f > %.3f but its 95%% lower bound %.3f is not (n=%d)", r.value(), threshold, r.low(), r.n())
                : String.format(java.util.Locale.ROOT, "%.3f <= %.3f (n=%d)", r.value(), threshold, r.n());
        return new Outcome(rule, ">", threshold, r, true, fired, why);
    }

    private static Outcome below(String rule, Rate r, double threshold, long min) {
        if (!r.hasData() || r.n() < min) {
            return new Outcome(rule, "<", threshold, r, false, false, "not enough data: n=" + r.n() + " < " + min);
        }
        boolean fired = r.value() < threshold && r.high() < threshold;
        String why = fired ? String.format(java.util.Locale.ROOT, "%.3f < %.3f and its 95%% upper bound %.3f < %.3f (n=%d)",
                r.value(), threshold, r.high(), threshold, r.n())
                : r.value() < threshold ? String.format(java.util.Locale.ROOT,
                        "%.3f < %.3f but its 95%% upper bound %.3f is not (n=%d)", r.value(), threshold, r.high(), r.n())
                : String.format(java.util.Locale.ROOT, "%.3f >= %.3f (n=%d)", r.value(), threshold, r.n());
        return new Outcome(rule, "<", threshold, r, true, fired, why);
    }
}
