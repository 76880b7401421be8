package dev.poet.store;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Random;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/** The hand-written id, function and version checks accept exactly what the documented patterns do. */
class NamesTest {
    private static final Pattern ID = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._:@+=-]{0,127}");

    @Test
    void isIdIsThePattern() {
        String alphabet = "aZ09._:@+=-/ \\\u00e9\u0000\n$#";
        Random random = new Random(3);
        for (int n = 0; n < 200_000; n++) {
            int len = random.nextInt(n % 100 == 0 ? 140 : 8);
            StringBuilder b = new StringBuilder();
            for (int i = 0; i < len; i++) {
                b.append(alphabet.charAt(random.nextInt(alphabet.length())));
            }
            String s = b.toString();
            assertEquals(ID.matcher(s).matches(), Names.isId(s), "'" + s + "'");
        }
        assertEquals(false, Names.isId(null));
        assertEquals(true, Names.isId("a".repeat(128)));
        assertEquals(false, Names.isId("a".repeat(129)));
    }

    @Test
    void isFunctionAndIsVersionAreTheirPatterns() {
        String alphabet = "aZz_09v1\u00e9 -.\u0000";
        Random random = new Random(5);
        for (int n = 0; n < 200_000; n++) {
            int len = random.nextInt(n % 100 == 0 ? 140 : 12);
            StringBuilder b = new StringBuilder(random.nextBoolean() ? "v" : "");
            for (int i = 0; i < len; i++) {
                b.append(alphabet.charAt(random.nextInt(alphabet.length())));
            }
            String s = b.toString();
            assertEquals(Names.FUNCTION.matcher(s).matches(), Names.isFunction(s), "function '" + s + "'");
            assertEquals(Names.VERSION.matcher(s).matches(), Names.isVersion(s), "version '" + s + "'");
        }
        for (String v : new String[] {"v1", "v999999999", "v1000000000", "v0", "v01", "V1", "v"}) {
            assertEquals(Names.VERSION.matcher(v).matches(), Names.isVersion(v), v);
        }
        assertEquals(true, Names.isFunction("_" + "a".repeat(127)));
        assertEquals(false, Names.isFunction("_" + "a".repeat(128)));
        assertEquals(false, Names.isFunction(null));
        assertEquals(false, Names.isVersion(null));
    }
}
