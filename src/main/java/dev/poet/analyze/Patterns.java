package dev.poet.analyze;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The patterns of a set of executions, as defined in docs/learning.md. An alert is an execution
 * with {@code drift_detected: true}; only an execution's latest verdict counts.
 */
public final class Patterns {
    public final Rate falsePositiveRate;
    public final Rate missedDriftRate;
    public final Rate alertFatigueScore;
    public final Rate costEfficiency;
    public final Rate errorRate;
    public final long executions;
    public final long alerts;
    public final long validated;
    /** Quiet executions without a verdict, older than the grace period: counted as "not real". */
    public final long implicitNegatives;
    /** Executions whose truth is known or assumed: a verdict, or an implicit negative. */
    public final long counted;
    /** Alerts over all executions: the alert receiver's load. */
    public final Rate alertsPerExecution;
    /** Alerts judged "not real" over all executions: the receiver's wasted load. */
    public final Rate falseAlertsPerExecution;
    final List<Map.Entry<String, Long>> falsePositiveReasons;
    private final double[] timesToAck;
    private final double[] durations;
    private boolean sorted;
    final long costed;
    final double totalCost;
    final double[] realImpact = new double[3];
    final double[] falseImpact = new double[3];

    /**
     * @param ackTargetMillis the acknowledgement target
     * @param now             alerts younger than the target and not yet acknowledged are undecided and left out
     */
    public Patterns(List<ExecutionFacts> xs, long ackTargetMillis, long now) {
        this(xs, ackTargetMillis, now, null);
    }

    /**
     * @param implicitAfterMillis how old a quiet execution without a verdict must be to count as
     *                            "not real" (null: never)
     */
    public Patterns(List<ExecutionFacts> xs, long ackTargetMillis, long now, Long implicitAfterMillis) {
        long implicit = 0;
        long fpK = 0;
        long fpN = 0;
        long missK = 0;
        long missN = 0;
        long fatigueK = 0;
        long fatigueN = 0;
        long errors = 0;
        long withStatus = 0;
        long alertCount = 0;
        long validatedCount = 0;
        double wrongCost = 0;
        double cost = 0;
        long costedCount = 0;
        Map<String, Long> reasons = new TreeMap<>();
        double[] acks = new double[16];
        int ackCount = 0;
        double[] durs = new double[16];
        int durCount = 0;
        for (ExecutionFacts x : xs) {
            Boolean v = x.verdictReal;
            if (x.alert) {
                alertCount++;
                if (v != null) {
                    fpN++;
                    if (!v) {
                        fpK++;
                        reasons.merge(x.verdictReason == null ? "(no reason given)" : x.verdictReason, 1L, Long::sum);
                    }
                }
                if (x.alertRaised) {
                    boolean late = x.timeToAckS != null ? x.timeToAckS * 1000 > ackTargetMillis
                            : now - x.time > ackTargetMillis;
                    boolean decided = x.batchDismissed || x.timeToAckS != null || now - x.time > ackTargetMillis;
                    if (decided) {
                        fatigueN++;
                        if (x.batchDismissed || late) {
                            fatigueK++;
                        }
                    }
                }
                if (x.timeToAckS != null) {
                    if (ackCount == acks.length) {
                        acks = java.util.Arrays.copyOf(acks, ackCount * 2);
                    }
                    acks[ackCount++] = x.timeToAckS;
                }
            }
            if (v == null && !x.alert && x.known && implicitAfterMillis != null && now - x.time > implicitAfterMillis) {
                implicit++;
            }
            if (v != null) {
                validatedCount++;
                if (v) {
                    missN++;
                    if (!x.alert) {
                        missK++;
                    }
                }
            }
            if (x.success != null) {
                withStatus++;
                if (!x.success) {
                    errors++;
                }
            }
            if (x.durationMs != null) {
                if (durCount == durs.length) {
                    durs = java.util.Arrays.copyOf(durs, durCount * 2);
                }
                durs[durCount++] = x.durationMs;
            }
            if (x.hasCost) {
                costedCount++;
                cost += x.cost;
                boolean wrong = v != null && (x.alert ? !v : v);
                if (wrong) {
                    wrongCost += x.cost;
                }
            }
            if (x.hasImpact && v != null) {
                double[] into = v ? realImpact : x.alert ? falseImpact : null;
                if (into != null) {
                    into[0] += x.revenueImpact;
                    into[1] += x.conversionImpact;
                    into[2]++;
                }
            }
        }
        executions = xs.size();
        alerts = alertCount;
        validated = validatedCount;
        implicitNegatives = implicit;
        counted = validatedCount + implicit;
        alertsPerExecution = Rate.of(alertCount, executions);
        falseAlertsPerExecution = Rate.of(fpK, executions);
        falsePositiveRate = Rate.of(fpK, fpN);
        missedDriftRate = Rate.of(missK, missN);
        alertFatigueScore = Rate.of(fatigueK, fatigueN);
        errorRate = Rate.of(errors, withStatus);
        costed = costedCount;
        totalCost = cost;
        costEfficiency = costedCount == 0 || cost <= 0 ? Rate.of(0, 0)
                : Rate.of((1 - wrongCost / cost) * costedCount, costedCount);
        List<Map.Entry<String, Long>> ranked = new ArrayList<>(reasons.entrySet());
        ranked.sort((a, b) -> Long.compare(b.getValue(), a.getValue()));
        falsePositiveReasons = ranked;
        timesToAck = java.util.Arrays.copyOf(acks, ackCount);
        durations = java.util.Arrays.copyOf(durs, durCount);
    }

    /** Sorted only when a percentile is asked for: breakdowns never ask. */
    private void sort() {
        if (!sorted) {
            java.util.Arrays.sort(timesToAck);
            java.util.Arrays.sort(durations);
            sorted = true;
        }
    }

    /** The nearest-rank percentile of sorted values, or null when there are none. */
    static Double percentile(double[] sorted, double p) {
        if (sorted.length == 0) {
            return null;
        }
        int rank = (int) Math.ceil(p / 100.0 * sorted.length);
        return sorted[Math.max(0, Math.min(sorted.length - 1, rank - 1))];
    }

    /** Every number, as the stable JSON form of {@code poet analyze --json}. */
    public Map<String, Object> toMap() {
        sort();
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("executions", executions);
        m.put("alerts", alerts);
        m.put("validated", validated);
        m.put("implicit_negatives", implicitNegatives);
        m.put("alerts_per_execution", alertsPerExecution.toMap());
        m.put("false_alerts_per_execution", falseAlertsPerExecution.toMap());
        m.put("false_positive_rate", falsePositiveRate.toMap());
        m.put("missed_drift_rate", missedDriftRate.toMap());
        m.put("alert_fatigue_score", alertFatigueScore.toMap());
        m.put("cost_efficiency", costEfficiency.toMap());
        List<Object> reasons = new ArrayList<>();
        for (Map.Entry<String, Long> r : falsePositiveReasons) {
            Map<String, Object> e = new LinkedHashMap<>();
            e.put("reason", r.getKey());
            e.put("count", r.getValue());
            reasons.add(e);
        }
        m.put("false_positive_reasons", reasons);
        Map<String, Object> ack = new LinkedHashMap<>();
        ack.put("n", (long) timesToAck.length);
        ack.put("median_s", percentile(timesToAck, 50));
        ack.put("p90_s", percentile(timesToAck, 90));
        m.put("time_to_ack", ack);
        Map<String, Object> perf = new LinkedHashMap<>();
        perf.put("n", (long) durations.length);
        perf.put("p50_ms", percentile(durations, 50));
        perf.put("p95_ms", percentile(durations, 95));
        perf.put("error_rate", errorRate.toMap());
        m.put("performance", perf);
        Map<String, Object> cost = new LinkedHashMap<>();
        cost.put("n", costed);
        cost.put("avg_cost_usd", costed == 0 ? null : totalCost / costed);
        cost.put("total_cost_usd", costed == 0 ? null : totalCost);
        m.put("cost", cost);
        Map<String, Object> impact = new LinkedHashMap<>();
        impact.put("real_drift", impact(realImpact));
        impact.put("false_alarm", impact(falseImpact));
        m.put("business_impact", impact);
        return m;
    }

    private static Map<String, Object> impact(double[] v) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("n", (long) v[2]);
        m.put("revenue_impact", v[2] == 0 ? null : v[0]);
        m.put("conversion_impact", v[2] == 0 ? null : v[1]);
        return m;
    }
}
