package dev.poet.learn;

import dev.poet.learn.ParamsLearner.Labelled;
import dev.poet.learn.ParamsLearner.Score;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * What a version's parameters decide for an execution, from the test results it recorded: the
 * contract of docs/learning.md (a feature type's entry under {@code feature_types}, else the top
 * level; a rule is {@code test}, {@code threshold}, {@code alert_when}, or an {@code ensemble} of
 * them voting by majority; a bare top-level {@code threshold} applies to the execution's own test,
 * a p-value below it or a statistic above it). Only the decision rule can be replayed: parameters
 * that change how the function computes its tests (seasonal adjustment, the window) cannot.
 */
final class Replay {
    /** The parameters a replay understands; a change to any other key cannot be replayed. */
    static final Set<String> RULE_KEYS = Set.of("threshold", "test", "alert_when", "ensemble", "feature_types");

    private Replay() {
    }

    /** Whether two parameter sets differ only in their decision rules, so one can be replayed on the other's executions. */
    static boolean onlyRulesDiffer(Map<String, Object> a, Map<String, Object> b) {
        java.util.Set<String> keys = new java.util.HashSet<>(a.keySet());
        keys.addAll(b.keySet());
        for (String k : keys) {
            if (!RULE_KEYS.contains(k) && !Objects.equals(ParamsLearner.normalise(a.get(k)),
                    ParamsLearner.normalise(b.get(k)))) {
                return false;
            }
        }
        return true;
    }

    /** The decision of {@code params} for {@code x}, or null when it cannot be told (a test the rule needs was not recorded). */
    @SuppressWarnings("unchecked")
    static Boolean decide(Map<String, Object> params, Labelled x) {
        Object own = params.get("feature_types") instanceof Map && x.featureType() != null
                ? ((Map<String, Object>) params.get("feature_types")).get(x.featureType()) : null;
        Map<String, Object> rule = own instanceof Map ? (Map<String, Object>) own : params;
        if (rule.get("ensemble") instanceof List) {
            List<?> members = (List<?>) rule.get("ensemble");
            int votes = 0;
            for (Object m : members) {
                if (!(m instanceof Map)) {
                    return null;
                }
                Boolean v = single((Map<String, Object>) m, x);
                if (v == null) {
                    return null;
                }
                votes += v ? 1 : 0;
            }
            return !members.isEmpty() && votes * 2 > members.size();
        }
        return single(rule, x);
    }

    private static Boolean single(Map<String, Object> rule, Labelled x) {
        if (!(rule.get("threshold") instanceof Number)) {
            return null;
        }
        double t = ((Number) rule.get("threshold")).doubleValue();
        String test = rule.get("test") instanceof String ? (String) rule.get("test") : x.test();
        Score s = test == null ? (x.scores().size() == 1 ? x.scores().values().iterator().next() : null) : x.scores().get(test);
        if (s == null) {
            return null;
        }
        Object when = rule.get("alert_when");
        boolean pValue = when == null ? s.pValue() : ParamsLearner.P_VALUE_BELOW.equals(when);
        if (pValue != s.pValue()) {
            return null;
        }
        return pValue ? s.value() < t : s.value() > t;
    }
}
