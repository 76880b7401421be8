package dev.poet.json;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.poet.PoetException;
import dev.poet.Status;
import dev.poet.testing.Python3;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class JsonTest {
    private static byte[] b(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    @Test
    void parsesValuesIntoPlainJavaTypesPreservingKeyOrder() {
        Map<String, Object> m = Json.parseObject(b("{\"z\":1,\"a\":[true,null,2.5,\"s\"],\"big\":123456789012345678901234}"), "x");
        assertEquals(List.of("z", "a", "big"), new ArrayList<>(m.keySet()));
        assertEquals(1L, m.get("z"));
        assertEquals(java.util.Arrays.asList(true, null, 2.5, "s"), m.get("a"));
        assertEquals(new java.math.BigInteger("123456789012345678901234"), m.get("big"));
    }

    @Test
    void malformedJsonIsInvalidInputNamingTheLine() {
        PoetException e = assertThrows(PoetException.class, () -> Json.parse(b("{\n\"a\": tru}"), "--data"));
        assertEquals(Status.INVALID, e.status());
        assertTrue(e.getMessage().startsWith("--data is not valid JSON"), e.getMessage());
        assertTrue(e.getMessage().contains("line 2"), e.getMessage());
    }

    @Test
    void refusesDuplicateKeysTrailingDataDeepNestingAndEmptyInput() {
        assertThrows(PoetException.class, () -> Json.parse(b("{\"a\":1,\"a\":2}"), "x"));
        assertThrows(PoetException.class, () -> Json.parse(b("{} {}"), "x"));
        assertThrows(PoetException.class, () -> Json.parse(b("[".repeat(200) + "]".repeat(200)), "x"));
        PoetException empty = assertThrows(PoetException.class, () -> Json.parse(b("  "), "x"));
        assertTrue(empty.getMessage().contains("empty"), "empty input is named: " + empty.getMessage());
    }

    @Test
    void refusesInvalidUtf8AndOutOfRangeNumbers() {
        assertThrows(PoetException.class, () -> Json.parse(new byte[] {'"', (byte) 0xC3, (byte) 0x28, '"'}, "x"));
        PoetException e = assertThrows(PoetException.class, () -> Json.parse(b("1e999"), "x"));
        assertTrue(e.getMessage().contains("out of range"), e.getMessage());
    }

    @Test
    void literalsFromTheCommandLine() {
        assertEquals(true, ((Json.Literal) Json.parseLiteralOrNull("true")).value());
        assertEquals(0.4, ((Json.Literal) Json.parseLiteralOrNull("0.4")).value());
        assertNull(((Json.Literal) Json.parseLiteralOrNull("null")).value());
        assertNull(Json.parseLiteralOrNull("seasonal_pattern"));
        assertNull(Json.parseLiteralOrNull("1 2"));
    }

    @Test
    void floatsAreWrittenAsPythonReprForKnownValues() {
        assertEquals("0.1", PythonFloat.repr(0.1));
        assertEquals("1e-05", PythonFloat.repr(1e-5));
        assertEquals("0.0001", PythonFloat.repr(1e-4));
        assertEquals("1e+16", PythonFloat.repr(1e16));
        assertEquals("1234567890123456.0", PythonFloat.repr(1234567890123456.0));
        assertEquals("3.0", PythonFloat.repr(3.0));
        assertEquals("-0.0", PythonFloat.repr(-0.0));
        assertEquals("1.7976931348623157e+308", PythonFloat.repr(Double.MAX_VALUE));
        assertEquals("5e-324", PythonFloat.repr(Double.MIN_VALUE));
        assertEquals("2e+23", PythonFloat.repr(2e23));
    }

    @Test
    void encodingMatchesPythonJsonDumpsByteForByte(@TempDir Path dir) {
        Random r = new Random(42);
        List<Object> values = new ArrayList<>();
        for (int i = 0; i < 3000; i++) {
            double d = switch (i % 3) {
                case 0 -> Double.longBitsToDouble(r.nextLong());
                case 1 -> r.nextDouble() * Math.pow(10, r.nextInt(40) - 20);
                default -> Math.round(r.nextDouble() * 1e6) / 1e3;
            };
            if (Double.isFinite(d)) {
                values.add(d);
            }
        }
        Map<String, Object> doc = new LinkedHashMap<>();
        doc.put("floats", values);
        doc.put("text", "tab\t nl\n ctl\u0001\u001f quote\" back\\ slash/ é 中 😀 \u007f");
        doc.put("ints", List.of(0L, -1L, Long.MAX_VALUE, new java.math.BigInteger("123456789012345678901234567890")));
        doc.put("nested", Map.of("k", List.of()));
        byte[] java = Json.encode(doc);
        Python3.Run py = Python3.run(dir, Map.of(),
                "import json,sys\n"
                        + "doc = json.loads(open(sys.argv[1], 'rb').read())\n"
                        + "sys.stdout.buffer.write(json.dumps(doc, ensure_ascii=False, separators=(',', ':')).encode('utf-8'))\n",
                write(dir, java).toString());
        assertEquals(0, py.code(), py.err());
        String expected = py.out();
        String actual = new String(java, StandardCharsets.UTF_8);
        int i = 0;
        while (i < Math.min(expected.length(), actual.length()) && expected.charAt(i) == actual.charAt(i)) {
            i++;
        }
        assertEquals(expected.length(), actual.length(), "lengths differ; first difference at " + i + ": python "
                + expected.substring(Math.max(0, i - 40), Math.min(expected.length(), i + 40)) + " / java "
                + actual.substring(Math.max(0, i - 40), Math.min(actual.length(), i + 40)));
        assertEquals(expected, actual, "first difference at " + i);
    }

    private static Path write(Path dir, byte[] content) {
        try {
            Path p = dir.resolve("doc.json");
            java.nio.file.Files.write(p, content);
            return p;
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }
}
