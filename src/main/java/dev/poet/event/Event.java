package dev.poet.event;

import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The event envelope. {@code function}, {@code version} and {@code executionId} may be null
 * where the type does not require them; correlation fills them in later. {@code correlation}
 * is null until the event is correlated.
 */
public record Event(String id, String type, Instant time, String source, String function, String version,
                    String executionId, Map<String, Object> data, Map<String, Object> correlation) {

    public Event {
        data = data == null ? new LinkedHashMap<>() : data;
    }

    /** The envelope as the ordered map that is its JSON form; absent fields are left out. */
    public Map<String, Object> toMap() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("id", id);
        m.put("type", type);
        m.put("time", Timestamps.format(time));
        m.put("source", source);
        if (function != null) {
            m.put("function", function);
        }
        if (version != null) {
            m.put("version", version);
        }
        if (executionId != null) {
            m.put("execution_id", executionId);
        }
        m.put("data", data);
        if (correlation != null) {
            m.put("correlation", correlation);
        }
        return m;
    }
}
