package dev.poet.analyze;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Grouping executions into incidents, and scoring a decision on them. */
class IncidentsTest {
    record X(String key, long time, boolean real, boolean alert) {
    }

    /** Hourly executions of one input from a pattern: R real, r real and alerted, a alerted only, . neither. */
    private static List<X> of(String key, String pattern) {
        List<X> xs = new ArrayList<>();
        for (int i = 0; i < pattern.length(); i++) {
            char c = pattern.charAt(i);
            xs.add(new X(key, i * 3_600_000L, c == 'R' || c == 'r', c == 'r' || c == 'a'));
        }
        return xs;
    }

    private static Incidents.Score score(List<X> xs, int gap) {
        return Incidents.group(xs, X::key, X::time, X::real, gap).score(i -> xs.get(i).alert());
    }

    @Test
    void runsOfRealDriftMergeAcrossTheGapAndCountTheirDelay() {
        List<X> xs = of("a", ".RRr.R...Ra.R");
        Incidents gap1 = Incidents.group(xs, X::key, X::time, X::real, 1);
        assertEquals(3, gap1.size(), "1-5 (the quiet 4 within the gap), 9, and 12 (two quiet ones, 10 and 11, before it)");
        assertArrayEquals(new int[] {1, 2, 3, 5}, gap1.list().get(0).members());
        assertArrayEquals(new int[] {0, 1, 2, 4}, gap1.list().get(0).steps());
        Incidents.Score s = score(xs, 1);
        assertEquals(3, s.incidents());
        assertEquals(1, s.caught(), "only 1-5 has an alert on a real execution; 10 alerted on nothing real");
        assertArrayEquals(new long[] {2}, s.delaySteps());
        assertArrayEquals(new long[] {7_200_000L}, s.delayMs());
        assertEquals(4, Incidents.group(xs, X::key, X::time, X::real, 0).size(), "no gap: 1-3, 5, 9, 12");
        assertEquals(2, Incidents.group(xs, X::key, X::time, X::real, 2).size(), "gap 2: 1-5, 9-12");
    }

    @Test
    void inputsAreSeparateAndOrderIsByTimeNotByList() {
        List<X> xs = new ArrayList<>(of("a", "RR..r"));
        xs.addAll(of("b", "..R"));
        xs.addAll(of(null, "r"));
        Collections.reverse(xs);
        Incidents.Score s = score(xs, 1);
        assertEquals(4, s.incidents(), "a: 0-1 and 4; b: 2; no key: 0");
        assertEquals(2, s.caught());
        assertEquals(0.0, s.medianSteps());
        assertEquals(0.5, s.caughtShare());
    }

    @Test
    void scoresAddUpAndNothingCaughtHasNoDelay() {
        Incidents.Score none = score(of("a", "RR.R"), 1);
        assertEquals(1, none.incidents());
        assertEquals(0, none.caught());
        assertNull(none.medianSteps());
        assertNull(none.medianSeconds());
        Incidents.Score both = none.plus(score(of("b", "R.Rr"), 0));
        assertEquals(3, both.incidents());
        assertEquals(1, both.caught());
        assertEquals(1.0, both.medianSteps(), "b's second incident, caught at its second execution");
        assertEquals(0, score(of("a", "...a"), 1).incidents());
    }
}
