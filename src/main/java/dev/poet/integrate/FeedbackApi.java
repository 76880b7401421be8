package dev.poet.integrate;

import dev.poet.event.Event;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.function.Supplier;

/**
 * The seed's feedback body ({@code execution_id}, {@code feedback_type}, {@code was_real_drift},
 * {@code reason}, {@code business_context}) as a {@code drift.validation}. {@code was_real_drift}
 * may be left out when {@code feedback_type} says it (false_positive; true_positive, real_drift).
 */
public final class FeedbackApi {
    private static final Set<String> FALSE = Set.of("false_positive", "false_alarm", "not_drift");
    private static final Set<String> TRUE = Set.of("true_positive", "real_drift", "confirmed", "missed_drift");

    private FeedbackApi() {
    }

    public static Event convert(Map<String, Object> body, String source, String idempotencyKey, Supplier<String> newId,
                                Instant now) {
        String exec = PagerDuty.str(body.get("execution_id"));
        if (exec == null) {
            throw new Rejected(400, "execution_id is required");
        }
        Object real = body.get("was_real_drift");
        String type = PagerDuty.str(body.get("feedback_type"));
        if (real == null && type != null) {
            real = FALSE.contains(type) ? Boolean.FALSE : TRUE.contains(type) ? Boolean.TRUE : null;
        }
        if (!(real instanceof Boolean)) {
            throw new Rejected(400, "was_real_drift must be true or false (or feedback_type false_positive or true_positive)");
        }
        Map<String, Object> data = new LinkedHashMap<>();
        data.put("was_real_drift", real);
        for (String k : new String[] {"reason", "business_context", "validator"}) {
            Object v = body.get(k);
            if (v != null && !(v instanceof String)) {
                throw new Rejected(400, k + " must be a string");
            }
            if (v != null && !((String) v).isBlank()) {
                data.put(k, ((String) v).strip());
            }
        }
        data.put("feedback_type", type != null ? type : (Boolean) real ? "true_positive" : "false_positive");
        data.put("validation_source", source);
        String id = idempotencyKey != null && !idempotencyKey.isBlank() ? "fb-" + PagerDuty.safe(idempotencyKey) : newId.get();
        return new Event(id, "drift.validation", now, source, null, null, exec, data, null);
    }
}
