package dev.poet.testing;

import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import dev.poet.event.Event;
import dev.poet.event.EventCodec;
import dev.poet.event.EventType;
import dev.poet.event.Field;
import java.math.BigInteger;
import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.Tuple;

/**
 * Generators for the property tests: JSON values as {@link dev.poet.json.Json} holds them, valid
 * event envelopes built from each type's schema, and mutations of valid inputs (a bit flipped, a
 * byte overwritten or inserted, a range cut or repeated, the end cut off), which reach far deeper
 * into a decoder than random bytes do.
 */
public final class Gen {
    private Gen() {
    }

    /** Earliest and latest instants whose UTC date-time has a year java.time can hold (+-999999999). */
    public static final Instant FIRST = LocalDateTime.MIN.toInstant(ZoneOffset.UTC);
    public static final Instant LAST = LocalDateTime.MAX.toInstant(ZoneOffset.UTC);

    /** Runs {@code check} on its own thread and fails the try if it takes longer than {@code seconds}. */
    public static <T> T within(int seconds, Supplier<T> check) {
        return assertTimeoutPreemptively(Duration.ofSeconds(seconds), check::get, "took over " + seconds + " s");
    }

    // ---- text and JSON values

    private static Arbitrary<Integer> codePoints() {
        return Arbitraries.frequencyOf(
                Tuple.of(8, Arbitraries.integers().between(0x20, 0x7e)),
                Tuple.of(2, Arbitraries.integers().between(0, 0x1f)),
                Tuple.of(1, Arbitraries.of(0x7f, 0x80, 0x85, 0xa0, 0xad, 0x2028, 0x2029, 0xfeff, 0xfffd, 0xffff)),
                Tuple.of(2, Arbitraries.integers().between(0xa0, 0xd7ff)),
                Tuple.of(1, Arbitraries.integers().between(0xe000, 0xfffd)),
                Tuple.of(2, Arbitraries.integers().between(0x10000, 0x10ffff)),
                // a lone surrogate: a Java string can hold one, and JSON's \ud800 escape makes one
                Tuple.of(1, Arbitraries.integers().between(0xd800, 0xdfff)));
    }

    /** Any Java string, mostly printable ASCII, with control characters, astral characters and now and then a lone surrogate. */
    public static Arbitrary<String> text(int maxLength) {
        return string(codePoints(), maxLength);
    }

    /**
     * Text without lone surrogates: the parser refuses one in an object's key (it keeps one in a
     * string value), so no key poet reads holds one.
     */
    public static Arbitrary<String> keys(int maxLength) {
        return string(codePoints().filter(cp -> cp < 0xd800 || cp > 0xdfff), maxLength);
    }

    private static Arbitrary<String> string(Arbitrary<Integer> codePoints, int maxLength) {
        return codePoints.list().ofMaxSize(maxLength).map(cps -> {
            StringBuilder b = new StringBuilder();
            for (int cp : cps) {
                b.appendCodePoint(cp);
            }
            return b.toString();
        });
    }

    /** Every finite double, from its bits (so -0.0, subnormals and the extremes come up), and plain decimals. */
    public static Arbitrary<Double> doubles() {
        return Arbitraries.oneOf(
                Arbitraries.longs().map(Double::longBitsToDouble).filter(Double::isFinite),
                Arbitraries.doubles().between(-1e6, 1e6).ofScale(3),
                Arbitraries.of(0.0, -0.0, 0.1, 1e16, 1.5e16, 1e-4, 1e-5, 123456789012345680.0, Double.MIN_VALUE,
                        Double.MAX_VALUE, -Double.MAX_VALUE));
    }

    /** A number as the parser returns it: Long, BigInteger beyond long's range, or finite Double. */
    public static Arbitrary<Object> numbers() {
        BigInteger big = BigInteger.TEN.pow(80);
        return Arbitraries.oneOf(
                Arbitraries.longs().map(l -> (Object) l),
                Arbitraries.bigIntegers().between(big.negate(), big)
                        .filter(b -> b.bitLength() > 63).map(b -> (Object) b),
                doubles().map(d -> (Object) d));
    }

    private static Arbitrary<Object> scalars() {
        return Arbitraries.oneOf(
                Arbitraries.just(null),
                Arbitraries.of(Boolean.TRUE, Boolean.FALSE),
                numbers(),
                text(24).map(s -> (Object) s));
    }

    /**
     * A JSON value as {@link dev.poet.json.Json#parse} returns it, nested at most {@code depth} deep
     * (at most 4). Each level is built once: jqwik hashes an arbitrary's whole structure to reuse
     * its generator, so arbitraries made afresh for every value cost more than the checks.
     */
    public static Arbitrary<Object> json(int depth) {
        return JSON.get(depth);
    }

    private static final List<Arbitrary<Object>> JSON = new ArrayList<>();

    static {
        JSON.add(scalars());
        for (int d = 1; d <= 4; d++) {
            Arbitrary<Object> inner = JSON.get(d - 1);
            JSON.add(Arbitraries.frequencyOf(
                    Tuple.of(5, scalars()),
                    Tuple.of(1, inner.list().ofMaxSize(4).map(l -> (Object) new ArrayList<>(l))),
                    Tuple.of(1, objects(inner, 4).map(m -> (Object) m))));
        }
    }

    /** A JSON object of at most {@code max} keys, in generation order. */
    public static Arbitrary<Map<String, Object>> objects(Arbitrary<Object> values, int max) {
        return Combinators.combine(keys(12).list().uniqueElements().ofMaxSize(max), values.list().ofSize(max))
                .as((keys, vals) -> {
                    Map<String, Object> m = new LinkedHashMap<>();
                    for (int i = 0; i < keys.size(); i++) {
                        m.put(keys.get(i), vals.get(i));
                    }
                    return m;
                });
    }

    /**
     * A generated value as parsing gives it back: integers that fit a long are Long, every list an
     * ArrayList and every object a LinkedHashMap (equals compares lists in order and objects by
     * key; Double's equals tells 0.0 from -0.0).
     */
    public static Object parsed(Object v) {
        if (v instanceof BigInteger b && b.bitLength() <= 63) {
            return b.longValue();
        }
        if (v instanceof List<?> l) {
            List<Object> out = new ArrayList<>();
            l.forEach(x -> out.add(parsed(x)));
            return out;
        }
        if (v instanceof Map<?, ?> m) {
            Map<String, Object> out = new LinkedHashMap<>();
            m.forEach((k, x) -> out.put((String) k, parsed(x)));
            return out;
        }
        return v;
    }

    // ---- names and ids, exactly as dev.poet.store.Names allows them

    private static final String ALNUM = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";

    private static Arbitrary<String> word(String first, String rest, int maxRest) {
        return Combinators.combine(Arbitraries.of(first.toCharArray()),
                Arbitraries.strings().withChars(rest.toCharArray()).ofMaxLength(maxRest)).as((c, s) -> c + s);
    }

    /** {@code [A-Za-z0-9][A-Za-z0-9._:@+=-]{0,127}}. */
    public static Arbitrary<String> ids() {
        return word(ALNUM, ALNUM + "._:@+=-", 127);
    }

    /** Short ids, as execution ids usually are (and so that two of them differ by little). */
    public static Arbitrary<String> shortIds() {
        return word(ALNUM, ALNUM + "._:@+=-", 8);
    }

    public static Arbitrary<String> functions() {
        return word(ALNUM.substring(0, 52) + "_", ALNUM + "_", 127);
    }

    public static Arbitrary<String> versions() {
        return word("123456789", "0123456789", 8).map(s -> "v" + s);
    }

    public static Arbitrary<String> sources() {
        return word(ALNUM, ALNUM + "._:/@-", 63);
    }

    private static Arbitrary<String> customTypes() {
        Arbitrary<String> part = Arbitraries.strings().withChars("abcdefghijklmnopqrstuvwxyz0123456789_".toCharArray())
                .ofMinLength(1).ofMaxLength(40);
        return Combinators.combine(part, part.list().ofMinSize(1).ofMaxSize(4))
                .as((a, rest) -> "x." + a + "." + String.join(".", rest));
    }

    /** Instants at millisecond precision: mostly this century, sometimes anywhere a UTC date-time can be. */
    public static Arbitrary<Instant> instants() {
        long now = Instant.parse("2026-11-27T11:35:00Z").toEpochMilli();
        return Arbitraries.frequencyOf(
                Tuple.of(4, Arbitraries.longs().between(now - 100L * 365 * 86_400_000, now + 100L * 365 * 86_400_000)
                        .map(Instant::ofEpochMilli)),
                Tuple.of(1, Combinators.combine(Arbitraries.longs().between(FIRST.getEpochSecond(), LAST.getEpochSecond()),
                        Arbitraries.integers().between(0, 999)).as((s, ms) -> Instant.ofEpochSecond(s, ms * 1_000_000L))),
                Tuple.of(1, Arbitraries.of(FIRST, LAST.truncatedTo(java.time.temporal.ChronoUnit.MILLIS),
                        Instant.parse("0000-01-01T00:00:00Z"), Instant.parse("9999-12-31T23:59:59.999Z"),
                        Instant.parse("+10000-01-01T00:00:00Z"), Instant.parse("-0001-12-31T23:59:59.999Z"))));
    }

    // ---- events

    /** A value of the kind a schema field demands. */
    public static Arbitrary<Object> valueOf(Field.Kind kind) {
        return switch (kind) {
            case STRING -> text(24).map(s -> (Object) s);
            case BOOLEAN -> Arbitraries.of(Boolean.TRUE, Boolean.FALSE);
            case NUMBER -> numbers();
            case NON_NEGATIVE -> numbers().filter(n -> ((Number) n).doubleValue() >= 0);
            case PROBABILITY -> Arbitraries.oneOf(Arbitraries.doubles().between(0, 1).map(d -> (Object) d),
                    Arbitraries.of(0L, 1L, 0.0, -0.0, 1.0, Double.MIN_VALUE));
            case INTEGER -> Arbitraries.oneOf(Arbitraries.longs().map(l -> (Object) l),
                    Arbitraries.bigIntegers().between(BigInteger.TEN.pow(30).negate(), BigInteger.TEN.pow(30))
                            .filter(b -> b.bitLength() > 63).map(b -> (Object) b));
            case OBJECT -> objects(json(2), 4).map(m -> (Object) m);
            case STRING_LIST -> text(12).list().ofMinSize(1).ofMaxSize(4).map(l -> (Object) new ArrayList<>(l));
            case ANY -> json(2);
        };
    }

    /** The data of a valid event of this type: every required field, some optional ones, and some keys outside the schema. */
    private static Arbitrary<Map<String, Object>> data(EventType t) {
        List<Arbitrary<Map.Entry<String, Object>>> fields = new ArrayList<>();
        for (Field f : t.fields()) {
            Arbitrary<Map.Entry<String, Object>> entry = valueOf(f.kind()).map(v -> Map.entry(f.name(), wrap(v)));
            fields.add(f.required() ? entry : entry.injectNull(0.5));
        }
        Arbitrary<List<Map.Entry<String, Object>>> schema = fields.isEmpty() ? Arbitraries.just(List.of())
                : Combinators.combine(fields).as(ArrayList::new);
        java.util.Set<String> names = new java.util.HashSet<>();
        t.fields().forEach(f -> names.add(f.name()));
        Arbitrary<Map<String, Object>> extra = objects(json(2), 3).map(m -> {
            m.keySet().removeAll(names);
            return m;
        });
        return Combinators.combine(schema, extra, Arbitraries.of(true, false), numbers()).as((s, x, revenue, amount) -> {
            Map<String, Object> d = new LinkedHashMap<>();
            for (Map.Entry<String, Object> e : s) {
                if (e != null) {
                    d.put(e.getKey(), unwrap(e.getValue()));
                }
            }
            d.putAll(x);
            if (t.name().equals("drift.business_impact_measured") && !d.containsKey("revenue_impact")
                    && !d.containsKey("conversion_impact")) {
                d.put(revenue ? "revenue_impact" : "conversion_impact", amount);
            }
            return d;
        });
    }

    /** Map.entry refuses null values; a JSON null is carried through as this marker. */
    private static final Object NULL = new Object();

    private static Object wrap(Object v) {
        return v == null ? NULL : v;
    }

    private static Object unwrap(Object v) {
        return v == NULL ? null : v;
    }

    private record Envelope(String id, Instant time, String source, String function, String version, String exec) {
    }

    private static Arbitrary<Envelope> envelopes() {
        return Combinators.combine(ids(), instants(), sources(), functions().injectNull(0.4), versions().injectNull(0.4),
                        shortIds().injectNull(0.4))
                .as(Envelope::new);
    }

    /** Valid events of every known type and of custom types, without correlation. */
    public static Arbitrary<Event> events() {
        return EVENTS;
    }

    private static final Arbitrary<Event> EVENTS;

    static {
        List<Arbitrary<Event>> each = new ArrayList<>();
        for (EventType t : EventType.known().values()) {
            each.add(events(t, Arbitraries.just(t)));
        }
        each.add(events(EventType.of("x.any.type"), customTypes().map(EventType::of)));
        EVENTS = Arbitraries.oneOf(each);
    }

    /** Events of these types, all of the given schema (one known type, or custom types, which have none). */
    private static Arbitrary<Event> events(EventType schema, Arbitrary<EventType> types) {
        return Combinators.combine(types, envelopes(), data(schema), shortIds(), functions(), versions())
                .as((t, env, d, exec, fn, ver) -> {
                    String function = env.function();
                    String version = env.version();
                    String execution = env.exec();
                    for (EventType.Needs n : t.needs()) {
                        switch (n) {
                            case FUNCTION -> function = function == null ? fn : function;
                            case VERSION -> version = version == null ? ver : version;
                            default -> execution = execution == null ? exec : execution;
                        }
                    }
                    if (t.name().equals("drift.validation") && execution == null && !(d.get("alert_id") instanceof String)
                            && !(d.get("mlflow_run_id") instanceof String) && !(d.get("mlflow_tags") instanceof Map)) {
                        execution = exec;
                    }
                    return new Event(env.id(), t.name(), env.time(), env.source(), function, version, execution,
                            new LinkedHashMap<>(d), null);
                });
    }

    /** A correlation object as poet correlate writes one (its content is opaque to the codec). */
    public static Arbitrary<Map<String, Object>> correlations() {
        return objects(json(1), 3);
    }

    // ---- mutation

    /** One edit of a byte string; positions are fractions of its length, so any edit applies to any input. */
    public record Mutation(int kind, double at, int length, byte value) {
        byte[] apply(byte[] in) {
            int n = in.length;
            int pos = (int) Math.min(n, Math.floor(at * (n + 1)));
            int len = Math.min(length, n - pos);
            switch (kind) {
                case 0 -> { // flip one bit
                    if (n == 0) {
                        return in;
                    }
                    byte[] out = in.clone();
                    int p = Math.min(pos, n - 1);
                    out[p] ^= (byte) (1 << (value & 7));
                    return out;
                }
                case 1 -> { // overwrite one byte with an interesting one
                    if (n == 0) {
                        return in;
                    }
                    byte[] out = in.clone();
                    out[Math.min(pos, n - 1)] = INTERESTING[(value & 0xff) % INTERESTING.length];
                    return out;
                }
                case 2 -> { // insert a byte
                    byte[] out = new byte[n + 1];
                    System.arraycopy(in, 0, out, 0, pos);
                    out[pos] = value;
                    System.arraycopy(in, pos, out, pos + 1, n - pos);
                    return out;
                }
                case 3 -> { // cut a range
                    byte[] out = new byte[n - len];
                    System.arraycopy(in, 0, out, 0, pos);
                    System.arraycopy(in, pos + len, out, pos, n - pos - len);
                    return out;
                }
                case 4 -> { // repeat a range
                    byte[] out = new byte[n + len];
                    System.arraycopy(in, 0, out, 0, pos + len);
                    System.arraycopy(in, pos, out, pos + len, n - pos);
                    return out;
                }
                default -> { // truncate
                    return java.util.Arrays.copyOf(in, pos);
                }
            }
        }
    }

    private static final byte[] INTERESTING = {0, '"', '\\', '{', '}', '[', ']', ',', ':', '\n', '\r', ' ', '-', '+', '.', 'e',
            '0', '9', 'u', (byte) 0x7f, (byte) 0x80, (byte) 0xbf, (byte) 0xc0, (byte) 0xc3, (byte) 0xe2, (byte) 0xed,
            (byte) 0xf0, (byte) 0xf4, (byte) 0xf8, (byte) 0xfe, (byte) 0xff};

    public static Arbitrary<List<Mutation>> mutations(int max) {
        return Combinators.combine(Arbitraries.integers().between(0, 5), Arbitraries.doubles().between(0, 1),
                        Arbitraries.integers().between(1, 64), Arbitraries.bytes())
                .as(Mutation::new).list().ofMinSize(1).ofMaxSize(max);
    }

    public static byte[] mutate(byte[] in, List<Mutation> ms) {
        byte[] b = in;
        for (Mutation m : ms) {
            b = m.apply(b);
        }
        return b;
    }

    /** The encodings a JSON parser detects from the first bytes (RFC 4627), which are not UTF-8. */
    public static Arbitrary<Charset> otherEncodings() {
        return Arbitraries.of(StandardCharsets.UTF_16BE, StandardCharsets.UTF_16LE, Charset.forName("UTF-32BE"),
                Charset.forName("UTF-32LE"));
    }

    /** Canonical bytes of valid events, as seeds for mutation. */
    public static Arbitrary<byte[]> encodedEvents() {
        return events().map(EventCodec::encode);
    }
}
