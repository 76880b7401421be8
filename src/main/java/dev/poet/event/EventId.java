package dev.poet.event;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Paths;
import java.security.SecureRandom;

/**
 * Event ids are ULIDs: 48 bits of milliseconds and 80 random bits in Crockford's base32, 26
 * characters that sort in time order, so a directory listing is roughly time order. Within one
 * process ids are strictly increasing (the random part is incremented inside a millisecond).
 */
public final class EventId {
    private static final char[] ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ".toCharArray();
    private static SecureRandom fallback;
    private static long lastMillis = -1;
    private static long randHi; // top 16 of the 80 random bits
    private static long randLo; // low 64 bits

    private EventId() {
    }

    public static synchronized String next(long epochMillis) {
        if (epochMillis <= lastMillis) {
            epochMillis = lastMillis;
            randLo++;
            if (randLo == 0) {
                randHi = (randHi + 1) & 0xFFFF;
            }
        } else {
            lastMillis = epochMillis;
            byte[] b = randomBytes(10);
            randHi = ((b[0] & 0xFFL) << 8 | (b[1] & 0xFFL)) & 0x7FFF; // leave headroom for increments
            long lo = 0;
            for (int i = 2; i < 10; i++) {
                lo = lo << 8 | (b[i] & 0xFFL);
            }
            randLo = lo;
        }
        char[] out = new char[26];
        long t = epochMillis;
        for (int i = 9; i >= 0; i--) {
            out[i] = ALPHABET[(int) (t & 31)];
            t >>>= 5;
        }
        // 80 random bits = randHi (16) + randLo (64), written as 16 base32 characters
        long lo = randLo;
        long hi = randHi;
        for (int i = 25; i >= 10; i--) {
            out[i] = ALPHABET[(int) (lo & 31)];
            lo = (lo >>> 5) | ((hi & 31) << 59);
            hi >>>= 5;
        }
        return new String(out);
    }

    /** The milliseconds a ULID carries, or null when {@code id} is not a ULID. */
    public static Long timeOf(String id) {
        if (id == null || id.length() != 26) {
            return null;
        }
        long t = 0;
        for (int i = 0; i < 10; i++) {
            int v = "0123456789ABCDEFGHJKMNPQRSTVWXYZ".indexOf(id.charAt(i));
            if (v < 0) {
                return null;
            }
            t = t << 5 | v;
        }
        return t;
    }

    /**
     * Random bytes from the kernel. Reading {@code /dev/urandom} directly costs one open and one
     * read; initialising {@link SecureRandom} loads the security providers, which shows in the
     * start-up time of every {@code poet record}.
     */
    private static byte[] randomBytes(int n) {
        try (InputStream in = Files.newInputStream(Paths.get("/dev/urandom"))) {
            byte[] b = in.readNBytes(n);
            if (b.length == n) {
                return b;
            }
        } catch (IOException | UnsupportedOperationException | SecurityException e) {
            // not a Unix system: fall through
        }
        if (fallback == null) {
            fallback = new SecureRandom();
        }
        byte[] b = new byte[n];
        fallback.nextBytes(b);
        return b;
    }
}
