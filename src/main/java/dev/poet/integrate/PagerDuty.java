package dev.poet.integrate;

import dev.poet.event.Event;
import dev.poet.event.Timestamps;
import dev.poet.json.Json;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

/**
 * PagerDuty: V3 webhooks in ({@code incident.triggered}, {@code incident.acknowledged},
 * {@code incident.resolved} become {@code alert.created}, {@code alert.acknowledged},
 * {@code alert.resolved}), and the Events API v2 trigger body out. An incident is tied to its
 * execution by its {@code incident_key} (poet's convention: {@code poet:<execution_id>}) or by
 * the incident id an earlier {@code alert.created} registered; correlation does the tying, so an
 * incident that matches nothing yet waits in pending/ like any early outcome.
 */
public final class PagerDuty {
    public static final String SIGNATURE_HEADER = "X-PagerDuty-Signature";

    private PagerDuty() {
    }

    /**
     * The signature header holds one or more comma-separated {@code v1=<hex HMAC-SHA256 of the raw
     * body>} (several while a secret is rotated); any match is accepted, each compared in constant time.
     */
    public static boolean verify(String secret, byte[] body, String header) {
        if (header == null || header.isBlank()) {
            return false;
        }
        String expected = "v1=" + Hmac.sha256Hex(secret, body);
        boolean ok = false;
        for (String part : header.split(",")) {
            ok |= Hmac.equal(expected, part.strip());
        }
        return ok;
    }

    /** One webhook payload ({@code {"event": {...}}}) as poet events; other event types give none (and why). */
    public static Converted convert(Object payload, Supplier<String> newId, Instant now) {
        if (!(payload instanceof Map) || !(((Map<?, ?>) payload).get("event") instanceof Map)) {
            throw new Rejected(400, "not a PagerDuty V3 webhook payload: no \"event\" object");
        }
        Map<?, ?> ev = (Map<?, ?>) ((Map<?, ?>) payload).get("event");
        String type = str(ev.get("event_type"));
        if (type == null) {
            throw new Rejected(400, "PagerDuty webhook without event.event_type");
        }
        String poetType = switch (type) {
            case "incident.triggered" -> "alert.created";
            case "incident.acknowledged" -> "alert.acknowledged";
            case "incident.resolved" -> "alert.resolved";
            default -> null;
        };
        if (poetType == null) {
            return Converted.ignored("PagerDuty event type " + type + " is not used by poet");
        }
        if (!(ev.get("data") instanceof Map)) {
            throw new Rejected(400, "PagerDuty " + type + " without event.data");
        }
        Map<?, ?> incident = (Map<?, ?>) ev.get("data");
        String incidentId = str(incident.get("id"));
        if (incidentId == null) {
            throw new Rejected(400, "PagerDuty " + type + " without event.data.id (the incident id)");
        }
        Instant time = now;
        if (ev.get("occurred_at") != null && !(ev.get("occurred_at") instanceof String)) {
            throw new Rejected(400, "PagerDuty event.occurred_at is not a time: " + Json.typeName(ev.get("occurred_at")));
        }
        if (str(ev.get("occurred_at")) != null) {
            try {
                time = Timestamps.parse(str(ev.get("occurred_at")), "event.occurred_at");
            } catch (RuntimeException e) {
                throw new Rejected(400, "PagerDuty event.occurred_at is not a time: " + ev.get("occurred_at"));
            }
        }
        String who = agent(ev.get("agent"));
        Map<String, Object> data = new LinkedHashMap<>();
        data.put("alert_id", incidentId);
        data.put("incident_id", incidentId);
        if (str(incident.get("incident_key")) != null) {
            data.put("dedup_key", str(incident.get("incident_key")));
        }
        switch (poetType) {
            case "alert.created" -> {
                if (incident.get("urgency") instanceof String) {
                    data.put("severity", incident.get("urgency"));
                }
                data.put("channel", "pagerduty");
            }
            case "alert.acknowledged" -> {
                if (who != null) {
                    data.put("acknowledged_by", who);
                }
            }
            default -> {
                if (who != null) {
                    data.put("resolved_by", who);
                }
                if (incident.get("resolve_reason") instanceof String) {
                    data.put("resolution", incident.get("resolve_reason"));
                }
            }
        }
        String delivery = str(ev.get("id"));
        String id = delivery != null ? "pd-" + safe(delivery) : newId.get();
        return Converted.of(new Event(id, poetType, time, "pagerduty", null, null, null, data, null));
    }

    private static String agent(Object a) {
        if (!(a instanceof Map)) {
            return null;
        }
        Map<?, ?> m = (Map<?, ?>) a;
        return str(m.get("summary")) != null ? str(m.get("summary")) : str(m.get("id"));
    }

    /** The Events API v2 trigger for an execution's alert: dedup_key poet:<id>, details, and the review link. */
    public static Map<String, Object> triggerBody(String routingKey, Map<String, Object> execution, String reviewUrl) {
        Map<String, Object> payload = new LinkedHashMap<>();
        String fn = String.valueOf(execution.get("function"));
        Map<?, ?> d = execution.get("data") instanceof Map ? (Map<?, ?>) execution.get("data") : Map.of();
        payload.put("summary", "Drift detected by " + fn + " " + execution.get("version")
                + (d.get("feature") != null ? " on " + d.get("feature") : "")
                + (d.get("p_value") != null ? " (p=" + d.get("p_value") + ")" : ""));
        payload.put("source", "poet:" + fn);
        payload.put("severity", "warning");
        payload.put("timestamp", execution.get("time"));
        payload.put("component", fn);
        payload.put("class", "drift");
        Map<String, Object> details = new LinkedHashMap<>();
        details.put("execution_id", execution.get("execution_id"));
        details.put("function", fn);
        details.put("version", execution.get("version"));
        for (String k : List.of("feature", "feature_type", "test", "p_value", "statistic", "threshold")) {
            if (d.get(k) != null) {
                details.put(k, d.get(k));
            }
        }
        payload.put("custom_details", details);
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("routing_key", routingKey);
        body.put("event_action", "trigger");
        body.put("dedup_key", "poet:" + execution.get("execution_id"));
        body.put("payload", payload);
        body.put("client", "poet");
        if (reviewUrl != null) {
            Map<String, Object> link = new LinkedHashMap<>();
            link.put("href", reviewUrl);
            link.put("text", "Review in poet: real drift or false positive?");
            body.put("links", List.of(link));
        }
        return body;
    }

    static String str(Object o) {
        return o instanceof String && !((String) o).isEmpty() ? (String) o : null;
    }

    /** A sender's id made safe as (part of) an event id. */
    static String safe(String s) {
        String t = s.replaceAll("[^A-Za-z0-9._:-]", "_");
        return t.length() > 100 ? t.substring(0, 100) : t;
    }

    /** What a payload became: events to record, or why it was ignored. */
    public record Converted(List<Event> events, String ignored) {
        static Converted of(Event... es) {
            return new Converted(new ArrayList<>(List.of(es)), null);
        }

        static Converted ignored(String why) {
            return new Converted(List.of(), why);
        }
    }

    static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
