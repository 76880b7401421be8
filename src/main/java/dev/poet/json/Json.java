package dev.poet.json;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.SerializableString;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.core.io.CharacterEscapes;
import com.fasterxml.jackson.core.json.JsonWriteFeature;
import com.fasterxml.jackson.core.io.SerializedString;
import com.fasterxml.jackson.core.util.DefaultPrettyPrinter;
import dev.poet.PoetException;
import java.io.ByteArrayOutputStream;
import java.io.CharConversionException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * JSON for every file poet writes, on Jackson's streaming core (kept off databind so the
 * short-lived commands start fast). Values are plain Java: {@code Map<String,Object>} (insertion
 * ordered), {@code List<Object>}, {@code String}, {@code Boolean}, {@code Long},
 * {@code BigInteger}, {@code Double} and {@code null}.
 *
 * <p>The compact encoding is the store's canonical form and is byte-for-byte what Python's
 * {@code json.dumps(v, ensure_ascii=False, separators=(",", ":"))} prints: floats as Python's
 * {@code repr}, control characters escaped with lower-case hex.
 */
public final class Json {
    /** Deeper nesting than this is refused: no event needs it and it guards the parser. */
    public static final int MAX_DEPTH = 64;

    private static final JsonFactory FACTORY = JsonFactory.builder()
            .streamReadConstraints(StreamReadConstraints.builder()
                    .maxNestingDepth(MAX_DEPTH)
                    .maxNumberLength(400)
                    .maxStringLength(4 << 20)
                    .build())
            .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
            // correctly rounded like Double.parseDouble, several times faster
            .enable(StreamReadFeature.USE_FAST_DOUBLE_PARSER)
            .enable(JsonWriteFeature.COMBINE_UNICODE_SURROGATES_IN_UTF8)
            .build();

    private static final CharacterEscapes PYTHON_ESCAPES = new PythonEscapes();

    private Json() {
    }

    /** Parses one JSON document; anything malformed is an {@code INVALID} error naming where. */
    public static Object parse(byte[] bytes, String what) {
        try (JsonParser p = FACTORY.createParser(bytes)) {
            if (p.nextToken() == null) {
                throw PoetException.invalid(what + " is empty, expected JSON");
            }
            Object v = read(p, what);
            if (p.nextToken() != null) {
                throw PoetException.invalid(what + ": unexpected data after the JSON value at line "
                        + p.currentLocation().getLineNr() + " column " + p.currentLocation().getColumnNr());
            }
            return v;
        } catch (JsonProcessingException e) {
            throw PoetException.invalid(what + " is not valid JSON: " + describe(e));
        } catch (CharConversionException e) {
            // UTF-32 or UTF-16 (told from the first bytes) holding something that is not a character in it
            throw PoetException.invalid(what + " is not valid JSON: " + e.getMessage());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Parses a document that must be a JSON object. */
    @SuppressWarnings("unchecked")
    public static Map<String, Object> parseObject(byte[] bytes, String what) {
        Object v = parse(bytes, what);
        if (!(v instanceof Map)) {
            throw PoetException.invalid(what + " must be a JSON object, got " + typeName(v));
        }
        return (Map<String, Object>) v;
    }

    /**
     * Parses a JSON literal typed on the command line ({@code true}, {@code 0.4}, {@code "x"},
     * {@code [1,2]}); returns {@code null} when the text is not one, so the caller can take it
     * as a plain string.
     */
    public static Object parseLiteralOrNull(String text) {
        // most values given as text are words (seasonal_pattern, false_positive): telling them apart
        // here spares the parser's exception, which costs milliseconds at start-up
        String t = text.strip();
        if (t.isEmpty()) {
            return null;
        }
        char c = t.charAt(0);
        boolean maybe = c == '{' || c == '[' || c == '"' || c == '-' || (c >= '0' && c <= '9')
                || t.equals("true") || t.equals("false") || t.equals("null");
        if (!maybe) {
            return null;
        }
        try (JsonParser p = FACTORY.createParser(text)) {
            if (p.nextToken() == null) {
                return null;
            }
            Object v = read(p, "value");
            return p.nextToken() == null ? new Literal(v) : null;
        } catch (IOException | PoetException e) {
            return null;
        }
    }

    /** A parsed literal, so that JSON {@code null} can be told from "not JSON". */
    public record Literal(Object value) {
    }

    private static Object read(JsonParser p, String what) throws IOException {
        JsonToken t = p.currentToken();
        switch (t) {
            case START_OBJECT: {
                Map<String, Object> m = new LinkedHashMap<>();
                while (p.nextToken() == JsonToken.FIELD_NAME) {
                    String name = fieldName(p.currentName(), p, what);
                    p.nextToken();
                    m.put(name, read(p, what));
                }
                return m;
            }
            case START_ARRAY: {
                List<Object> l = new ArrayList<>();
                while (p.nextToken() != JsonToken.END_ARRAY) {
                    l.add(read(p, what));
                }
                return l;
            }
            case VALUE_STRING:
                return p.getText();
            case VALUE_NUMBER_INT:
                switch (p.getNumberType()) {
                    case INT:
                    case LONG:
                        return p.getLongValue();
                    default:
                        return p.getBigIntegerValue();
                }
            case VALUE_NUMBER_FLOAT: {
                double d = p.getDoubleValue();
                if (Double.isInfinite(d) || Double.isNaN(d)) {
                    throw PoetException.invalid(what + ": number " + p.getText() + " is out of range at line "
                            + p.currentLocation().getLineNr());
                }
                return d;
            }
            case VALUE_TRUE:
                return Boolean.TRUE;
            case VALUE_FALSE:
                return Boolean.FALSE;
            case VALUE_NULL:
                return null;
            default:
                throw PoetException.invalid(what + ": unexpected " + t + " at line " + p.currentLocation().getLineNr());
        }
    }

    /**
     * A field name without lone surrogates. A string value may hold one (written back as an escape),
     * but the parser refuses an escaped lone surrogate in a field name, so a name holding one (which
     * a UTF-32 document can carry) could be stored and never read back: refused here, where it arrives.
     */
    private static String fieldName(String s, JsonParser p, String what) {
        for (int i = 0, n = s.length(); i < n; i++) {
            char c = s.charAt(i);
            if (Character.isSurrogate(c)) {
                if (Character.isHighSurrogate(c) && i + 1 < n && Character.isLowSurrogate(s.charAt(i + 1))) {
                    i++;
                    continue;
                }
                throw PoetException.invalid(what + ": a field name holds a lone surrogate \\u"
                        + Integer.toHexString(c) + ", which is not Unicode text (line "
                        + p.currentLocation().getLineNr() + ", column " + p.currentLocation().getColumnNr() + ")");
            }
        }
        return s;
    }

    /** The canonical compact encoding, without a trailing newline. */
    public static byte[] encode(Object value) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(256);
        try (JsonGenerator g = FACTORY.createGenerator(out)) {
            g.setCharacterEscapes(PYTHON_ESCAPES);
            write(g, value);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toByteArray();
    }

    /** The canonical encoding followed by a newline: one line of a JSON Lines file. */
    public static byte[] encodeLine(Object value) {
        byte[] b = encode(value);
        byte[] line = new byte[b.length + 1];
        System.arraycopy(b, 0, line, 0, b.length);
        line[b.length] = '\n';
        return line;
    }

    /** Indented, for people and for settings files. */
    public static String pretty(Object value) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(256);
        try (JsonGenerator g = FACTORY.createGenerator(out)) {
            g.setPrettyPrinter(new DefaultPrettyPrinter());
            write(g, value);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toString(java.nio.charset.StandardCharsets.UTF_8);
    }

    private static void write(JsonGenerator g, Object v) throws IOException {
        if (v == null) {
            g.writeNull();
        } else if (v instanceof String) {
            g.writeString((String) v);
        } else if (v instanceof Boolean) {
            g.writeBoolean((Boolean) v);
        } else if (v instanceof Long || v instanceof Integer || v instanceof Short || v instanceof Byte) {
            g.writeNumber(((Number) v).longValue());
        } else if (v instanceof BigInteger) {
            g.writeNumber((BigInteger) v);
        } else if (v instanceof Double || v instanceof Float) {
            double d = ((Number) v).doubleValue();
            if (Double.isNaN(d) || Double.isInfinite(d)) {
                throw new IllegalArgumentException("JSON has no representation for " + d);
            }
            g.writeNumber(PythonFloat.repr(d));
        } else if (v instanceof BigDecimal) {
            g.writeNumber(PythonFloat.repr(((BigDecimal) v).doubleValue()));
        } else if (v instanceof Map) {
            g.writeStartObject();
            for (Map.Entry<?, ?> e : ((Map<?, ?>) v).entrySet()) {
                g.writeFieldName(String.valueOf(e.getKey()));
                write(g, e.getValue());
            }
            g.writeEndObject();
        } else if (v instanceof List) {
            g.writeStartArray();
            for (Object o : (List<?>) v) {
                write(g, o);
            }
            g.writeEndArray();
        } else {
            throw new IllegalArgumentException("not a JSON value: " + v.getClass().getName());
        }
    }

    /** Equal as JSON values: numbers by value (14 equals 14.0), objects by key regardless of order. */
    public static boolean sameValue(Object a, Object b) {
        if (a instanceof Number && b instanceof Number) {
            return new BigDecimal(a.toString()).compareTo(new BigDecimal(b.toString())) == 0;
        }
        if (a instanceof Map && b instanceof Map) {
            Map<?, ?> x = (Map<?, ?>) a;
            Map<?, ?> y = (Map<?, ?>) b;
            if (!x.keySet().equals(y.keySet())) {
                return false;
            }
            for (Map.Entry<?, ?> e : x.entrySet()) {
                if (!sameValue(e.getValue(), y.get(e.getKey()))) {
                    return false;
                }
            }
            return true;
        }
        if (a instanceof List && b instanceof List) {
            List<?> x = (List<?>) a;
            List<?> y = (List<?>) b;
            if (x.size() != y.size()) {
                return false;
            }
            for (int i = 0; i < x.size(); i++) {
                if (!sameValue(x.get(i), y.get(i))) {
                    return false;
                }
            }
            return true;
        }
        return java.util.Objects.equals(a, b);
    }

    /** The JSON type name of a value, for error messages. */
    public static String typeName(Object v) {
        if (v == null) {
            return "null";
        }
        if (v instanceof String) {
            return "string";
        }
        if (v instanceof Boolean) {
            return "boolean";
        }
        if (v instanceof Number) {
            return "number";
        }
        if (v instanceof Map) {
            return "object";
        }
        if (v instanceof List) {
            return "array";
        }
        return v.getClass().getSimpleName();
    }

    private static String describe(JsonProcessingException e) {
        String msg = e.getOriginalMessage();
        int nl = msg.indexOf('\n');
        if (nl >= 0) {
            msg = msg.substring(0, nl);
        }
        // Jackson names the source of a marker even when it is told not to: drop that part
        msg = msg.replaceAll(" \\(start marker at \\[Source: [^\\]]*\\]; line: (\\d+), column: (\\d+)\\)",
                " (opened at line $1, column $2)");
        if (e.getLocation() != null) {
            msg += " (line " + e.getLocation().getLineNr() + ", column " + e.getLocation().getColumnNr() + ")";
        }
        return msg;
    }

    /** Escapes exactly as Python's json module does: short forms, else {@code \\u00xx} in lower case. */
    private static final class PythonEscapes extends CharacterEscapes {
        private final int[] table;
        private final SerializableString[] custom = new SerializableString[32];

        PythonEscapes() {
            table = CharacterEscapes.standardAsciiEscapesForJSON();
            for (int c = 0; c < 32; c++) {
                if (c != '\b' && c != '\t' && c != '\n' && c != '\f' && c != '\r') {
                    table[c] = CharacterEscapes.ESCAPE_CUSTOM;
                    custom[c] = new SerializedString("\\u00" + Character.forDigit(c >> 4, 16) + Character.forDigit(c & 15, 16));
                }
            }
        }

        @Override
        public int[] getEscapeCodesForAscii() {
            return table;
        }

        @Override
        public SerializableString getEscapeSequence(int ch) {
            return ch < 32 ? custom[ch] : null;
        }
    }
}
