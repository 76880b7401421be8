package dev.poet.learn;

import dev.poet.PoetException;
import dev.poet.Status;
import dev.poet.analyze.Thresholds;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The learning settings of {@code poet.json} that regeneration, probation and {@code poet learn}
 * read: {@code learning.params} (the params generator), {@code learning.impact_days}, and
 * {@code generator}; {@code functions.<fn>.learning} overrides {@code learning} per function.
 */
public record LearnSettings(Thresholds thresholds, ParamsLearner.Options params, int impactDays,
                            double regenerateCooldownHours, Map<?, ?> generator, boolean shadowFirst) {

    public static LearnSettings of(Map<String, Object> settings, String fn) {
        Thresholds t = Thresholds.of(settings, fn);
        Map<?, ?> base = map(settings.get("learning"));
        Map<?, ?> own = fn == null ? Map.of() : map(map(map(settings.get("functions")).get(fn)).get("learning"));
        Map<?, ?> p = map(base.get("params"));
        Map<?, ?> ownP = map(own.get("params"));
        Object recall = pick(ownP, p, "recall_target");
        if (recall != null && (!(recall instanceof Number) || ((Number) recall).doubleValue() <= 0
                || ((Number) recall).doubleValue() > 1)) {
            throw bad("learning.params.recall_target must be a number in (0, 1] or null, got " + recall);
        }
        Object reasons = pick(ownP, p, "seasonal_reasons");
        List<String> seasonal = new ArrayList<>(ParamsLearner.Options.SEASONAL);
        if (reasons != null) {
            if (!(reasons instanceof List)) {
                throw bad("learning.params.seasonal_reasons must be a list of strings");
            }
            seasonal.clear();
            for (Object o : (List<?>) reasons) {
                if (!(o instanceof String) || ((String) o).isEmpty()) {
                    throw bad("learning.params.seasonal_reasons must be a list of non-empty strings");
                }
                seasonal.add((String) o);
            }
        }
        Object latency = pick(ownP, p, "max_detection_latency_hours");
        if (latency != null && (!(latency instanceof Number) || ((Number) latency).doubleValue() <= 0)) {
            throw bad("learning.params.max_detection_latency_hours must be a positive number, got " + latency);
        }
        Object objective = pick(ownP, p, "objective");
        if (objective != null && !ParamsLearner.Options.OBJECTIVES.contains(objective)) {
            throw bad("learning.params.objective must be one of " + String.join(", ", ParamsLearner.Options.OBJECTIVES)
                    + ", got " + objective);
        }
        Object tolerance = pick(ownP, p, "false_alert_tolerance");
        if (tolerance != null && (!(tolerance instanceof Number) || ((Number) tolerance).doubleValue() < 0)) {
            throw bad("learning.params.false_alert_tolerance must be a number >= 0 (0.1 is 10% more), got " + tolerance);
        }
        Object gap = pick(ownP, p, "validation_gap_hours");
        if (gap != null && (!(gap instanceof Number) || ((Number) gap).doubleValue() < 0)) {
            throw bad("learning.params.validation_gap_hours must be a number of hours >= 0, got " + gap);
        }
        Object days = pick(own, base, "impact_days");
        if (days != null && (!(days instanceof Number) || ((Number) days).intValue() < 1)) {
            throw bad("learning.impact_days must be a whole number of days >= 1, got " + days);
        }
        Object cooldown = pick(own, base, "regenerate_cooldown_hours");
        if (cooldown != null && (!(cooldown instanceof Number) || ((Number) cooldown).doubleValue() < 0)) {
            throw bad("learning.regenerate_cooldown_hours must be a number of hours >= 0, got " + cooldown);
        }
        Object shadowFirst = pick(own, base, "shadow_first");
        if (shadowFirst != null && !(shadowFirst instanceof Boolean)) {
            throw bad("learning.shadow_first must be true or false, got " + shadowFirst);
        }
        dev.poet.analyze.IncidentSettings incidents = dev.poet.analyze.IncidentSettings.of(settings, fn);
        return new LearnSettings(t,
                new ParamsLearner.Options(t.minSamples(), recall == null ? null : ((Number) recall).doubleValue(), seasonal,
                        latency == null ? 24 : ((Number) latency).doubleValue(),
                        objective == null ? "auto" : (String) objective,
                        tolerance == null ? ParamsLearner.Options.FALSE_ALERT_TOLERANCE : ((Number) tolerance).doubleValue(),
                        gap == null ? ParamsLearner.Options.VALIDATION_GAP_HOURS : ((Number) gap).doubleValue(),
                        incidents.mergeGap(), incidents.delayTolerance()),
                days == null ? 7 : ((Number) days).intValue(),
                cooldown == null ? 24 : ((Number) cooldown).doubleValue(),
                map(settings.get("generator")), !Boolean.FALSE.equals(shadowFirst));
    }

    /** A generator setting, or null. */
    public String generatorString(String key) {
        Object v = generator.get(key);
        return v instanceof String ? (String) v : null;
    }

    private static Object pick(Map<?, ?> first, Map<?, ?> second, String key) {
        return first.containsKey(key) ? first.get(key) : second.get(key);
    }

    private static Map<?, ?> map(Object o) {
        return o instanceof Map ? (Map<?, ?>) o : Map.of();
    }

    private static PoetException bad(String msg) {
        return new PoetException(Status.NO_STORE, "poet.json: " + msg);
    }
}
