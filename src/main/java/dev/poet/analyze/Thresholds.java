package dev.poet.analyze;

import dev.poet.PoetException;
import dev.poet.Status;
import java.util.Map;

/** The learning thresholds: poet.json's {@code learning}, with {@code functions.<fn>.learning} overriding per function. */
public record Thresholds(double falsePositiveRate, double missedDriftRate, double alertFatigueScore,
                         double costEfficiency, long minSamples, long ackTargetMinutes) {

    public static Thresholds of(Map<String, Object> settings, String function) {
        Map<?, ?> base = map(settings.get("learning"));
        Map<?, ?> fns = map(settings.get("functions"));
        Map<?, ?> own = function == null ? Map.of() : map(map(fns.get(function)).get("learning"));
        Map<?, ?> t = map(base.get("thresholds"));
        Map<?, ?> ownT = map(own.get("thresholds"));
        return new Thresholds(
                num(ownT, t, "false_positive_rate", 0.3),
                num(ownT, t, "missed_drift_rate", 0.1),
                num(ownT, t, "alert_fatigue_score", 0.7),
                num(ownT, t, "cost_efficiency", 0.5),
                (long) num(own, base, "min_samples", 20),
                (long) num(own, base, "ack_target_minutes", 60));
    }

    private static Map<?, ?> map(Object o) {
        return o instanceof Map ? (Map<?, ?>) o : Map.of();
    }

    private static double num(Map<?, ?> first, Map<?, ?> second, String key, double dflt) {
        Object v = first.containsKey(key) ? first.get(key) : second.get(key);
        if (v == null) {
            return dflt;
        }
        if (!(v instanceof Number)) {
            throw new PoetException(Status.NO_STORE, "poet.json: " + key + " must be a number, got " + v);
        }
        return ((Number) v).doubleValue();
    }
}
