package dev.poet.analyze;

import dev.poet.PoetException;
import dev.poet.Status;
import java.util.Map;

/**
 * The learning thresholds: poet.json's {@code learning}, with {@code functions.<fn>.learning}
 * overriding per function. {@code implicitNegativeAfterDays} is how long a quiet execution (no
 * alert, no verdict) waits before it counts as "not real drift"; null when that is turned off.
 */
public record Thresholds(double falsePositiveRate, double missedDriftRate, double alertFatigueScore,
                         double costEfficiency, long minSamples, long ackTargetMinutes, Double implicitNegativeAfterDays) {
    /** The default grace period before a quiet, unjudged execution counts as a negative. */
    public static final double IMPLICIT_NEGATIVE_AFTER_DAYS = 7;

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
                (long) num(own, base, "ack_target_minutes", 60),
                implicitAfter(own, base));
    }

    /** The grace period in milliseconds, or null when implicit negatives are off. */
    public Long implicitNegativeAfterMillis() {
        return implicitNegativeAfterDays == null ? null : (long) (implicitNegativeAfterDays * 86_400_000L);
    }

    /** {@code implicit_negative_after_days}: a number of days >= 0, or null / false for off; absent: 7. */
    private static Double implicitAfter(Map<?, ?> own, Map<?, ?> base) {
        String key = "implicit_negative_after_days";
        Map<?, ?> from = own.containsKey(key) ? own : base.containsKey(key) ? base : null;
        if (from == null) {
            return IMPLICIT_NEGATIVE_AFTER_DAYS;
        }
        Object v = from.get(key);
        if (v == null || Boolean.FALSE.equals(v)) {
            return null;
        }
        if (!(v instanceof Number) || ((Number) v).doubleValue() < 0) {
            throw new PoetException(Status.NO_STORE, "poet.json: learning." + key
                    + " must be a number of days >= 0, or null or false to turn implicit negatives off, got " + v);
        }
        return ((Number) v).doubleValue();
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
