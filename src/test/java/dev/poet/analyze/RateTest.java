package dev.poet.analyze;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import org.junit.jupiter.api.Test;

class RateTest {
    /** Wilson score intervals from Newcombe (1998), "Two-sided confidence intervals for the single proportion", Table I. */
    @Test
    void wilsonIntervalsMatchPublishedValues() {
        double[][] cases = {
            {81, 263, 0.2553, 0.3662},
            {15, 148, 0.0624, 0.1605},
            {0, 20, 0.0000, 0.1611},
            {1, 29, 0.0061, 0.1718},
            {29, 29, 0.8830, 1.0000},
        };
        for (double[] c : cases) {
            Rate r = Rate.of(c[0], (long) c[1]);
            assertEquals(c[0] / c[1], r.value(), 1e-12);
            assertEquals(c[2], r.low(), 5e-5, "low " + c[0] + "/" + c[1]);
            assertEquals(c[3], r.high(), 5e-5, "high " + c[0] + "/" + c[1]);
        }
    }

    @Test
    void noDataIsNullNotZero() {
        Rate r = Rate.of(0, 0);
        assertNull(r.value());
        assertNull(r.low());
        assertNull(r.high());
        assertEquals(0, r.n());
    }
}
