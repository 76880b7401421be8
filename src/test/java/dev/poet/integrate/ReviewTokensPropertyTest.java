package dev.poet.integrate;

import static dev.poet.testing.Gen.within;
import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.poet.testing.Gen;
import java.time.Instant;
import java.util.List;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Assume;
import net.jqwik.api.Combinators;
import net.jqwik.api.Example;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.LongRange;

/**
 * Properties of review links: a token validates its own execution until it expires, and never
 * another execution, another key's token, a token one bit away, or one whose expiry was moved;
 * any token string is refused with 401, never with another exception.
 */
class ReviewTokensPropertyTest {
    /** Expiries and nows in seconds: any time from 1970 to 2200. */
    private static final long LAST = 7_258_118_400L;

    private static Rejected refusal(String key, String exec, String token, long now) {
        return within(10, () -> {
            try {
                ReviewTokens.check(key, exec, token, Instant.ofEpochSecond(now));
                return null;
            } catch (Rejected r) {
                assertEquals(401, r.httpStatus(), r.getMessage());
                return r;
            }
        });
    }

    @Property(tries = 500)
    void aTokenValidatesItsExecutionUntilItExpiresAndNotAfter(@ForAll("keys") String key, @ForAll("executions") String exec,
                                                              @ForAll @LongRange(max = LAST) long expires,
                                                              @ForAll @LongRange(max = LAST) long now) {
        String token = ReviewTokens.token(key, exec, Instant.ofEpochSecond(expires));
        Rejected r = refusal(key, exec, token, now);
        if (now <= expires) {
            assertEquals(null, r, () -> r.getMessage());
        } else {
            assertTrue(r != null && r.getMessage().startsWith("the review link expired"), String.valueOf(r));
        }
    }

    /** A token for one execution id never validates another, however close the two ids are. */
    @Property(tries = 1000)
    void aTokenNeverValidatesAnotherExecution(@ForAll("keys") String key, @ForAll("executionPairs") List<String> pair,
                                              @ForAll @LongRange(max = LAST) long expires) {
        String exec = pair.get(0);
        String other = pair.get(1);
        Assume.that(!exec.equals(other));
        String token = ReviewTokens.token(key, exec, Instant.ofEpochSecond(expires));
        Rejected r = refusal(key, other, token, expires);
        assertTrue(r != null && r.getMessage().equals("the review token is not valid for execution " + other), String.valueOf(r));
    }

    @Property(tries = 500)
    void anotherKeysTokenIsRefused(@ForAll("keys") String key, @ForAll("keys") String other, @ForAll("executions") String exec,
                                   @ForAll @LongRange(max = LAST) long expires) {
        Assume.that(!key.equals(other));
        String token = ReviewTokens.token(other, exec, Instant.ofEpochSecond(expires));
        assertTrue(refusal(key, exec, token, expires) != null);
    }

    @Property(tries = 1000)
    void anyBitFlipOfATokenIsRefused(@ForAll("keys") String key, @ForAll("executions") String exec,
                                     @ForAll @LongRange(max = LAST) long expires, @ForAll @IntRange(max = 1 << 20) int bit) {
        char[] c = ReviewTokens.token(key, exec, Instant.ofEpochSecond(expires)).toCharArray();
        c[bit / 7 % c.length] ^= (char) (1 << (bit % 7));
        Rejected r = refusal(key, exec, new String(c), 0); // before any expiry: only the flip can refuse it
        assertTrue(r != null, new String(c));
    }

    /** Moving the expiry of a valid token, later or earlier, or writing it differently, invalidates it. */
    @Property(tries = 500)
    void aTokenWhoseExpiryWasRewrittenIsRefused(@ForAll("keys") String key, @ForAll("executions") String exec,
                                                @ForAll @LongRange(max = LAST) long expires,
                                                @ForAll("expiryRewrites") java.util.function.LongFunction<String> rewrite) {
        String token = ReviewTokens.token(key, exec, Instant.ofEpochSecond(expires));
        String mac = token.substring(token.indexOf('.'));
        String forged = rewrite.apply(expires) + mac;
        Assume.that(!forged.equals(token));
        assertTrue(refusal(key, exec, forged, 0) != null, forged);
    }

    @Property(tries = 1000)
    void anyTokenStringIsRefusedWithoutThrowing(@ForAll("keys") String key, @ForAll("executions") String exec,
                                                @ForAll("tokens") String token, @ForAll @LongRange(max = LAST) long now) {
        assertTrue(refusal(key, exec, token, now) != null, token);
    }

    @Example
    void malformedTokensAre401() {
        for (String t : List.of("", " ", ".", "..", "abc", "1.", ".abc", "-1.x", "99999999999999999999.ab", "1e9.ab", "+5.x")) {
            Rejected r = assertThrows(Rejected.class, () -> ReviewTokens.check("k", "exec-1", t, Instant.EPOCH), t);
            assertEquals(401, r.httpStatus());
        }
        assertDoesNotThrow(() -> ReviewTokens.check("k", "exec-1", ReviewTokens.token("k", "exec-1", Instant.EPOCH), Instant.EPOCH));
    }

    // ---- generators

    @Provide
    Arbitrary<String> keys() {
        return Arbitraries.strings().ofMinLength(1).ofMaxLength(48);
    }

    @Provide
    Arbitrary<String> executions() {
        return Arbitraries.oneOf(Gen.ids(), Gen.shortIds());
    }

    /** Two execution ids: unrelated, or the second one edit away from the first (a char changed, added, cut, or its case). */
    @Provide
    Arbitrary<List<String>> executionPairs() {
        Arbitrary<String> extra = Arbitraries.strings().withChars("aZ09._:@+=-|".toCharArray()).ofMinLength(1).ofMaxLength(3);
        return Combinators.combine(Gen.shortIds(), Gen.shortIds(), Arbitraries.integers().between(0, 4), extra)
                .as((a, b, how, x) -> switch (how) {
                    case 0 -> List.of(a, b);
                    case 1 -> List.of(a, a + x);
                    case 2 -> List.of(a + x, a);
                    case 3 -> List.of(a, a.length() > 1 ? a.substring(0, a.length() - 1) + x.charAt(0) : x);
                    default -> List.of(a, a.toUpperCase().equals(a) ? a.toLowerCase() : a.toUpperCase());
                });
    }

    @Provide
    Arbitrary<java.util.function.LongFunction<String>> expiryRewrites() {
        return Arbitraries.<java.util.function.LongFunction<String>>of(
                e -> String.valueOf(e + 1),
                e -> String.valueOf(e + 86_400 * 365),
                e -> String.valueOf(e - 1),
                e -> "0" + e,
                e -> "+" + e,
                e -> " " + e,
                e -> String.valueOf(Long.MAX_VALUE));
    }

    @Provide
    Arbitrary<String> tokens() {
        Arbitrary<String> hex = Arbitraries.strings().withChars("0123456789abcdef".toCharArray()).ofMinLength(60).ofMaxLength(66);
        return Arbitraries.oneOf(Gen.text(80),
                Combinators.combine(Arbitraries.longs().map(String::valueOf), hex).as((e, h) -> e + "." + h),
                Arbitraries.strings().numeric().withChars('.', '-', '+').ofMaxLength(30));
    }
}
