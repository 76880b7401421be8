package dev.poet.analyze;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Daily series of one function, per version, for the HTML report: by execution day (UTC), the
 * false-positive and missed-drift rates with their n, the alerts, the median time to
 * acknowledge, and the average cost per costed execution.
 */
public final class Timeline {
    private static final long DAY = 86_400_000L;

    private Timeline() {
    }

    /** One day of one version. */
    public record Point(long day, String version, long executions, long alerts, long fp, long fpN, long missed,
                        long missedN, Double medianAckS, Double avgCost) {
        public Double fpRate() {
            return fpN == 0 ? null : (double) fp / fpN;
        }

        public Double missedRate() {
            return missedN == 0 ? null : (double) missed / missedN;
        }
    }

    public static List<Point> daily(List<ExecutionFacts> xs) {
        Map<String, Map<Long, List<ExecutionFacts>>> by = new TreeMap<>();
        for (ExecutionFacts x : xs) {
            if (!x.known) {
                continue;
            }
            by.computeIfAbsent(x.version == null ? "(none)" : x.version, k -> new TreeMap<>())
                    .computeIfAbsent(Math.floorDiv(x.time, DAY) * DAY, k -> new ArrayList<>()).add(x);
        }
        List<Point> out = new ArrayList<>();
        for (Map.Entry<String, Map<Long, List<ExecutionFacts>>> v : by.entrySet()) {
            for (Map.Entry<Long, List<ExecutionFacts>> d : v.getValue().entrySet()) {
                long alerts = 0;
                long fp = 0;
                long fpN = 0;
                long missed = 0;
                long missedN = 0;
                double cost = 0;
                long costN = 0;
                List<Double> acks = new ArrayList<>();
                for (ExecutionFacts x : d.getValue()) {
                    if (x.alert) {
                        alerts++;
                        if (x.verdictReal != null) {
                            fpN++;
                            fp += x.verdictReal ? 0 : 1;
                        }
                    }
                    if (Boolean.TRUE.equals(x.verdictReal)) {
                        missedN++;
                        missed += x.alert ? 0 : 1;
                    }
                    if (x.hasCost) {
                        cost += x.cost;
                        costN++;
                    }
                    if (x.timeToAckS != null) {
                        acks.add(x.timeToAckS);
                    }
                }
                acks.sort(null);
                double[] a = acks.stream().mapToDouble(Double::doubleValue).toArray();
                out.add(new Point(d.getKey(), v.getKey(), d.getValue().size(), alerts, fp, fpN, missed, missedN,
                        Patterns.percentile(a, 50), costN == 0 ? null : cost / costN));
            }
        }
        return out;
    }

    /** The false-positive reasons of the function, most common first. */
    public static Map<String, Long> reasons(List<ExecutionFacts> xs) {
        Map<String, Long> n = new LinkedHashMap<>();
        Map<String, Long> counts = new TreeMap<>();
        for (ExecutionFacts x : xs) {
            if (x.alert && Boolean.FALSE.equals(x.verdictReal)) {
                counts.merge(x.verdictReason == null ? "(no reason)" : x.verdictReason, 1L, Long::sum);
            }
        }
        counts.entrySet().stream().sorted((p, q) -> Long.compare(q.getValue(), p.getValue()))
                .forEach(e -> n.put(e.getKey(), e.getValue()));
        return n;
    }
}
