package dev.poet.analyze;

import dev.poet.event.Event;
import dev.poet.event.EventLog;
import dev.poet.store.EventSpool.State;
import dev.poet.store.Store;
import java.io.IOException;
import java.time.Clock;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Builds {@link ExecutionFacts} for every execution from the processed log. Only correlated
 * events count: an outcome still waiting in {@code pending/} is not analysed yet.
 */
public final class Facts {
    private final Map<String, ExecutionFacts> byId = new HashMap<>();

    /** Reads the whole processed log. */
    public static Facts recompute(Store store) throws IOException {
        Facts f = new Facts();
        new EventLog(store, Clock.systemUTC()).forEach(List.of(State.PROCESSED), s -> {
            if (s.event() != null) {
                f.add(s.event());
            }
        });
        return f;
    }

    /** Executions of one function that are known (their execution.completed was processed). */
    public List<ExecutionFacts> of(String function) {
        List<ExecutionFacts> out = new ArrayList<>();
        for (ExecutionFacts x : byId.values()) {
            if (x.known && function.equals(x.function)) {
                out.add(x);
            }
        }
        out.sort((a, b) -> Long.compare(a.time, b.time));
        return out;
    }

    /** Functions with at least one known execution. */
    public List<String> functions() {
        List<String> out = new ArrayList<>();
        for (ExecutionFacts x : byId.values()) {
            if (x.known && !out.contains(x.function)) {
                out.add(x.function);
            }
        }
        out.sort(null);
        return out;
    }

    private ExecutionFacts facts(String id) {
        return byId.computeIfAbsent(id, ExecutionFacts::new);
    }

    public void add(Event e) {
        Map<String, Object> d = e.data();
        Map<String, Object> c = e.correlation() == null ? Map.of() : e.correlation();
        switch (e.type()) {
            case "execution.completed": {
                ExecutionFacts x = facts(e.executionId());
                x.known = true;
                x.function = e.function();
                x.version = e.version();
                x.time = e.time().toEpochMilli();
                x.alert = Boolean.TRUE.equals(d.get("drift_detected"));
                x.success = d.get("success") instanceof Boolean ? (Boolean) d.get("success") : null;
                x.durationMs = num(d.get("duration_ms"));
                x.feature = str(d.get("feature"));
                x.featureType = str(d.get("feature_type"));
                x.test = str(d.get("test"));
                Double cost = num(d.get("cost_usd"));
                if (cost != null) {
                    x.cost += cost;
                    x.hasCost = true;
                }
                break;
            }
            case "drift.validation": {
                if (e.executionId() == null || c.containsKey("duplicate_of")) {
                    break;
                }
                ExecutionFacts x = facts(e.executionId());
                long t = e.time().toEpochMilli();
                if (t >= x.verdictTime) {
                    x.verdictTime = t;
                    x.verdictReal = Boolean.TRUE.equals(d.get("was_real_drift"));
                    x.verdictReason = str(d.get("reason"));
                }
                break;
            }
            case "alert.created":
                if (e.executionId() != null) {
                    facts(e.executionId()).alertRaised = true;
                }
                break;
            case "alert.acknowledged": {
                Double tta = num(d.get("time_to_ack_s"));
                if (e.executionId() != null) {
                    ExecutionFacts x = facts(e.executionId());
                    x.alertRaised = true;
                    if (tta != null && (x.timeToAckS == null || tta < x.timeToAckS)) {
                        x.timeToAckS = tta;
                    }
                }
                break;
            }
            case "alert.batch_dismissed": {
                Object ids = c.get("execution_ids");
                if (ids instanceof List) {
                    for (Object id : (List<?>) ids) {
                        if (id instanceof String) {
                            ExecutionFacts x = facts((String) id);
                            x.batchDismissed = true;
                            x.alertRaised = true;
                        }
                    }
                }
                break;
            }
            case "execution.cost_measured":
            case "cost.measured": {
                Double cost = num(d.get("cost_usd"));
                if (e.executionId() != null && cost != null) {
                    ExecutionFacts x = facts(e.executionId());
                    x.cost += cost;
                    x.hasCost = true;
                }
                break;
            }
            case "drift.business_impact_measured": {
                if (e.executionId() != null) {
                    ExecutionFacts x = facts(e.executionId());
                    Double r = num(d.get("revenue_impact"));
                    Double cv = num(d.get("conversion_impact"));
                    x.revenueImpact += r == null ? 0 : r;
                    x.conversionImpact += cv == null ? 0 : cv;
                    x.hasImpact = true;
                }
                break;
            }
            default:
                break;
        }
    }

    private static Double num(Object o) {
        return o instanceof Number ? ((Number) o).doubleValue() : null;
    }

    private static String str(Object o) {
        return o instanceof String ? (String) o : null;
    }
}
