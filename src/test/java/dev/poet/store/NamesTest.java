package dev.poet.store;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Random;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/** The hand-written id check accepts exactly what the documented pattern does. */
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
}
