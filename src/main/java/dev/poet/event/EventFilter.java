package dev.poet.event;

import java.time.Instant;

/**
 * Which events {@code poet events list} shows. A null criterion matches everything; a type
 * ending in {@code .*} matches the whole namespace ({@code alert.*}).
 */
public record EventFilter(String type, String function, String executionId, Instant since, Instant until) {

    public boolean matches(Event e) {
        if (type != null) {
            if (type.endsWith(".*")) {
                if (!e.type().startsWith(type.substring(0, type.length() - 1))) {
                    return false;
                }
            } else if (!e.type().equals(type) && !(isCostAlias(type) && isCostAlias(e.type()))) {
                return false;
            }
        }
        if (function != null && !function.equals(e.function())) {
            return false;
        }
        if (executionId != null && !executionId.equals(e.executionId())) {
            return false;
        }
        if (since != null && e.time().isBefore(since)) {
            return false;
        }
        return until == null || e.time().isBefore(until);
    }

    private static boolean isCostAlias(String t) {
        return t.equals("execution.cost_measured") || t.equals("cost.measured");
    }

    /** Whether the filter says anything; an unreadable file is shown only by an empty filter. */
    public boolean isEmpty() {
        return type == null && function == null && executionId == null && since == null && until == null;
    }
}
