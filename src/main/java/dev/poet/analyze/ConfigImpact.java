package dev.poet.analyze;

import dev.poet.PoetException;
import dev.poet.event.Timestamps;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The effect of a parameter change: the same measures over the {@code days} before the change
 * and the {@code days} after it, by execution time. Detection latency: executions whose verdict
 * is "real drift" form episodes per feature (consecutive ones at most 36 hours apart, so a daily
 * job's runs stay one episode); an episode's latency is the time from its first execution to its
 * first alert, and an episode with no alert is counted as undetected.
 */
public final class ConfigImpact {
    private static final long EPISODE_GAP = 36 * 3_600_000L;

    private ConfigImpact() {
    }

    public static Map<String, Object> measure(List<ExecutionFacts> xs, Map<String, Object> change, int days, long ackTargetMillis,
                                              long now) {
        return measure(xs, change, List.of(), days, ackTargetMillis, now);
    }

    /**
     * As {@link #measure(List, Map, int, long, long)}, and with the history the change is in, by
     * the parameters each execution ran with where it recorded them: an execution after the change
     * that still ran the old parameters (a long-running process that read them before, a caller
     * passing its own copy) is counted apart, not as the change's effect; likewise one before it
     * that ran the new ones.
     */
    public static Map<String, Object> measure(List<ExecutionFacts> xs, Map<String, Object> change,
                                              List<Map<String, Object>> history, int days, long ackTargetMillis, long now) {
        Object time = change.get("time");
        if (!(time instanceof String)) {
            throw PoetException.invalid("the change has no time in the history");
        }
        long t = Timestamps.parse((String) time, "history time").toEpochMilli();
        long span = days * 86_400_000L;
        List<ExecutionFacts> before = new ArrayList<>();
        List<ExecutionFacts> after = new ArrayList<>();
        String[] around = ParamsRevisions.around(history, change);
        String oldRev = around[0];
        String newRev = around[1];
        boolean distinct = oldRev != null && newRev != null && !oldRev.equals(newRev);
        long afterOld = 0;
        long beforeNew = 0;
        for (ExecutionFacts x : xs) {
            if (x.time >= t - span && x.time < t) {
                if (distinct && newRev.equals(x.paramsRevision)) {
                    beforeNew++;
                } else {
                    before.add(x);
                }
            } else if (x.time >= t && x.time < t + span) {
                if (distinct && oldRev.equals(x.paramsRevision)) {
                    afterOld++;
                } else {
                    after.add(x);
                }
            }
        }
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("change_id", change.get("change_id"));
        m.put("parameter", change.get("parameter"));
        m.put("old_value", change.get("old_value"));
        m.put("new_value", change.get("new_value"));
        m.put("changed_at", time);
        m.put("days", (long) days);
        boolean complete = now >= t + span;
        m.put("complete", complete);
        m.put("remaining_s", complete ? 0L : (t + span - now) / 1000);
        m.put("old_params_revision", oldRev);
        m.put("new_params_revision", newRev);
        m.put("before", window(before, days, ackTargetMillis, now));
        m.put("after", window(after, days, ackTargetMillis, now));
        m.put("after_ran_old_params", afterOld);
        m.put("before_ran_new_params", beforeNew);
        return m;
    }

    private static Map<String, Object> window(List<ExecutionFacts> xs, int days, long ackTarget, long now) {
        Patterns p = new Patterns(xs, ackTarget, now);
        Map<String, Object> w = new LinkedHashMap<>();
        w.put("executions", p.executions);
        w.put("false_positive_rate", p.falsePositiveRate.toMap());
        w.put("missed_drift_rate", p.missedDriftRate.toMap());
        w.put("alerts", p.alerts);
        w.put("alerts_per_day", (double) p.alerts / days);
        w.put("detection_latency", latency(xs));
        return w;
    }

    private static Map<String, Object> latency(List<ExecutionFacts> xs) {
        Map<String, List<ExecutionFacts>> byFeature = new LinkedHashMap<>();
        for (ExecutionFacts x : xs) {
            if (Boolean.TRUE.equals(x.verdictReal)) {
                byFeature.computeIfAbsent(x.feature == null ? "" : x.feature, k -> new ArrayList<>()).add(x);
            }
        }
        List<Double> latencies = new ArrayList<>();
        long undetected = 0;
        for (List<ExecutionFacts> real : byFeature.values()) {
            real.sort(Comparator.comparingLong(x -> x.time));
            int i = 0;
            while (i < real.size()) {
                int j = i;
                while (j + 1 < real.size() && real.get(j + 1).time - real.get(j).time <= EPISODE_GAP) {
                    j++;
                }
                Double lat = null;
                for (int k = i; k <= j; k++) {
                    if (real.get(k).alert) {
                        lat = (real.get(k).time - real.get(i).time) / 1000.0;
                        break;
                    }
                }
                if (lat == null) {
                    undetected++;
                } else {
                    latencies.add(lat);
                }
                i = j + 1;
            }
        }
        latencies.sort(null);
        double[] sorted = latencies.stream().mapToDouble(Double::doubleValue).toArray();
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("episodes", (long) (latencies.size() + undetected));
        m.put("detected", (long) latencies.size());
        m.put("median_s", Patterns.percentile(sorted, 50));
        m.put("p90_s", Patterns.percentile(sorted, 90));
        return m;
    }

    /** The latest parameter change in a history, or the one with this id. */
    public static Map<String, Object> find(List<Map<String, Object>> history, String changeId) {
        Map<String, Object> found = null;
        for (Map<String, Object> h : history) {
            if ("config".equals(h.get("action")) && (changeId == null || changeId.equals(h.get("change_id")))) {
                found = h;
            }
        }
        if (found == null) {
            throw PoetException.notFound(changeId == null ? "no parameter change in the history; make one with 'poet config set'"
                    : "no parameter change " + changeId + " in the history ('poet config history' lists them)");
        }
        return found;
    }

}
