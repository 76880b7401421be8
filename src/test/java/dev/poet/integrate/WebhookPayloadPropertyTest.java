package dev.poet.integrate;

import static dev.poet.testing.Gen.within;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.poet.event.Event;
import dev.poet.event.EventCodec;
import dev.poet.store.Names;
import dev.poet.testing.Gen;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.Example;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.Tuple;
import net.jqwik.api.statistics.Statistics;

/**
 * Properties of the converters behind the webhooks and the feedback API: any payload (well
 * formed, with any field missing or of any type, or any JSON at all) becomes events or is
 * ignored with a reason or refused with 400, and every event made is valid and can be stored,
 * so nothing accepted fails when it is written.
 */
class WebhookPayloadPropertyTest {
    private static final Instant NOW = Instant.parse("2026-11-27T11:35:00Z");
    /** Marks a field left out of a generated payload. */
    private static final Object ABSENT = new Object();

    /** Converts, and checks the outcome: events that validate and survive the canonical form, a reason, or a 400. */
    private static String outcome(Supplier<List<Event>> convert) {
        return within(10, () -> {
            List<Event> events;
            try {
                events = convert.get();
            } catch (Rejected r) {
                assertEquals(400, r.httpStatus(), r.getMessage());
                return "refused";
            }
            for (Event e : events) {
                EventCodec.validate(e);
                byte[] bytes = EventCodec.encode(e);
                assertArrayEquals(bytes, EventCodec.encode(EventCodec.decode(bytes, "stored")));
            }
            return events.isEmpty() ? "ignored" : "converted";
        });
    }

    private static List<Event> events(PagerDuty.Converted c) {
        assertTrue(!c.events().isEmpty() || c.ignored() != null, "no events and no reason");
        return c.events();
    }

    @Property(tries = 1000)
    void pagerDutyPayloadsBecomeValidEventsOrAreIgnoredOrRefused(@ForAll("pagerDutyPayloads") Object payload) {
        String o = outcome(() -> events(PagerDuty.convert(payload, () -> "fresh-id", NOW)));
        Statistics.label("outcome").collect(o).coverage(c -> c.check("converted").percentage(p -> p > 5));
    }

    @Property(tries = 1000)
    void slackPayloadsBecomeValidEventsOrAreIgnoredOrRefused(@ForAll("slackPayloads") Object payload) {
        String o = outcome(() -> events(Slack.convert(payload, () -> "fresh-id", NOW)));
        Statistics.label("outcome").collect(o).coverage(c -> c.check("converted").percentage(p -> p > 5));
    }

    /** As the server calls it: with an execution id that is an id (the server refuses any other first). */
    @Property(tries = 1000)
    void feedbackBodiesBecomeAValidVerdictOrAreRefused(@ForAll("feedbackBodies") Map<String, Object> body,
                                                       @ForAll("idempotencyKeys") String key) {
        Object exec = body.get("execution_id");
        net.jqwik.api.Assume.that(exec instanceof String s && Names.isId(s));
        String o = outcome(() -> {
            Event e = FeedbackApi.convert(body, "api", key, () -> "fresh-id", NOW);
            Object real = body.get("was_real_drift");
            if (real instanceof Boolean) {
                assertEquals(real, e.data().get("was_real_drift"));
            }
            return List.of(e);
        });
        Statistics.label("outcome").collect(o).coverage(c -> c.check("converted").percentage(p -> p > 5));
    }

    @Property(tries = 500)
    void anyJsonIsConvertedIgnoredOrRefusedByEveryConverter(@ForAll("anyJson") Object payload) {
        outcome(() -> events(PagerDuty.convert(payload, () -> "fresh-id", NOW)));
        outcome(() -> events(Slack.convert(payload, () -> "fresh-id", NOW)));
        if (payload instanceof Map<?, ?> m && m.get("execution_id") instanceof String s && Names.isId(s)) {
            @SuppressWarnings("unchecked")
            Map<String, Object> body = (Map<String, Object>) m;
            outcome(() -> List.of(FeedbackApi.convert(body, "api", null, () -> "fresh-id", NOW)));
        }
    }

    // ---- inputs that broke something, or that are worth keeping

    /** occurred_at past the last UTC year was accepted, and the alert event then failed when it was encoded. */
    @Example
    void aPagerDutyIncidentAtTheEndOfTimeIsRefused() {
        Map<String, Object> ev = new LinkedHashMap<>();
        ev.put("id", "01HX");
        ev.put("event_type", "incident.triggered");
        ev.put("occurred_at", "+999999999-12-31T23:59:59-18:00");
        ev.put("data", Map.of("id", "PABC123"));
        Rejected r = assertThrows(Rejected.class, () -> PagerDuty.convert(Map.of("event", ev), () -> "id", NOW));
        assertEquals(400, r.httpStatus());
        assertTrue(r.getMessage().contains("occurred_at"), r.getMessage());
    }

    // ---- generators

    /**
     * A field of a payload: usually a good value, sometimes left out, sometimes any JSON (without
     * its edge cases, which would otherwise crowd out the good values at every level).
     */
    private static Arbitrary<Object> field(Arbitrary<?> good) {
        return Arbitraries.frequencyOf(
                Tuple.of(6, good.map(v -> (Object) v)),
                Tuple.of(1, Arbitraries.just(ABSENT)),
                Tuple.of(1, Gen.json(1).withoutEdgeCases()));
    }

    /** A JSON object of the given fields, those marked absent left out. */
    private static Arbitrary<Object> object(List<String> names, List<Arbitrary<Object>> values) {
        return Combinators.combine(values).as(vs -> {
            Map<String, Object> m = new LinkedHashMap<>();
            for (int i = 0; i < names.size(); i++) {
                if (vs.get(i) != ABSENT) {
                    m.put(names.get(i), vs.get(i));
                }
            }
            return (Object) m;
        });
    }

    private static Arbitrary<String> times() {
        return Arbitraries.oneOf(
                Gen.instants().map(Instant::toString),
                Arbitraries.of("2026-11-27T11:35:00+01:00", "2026-11-27T11:35:00.123456789Z", "2026-02-30T00:00:00Z",
                        "+999999999-12-31T23:59:59-18:00", "-999999999-01-01T00:00:00+18:00", "+999999999-12-31T23:59:59Z",
                        "yesterday", "2026-11-27", ""));
    }

    @Provide
    Arbitrary<Object> pagerDutyPayloads() {
        Arbitrary<Object> agent = field(object(List.of("summary", "id"), List.of(field(Gen.text(20)), field(Gen.ids()))));
        Arbitrary<Object> incident = field(object(List.of("id", "incident_key", "urgency", "resolve_reason"),
                List.of(field(Arbitraries.oneOf(Gen.ids(), Gen.text(30))), field(Gen.ids().map(s -> "poet:" + s)),
                        field(Arbitraries.of("high", "low")), field(Gen.text(20)))));
        Arbitrary<Object> event = object(List.of("id", "event_type", "occurred_at", "agent", "data"),
                List.of(field(Arbitraries.oneOf(Gen.ids(), Gen.text(150))),
                        field(Arbitraries.of("incident.triggered", "incident.acknowledged", "incident.resolved",
                                "incident.annotated", "pagey.ping", "")),
                        field(times()), agent, incident));
        return object(List.of("event"), List.of(event));
    }

    @Provide
    Arbitrary<Object> slackPayloads() {
        Arbitrary<Object> user = field(object(List.of("id", "username"), List.of(field(Gen.text(20)), field(Gen.text(20)))));
        Arbitrary<String> ts = Arbitraries.frequencyOf(
                Tuple.of(6, Combinators.combine(Arbitraries.longs().between(0, 4_000_000_000L),
                        Arbitraries.integers().between(0, 999_999)).as((s, us) -> s + "." + String.format("%06d", us))),
                Tuple.of(1, Arbitraries.of("1e11", "1e12", "-1", "NaN", "Infinity", "0x1p3", "", " 1 ", "99999999999.999999")),
                Tuple.of(1, Gen.text(12)));
        Arbitrary<Object> action = field(object(List.of("action_id", "value", "action_ts"), List.of(
                field(Arbitraries.frequency(Tuple.of(4, Slack.FALSE_POSITIVE), Tuple.of(4, Slack.REAL_DRIFT),
                        Tuple.of(1, "poet_open_review"), Tuple.of(1, "other"))),
                field(Arbitraries.frequencyOf(Tuple.of(5, Gen.shortIds()), Tuple.of(1, Gen.text(10)))), field(ts))));
        Arbitrary<Object> state = field(Gen.text(30).map(r -> (Object) Map.of("values", Map.of("block",
                Map.of(Slack.REASON, Map.of("type", "plain_text_input", "value", r))))));
        Arbitrary<Object> payload = object(List.of("type", "user", "actions", "state"), List.of(
                field(Arbitraries.frequency(Tuple.of(8, "block_actions"), Tuple.of(1, "view_submission"), Tuple.of(1, ""))), user,
                field(action.list().ofMinSize(1).ofMaxSize(3).map(l -> (Object) new ArrayList<>(l))), state));
        return payload;
    }

    @Provide
    Arbitrary<Map<String, Object>> feedbackBodies() {
        @SuppressWarnings("unchecked")
        Arbitrary<Map<String, Object>> body = object(
                List.of("execution_id", "feedback_type", "was_real_drift", "reason", "business_context", "validator"),
                List.of(field(Gen.ids()),
                        field(Arbitraries.of("false_positive", "false_alarm", "not_drift", "true_positive", "real_drift",
                                "confirmed", "missed_drift", "maybe", "")),
                        field(Arbitraries.of(true, false)), field(Gen.text(30)), field(Gen.text(30)), field(Gen.text(30))))
                .map(o -> (Map<String, Object>) o);
        return body;
    }

    @Provide
    Arbitrary<String> idempotencyKeys() {
        return Arbitraries.oneOf(Gen.text(200), Gen.ids()).injectNull(0.3);
    }

    @Provide
    Arbitrary<Object> anyJson() {
        return Gen.json(3);
    }
}
