package dev.poet.analyze;

import dev.poet.PoetException;
import dev.poet.Status;
import java.util.Map;

/**
 * How executions are grouped into incidents ({@link Incidents}): poet.json's
 * {@code learning.incidents}, with {@code functions.<fn>.learning.incidents} overriding it.
 * {@code key} is the field of an execution's data naming its monitored input ({@code feature},
 * or e.g. {@code dataset}); {@code mergeGap} how many executions that are not real drift may lie
 * between two real ones of one incident; {@code delayTolerance} how many executions later than
 * the live decisions' a candidate's median detection delay may be.
 */
public record IncidentSettings(String key, int mergeGap, double delayTolerance) {
    public static final IncidentSettings DEFAULT = new IncidentSettings(Incidents.KEY, Incidents.MERGE_GAP,
            Incidents.DELAY_TOLERANCE);

    public static IncidentSettings of(Map<String, Object> settings, String function) {
        Map<?, ?> base = map(map(settings.get("learning")).get("incidents"));
        Map<?, ?> own = function == null ? Map.of()
                : map(map(map(map(map(settings.get("functions")).get(function)).get("learning"))).get("incidents"));
        Object key = own.containsKey("key") ? own.get("key") : base.get("key");
        if (key != null && (!(key instanceof String) || ((String) key).isEmpty())) {
            throw bad("learning.incidents.key must be the name of a field of the executions' data, such as feature"
                    + " or dataset, got " + key);
        }
        Object gap = own.containsKey("merge_gap") ? own.get("merge_gap") : base.get("merge_gap");
        if (gap != null && (!(gap instanceof Number) || ((Number) gap).doubleValue() < 0
                || ((Number) gap).doubleValue() != Math.rint(((Number) gap).doubleValue()))) {
            throw bad("learning.incidents.merge_gap must be a whole number of executions >= 0, got " + gap);
        }
        Object tol = own.containsKey("delay_tolerance") ? own.get("delay_tolerance") : base.get("delay_tolerance");
        if (tol != null && (!(tol instanceof Number) || ((Number) tol).doubleValue() < 0)) {
            throw bad("learning.incidents.delay_tolerance must be a number of executions >= 0, got " + tol);
        }
        return new IncidentSettings(key == null ? Incidents.KEY : (String) key,
                gap == null ? Incidents.MERGE_GAP : ((Number) gap).intValue(),
                tol == null ? Incidents.DELAY_TOLERANCE : ((Number) tol).doubleValue());
    }

    private static Map<?, ?> map(Object o) {
        return o instanceof Map ? (Map<?, ?>) o : Map.of();
    }

    private static PoetException bad(String msg) {
        return new PoetException(Status.NO_STORE, "poet.json: " + msg);
    }
}
