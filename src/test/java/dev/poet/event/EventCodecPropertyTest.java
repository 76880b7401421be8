package dev.poet.event;

import static dev.poet.testing.Gen.within;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.poet.PoetException;
import dev.poet.Status;
import dev.poet.json.Json;
import dev.poet.testing.Gen;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.Example;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.statistics.Statistics;

/**
 * Properties of the event decoder ({@link EventCodec#decode}, which reads every stored event and,
 * through the same fromMap and validate, every envelope poet record and POST /poet/events take):
 * valid events survive the canonical form unchanged; any bytes are decoded or refused as INVALID;
 * and whatever is decoded can be encoded, so nothing accepted fails later when it is written.
 */
class EventCodecPropertyTest {

    /** Decodes, or returns the refusal; an accepted event must encode, and its encoding must be a fixed point. */
    private static Object decodeOrRefusal(byte[] bytes) {
        return within(10, () -> {
            Event e;
            try {
                e = EventCodec.decode(bytes, "event");
            } catch (PoetException ex) {
                assertEquals(Status.INVALID, ex.status(), ex.getMessage());
                return ex;
            }
            byte[] canonical = EventCodec.encode(e);
            assertArrayEquals(canonical, EventCodec.encode(EventCodec.decode(canonical, "canonical")),
                    () -> new String(canonical, StandardCharsets.UTF_8));
            return e;
        });
    }

    @Property(tries = 500)
    void validEventsSurviveTheCanonicalFormUnchanged(@ForAll("events") Event e) {
        assertEquals(e.type(), EventCodec.validate(e).name());
        byte[] bytes = EventCodec.encode(e);
        assertEquals('\n', bytes[bytes.length - 1]);
        for (int i = 0; i < bytes.length - 1; i++) {
            assertTrue(bytes[i] != '\n', "one line");
        }
        Event d = EventCodec.decode(bytes, "encoded");
        assertEquals(List.of(e.id(), e.type(), e.time(), e.source()), List.of(d.id(), d.type(), d.time(), d.source()));
        assertEquals(java.util.Arrays.asList(e.function(), e.version(), e.executionId()),
                java.util.Arrays.asList(d.function(), d.version(), d.executionId()));
        assertEquals(Gen.parsed(e.data()), d.data());
        assertArrayEquals(bytes, EventCodec.encode(d));
    }

    /** The fast path that reuses the stored data bytes writes exactly what encoding the whole event writes. */
    @Property(tries = 500)
    void encodingReusingTheDataIsEncoding(@ForAll("events") Event e, @ForAll("correlations") Optional<Map<String, Object>> corr,
                                          @ForAll("functions") Optional<String> fn, @ForAll("ids") Optional<String> exec) {
        Event correlated = new Event(e.id(), e.type(), e.time(), e.source(), fn.orElse(e.function()), e.version(),
                exec.orElse(e.executionId()), e.data(), corr.orElse(null));
        assertArrayEquals(EventCodec.encode(correlated), EventCodec.encodeReusingData(correlated, EventCodec.encode(e)));
    }

    @Property(tries = 1000)
    void anyBytesAreDecodedOrRefusedAsInvalid(@ForAll byte[] bytes) {
        decodeOrRefusal(bytes);
    }

    @Property(tries = 1000)
    void mutatedEventsAreDecodedOrRefusedAsInvalid(@ForAll("encodedEvents") byte[] seed,
                                                   @ForAll("mutations") List<Gen.Mutation> ms) {
        Object r = decodeOrRefusal(Gen.mutate(seed, ms));
        Statistics.label("outcome").collect(r instanceof PoetException ? "refused" : "decoded")
                .coverage(c -> c.check("decoded").percentage(p -> p > 2));
    }

    /**
     * Any field of the envelope or of data set to any JSON value (or an unknown field added): the
     * event is decoded or refused as INVALID, and one decoded is encoded again.
     */
    @Property(tries = 1000)
    void anyFieldSetToAnyValueIsDecodedOrRefused(@ForAll("events") Event e, @ForAll("fieldNames") String field,
                                                  @ForAll("values") Object value) {
        Map<String, Object> m = e.toMap();
        if (field.startsWith("data.")) {
            @SuppressWarnings("unchecked")
            Map<String, Object> data = new LinkedHashMap<>((Map<String, Object>) m.get("data"));
            data.put(field.substring(5), value);
            m.put("data", data);
        } else {
            m.put(field, value);
        }
        Object r = decodeOrRefusal(Json.encode(m));
        Statistics.label("outcome").collect(r instanceof PoetException ? "refused" : "decoded")
                .coverage(c -> {
                    c.check("decoded").percentage(p -> p > 5);
                    c.check("refused").percentage(p -> p > 5);
                });
    }

    /**
     * Any ISO-8601 time with an offset, in any year java.time can parse: read as the same instant
     * (to the millisecond) or refused as INVALID, and never accepted and then impossible to write.
     */
    @Property(tries = 1000)
    void anyTimeIsReadAsItsInstantOrRefused(@ForAll("events") Event e, @ForAll("times") OffsetDateTime t) {
        Map<String, Object> m = e.toMap();
        m.put("time", t.toString());
        Object r = decodeOrRefusal(Json.encode(m));
        if (r instanceof Event d) {
            assertEquals(t.toInstant(), d.time(), t.toString());
            Instant stored = EventCodec.decode(EventCodec.encode(d), "stored").time();
            assertEquals(t.toInstant().truncatedTo(java.time.temporal.ChronoUnit.MILLIS), stored, t.toString());
        } else {
            assertTrue(((PoetException) r).getMessage().contains("field time"), ((PoetException) r).getMessage());
        }
        Statistics.label("outcome").collect(r instanceof PoetException ? "refused" : "read")
                .coverage(c -> {
                    c.check("read").percentage(p -> p > 50);
                    c.check("refused").count(n -> n > 0);
                });
    }

    // ---- inputs that broke something, or that are worth keeping

    private static byte[] withTime(String time) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("id", "e1");
        m.put("type", "drift.validation");
        m.put("time", time);
        m.put("source", "cli");
        m.put("execution_id", "x1");
        m.put("data", Map.of("was_real_drift", true));
        return Json.encode(m);
    }

    /**
     * The latest time java.time parses, 18 hours west of UTC, is past the last UTC date-time
     * java.time can hold: it used to be accepted, and then encoding it threw a DateTimeException.
     */
    @Example
    void aTimeBeyondTheLastUtcYearIsRefused() {
        for (String t : List.of("+999999999-12-31T23:59:59-18:00", "-999999999-01-01T00:00:00+18:00",
                "+999999999-12-31T18:00:00-06:00")) {
            PoetException e = assertThrows(PoetException.class, () -> EventCodec.decode(withTime(t), "event"), t);
            assertEquals(Status.INVALID, e.status());
            assertTrue(e.getMessage().contains("field time") && e.getMessage().contains(t), e.getMessage());
        }
    }

    @Example
    void theFirstAndLastUtcYearsAreReadAndWritten() {
        for (String t : List.of("+999999999-12-31T23:59:59.999Z", "-999999999-01-01T00:00:00Z",
                "+999999999-12-31T23:59:59+18:00", "-999999999-01-01T00:00:00-18:00", "+10000-01-01T00:00:00Z",
                "-0001-12-31T23:59:59Z", "0000-01-01T00:00:00.000Z")) {
            Event e = EventCodec.decode(withTime(t), "event");
            assertEquals(OffsetDateTime.parse(t).toInstant(), e.time(), t);
            assertEquals(e.time(), EventCodec.decode(EventCodec.encode(e), "again").time(), t);
        }
    }

    /** A UTF-32 event file (three zero bytes first) with a bad character: invalid, not an UncheckedIOException. */
    @Example
    void aUtf32EventWithABadCharacterIsInvalid() {
        byte[] utf32 = new String(withTime("2026-11-27T11:35:00Z"), StandardCharsets.UTF_8).getBytes(java.nio.charset.Charset.forName("UTF-32BE"));
        assertEquals("drift.validation", EventCodec.decode(utf32, "event").type());
        byte[] cut = java.util.Arrays.copyOf(utf32, utf32.length - 2);
        assertEquals(Status.INVALID, assertThrows(PoetException.class, () -> EventCodec.decode(cut, "event")).status());
    }

    // ---- generators

    @Provide
    Arbitrary<Event> events() {
        return Gen.events();
    }

    @Provide
    Arbitrary<byte[]> encodedEvents() {
        return Gen.encodedEvents();
    }

    @Provide
    Arbitrary<List<Gen.Mutation>> mutations() {
        return Gen.mutations(3);
    }

    @Provide
    Arbitrary<Optional<Map<String, Object>>> correlations() {
        return Gen.correlations().optional(0.7);
    }

    @Provide
    Arbitrary<Optional<String>> functions() {
        return Gen.functions().optional(0.5);
    }

    @Provide
    Arbitrary<Optional<String>> ids() {
        return Gen.shortIds().optional(0.5);
    }

    @Provide
    Arbitrary<String> fieldNames() {
        List<String> names = new ArrayList<>(List.of("id", "type", "time", "source", "function", "version", "execution_id",
                "data", "correlation", "unknown", "data.unknown"));
        for (EventType t : EventType.known().values()) {
            t.fields().forEach(f -> names.add("data." + f.name()));
        }
        return Arbitraries.of(names.stream().distinct().toList());
    }

    @Provide
    Arbitrary<Object> values() {
        List<String> times = List.of("2026-11-27T11:35:00Z", "2026-11-27T11:35:00.123+01:00", "2026-02-30T00:00:00Z",
                "+999999999-12-31T23:59:59-18:00", "x");
        return Arbitraries.frequencyOf(
                net.jqwik.api.Tuple.of(4, Gen.json(2)),
                net.jqwik.api.Tuple.of(1, Arbitraries.of(new ArrayList<Object>(times))),
                net.jqwik.api.Tuple.of(1, Gen.ids().map(s -> (Object) s)),
                net.jqwik.api.Tuple.of(1, Arbitraries.of("drift.validation", "execution.completed", "x.team.thing", "v1",
                        "detect_drift", "", "../x").map(s -> (Object) s)));
    }

    /**
     * Date-times across every year java.time parses, with every offset it allows: mostly this
     * era, but one in five within two days of the first or last date-time, and one offset in five
     * the extreme 18 hours, which together reach past the ends of the UTC range.
     */
    @Provide
    Arbitrary<OffsetDateTime> times() {
        long first = LocalDateTime.MIN.toEpochSecond(ZoneOffset.UTC);
        long last = LocalDateTime.MAX.toEpochSecond(ZoneOffset.UTC);
        long twoDays = 2 * 86_400;
        Arbitrary<Long> seconds = Arbitraries.frequencyOf(
                net.jqwik.api.Tuple.of(3, Arbitraries.longs().between(-2_500_000_000L, 7_300_000_000L)),
                net.jqwik.api.Tuple.of(1, Arbitraries.longs().between(first, last)),
                net.jqwik.api.Tuple.of(1, Arbitraries.oneOf(Arbitraries.longs().between(first, first + twoDays),
                        Arbitraries.longs().between(last - twoDays, last))));
        Arbitrary<Integer> offsets = Arbitraries.frequencyOf(
                net.jqwik.api.Tuple.of(3, Arbitraries.integers().between(-18, 18).map(h -> h * 3600)),
                net.jqwik.api.Tuple.of(1, Arbitraries.integers().between(-64_800, 64_800)),
                net.jqwik.api.Tuple.of(1, Arbitraries.of(-64_800, 64_800)));
        return Combinators.combine(seconds, Arbitraries.integers().between(0, 999_999_999), offsets)
                .as((s, n, o) -> OffsetDateTime.of(LocalDateTime.ofEpochSecond(s, n, ZoneOffset.UTC), ZoneOffset.ofTotalSeconds(o)));
    }
}
