package dev.poet.event;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.poet.PoetException;
import dev.poet.Status;
import dev.poet.json.Json;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class EventCodecTest {
    private static final Instant T = Instant.parse("2026-11-27T11:35:00Z");

    private static Event ev(String type, String fn, String version, String exec, Map<String, Object> data) {
        return new Event("01JDX3J8V6Q6N7W3KXQ1ZP4M2B", type, T, "cli", fn, version, exec, new LinkedHashMap<>(data), null);
    }

    private static String refusal(Event e) {
        PoetException ex = assertThrows(PoetException.class, () -> EventCodec.validate(e));
        assertEquals(Status.INVALID, ex.status());
        return ex.getMessage();
    }

    /** A minimal valid data object for every known type, built from its schema. */
    static Map<String, Object> minimalData(EventType t) {
        Map<String, Object> d = new LinkedHashMap<>();
        for (Field f : t.fields()) {
            if (f.required()) {
                d.put(f.name(), switch (f.kind()) {
                    case STRING -> "x";
                    case BOOLEAN -> true;
                    case NUMBER, NON_NEGATIVE, PROBABILITY -> 0.5;
                    case INTEGER -> 1L;
                    case OBJECT -> Map.of();
                    case STRING_LIST -> List.of("a");
                    case ANY -> "v";
                });
            }
        }
        if (t.name().equals("drift.business_impact_measured")) {
            d.put("revenue_impact", -120.5);
        }
        return d;
    }

    @Test
    void everyKnownTypeAcceptsItsMinimalFormAndRefusesEachMissingRequiredField() {
        for (EventType t : EventType.known().values()) {
            Event ok = ev(t.name(), "detect_drift", "v1", "exec-1", minimalData(t));
            assertEquals(t, EventCodec.validate(ok), t.name());
            for (Field f : t.fields()) {
                if (!f.required()) {
                    continue;
                }
                Map<String, Object> d = minimalData(t);
                d.remove(f.name());
                String msg = refusal(ev(t.name(), "detect_drift", "v1", "exec-1", d));
                assertEquals(t.name() + ": field data." + f.name() + " is required (" + f.kind().label() + ")", msg);
            }
        }
    }

    @Test
    void mistypedFieldsAreRefusedNamingFieldAndTypes() {
        String msg = refusal(ev("drift.validation", null, null, "e1", Map.of("was_real_drift", "no")));
        assertEquals("drift.validation: field data.was_real_drift: expected boolean, got string", msg);
        msg = refusal(ev("execution.completed", "f", "v1", "e1", Map.of("success", true, "duration_ms", 3, "p_value", 1.5)));
        assertEquals("execution.completed: field data.p_value: expected number in [0, 1], got 1.5", msg);
        msg = refusal(ev("alert.batch_dismissed", null, null, null, Map.of("alert_ids", List.of("a", 3L))));
        assertTrue(msg.contains("data.alert_ids: expected array of strings, found an element of type number"), msg);
        msg = refusal(ev("execution.cost_measured", null, null, "e1", Map.of("cost_usd", -1L)));
        assertTrue(msg.contains("data.cost_usd: expected number >= 0, got -1"), msg);
    }

    @Test
    void envelopeRequirementsPerType() {
        assertEquals("execution.completed: field function is required",
                refusal(ev("execution.completed", null, "v1", "e", Map.of("success", true, "duration_ms", 1L))));
        assertEquals("drift.validation: field execution_id (or data.alert_id, data.mlflow_run_id) is required",
                refusal(ev("drift.validation", null, null, null, Map.of("was_real_drift", true))));
        assertEquals("drift.validation", EventCodec.validate(ev("drift.validation", null, null, null,
                Map.of("was_real_drift", true, "alert_id", "PD1"))).name());
    }

    @Test
    void unknownTypesAreRefusedUnlessNamespacedCustom() {
        assertTrue(refusal(ev("drift.guess", null, null, null, Map.of())).startsWith("unknown event type 'drift.guess'"),
                "an unknown type is refused by name");
        assertTrue(refusal(ev("x.", null, null, null, Map.of())).startsWith("unknown event type"),
                "an empty custom namespace is an unknown type");
        assertEquals("custom", EventCodec.validate(ev("x.my_team.thing", null, null, null, Map.of("any", 1L))).prefix());
    }

    @Test
    void pathLikeNamesAndIdsAreRefusedBeforeTheyBecomePaths() {
        assertTrue(refusal(ev("drift.validation", null, null, "../../etc/passwd", Map.of("was_real_drift", true)))
                .startsWith("invalid execution id '../../etc/passwd'"), "a path-like execution id is refused");
        assertTrue(refusal(ev("config.changed", "../x", null, null, Map.of("parameter", "p", "new_value", 1L)))
                .startsWith("invalid function name '../x'"), "a path-like function name is refused");
        Event badId = new Event("a/b", "drift.validation", T, "cli", null, null, "e", Map.of("was_real_drift", true), null);
        assertTrue(refusal(badId).startsWith("invalid event id 'a/b'"), "an event id with a slash is refused");
        Event longId = new Event("a".repeat(129), "drift.validation", T, "cli", null, null, "e", Map.of("was_real_drift", true), null);
        assertTrue(refusal(longId).startsWith("invalid event id"), "an over-long event id is refused");
    }

    @Test
    void unknownEnvelopeFieldsAndMistypedEnvelopeFieldsAreRefused() {
        Map<String, Object> m = new LinkedHashMap<>(Map.of("type", "drift.validation", "execution_id", "e", "extra", 1L));
        PoetException e = assertThrows(PoetException.class, () -> EventCodec.fromMap(m, "ID1", T, "cli"));
        assertTrue(e.getMessage().startsWith("unknown envelope field 'extra'"), e.getMessage());
        Map<String, Object> m2 = new LinkedHashMap<>(Map.of("type", "drift.validation", "execution_id", 7L));
        e = assertThrows(PoetException.class, () -> EventCodec.fromMap(m2, "ID1", T, "cli"));
        assertEquals("drift.validation: field execution_id: expected string, got number", e.getMessage());
        Map<String, Object> m3 = new LinkedHashMap<>(Map.of("type", "drift.validation", "execution_id", "e", "time", "yesterday"));
        e = assertThrows(PoetException.class, () -> EventCodec.fromMap(m3, "ID1", T, "cli"));
        assertTrue(e.getMessage().startsWith("field time: 'yesterday' is not an ISO-8601 time"), e.getMessage());
    }

    @Test
    void encodingIsCanonicalOrderedAndRoundTrips() {
        Event e = ev("drift.validation", null, null, "e1", Map.of("was_real_drift", false));
        String line = new String(EventCodec.encode(e), StandardCharsets.UTF_8);
        assertEquals("{\"id\":\"01JDX3J8V6Q6N7W3KXQ1ZP4M2B\",\"type\":\"drift.validation\",\"time\":\"2026-11-27T11:35:00.000Z\","
                + "\"source\":\"cli\",\"execution_id\":\"e1\",\"data\":{\"was_real_drift\":false}}\n", line);
        Event back = EventCodec.decode(line.getBytes(StandardCharsets.UTF_8), "f");
        assertEquals(e.toMap(), back.toMap());
    }

    @Test
    void oversizedEventsAreRefused() {
        Event e = ev("x.t.big", null, null, null, Map.of("blob", "y".repeat(EventCodec.MAX_EVENT_BYTES)));
        PoetException ex = assertThrows(PoetException.class, () -> EventCodec.encode(e));
        assertTrue(ex.getMessage().contains("over the 1048576-byte (1 MiB) limit"), ex.getMessage());
    }

    @Test
    void offsetTimesAreNormalisedToUtcMilliseconds() {
        Map<String, Object> m = Json.parseObject(("{\"type\":\"drift.validation\",\"execution_id\":\"e\","
                + "\"time\":\"2026-11-27T12:35:00.123456+01:00\",\"data\":{\"was_real_drift\":true}}").getBytes(StandardCharsets.UTF_8), "x");
        Event e = EventCodec.fromMap(m, "ID", T, "cli");
        assertEquals("2026-11-27T11:35:00.123Z", e.toMap().get("time"));
    }

    @Test
    void reusingTheDataBytesGivesExactlyTheCanonicalEncoding() {
        Map<String, Object> data = new LinkedHashMap<>();
        data.put("was_real_drift", false);
        data.put("score", 1e-05);
        data.put("text", "é \u0001 \"q\" ,\"data\":{}");
        data.put("nested", Map.of("k", List.of(1L, 2.5)));
        Event pending = ev("drift.validation", null, null, "e1", data);
        byte[] raw = EventCodec.encode(pending);
        Map<String, Object> corr = new LinkedHashMap<>();
        corr.put("execution_id", "e1");
        corr.put("matched_by", "execution_id");
        Event record = new Event(pending.id(), pending.type(), pending.time(), pending.source(), "detect_drift", "v2", "e1",
                pending.data(), corr);
        assertEquals(new String(EventCodec.encode(record), StandardCharsets.UTF_8),
                new String(EventCodec.encodeReusingData(record, raw), StandardCharsets.UTF_8));
        byte[] pretty = Json.pretty(pending.toMap()).getBytes(StandardCharsets.UTF_8);
        assertEquals(new String(EventCodec.encode(record), StandardCharsets.UTF_8),
                new String(EventCodec.encodeReusingData(record, pretty), StandardCharsets.UTF_8),
                "a file that is not one canonical line is encoded afresh");
    }

    /** Envelope strings that are plain ASCII and ones that need escaping, absent optional fields, odd times. */
    @Test
    void theDirectEnvelopeAndTimeReadersAgreeWithTheGeneralOnes() {
        java.util.Random rnd = new java.util.Random(16);
        String[] strings = {"detect_drift", "v12", "6f1c0d9e-6b1f", "caf\u00e9", "a\"b", "back\\slash", "tab\t", "~ok~", "", null};
        for (int i = 0; i < 5_000; i++) {
            Instant t = Instant.ofEpochMilli(rnd.nextLong() % 400_000_000_000_000L);
            String function = strings[rnd.nextInt(strings.length)];
            String version = strings[rnd.nextInt(strings.length)];
            String exec = strings[rnd.nextInt(strings.length)];
            String id = rnd.nextInt(10) == 0 ? "id\u2028x" : "01J" + Long.toHexString(rnd.nextLong());
            Map<String, Object> data = new LinkedHashMap<>();
            data.put("n", (long) i);
            Map<String, Object> corr = rnd.nextBoolean() ? null : new LinkedHashMap<>(Map.of("matched_by", "execution_id"));
            Event e = new Event(id, "drift.validation", t, rnd.nextBoolean() ? "cli" : "s\u00f6urce", function, version, exec, data, corr);
            Event pending = new Event(e.id(), e.type(), e.time(), e.source(), null, null, null, data, null);
            assertEquals(new String(EventCodec.encode(e), StandardCharsets.UTF_8),
                    new String(EventCodec.encodeReusingData(e, EventCodec.encode(pending)), StandardCharsets.UTF_8));
            String stored = Timestamps.format(t);
            assertEquals(java.time.OffsetDateTime.parse(stored).toInstant(), Timestamps.parse(stored, "time"), stored);
            String noFraction = stored.substring(0, 19) + "Z";
            if (stored.length() == 24) {
                assertEquals(java.time.OffsetDateTime.parse(noFraction).toInstant(), Timestamps.parse(noFraction, "time"));
            }
        }
        for (String bad : new String[] {"2026-02-29T00:00:00.000Z", "2026-04-31T00:00:00Z", "2026-11-27T24:00:00.000Z",
            "2026-11-27T23:60:00.000Z", "2026-11-27T23:59:60.000Z", "2026-13-01T00:00:00.000Z", "2026-1x-01T00:00:00.000Z"}) {
            assertThrows(PoetException.class, () -> Timestamps.parse(bad, "time"), bad);
        }
        assertEquals(Instant.parse("2024-02-29T23:59:59.999Z"), Timestamps.parse("2024-02-29T23:59:59.999Z", "time"));
    }
}
