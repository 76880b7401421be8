package dev.poet.correlate;

import java.util.HashSet;
import java.util.Iterator;
import java.util.NoSuchElementException;
import java.util.Set;

/**
 * The set of processed event ids, small enough for millions: a ULID (26 Crockford base32
 * characters, 128 bits) is kept as two longs in an open-addressing table, about 16 bytes per id
 * instead of about 100 for a {@code String} in a {@code HashSet}; any other id is kept as a string.
 */
final class IdSet implements Iterable<String> {
    private static final String ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";
    private static final byte[] VALUE = new byte[128];

    static {
        java.util.Arrays.fill(VALUE, (byte) -1);
        for (int i = 0; i < ALPHABET.length(); i++) {
            VALUE[ALPHABET.charAt(i)] = (byte) i;
        }
    }

    private long[] table = new long[2 * 1024];
    private boolean[] used = new boolean[1024];
    private int ulids;
    private final Set<String> others = new HashSet<>();

    int size() {
        return ulids + others.size();
    }

    boolean contains(String id) {
        long[] k = ulid(id);
        if (k == null) {
            return others.contains(id);
        }
        return find(k[0], k[1]) >= 0;
    }

    boolean add(String id) {
        long[] k = ulid(id);
        if (k == null) {
            return others.add(id);
        }
        if (find(k[0], k[1]) >= 0) {
            return false;
        }
        if ((ulids + 1) * 10L > used.length * 7L) {
            grow();
        }
        insert(k[0], k[1]);
        ulids++;
        return true;
    }

    /** The two longs of a canonical ULID, or null when {@code id} is not one (first character at most 7). */
    private static long[] ulid(String id) {
        if (id.length() != 26) {
            return null;
        }
        long hi = 0;
        long lo = 0;
        for (int i = 0; i < 26; i++) {
            char c = id.charAt(i);
            int v = c < 128 ? VALUE[c] : -1;
            if (v < 0 || (i == 0 && v > 7)) {
                return null;
            }
            hi = (hi << 5) | (lo >>> 59);
            lo = (lo << 5) | v;
        }
        return new long[] {hi, lo};
    }

    private int slot(long hi, long lo) {
        long h = hi * 0x9E3779B97F4A7C15L ^ lo * 0xC2B2AE3D27D4EB4FL;
        return (int) ((h ^ (h >>> 32)) & (used.length - 1));
    }

    private int find(long hi, long lo) {
        for (int i = slot(hi, lo); used[i]; i = (i + 1) & (used.length - 1)) {
            if (table[2 * i] == hi && table[2 * i + 1] == lo) {
                return i;
            }
        }
        return -1;
    }

    private void insert(long hi, long lo) {
        int i = slot(hi, lo);
        while (used[i]) {
            i = (i + 1) & (used.length - 1);
        }
        used[i] = true;
        table[2 * i] = hi;
        table[2 * i + 1] = lo;
    }

    private void grow() {
        long[] oldTable = table;
        boolean[] oldUsed = used;
        table = new long[oldTable.length * 2];
        used = new boolean[oldUsed.length * 2];
        for (int i = 0; i < oldUsed.length; i++) {
            if (oldUsed[i]) {
                insert(oldTable[2 * i], oldTable[2 * i + 1]);
            }
        }
    }

    private static String format(long hi, long lo) {
        char[] c = new char[26];
        for (int i = 25; i >= 0; i--) {
            c[i] = ALPHABET.charAt((int) (lo & 31));
            lo = (lo >>> 5) | ((hi & 31) << 59);
            hi >>>= 5;
        }
        return new String(c);
    }

    @Override
    public Iterator<String> iterator() {
        Iterator<String> rest = others.iterator();
        return new Iterator<>() {
            private int i = -1;

            {
                advance();
            }

            private void advance() {
                do {
                    i++;
                } while (i < used.length && !used[i]);
            }

            @Override
            public boolean hasNext() {
                return i < used.length || rest.hasNext();
            }

            @Override
            public String next() {
                if (i < used.length) {
                    String s = format(table[2 * i], table[2 * i + 1]);
                    advance();
                    return s;
                }
                if (!rest.hasNext()) {
                    throw new NoSuchElementException();
                }
                return rest.next();
            }
        };
    }
}
