package dev.poet.json;

import static dev.poet.testing.Gen.within;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.poet.PoetException;
import dev.poet.Status;
import dev.poet.testing.Gen;
import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Example;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.statistics.Statistics;

/**
 * Properties of the JSON layer every decoder stands on: any bytes are parsed or refused as
 * INVALID input (never another exception, never a hang), and the canonical encoding of any value
 * parses back to the same value and is its own fixed point.
 */
class JsonPropertyTest {

    /** Parses, or returns the refusal; anything but an INVALID PoetException fails the property. */
    private static Object parseOrRefusal(byte[] bytes) {
        return within(10, () -> {
            try {
                return Json.parse(bytes, "input");
            } catch (PoetException e) {
                assertEquals(Status.INVALID, e.status(), e.getMessage());
                assertTrue(e.getMessage().startsWith("input"), "the refusal names what was read: " + e.getMessage());
                return e;
            }
        });
    }

    @Property(tries = 1000)
    void anyBytesAreParsedOrRefusedAsInvalid(@ForAll byte[] bytes) {
        parseOrRefusal(bytes);
    }

    @Property(tries = 1000)
    void mutatedJsonIsParsedOrRefusedAsInvalid(@ForAll("jsonTexts") byte[] seed, @ForAll("mutations") List<Gen.Mutation> ms) {
        Object r = parseOrRefusal(Gen.mutate(seed, ms));
        Statistics.label("outcome").collect(r instanceof PoetException ? "refused" : "parsed")
                .coverage(c -> c.check("parsed").percentage(p -> p > 3));
    }

    /**
     * JSON in UTF-16 or UTF-32 (which the parser detects from the first bytes), cut or mutated:
     * a character that is not one in that encoding is invalid input, like bad UTF-8.
     */
    @Property(tries = 1000)
    void otherUnicodeEncodingsAreParsedOrRefusedAsInvalid(@ForAll("jsonValues") Object v, @ForAll("encodings") Charset cs,
                                                          @ForAll("mutations") List<Gen.Mutation> ms) {
        byte[] text = new String(Json.encode(v), StandardCharsets.UTF_8).getBytes(cs);
        parseOrRefusal(Gen.mutate(text, ms));
    }

    @Property(tries = 1000)
    void canonicalEncodingParsesBackToTheSameValueAndIsAFixedPoint(@ForAll("jsonValues") Object v) {
        byte[] once = Json.encode(v);
        Object back = Json.parse(once, "encoded");
        assertEquals(Gen.parsed(v), back);
        assertArrayEquals(once, Json.encode(back), () -> new String(once, StandardCharsets.UTF_8));
    }

    @Property(tries = 300)
    void prettyFormParsesBackToTheSameValue(@ForAll("jsonValues") Object v) {
        assertEquals(Gen.parsed(v), Json.parse(Json.pretty(v).getBytes(StandardCharsets.UTF_8), "pretty"));
    }

    /** Every finite double is written in the shortest form that reads back as exactly that double (sign of zero included). */
    @Property(tries = 2000)
    void everyFiniteDoubleSurvivesTheCanonicalForm(@ForAll("doubles") double d) {
        Object back = Json.parse(Json.encode(d), "number");
        assertEquals(Double.doubleToRawLongBits(d), Double.doubleToRawLongBits((Double) back), () -> PythonFloat.repr(d));
    }

    @Property(tries = 300)
    void nestingDeeperThanTheLimitIsRefused(@ForAll("depths") int depth, @ForAll boolean arrays) {
        String open = arrays ? "[" : "{\"k\":";
        String close = arrays ? "]" : "}";
        byte[] text = (open.repeat(depth) + "1" + close.repeat(depth)).getBytes(StandardCharsets.UTF_8);
        Object r = parseOrRefusal(text);
        assertEquals(depth > Json.MAX_DEPTH, r instanceof PoetException, "depth " + depth);
    }

    // ---- inputs that broke something, or that are worth keeping

    /** UTF-32 is detected from three zero bytes; a code point over U+10FFFF used to escape as an UncheckedIOException. */
    @Example
    void utf32AboveTheUnicodeRangeIsInvalidInput() {
        PoetException e = assertThrows(PoetException.class,
                () -> Json.parse(new byte[] {0, 0, 0, '{', 0x7f, 0x7f, 0x7f, 0x7f}, "the body"));
        assertEquals(Status.INVALID, e.status());
        assertTrue(e.getMessage().startsWith("the body is not valid JSON"), e.getMessage());
    }

    /** UTF-32 cut in the middle of a character: the same escape, as an UncheckedIOException. */
    @Example
    void utf32CutInsideACharacterIsInvalidInput() {
        PoetException e = assertThrows(PoetException.class, () -> Json.parse(new byte[] {0, 0, 0, '[', 0, 0}, "x"));
        assertEquals(Status.INVALID, e.status());
    }

    @Example
    void wellFormedUtf32AndUtf16AreRead() {
        for (Charset cs : List.of(Charset.forName("UTF-32BE"), Charset.forName("UTF-32LE"), StandardCharsets.UTF_16BE,
                StandardCharsets.UTF_16LE)) {
            assertEquals(Map.of("a", List.of(1L, "é💥")), Json.parse("{\"a\":[1,\"é💥\"]}".getBytes(cs), "x"), cs.name());
        }
    }

    /** A lone surrogate (JSON allows the escape) is kept, and written back as an escape, never as invalid UTF-8. */
    @Example
    void loneSurrogatesRoundTripAsEscapes() {
        Object v = Json.parse("[\"\\ud800x\",\"\\udfff\"]".getBytes(StandardCharsets.UTF_8), "x");
        assertEquals(List.of("\ud800x", "\udfff"), v);
        byte[] out = Json.encode(v);
        assertEquals("[\"\\uD800x\",\"\\uDFFF\"]", new String(out, StandardCharsets.UTF_8));
        assertEquals(v, Json.parse(out, "again"));
    }

    /**
     * A UTF-32 document can carry a lone surrogate in a field name, which the canonical form could
     * only write as an escape the parser refuses in names: it was accepted and stored unreadable
     * (found by EventCodecPropertyTest in CI). Refused as invalid input where it arrives.
     */
    @Example
    void aLoneSurrogateInAFieldNameIsInvalidInput() {
        for (boolean bigEndian : new boolean[] {true, false}) {
            int[] cps = {'{', '"', 'k', 0xDFF1, '"', ':', '1', '}'};
            byte[] in = new byte[cps.length * 4];
            for (int i = 0; i < cps.length; i++) {
                in[4 * i + (bigEndian ? 3 : 0)] = (byte) cps[i];
                in[4 * i + (bigEndian ? 2 : 1)] = (byte) (cps[i] >> 8);
            }
            PoetException e = assertThrows(PoetException.class, () -> Json.parse(in, "the body"));
            assertEquals(Status.INVALID, e.status());
            assertTrue(e.getMessage().contains("lone surrogate \\udff1"), e.getMessage());
        }
        // a pair is a character, in a name as anywhere
        assertEquals(Map.of("k\ud83d\udca5", 1L),
                Json.parse("{\"k\\ud83d\\udca5\":1}".getBytes(StandardCharsets.UTF_8), "x"));
    }

    @Provide
    Arbitrary<Object> jsonValues() {
        return Gen.json(4);
    }

    @Provide
    Arbitrary<byte[]> jsonTexts() {
        return Gen.json(4).map(Json::encode);
    }

    @Provide
    Arbitrary<List<Gen.Mutation>> mutations() {
        return Gen.mutations(4);
    }

    @Provide
    Arbitrary<Charset> encodings() {
        return Gen.otherEncodings();
    }

    @Provide
    Arbitrary<Double> doubles() {
        return Gen.doubles();
    }

    @Provide
    Arbitrary<Integer> depths() {
        return Arbitraries.integers().between(1, 3 * Json.MAX_DEPTH).edgeCases(c -> c.add(Json.MAX_DEPTH, Json.MAX_DEPTH + 1));
    }
}
