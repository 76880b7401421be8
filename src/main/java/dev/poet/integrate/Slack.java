package dev.poet.integrate;

import dev.poet.event.Event;
import dev.poet.json.Json;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

/**
 * Slack interactivity: a {@code block_actions} payload whose button has {@code action_id}
 * {@code poet_false_positive} or {@code poet_real_drift} and the execution id as its
 * {@code value} becomes a {@code drift.validation} ({@code validation_source: slack}, the Slack
 * user as validator); and the Block Kit message with those buttons.
 */
public final class Slack {
    public static final String FALSE_POSITIVE = "poet_false_positive";
    public static final String REAL_DRIFT = "poet_real_drift";
    public static final String REASON = "poet_reason";
    public static final long MAX_AGE_S = 300;

    private Slack() {
    }

    /**
     * {@code X-Slack-Signature} is {@code v0=} and the hex HMAC-SHA256 of {@code v0:<timestamp>:<raw body>}
     * under the signing secret; a timestamp more than five minutes from now is refused (replays).
     */
    public static void verify(String secret, String timestamp, byte[] body, String signature, Instant now) {
        long ts = checkHead(timestamp, signature, now);
        byte[] prefix = ("v0:" + ts + ":").getBytes(StandardCharsets.UTF_8);
        byte[] base = new byte[prefix.length + body.length];
        System.arraycopy(prefix, 0, base, 0, prefix.length);
        System.arraycopy(body, 0, base, prefix.length, body.length);
        if (!Hmac.equal("v0=" + Hmac.sha256Hex(secret, base), signature.strip())) {
            throw new Rejected(401, "X-Slack-Signature does not match the body");
        }
    }

    /**
     * What can be checked before the body is read: both headers present and the timestamp within
     * five minutes of now. Returns the timestamp.
     */
    public static long checkHead(String timestamp, String signature, Instant now) {
        if (timestamp == null || signature == null) {
            throw new Rejected(401, "missing X-Slack-Request-Timestamp or X-Slack-Signature");
        }
        long ts;
        try {
            ts = Long.parseLong(timestamp.strip());
        } catch (NumberFormatException e) {
            throw new Rejected(401, "X-Slack-Request-Timestamp is not a number");
        }
        // compared with now's window, not through now - ts, which overflows for a timestamp 2^63 s away
        if (ts < now.getEpochSecond() - MAX_AGE_S || ts > now.getEpochSecond() + MAX_AGE_S) {
            throw new Rejected(401, "X-Slack-Request-Timestamp is more than 5 minutes from now (a replay?)");
        }
        return ts;
    }

    /** The JSON of a form-encoded interaction body ({@code payload=...}). */
    public static Object payloadOfForm(byte[] body) {
        String form = new String(body, StandardCharsets.UTF_8);
        for (String pair : form.split("&")) {
            int eq = pair.indexOf('=');
            if (eq > 0 && pair.substring(0, eq).equals("payload")) {
                String json;
                try {
                    json = URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8);
                } catch (IllegalArgumentException e) {
                    throw new Rejected(400, "the payload field is not URL-encoded");
                }
                return parse(json.getBytes(StandardCharsets.UTF_8));
            }
        }
        throw new Rejected(400, "no payload field in the form body");
    }

    private static Object parse(byte[] json) {
        try {
            return Json.parse(json, "the Slack payload");
        } catch (RuntimeException e) {
            throw new Rejected(400, "the Slack payload is not JSON: " + e.getMessage());
        }
    }

    /** The verdicts of one interaction payload; other interactions give none (and why). */
    public static PagerDuty.Converted convert(Object payload, Supplier<String> newId, Instant now) {
        if (!(payload instanceof Map)) {
            throw new Rejected(400, "a Slack interaction payload is a JSON object");
        }
        Map<?, ?> p = (Map<?, ?>) payload;
        if (!"block_actions".equals(p.get("type"))) {
            return PagerDuty.Converted.ignored("Slack interaction type " + p.get("type") + " is not used by poet");
        }
        if (!(p.get("actions") instanceof List)) {
            throw new Rejected(400, "a block_actions payload without actions");
        }
        Map<?, ?> user = p.get("user") instanceof Map ? (Map<?, ?>) p.get("user") : Map.of();
        String who = PagerDuty.str(user.get("username")) != null ? PagerDuty.str(user.get("username"))
                : PagerDuty.str(user.get("id"));
        String reason = reasonFromState(p.get("state"));
        List<Event> out = new ArrayList<>();
        for (Object a : (List<?>) p.get("actions")) {
            if (!(a instanceof Map)) {
                continue;
            }
            Map<?, ?> action = (Map<?, ?>) a;
            String actionId = PagerDuty.str(action.get("action_id"));
            if (!FALSE_POSITIVE.equals(actionId) && !REAL_DRIFT.equals(actionId)) {
                continue;
            }
            String execution = PagerDuty.str(action.get("value"));
            if (execution != null && !dev.poet.store.Names.isId(execution)) {
                throw new Rejected(400, "a " + actionId + " button whose value is not an execution id");
            }
            if (execution == null) {
                throw new Rejected(400, "a " + actionId + " button without the execution id as its value");
            }
            Map<String, Object> data = new LinkedHashMap<>();
            data.put("was_real_drift", REAL_DRIFT.equals(actionId));
            data.put("feedback_type", REAL_DRIFT.equals(actionId) ? "true_positive" : "false_positive");
            if (reason != null) {
                data.put("reason", reason);
            }
            data.put("validation_source", "slack");
            if (who != null) {
                data.put("validator", who);
            }
            Instant time = now;
            if (action.get("action_ts") != null && !(action.get("action_ts") instanceof String)) {
                throw new Rejected(400, "action_ts is not a Slack timestamp: " + Json.typeName(action.get("action_ts")));
            }
            String ts = PagerDuty.str(action.get("action_ts"));
            if (ts != null) {
                try {
                    double seconds = Double.parseDouble(ts);
                    if (!Double.isFinite(seconds) || seconds < 0 || seconds > 1e11) {
                        throw new NumberFormatException("out of range");
                    }
                    time = Instant.ofEpochMilli(Math.round(seconds * 1000));
                } catch (NumberFormatException e) {
                    throw new Rejected(400, "action_ts is not a Slack timestamp: " + ts);
                }
            }
            String id = ts != null && PagerDuty.str(user.get("id")) != null
                    ? "slack-" + PagerDuty.safe(user.get("id") + "-" + ts) : newId.get();
            out.add(new Event(id, "drift.validation", time, "slack", null, null, execution, data, null));
        }
        if (out.isEmpty()) {
            return PagerDuty.Converted.ignored("no poet button in this interaction");
        }
        return new PagerDuty.Converted(out, null);
    }

    /** The text typed in the message's reason input, when it has one. */
    private static String reasonFromState(Object state) {
        if (!(state instanceof Map) || !(((Map<?, ?>) state).get("values") instanceof Map)) {
            return null;
        }
        for (Object block : ((Map<?, ?>) ((Map<?, ?>) state).get("values")).values()) {
            if (block instanceof Map && ((Map<?, ?>) block).get(REASON) instanceof Map) {
                return PagerDuty.str(((Map<?, ?>) ((Map<?, ?>) block).get(REASON)).get("value"));
            }
        }
        return null;
    }

    /** Block Kit for an alert message: the execution's details, a reason input, and the two buttons. */
    public static Map<String, Object> message(Map<String, Object> execution, String reviewUrl) {
        Map<?, ?> d = execution.get("data") instanceof Map ? (Map<?, ?>) execution.get("data") : Map.of();
        String id = String.valueOf(execution.get("execution_id"));
        String title = "Drift detected by " + execution.get("function") + " " + execution.get("version")
                + (d.get("feature") != null ? " on " + d.get("feature") : "");
        List<Object> blocks = new ArrayList<>();
        blocks.add(Map.of("type", "header", "text", text("plain_text", title)));
        List<Object> fields = new ArrayList<>();
        for (String k : List.of("test", "p_value", "statistic", "threshold", "feature_type")) {
            if (d.get(k) != null) {
                fields.add(text("mrkdwn", "*" + k + "*\n" + d.get(k)));
            }
        }
        fields.add(text("mrkdwn", "*execution*\n`" + id + "`"));
        Map<String, Object> section = new LinkedHashMap<>();
        section.put("type", "section");
        section.put("fields", fields);
        blocks.add(section);
        Map<String, Object> input = new LinkedHashMap<>();
        input.put("type", "input");
        input.put("block_id", "poet_reason_block");
        input.put("optional", true);
        input.put("label", text("plain_text", "Reason (optional)"));
        Map<String, Object> element = new LinkedHashMap<>();
        element.put("type", "plain_text_input");
        element.put("action_id", REASON);
        element.put("placeholder", text("plain_text", "e.g. seasonal_pattern"));
        input.put("element", element);
        blocks.add(input);
        List<Object> buttons = new ArrayList<>();
        buttons.add(button("Real drift", REAL_DRIFT, id, "danger"));
        buttons.add(button("False positive", FALSE_POSITIVE, id, null));
        if (reviewUrl != null) {
            Map<String, Object> link = button("Open in poet", "poet_open_review", id, null);
            link.put("url", reviewUrl);
            buttons.add(link);
        }
        Map<String, Object> actions = new LinkedHashMap<>();
        actions.put("type", "actions");
        actions.put("block_id", "poet_verdict");
        actions.put("elements", buttons);
        blocks.add(actions);
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("text", title);
        m.put("blocks", blocks);
        return m;
    }

    private static Map<String, Object> text(String type, String text) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("type", type);
        m.put("text", text);
        return m;
    }

    private static Map<String, Object> button(String label, String actionId, String value, String style) {
        Map<String, Object> b = new LinkedHashMap<>();
        b.put("type", "button");
        b.put("text", text("plain_text", label));
        b.put("action_id", actionId);
        b.put("value", value);
        if (style != null) {
            b.put("style", style);
        }
        return b;
    }
}
