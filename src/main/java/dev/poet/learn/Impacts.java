package dev.poet.learn;

import dev.poet.analyze.ConfigImpact;
import dev.poet.analyze.ExecutionFacts;
import dev.poet.event.Event;
import dev.poet.event.EventLog;
import dev.poet.event.Timestamps;
import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The measured impact of parameter changes, recorded as {@code config.impact_measured} once the
 * after-window is complete. The event id is {@code <change id>.impact<days>d}, so a measurement
 * recorded twice (by {@code poet config impact} and by {@code poet learn}, or by a rerun after a
 * kill) is one event.
 */
public final class Impacts {
    private Impacts() {
    }

    /** Measures one change; records it when complete (unless dry-running), adding {@code event_id} (null when already recorded). */
    public static Map<String, Object> measure(EventLog log, String fn, List<ExecutionFacts> facts, Map<String, Object> change,
                                              List<Map<String, Object>> history, int days, long ackTargetMillis, boolean record)
            throws IOException {
        Map<String, Object> m = ConfigImpact.measure(facts, change, history, days, ackTargetMillis, log.clock().millis());
        if (record && Boolean.TRUE.equals(m.get("complete"))) {
            Map<String, Object> data = new LinkedHashMap<>();
            data.put("parameter", m.get("parameter"));
            data.put("change_id", m.get("change_id"));
            data.put("old_value", m.get("old_value"));
            data.put("new_value", m.get("new_value"));
            data.put("before", m.get("before"));
            data.put("after", m.get("after"));
            data.put("after_ran_old_params", m.get("after_ran_old_params"));
            String id = m.get("change_id") + ".impact" + days + "d";
            EventLog.Recorded r = log.record(new Event(id, "config.impact_measured", log.clock().instant(), "poet", fn, null,
                    null, data, null));
            m.put("event_id", r.duplicate() ? null : id);
        }
        return m;
    }

    /**
     * The parameter changes in a history whose after-window ended in {@code (since, now]}: those a
     * scheduled pass has to measure ({@code since} null: every completed one).
     */
    public static List<Map<String, Object>> completedSince(List<Map<String, Object>> history, Long since, long now, int days) {
        List<Map<String, Object>> out = new ArrayList<>();
        long span = days * 86_400_000L;
        for (Map<String, Object> h : history) {
            if (!"config".equals(h.get("action")) || !(h.get("time") instanceof String) || !(h.get("change_id") instanceof String)) {
                continue;
            }
            long end;
            try {
                end = Timestamps.parse((String) h.get("time"), "history time").toEpochMilli() + span;
            } catch (RuntimeException e) {
                continue;
            }
            if (end <= now && (since == null || end > since)) {
                out.add(h);
            }
        }
        return out;
    }
}
