package dev.poet.correlate;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.poet.event.EventId;
import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.Test;

class IdSetTest {
    @Test
    void holdsUlidsAndOtherIdsAndIteratesThemBack() {
        IdSet set = new IdSet();
        Set<String> expected = new HashSet<>();
        for (int i = 0; i < 50_000; i++) {
            String id = EventId.next(1_790_000_000_000L + i / 7);
            assertTrue(set.add(id), "each id is new to the set: " + id);
            expected.add(id);
        }
        for (String other : new String[] {"pd-delivery-42", "01JDX3J8V6Q6N7W3KXQ1ZP4M2b", "81JDX3J8V6Q6N7W3KXQ1ZP4M2B",
            "G0001790000000000000000001", "x"}) {
            assertTrue(set.add(other), other);
            expected.add(other);
        }
        assertFalse(set.add(expected.iterator().next()), "no duplicates");
        assertEquals(expected.size(), set.size());
        for (String id : expected) {
            assertTrue(set.contains(id), id);
        }
        assertFalse(set.contains(EventId.next(1_790_000_100_000L)), "an id never added is not in the set");
        Set<String> back = new HashSet<>();
        set.forEach(back::add);
        assertEquals(expected, back);
    }
}
