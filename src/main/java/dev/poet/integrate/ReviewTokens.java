package dev.poet.integrate;

import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Instant;

/**
 * Review links (the seed's {@code create_review_link}): a token bound to one execution and an
 * expiry, {@code <expiry epoch seconds>.<hex HMAC-SHA256 of "poet-review|<execution id>|<expiry>">}
 * under {@code POET_REVIEW_KEY}. Whoever holds the link may give that one execution a verdict
 * until it expires, and nothing else. The Python runtime computes the same tokens.
 */
public final class ReviewTokens {
    private ReviewTokens() {
    }

    public static String token(String key, String executionId, Instant expires) {
        long exp = expires.getEpochSecond();
        return exp + "." + Hmac.sha256Hex(key, message(executionId, exp));
    }

    private static byte[] message(String executionId, long exp) {
        return ("poet-review|" + executionId + "|" + exp).getBytes(StandardCharsets.UTF_8);
    }

    /** Checks a token for this execution; a {@link Rejected} 401 says what is wrong with it. */
    public static void check(String key, String executionId, String token, Instant now) {
        if (token == null || token.isBlank()) {
            throw new Rejected(401, "a review token or a bearer token is required");
        }
        int dot = token.indexOf('.');
        long exp;
        try {
            exp = Long.parseLong(token.substring(0, Math.max(0, dot)));
        } catch (NumberFormatException e) {
            throw new Rejected(401, "malformed review token");
        }
        if (!Hmac.equal(token, exp + "." + Hmac.sha256Hex(key, message(executionId, exp)))) {
            throw new Rejected(401, "the review token is not valid for execution " + executionId);
        }
        if (now.getEpochSecond() > exp) {
            throw new Rejected(401, "the review link expired at " + Instant.ofEpochSecond(exp));
        }
    }

    /** {@code <base>/poet/review/<execution id>?token=<token>}. */
    public static String url(String baseUrl, String executionId, String token) {
        String base = baseUrl.endsWith("/") ? baseUrl.substring(0, baseUrl.length() - 1) : baseUrl;
        return base + "/poet/review/" + URLEncoder.encode(executionId, StandardCharsets.UTF_8) + "?token="
                + URLEncoder.encode(token, StandardCharsets.UTF_8);
    }
}
