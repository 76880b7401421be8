package dev.poet.serve;

import static dev.poet.testing.Gen.within;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.poet.PoetException;
import dev.poet.Status;
import dev.poet.event.Event;
import dev.poet.event.EventCodec;
import dev.poet.integrate.Rejected;
import dev.poet.json.Json;
import dev.poet.testing.Gen;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.Disabled;
import net.jqwik.api.Example;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.statistics.Statistics;

/**
 * Properties of the body of POST /poet/events: {@link EventLines#split} never returns more
 * envelopes than allowed and refuses a body only as a whole (400 empty, 413 too many), and
 * {@link EventLines#parse} reads a line or refuses it as INVALID, so one bad line costs only
 * itself.
 */
class EventLinesPropertyTest {
    private static final Instant NOW = Instant.parse("2026-11-27T11:35:00Z");

    private static int nonBlankLines(byte[] body) {
        int n = 0;
        for (String line : new String(body, StandardCharsets.ISO_8859_1).split("\n", -1)) {
            if (!line.replace(" ", "").replace("\t", "").replace("\r", "").isEmpty()) {
                n++;
            }
        }
        return n;
    }

    /** Any bytes: at most maxLines envelopes, or 400 (no envelope) or 413 (over maxLines of them), and nothing else. */
    @Property(tries = 700)
    void anyBodyIsSplitIntoAtMostTheAllowedLinesOrRefusedWhole(@ForAll("bodies") byte[] body,
                                                               @ForAll @IntRange(min = 1, max = 8) int maxLines) {
        int lines = nonBlankLines(body);
        Object r = within(10, () -> {
            try {
                return EventLines.split(body, maxLines);
            } catch (Rejected e) {
                return e;
            }
        });
        if (r instanceof Rejected e) {
            assertEquals(lines == 0 ? 400 : 413, e.httpStatus(), e.getMessage());
            assertTrue(lines == 0 || lines > maxLines, lines + " lines refused: " + e.getMessage());
            Statistics.label("outcome").collect(String.valueOf(e.httpStatus()));
        } else {
            @SuppressWarnings("unchecked")
            List<byte[]> split = (List<byte[]>) r;
            assertTrue(split.size() >= 1 && split.size() <= maxLines, split.size() + " of at most " + maxLines);
            assertTrue(split.size() == 1 || split.size() == lines, split.size() + " envelopes from " + lines + " lines");
            Statistics.label("outcome").collect("split");
        }
        Statistics.label("outcome").coverage(c -> {
            c.check("split").percentage(p -> p > 20);
            c.check("413").percentage(p -> p > 5);
            c.check("400").count(n -> n > 0);
        });
    }

    /** JSON Lines of valid events, with blank lines, CRLF and trailing blanks: each envelope comes back, in order. */
    @Property(tries = 300)
    void jsonLinesOfEventsComeBackOneEnvelopePerLine(@ForAll("eventLists") List<Event> events,
                                                     @ForAll("separators") List<String> separators) {
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        for (int i = 0; i < events.size(); i++) {
            byte[] line = EventCodec.encode(events.get(i));
            body.write(line, 0, line.length - 1);
            body.writeBytes(separators.get(i % separators.size()).getBytes(StandardCharsets.UTF_8));
        }
        List<byte[]> split = EventLines.split(body.toByteArray(), events.size());
        assertEquals(events.size(), split.size());
        for (int i = 0; i < events.size(); i++) {
            EventLines.Parsed p = EventLines.parse(split.get(i), "line " + (i + 1), () -> "fresh", NOW, "http");
            assertTrue(p.idGiven());
            assertArrayEquals(EventCodec.encode(events.get(i)), EventCodec.encode(p.event()), "line " + (i + 1));
        }
        Rejected over = assertThrows(Rejected.class, () -> EventLines.split(body.toByteArray(), events.size() - 1));
        assertEquals(413, over.httpStatus());
    }

    /** One event pretty-printed over several lines is one envelope, not one per line. */
    @Property(tries = 300)
    void aPrettyPrintedEventIsOneEnvelope(@ForAll("events") Event e) {
        byte[] body = Json.pretty(e.toMap()).getBytes(StandardCharsets.UTF_8);
        List<byte[]> split = EventLines.split(body, PoetServer.MAX_EVENTS_PER_REQUEST);
        assertEquals(1, split.size());
        EventLines.Parsed p = EventLines.parse(split.get(0), "the body", () -> "fresh", NOW, "http");
        assertArrayEquals(EventCodec.encode(e), EventCodec.encode(p.event()));
    }

    /** Any line: an envelope, or an INVALID error that names the line; an envelope read is one that can be stored. */
    @Property(tries = 1000)
    void anyLineIsReadOrRefusedAsInvalid(@ForAll("lines") byte[] line) {
        Object r = within(10, () -> {
            try {
                return EventLines.parse(line, "line 7", () -> "fresh-id", NOW, "http");
            } catch (PoetException e) {
                return e;
            }
        });
        if (r instanceof PoetException e) {
            assertEquals(Status.INVALID, e.status(), e.getMessage());
            assertTrue(e.getMessage().startsWith("line 7"), e.getMessage());
        } else {
            Event ev = ((EventLines.Parsed) r).event();
            assertEquals(null, ev.correlation());
            EventCodec.validate(ev);
            EventCodec.decode(EventCodec.encode(ev), "stored");
        }
        Statistics.label("outcome").collect(r instanceof PoetException ? "refused" : "read")
                .coverage(c -> c.check("read").percentage(p -> p > 2));
    }

    // ---- inputs that broke something, or that are worth keeping

    /** UTF-32 (three zero bytes first) cut short used to escape parse as an UncheckedIOException: the whole request failed. */
    @Example
    void aLineInBrokenUtf32IsInvalid() {
        PoetException e = assertThrows(PoetException.class,
                () -> EventLines.parse(new byte[] {0, 0, 0, '{', 0, 0}, "line 2", () -> "id", NOW, "http"));
        assertEquals(Status.INVALID, e.status());
        assertTrue(e.getMessage().startsWith("line 2"), e.getMessage());
    }

    /** A time past the last UTC year used to be accepted here and then fail the whole request when it was encoded. */
    @Example
    void aTimeBeyondTheLastUtcYearIsInvalid() {
        byte[] line = "{\"type\":\"x.team.thing\",\"time\":\"+999999999-12-31T23:59:59-18:00\"}".getBytes(StandardCharsets.UTF_8);
        PoetException e = assertThrows(PoetException.class, () -> EventLines.parse(line, "line 1", () -> "id", NOW, "http"));
        assertTrue(e.getMessage().startsWith("line 1: field time"), e.getMessage());
    }

    @Example
    void blankAndWhitespaceOnlyBodiesHoldNoEvents() {
        for (String body : List.of("", "\n", " \t\r\n\r\n  ", "\n\n\n")) {
            assertEquals(400, assertThrows(Rejected.class,
                    () -> EventLines.split(body.getBytes(StandardCharsets.UTF_8), 5)).httpStatus(), body);
        }
    }

    /**
     * A single event pretty-printed over more lines than the per-request event limit is still one
     * event, but split counts its lines against the limit before it looks at the whole body, and
     * answers 413 "over N events". Kept as a reproducer for the rewrite of the serve package.
     */
    @Disabled("split counts a pretty-printed object's lines as events before trying the body as one object")
    @Example
    void aPrettyPrintedEventLongerThanTheEventLimitIsOneEvent() {
        Map<String, Object> data = new java.util.LinkedHashMap<>();
        for (int i = 0; i < 12; i++) {
            data.put("k" + i, i);
        }
        byte[] body = Json.pretty(Map.of("type", "x.team.thing", "data", data)).getBytes(StandardCharsets.UTF_8);
        assertEquals(1, EventLines.split(body, 10).size());
    }

    /**
     * The same for a body that is one object whose first line happens to end with a closing
     * brace (a nested object): it is judged as JSON Lines, and every line is refused.
     */
    @Disabled("split takes a first line ending in '}' for a whole envelope, even when the body is one object")
    @Example
    void aSingleObjectWhoseFirstLineEndsWithANestedObjectIsOneEvent() {
        byte[] body = "{\"type\":\"x.team.thing\",\"data\":{\"a\":1}\n,\"source\":\"s\"}".getBytes(StandardCharsets.UTF_8);
        assertEquals(1, EventLines.split(body, 10).size());
    }

    // ---- generators

    @Provide
    Arbitrary<Event> events() {
        return Gen.events();
    }

    @Provide
    Arbitrary<List<Event>> eventLists() {
        return Gen.events().list().ofMinSize(1).ofMaxSize(6);
    }

    @Provide
    Arbitrary<List<String>> separators() {
        return Arbitraries.of("\n", "\r\n", "\n\n", " \t\n", "\n \n", "\n\r\n").list().ofMinSize(1).ofMaxSize(3);
    }

    /** Bodies: random bytes rich in newlines and blanks, and JSON Lines of events, cut and mutated. */
    @Provide
    Arbitrary<byte[]> bodies() {
        Arbitrary<byte[]> noise = Arbitraries.frequencyOf(
                        net.jqwik.api.Tuple.of(3, Arbitraries.of((byte) '\n', (byte) ' ', (byte) '\t', (byte) '\r')),
                        net.jqwik.api.Tuple.of(1, Arbitraries.of((byte) '{', (byte) '}')),
                        net.jqwik.api.Tuple.of(3, Arbitraries.bytes()))
                .array(byte[].class).ofMaxSize(60);
        Arbitrary<byte[]> jsonLines = Combinators.combine(Gen.events().list().ofMinSize(1).ofMaxSize(10),
                Gen.mutations(2).injectNull(0.5)).as((evs, ms) -> {
                    ByteArrayOutputStream b = new ByteArrayOutputStream();
                    evs.forEach(ev -> b.writeBytes(EventCodec.encode(ev)));
                    return ms == null ? b.toByteArray() : Gen.mutate(b.toByteArray(), ms);
                });
        Arbitrary<byte[]> pretty = Gen.events().map(ev -> Json.pretty(ev.toMap()).getBytes(StandardCharsets.UTF_8));
        return Arbitraries.oneOf(noise, jsonLines, pretty);
    }

    /** Lines: envelopes as clients write them (without id, time or source), then mutated, and random bytes. */
    @Provide
    Arbitrary<byte[]> lines() {
        Arbitrary<byte[]> clientEnvelopes = Combinators.combine(Gen.events(), Arbitraries.subsetOf("id", "time", "source"),
                Gen.mutations(3).injectNull(0.3)).as((ev, drop, ms) -> {
                    Map<String, Object> m = ev.toMap();
                    m.keySet().removeAll(drop);
                    byte[] b = Json.encode(m);
                    return ms == null ? b : Gen.mutate(b, ms);
                });
        return Arbitraries.oneOf(clientEnvelopes, Arbitraries.bytes().array(byte[].class).ofMaxSize(80));
    }
}
