package dev.poet.event;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.Test;

class EventIdTest {
    @Test
    void idsAreUlidsEncodingTheMillisecond() {
        String id = EventId.next(1_700_000_000_000L);
        assertTrue(id.matches("[0-9A-HJKMNP-TV-Z]{26}"), id);
        long t = 0;
        for (char c : id.substring(0, 10).toCharArray()) {
            t = t * 32 + "0123456789ABCDEFGHJKMNPQRSTVWXYZ".indexOf(c);
        }
        assertTrue(t >= 1_700_000_000_000L, "time part " + t);
    }

    @Test
    void idsStrictlyIncreaseEvenWithinOneMillisecondOrWhenTheClockStepsBack() {
        String prev = EventId.next(2_000_000_000_000L);
        Set<String> seen = new HashSet<>();
        for (int i = 0; i < 100_000; i++) {
            String id = EventId.next(2_000_000_000_000L - (i % 3));
            assertTrue(id.compareTo(prev) > 0, prev + " then " + id);
            assertTrue(seen.add(id), "ids are unique: " + id);
            prev = id;
        }
        assertEquals(100_000, seen.size());
    }
}
