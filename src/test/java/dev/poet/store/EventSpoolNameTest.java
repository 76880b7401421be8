package dev.poet.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/** The spool's last guard on file names agrees with the regular expression it documents. */
class EventSpoolNameTest {
    private static final Pattern DOCUMENTED = Pattern.compile("[a-z]{1,16}_[A-Za-z0-9][A-Za-z0-9._:@+=-]{0,127}\\.json");

    @Test
    void acceptsWhatTheStoreWrites() {
        assertTrue(EventSpool.safeFileName("feedback_01M8E63DAH868NGKXMHBRATV34.json"), "a ULID event file name is safe");
        assertTrue(EventSpool.safeFileName("pagerduty_pd-Q1W2E3:ack@2026+x=1.json"), "a webhook delivery id with :@+= is safe");
        assertTrue(EventSpool.safeFileName("a_b.json"), "a short name is safe");
        assertTrue(EventSpool.safeFileName("abcdefghijklmnop_" + "x".repeat(128) + ".json"), "a 128-character id is safe");
    }

    @Test
    void refusesPathsAndOddNames() {
        for (String bad : List.of("", ".json", "_x.json", "feedback_.json", "feedback_../x.json", "feedback_a/b.json",
                "Feedback_x.json", "abcdefghijklmnopq_x.json", "feedback_x.json.tmp", "feedback_-x.json",
                "feedback_" + "x".repeat(129) + ".json", "feedback_x\u0000.json", "feedback_é.json", "feedback_x json",
                "feedback_x.JSON")) {
            assertFalse(EventSpool.safeFileName(bad), bad);
        }
    }

    @Test
    void agreesWithTheRegularExpressionOnRandomNames() {
        Random random = new Random(8);
        String alphabet = "abzAZ09._:@+=-/_ \\é\u0000.json";
        List<String> names = new ArrayList<>();
        for (int i = 0; i < 20_000; i++) {
            StringBuilder b = new StringBuilder();
            int prefix = random.nextInt(19);
            for (int j = 0; j < prefix; j++) {
                b.append((char) ('a' + random.nextInt(26)));
            }
            b.append(random.nextInt(10) == 0 ? "" : "_");
            int len = random.nextInt(10) == 0 ? 120 + random.nextInt(15) : random.nextInt(8);
            for (int j = 0; j < len; j++) {
                b.append(alphabet.charAt(random.nextInt(alphabet.length())));
            }
            b.append(random.nextInt(8) == 0 ? ".jso" : ".json");
            names.add(b.toString());
        }
        int accepted = 0;
        for (String name : names) {
            boolean expected = DOCUMENTED.matcher(name).matches();
            assertEquals(expected, EventSpool.safeFileName(name), name);
            accepted += expected ? 1 : 0;
        }
        assertTrue(accepted > 1_000 && accepted < names.size() - 1_000, "both outcomes exercised: " + accepted);
    }
}
