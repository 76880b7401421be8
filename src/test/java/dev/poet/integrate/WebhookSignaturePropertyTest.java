package dev.poet.integrate;

import static dev.poet.testing.Gen.within;
import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.poet.json.Json;
import dev.poet.testing.Gen;
import java.math.BigInteger;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.Example;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.statistics.Statistics;

/**
 * Properties of the webhook verifiers: a signature made with the secret over the raw body (and,
 * for Slack, the timestamp) is accepted; any single-bit change of body, signature or timestamp,
 * another secret, or a timestamp outside Slack's five minutes is refused; and no header or body
 * makes a verifier throw anything but its refusal.
 */
class WebhookSignaturePropertyTest {

    private static String pagerDutySignature(String secret, byte[] body) {
        return "v1=" + Hmac.sha256Hex(secret, body);
    }

    private static String slackSignature(String secret, long ts, byte[] body) {
        byte[] prefix = ("v0:" + ts + ":").getBytes(StandardCharsets.UTF_8);
        byte[] base = new byte[prefix.length + body.length];
        System.arraycopy(prefix, 0, base, 0, prefix.length);
        System.arraycopy(body, 0, base, prefix.length, body.length);
        return "v0=" + Hmac.sha256Hex(secret, base);
    }

    private static byte[] flipBit(byte[] b, int bit) {
        byte[] out = b.clone();
        out[bit / 8 % out.length] ^= (byte) (1 << (bit % 8));
        return out;
    }

    /** One bit of one character changed (the low seven bits: the headers are ASCII). */
    private static String flipBit(String s, int bit) {
        char[] c = s.toCharArray();
        c[bit / 7 % c.length] ^= (char) (1 << (bit % 7));
        return new String(c);
    }

    private static Rejected slackRefusal(String secret, String ts, byte[] body, String signature, Instant now) {
        return within(10, () -> {
            try {
                Slack.verify(secret, ts, body, signature, now);
                return null;
            } catch (Rejected r) {
                assertEquals(401, r.httpStatus(), r.getMessage());
                return r;
            }
        });
    }

    // ---- PagerDuty

    /** The right signature is accepted alone, or among others (a secret being rotated), with blanks around it. */
    @Property(tries = 500)
    void pagerDutyAcceptsTheSignatureOfTheBody(@ForAll("secrets") String secret, @ForAll("bodies") byte[] body,
                                               @ForAll("signatureLists") List<String> others, @ForAll @IntRange(max = 3) int at,
                                               @ForAll("blanks") String before, @ForAll("blanks") String after) {
        List<String> parts = new ArrayList<>(others);
        parts.add(Math.min(at, parts.size()), before + pagerDutySignature(secret, body) + after);
        assertTrue(PagerDuty.verify(secret, body, String.join(",", parts)));
    }

    @Property(tries = 500)
    void pagerDutyRefusesAnyBitFlipOfTheBody(@ForAll("secrets") String secret, @ForAll("nonEmptyBodies") byte[] body,
                                             @ForAll @IntRange(min = 0, max = 1 << 20) int bit) {
        String header = pagerDutySignature(secret, body);
        assertFalse(PagerDuty.verify(secret, flipBit(body, bit), header));
    }

    @Property(tries = 500)
    void pagerDutyRefusesAnyBitFlipOfTheSignature(@ForAll("secrets") String secret, @ForAll("bodies") byte[] body,
                                                  @ForAll @IntRange(min = 0, max = 1 << 20) int bit) {
        String flipped = flipBit(pagerDutySignature(secret, body), bit);
        assertFalse(PagerDuty.verify(secret, body, flipped), flipped);
    }

    @Property(tries = 300)
    void pagerDutyRefusesAnotherSecretsSignature(@ForAll("secrets") String secret, @ForAll("secrets") String other,
                                                 @ForAll("bodies") byte[] body) {
        // only different keys must fail: HMAC (RFC 2104) pads a key shorter than the block with zero
        // bytes, so "k" and "k\0" are one key to every HMAC implementation, PagerDuty's included; and a
        // secret is its UTF-8 bytes, where a lone surrogate (no secret from the environment has one)
        // is encoded as '?'
        net.jqwik.api.Assume.that(!java.util.Arrays.equals(hmacKey(secret), hmacKey(other)));
        assertFalse(PagerDuty.verify(secret, body, pagerDutySignature(other, body)));
    }

    /** Any header at all is refused (a forger cannot guess an HMAC), and never with an exception. */
    @Property(tries = 1000)
    void pagerDutyRefusesAnyHeaderWithoutThrowing(@ForAll("secrets") String secret, @ForAll("bodies") byte[] body,
                                                  @ForAll("headers") String header) {
        assertFalse(within(10, () -> PagerDuty.verify(secret, body, header)), header);
    }

    // ---- Slack

    @Property(tries = 500)
    void slackAcceptsASignedRequestWithinFiveMinutes(@ForAll("secrets") String secret, @ForAll("bodies") byte[] body,
                                                     @ForAll("nows") long now, @ForAll @IntRange(min = -300, max = 300) int skew,
                                                     @ForAll("blanks") String blank) {
        long ts = now + skew;
        assertDoesNotThrow(() -> Slack.verify(secret, blank + ts + blank, body, slackSignature(secret, ts, body) + blank,
                Instant.ofEpochSecond(now)));
    }

    /** Any single-bit change of the body, the signature or the timestamp header is refused with 401. */
    @Property(tries = 1000)
    void slackRefusesAnyBitFlipOfBodySignatureOrTimestamp(@ForAll("secrets") String secret, @ForAll("nonEmptyBodies") byte[] body,
                                                          @ForAll("nows") long now, @ForAll @IntRange(min = -300, max = 300) int skew,
                                                          @ForAll @IntRange(max = 2) int what,
                                                          @ForAll @IntRange(min = 0, max = 1 << 20) int bit) {
        long ts = now + skew;
        String signature = slackSignature(secret, ts, body);
        String timestamp = String.valueOf(ts);
        Instant at = Instant.ofEpochSecond(now);
        Rejected r = switch (what) {
            case 0 -> slackRefusal(secret, timestamp, flipBit(body, bit), signature, at);
            case 1 -> slackRefusal(secret, timestamp, body, flipBit(signature, bit), at);
            default -> slackRefusal(secret, flipBit(timestamp, bit), body, signature, at);
        };
        assertTrue(r != null, "accepted after a bit flip of " + List.of("the body", "the signature", "the timestamp").get(what));
    }

    /** A timestamp more than five minutes from now is refused, however validly it is signed, however far it is. */
    @Property(tries = 1000)
    void slackRefusesTimestampsOutsideTheWindowEvenWhenSigned(@ForAll("secrets") String secret, @ForAll("bodies") byte[] body,
                                                              @ForAll("nows") long now, @ForAll("distances") long distance) {
        long ts = now + distance; // wraps for the farthest distances, which is the point of them
        BigInteger gap = BigInteger.valueOf(ts).subtract(BigInteger.valueOf(now)).abs();
        net.jqwik.api.Assume.that(gap.compareTo(BigInteger.valueOf(Slack.MAX_AGE_S)) > 0);
        Rejected r = slackRefusal(secret, String.valueOf(ts), body, slackSignature(secret, ts, body), Instant.ofEpochSecond(now));
        assertTrue(r != null, "accepted a timestamp " + gap + " s from now");
        assertTrue(r.getMessage().contains("5 minutes"), r.getMessage());
        Statistics.label("distance").collect(gap.bitLength() > 40 ? "past 2^40 s" : "nearer");
    }

    @Property(tries = 1000)
    void slackRefusesAnyHeadersWithoutThrowing(@ForAll("secrets") String secret, @ForAll("bodies") byte[] body,
                                               @ForAll("timestamps") String timestamp, @ForAll("headers") String signature,
                                               @ForAll("nows") long now) {
        Rejected r = slackRefusal(secret, timestamp, body, signature, Instant.ofEpochSecond(now));
        assertTrue(r != null, "accepted " + timestamp + " / " + signature);
    }

    /** Any form body gives a JSON value or a 400; a URL-encoded payload field gives back the value encoded in it. */
    @Property(tries = 1000)
    void slackFormBodiesGiveTheirPayloadOrA400(@ForAll("jsonValues") Object payload, @ForAll("formFields") List<String> fields,
                                               @ForAll @IntRange(max = 3) int at, @ForAll("mutations") java.util.Optional<List<Gen.Mutation>> ms) {
        List<String> all = new ArrayList<>(fields);
        all.add(Math.min(at, all.size()), "payload=" + URLEncoder.encode(new String(Json.encode(payload), StandardCharsets.UTF_8),
                StandardCharsets.UTF_8));
        byte[] form = String.join("&", all).getBytes(StandardCharsets.UTF_8);
        if (ms.isEmpty()) {
            assertEquals(Gen.parsed(payload), Slack.payloadOfForm(form));
            return;
        }
        byte[] mutated = Gen.mutate(form, ms.get());
        within(10, () -> {
            try {
                return Slack.payloadOfForm(mutated);
            } catch (Rejected r) {
                assertEquals(400, r.httpStatus(), r.getMessage());
                return r;
            }
        });
    }

    // ---- Hmac

    /** The constant-time comparison is equality: for any two strings, lone surrogates included. */
    @Property(tries = 2000)
    void hmacEqualIsStringEquality(@ForAll("texts") String a, @ForAll("charEdits") List<CharEdit> edits) {
        StringBuilder b = new StringBuilder(a);
        edits.forEach(e -> e.apply(b));
        assertTrue(Hmac.equal(a, a));
        assertEquals(a.equals(b.toString()), Hmac.equal(a, b.toString()), () -> a.chars().mapToObj(Integer::toHexString).toList()
                + " vs " + b.chars().mapToObj(Integer::toHexString).toList());
        Statistics.label("equal").collect(a.equals(b.toString()));
    }

    /** Replace, insert or delete one char at a fraction of the length. */
    record CharEdit(int kind, double at, char c) {
        void apply(StringBuilder b) {
            int i = (int) Math.min(b.length(), Math.floor(at * (b.length() + 1)));
            if (kind == 1 || b.length() == 0) {
                b.insert(i, c);
            } else if (kind == 0) {
                b.setCharAt(Math.min(i, b.length() - 1), c);
            } else {
                b.deleteCharAt(Math.min(i, b.length() - 1));
            }
        }
    }

    // ---- inputs that broke something, or that are worth keeping

    /**
     * The timestamp 2^63 seconds from now: now minus it overflows to Long.MIN_VALUE, whose absolute
     * value is negative, so the five-minute check used to let it through with a valid signature.
     */
    @Example
    void slackRefusesTheTimestampWhoseDistanceOverflowsALong() {
        long now = 1_795_000_000L;
        for (long ts : new long[] {Long.MIN_VALUE + now, Long.MIN_VALUE, Long.MAX_VALUE, now + 301, now - 301}) {
            byte[] body = "payload=%7B%7D".getBytes(StandardCharsets.UTF_8);
            Rejected r = assertThrows(Rejected.class, () -> Slack.verify("s3cret", String.valueOf(ts), body,
                    slackSignature("s3cret", ts, body), Instant.ofEpochSecond(now)), String.valueOf(ts));
            assertEquals(401, r.httpStatus());
        }
        Slack.verify("s3cret", String.valueOf(now - 300), new byte[0], slackSignature("s3cret", now - 300, new byte[0]),
                Instant.ofEpochSecond(now));
    }

    /**
     * UTF-8 turns every unpaired surrogate into '?', so comparing the encodings used to find
     * "\ud800" equal to "?": a token or signature holding one matched a string holding '?'.
     */
    @Example
    void hmacEqualTellsALoneSurrogateFromAQuestionMark() {
        assertFalse(Hmac.equal("Bearer tok\ud800", "Bearer tok?"));
        assertFalse(Hmac.equal("\udc00", "\ud800"));
        assertTrue(Hmac.equal("tok\ud83d\udca5", "tok\ud83d\udca5"));
        assertFalse(Hmac.equal("tok", null));
        assertFalse(Hmac.equal("", "x"));
        assertTrue(Hmac.equal("", ""));
    }

    // ---- generators

    /** The key HMAC-SHA256 uses for a secret: its UTF-8 bytes (hashed when over the 64-byte block), zero-padded. */
    private static byte[] hmacKey(String s) {
        byte[] k = s.getBytes(java.nio.charset.StandardCharsets.UTF_8);
        if (k.length > 64) {
            try {
                k = java.security.MessageDigest.getInstance("SHA-256").digest(k);
            } catch (java.security.NoSuchAlgorithmException e) {
                throw new IllegalStateException(e);
            }
        }
        int end = k.length;
        while (end > 0 && k[end - 1] == 0) {
            end--;
        }
        return java.util.Arrays.copyOf(k, end);
    }

    /** "k" and "k\0" sign alike (the zero padding of HMAC keys), as do "?" and a lone surrogate (UTF-8). */
    @org.junit.jupiter.api.Test
    void keysThatAreOneHmacKeySignAlike() {
        byte[] body = "{}".getBytes(java.nio.charset.StandardCharsets.UTF_8);
        assertTrue(PagerDuty.verify("k", body, pagerDutySignature("k\0", body)));
        assertTrue(PagerDuty.verify("k?", body, pagerDutySignature("k\uD800", body)));
    }

    @Provide
    Arbitrary<String> secrets() {
        // never empty: Secrets.get treats an empty value as unset
        return Arbitraries.oneOf(Gen.text(40).filter(s -> !s.isEmpty()),
                Arbitraries.strings().alpha().numeric().ofMinLength(1).ofMaxLength(64));
    }

    @Provide
    Arbitrary<byte[]> bodies() {
        return Arbitraries.bytes().array(byte[].class).ofMaxSize(300);
    }

    @Provide
    Arbitrary<byte[]> nonEmptyBodies() {
        return Arbitraries.bytes().array(byte[].class).ofMinSize(1).ofMaxSize(300);
    }

    private static Arbitrary<String> hex(int length) {
        return Arbitraries.strings().withChars("0123456789abcdef".toCharArray()).ofLength(length);
    }

    @Provide
    Arbitrary<List<String>> signatureLists() {
        return Arbitraries.oneOf(hex(64).map(h -> "v1=" + h), Gen.text(20)).list().ofMaxSize(3);
    }

    @Provide
    Arbitrary<String> blanks() {
        return Arbitraries.of("", " ", "  ", "\t", " \t ");
    }

    /** Headers a forger might send: signatures of the right form, near misses, and any text. */
    @Provide
    Arbitrary<String> headers() {
        Arbitrary<String> sig = Combinators.combine(Arbitraries.of("v1=", "v0=", "", "V1=", "v1 =", "v1=v1="),
                Arbitraries.oneOf(hex(64), hex(63), hex(65), hex(64).map(String::toUpperCase), Gen.text(70))).as((p, h) -> p + h);
        return Arbitraries.oneOf(sig, sig.list().ofMinSize(1).ofMaxSize(3).map(l -> String.join(",", l)), Gen.text(100),
                Arbitraries.of("", " ", ",", ",,", "v1=", "v0=", "=,="));
    }

    /** Now, for the verifier: this era, but any instant a long can name in seconds is fair (edge cases: 0 and the extremes). */
    @Provide
    Arbitrary<Long> nows() {
        return Arbitraries.frequencyOf(
                net.jqwik.api.Tuple.of(4, Arbitraries.longs().between(1_500_000_000L, 4_000_000_000L)),
                net.jqwik.api.Tuple.of(1, Arbitraries.longs().between(Instant.MIN.getEpochSecond() + 301,
                        Instant.MAX.getEpochSecond() - 301)));
    }

    /** Distances from now: just outside the window, far, and the farthest a long can hold (which overflow now minus it). */
    @Provide
    Arbitrary<Long> distances() {
        Arbitrary<Long> outside = Arbitraries.oneOf(Arbitraries.longs().between(301, 100_000),
                Arbitraries.longs().between(301, Long.MAX_VALUE), Arbitraries.of(Long.MIN_VALUE, Long.MAX_VALUE, Long.MIN_VALUE + 1));
        return Combinators.combine(outside, Arbitraries.of(1L, -1L)).as((d, sign) -> d == Long.MIN_VALUE ? d : d * sign);
    }

    /** Timestamp headers: numbers near and far, with signs and blanks, and any text. */
    @Provide
    Arbitrary<String> timestamps() {
        return Arbitraries.oneOf(Arbitraries.longs().map(String::valueOf),
                Arbitraries.longs().between(1_500_000_000L, 4_000_000_000L).map(l -> "+" + l),
                Arbitraries.strings().numeric().ofMaxLength(25), Gen.text(25),
                Arbitraries.of("", " ", "-", "+", "9223372036854775808", "-9223372036854775809", "1e9", "0x10", "１２３"));
    }

    @Provide
    Arbitrary<Object> jsonValues() {
        return Gen.json(3);
    }

    @Provide
    Arbitrary<List<String>> formFields() {
        Arbitrary<String> name = Arbitraries.of("token", "team_id", "payloadx", "x", "payload_", "");
        return Combinators.combine(name, Gen.text(12)).as((n, v) -> n + "=" + URLEncoder.encode(v, StandardCharsets.UTF_8))
                .list().ofMaxSize(3);
    }

    @Provide
    Arbitrary<java.util.Optional<List<Gen.Mutation>>> mutations() {
        return Gen.mutations(3).optional(0.6);
    }

    @Provide
    Arbitrary<String> texts() {
        return Gen.text(12);
    }

    @Provide
    Arbitrary<List<CharEdit>> charEdits() {
        Arbitrary<Character> chars = Arbitraries.frequencyOf(
                net.jqwik.api.Tuple.of(2, Arbitraries.of('?', '\ufffd', 'a')),
                net.jqwik.api.Tuple.of(2, Arbitraries.chars().range('\ud800', '\udfff')),
                net.jqwik.api.Tuple.of(1, Arbitraries.chars()));
        return Combinators.combine(Arbitraries.integers().between(0, 2), Arbitraries.doubles().between(0, 1), chars)
                .as(CharEdit::new).list().ofMaxSize(2);
    }
}
