package dev.poet.correlate;

import dev.poet.event.Event;
import java.util.List;
import java.util.Map;

/**
 * Finds the execution an outcome is about, by the first key that resolves, in this order: the
 * execution id itself; an alert id registered by {@code alert.created}; a PagerDuty incident id
 * or dedup key (poet's convention is {@code poet:<execution_id>}); an MLflow run id recorded on
 * the execution, or an MLflow tag {@code poet.execution_id}; a retraining reason
 * {@code drift_alert_<execution_id>}; an AWS cost allocation tag {@code poet:execution_id}
 * (as an object key, or Cost Explorer's {@code poet:execution_id$<id>} form).
 */
final class Resolver {
    static final String DEDUP_PREFIX = "poet:";
    static final String RETRAIN_PREFIX = "drift_alert_";
    static final String COST_TAG = "poet:execution_id";
    static final String MLFLOW_TAG = "poet.execution_id";

    /** The execution found and the key that led there. */
    record Match(String executionId, String matchedBy, String key) {
    }

    private final CorrelationIndex index;

    Resolver(CorrelationIndex index) {
        this.index = index;
    }

    Match resolve(Event e) {
        Map<String, Object> d = e.data();
        if (index.execution(e.executionId()) != null) {
            return new Match(e.executionId(), "execution_id", e.executionId());
        }
        Match m = viaAlert(CorrelationIndex.str(d.get("alert_id")), "alert_id");
        if (m == null) {
            m = viaAlert(CorrelationIndex.str(d.get("incident_id")), "incident_id");
        }
        if (m == null) {
            String dedup = CorrelationIndex.str(d.get("dedup_key"));
            m = viaAlert(dedup, "dedup_key");
            if (m == null && dedup != null && dedup.startsWith(DEDUP_PREFIX)) {
                m = direct(dedup.substring(DEDUP_PREFIX.length()), "dedup_key", dedup);
            }
        }
        if (m == null) {
            String run = CorrelationIndex.str(d.get("mlflow_run_id"));
            String exec = index.executionOfMlflowRun(run);
            if (exec != null) {
                m = new Match(exec, "mlflow_run_id", run);
            }
        }
        if (m == null) {
            for (String field : new String[] {"mlflow_tags", "tags"}) {
                Object tags = d.get(field);
                if (m == null && tags instanceof Map) {
                    m = direct(CorrelationIndex.str(((Map<?, ?>) tags).get(MLFLOW_TAG)), "mlflow_tag", MLFLOW_TAG);
                }
            }
        }
        if (m == null && e.type().equals("model.retrained")) {
            String reason = CorrelationIndex.str(d.get("reason"));
            if (reason != null && reason.startsWith(RETRAIN_PREFIX)) {
                m = direct(reason.substring(RETRAIN_PREFIX.length()), "retraining_reason", reason);
            }
        }
        if (m == null) {
            m = viaCostTag(d.get("tags"));
        }
        if (m == null) {
            m = viaCostTag(d.get("tag"));
        }
        return m;
    }

    private Match viaAlert(String key, String matchedBy) {
        CorrelationIndex.Alert a = index.alert(key);
        return a == null ? null : new Match(a.executionId(), matchedBy, key);
    }

    private Match direct(String executionId, String matchedBy, String key) {
        return index.execution(executionId) == null ? null : new Match(executionId, matchedBy, key);
    }

    private Match viaCostTag(Object tags) {
        if (tags instanceof Map) {
            Map<?, ?> m = (Map<?, ?>) tags;
            for (String k : new String[] {COST_TAG, "user:" + COST_TAG}) {
                Match found = direct(CorrelationIndex.str(m.get(k)), "aws_cost_tag", k);
                if (found != null) {
                    return found;
                }
            }
        } else if (tags instanceof List) {
            for (Object o : (List<?>) tags) {
                Match found = viaCostTag(o);
                if (found != null) {
                    return found;
                }
            }
        } else if (tags instanceof String) {
            String s = (String) tags;
            for (String prefix : new String[] {COST_TAG + "$", "user:" + COST_TAG + "$"}) {
                if (s.startsWith(prefix)) {
                    return direct(s.substring(prefix.length()), "aws_cost_tag", s);
                }
            }
        }
        return null;
    }
}
