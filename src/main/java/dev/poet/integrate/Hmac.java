package dev.poet.integrate;

import java.nio.charset.StandardCharsets;
import java.security.InvalidKeyException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/** HMAC-SHA256 as the webhook senders compute it, and the constant-time comparison to check it. */
public final class Hmac {
    private Hmac() {
    }

    public static byte[] sha256(String key, byte[] message) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(key.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
            return mac.doFinal(message);
        } catch (NoSuchAlgorithmException | InvalidKeyException e) {
            throw new IllegalStateException(e);
        }
    }

    public static String sha256Hex(String key, byte[] message) {
        return HexFormat.of().formatHex(sha256(key, message));
    }

    /** Equal, in time that depends only on the lengths (MessageDigest.isEqual is constant-time). */
    public static boolean equal(String a, String b) {
        return a != null && b != null && MessageDigest.isEqual(chars(a), chars(b));
    }

    /**
     * The string's UTF-16 code units, two bytes each: unlike its UTF-8, which turns every unpaired
     * surrogate into '?', this tells any two different strings apart.
     */
    private static byte[] chars(String s) {
        byte[] b = new byte[2 * s.length()];
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            b[2 * i] = (byte) (c >> 8);
            b[2 * i + 1] = (byte) c;
        }
        return b;
    }
}
