package dev.poet.learn;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.poet.learn.ParamsLearner.Labelled;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.function.BiFunction;
import org.junit.jupiter.api.Test;

/**
 * The shadow judgement on generated histories (DriftHistory: 6-hour windows, 15% real drift in
 * incidents of 6 windows and more, ks separating 3.5 sd, the live rule ks p < 0.05, a reviewer
 * who judges every alert and reports every missed drift), over 10 seeds: a shadow that harms is
 * never promoted, a better one is, a crashing one is discarded.
 */
class ShadowTrialsTest {
    private static final List<DriftHistory.Test> KS = List.of(new DriftHistory.Test("ks", 3.5, true));
    private static final ParamsLearner.Options OPTIONS = new ParamsLearner.Options(20, null, ParamsLearner.Options.SEASONAL, 24);

    /** What the shadow decides on an execution (null: the call failed), given a random source. */
    private static Map<String, Integer> judgeOverSeeds(int n, BiFunction<Labelled, Random, Boolean> shadow) {
        Map<String, Integer> states = new HashMap<>();
        for (long seed = 1; seed <= 10; seed++) {
            List<Labelled> xs = DriftHistory.generate(seed, n, DriftHistory.START, 0.15, 3, 6, KS);
            Random r = new Random(seed * 31);
            Map<String, LabelledScan.ShadowDecision> decisions = new HashMap<>();
            for (Labelled x : xs) {
                Boolean d = shadow.apply(x, r);
                decisions.put(x.id(), d == null ? new LabelledScan.ShadowDecision(false, null, "RuntimeError: boom")
                        : new LabelledScan.ShadowDecision(true, d, null));
            }
            ShadowTrials.Verdict v = ShadowTrials.judge("detect_drift", Map.of("id", "s1", "overlay", Map.of()), xs, decisions,
                    OPTIONS);
            states.merge(v.state(), 1, Integer::sum);
        }
        return states;
    }

    private static double p(Labelled x) {
        return x.scores().get("ks").value();
    }

    @Test
    void aStricterRuleThatStillCatchesTheIncidentsIsPromotedInEverySeed() {
        // what a good seasonal adjustment does: the same drift, far fewer noise alerts
        Map<String, Integer> states = judgeOverSeeds(600, (x, r) -> p(x) < 0.005);
        assertEquals(Map.of("promote", 10), states);
    }

    @Test
    void aSwitchThatAddsFalseAlertsIsNeverPromoted() {
        // a harmful switch: every live alert, and one quiet execution in ten alerting too
        Map<String, Integer> states = judgeOverSeeds(600, (x, r) -> x.alerted() || r.nextDouble() < 0.1);
        assertEquals(null, states.get("promote"), states.toString());
        assertEquals(Map.of("discard", 10), states, "significantly more false alerts on the same executions");
    }

    @Test
    void aSwitchThatHidesIncidentsIsNeverPromotedEvenWithFewerFalseAlerts() {
        // a harmful switch that also looks good: no noise alerts at all, but it alerts on no real drift
        // either in six incidents of ten (a seasonal baseline that has learned the drift as normal)
        Map<String, Integer> states = judgeOverSeeds(600, (x, r) -> x.real() && x.alerted()
                && (x.time() / (DriftHistory.WINDOW * 40)) % 10 < 4);
        assertEquals(null, states.get("promote"), states.toString());
        assertNotEquals(null, states.get("discard"), states.toString());
    }

    @Test
    void aShadowThatCrashesIsDiscardedWhateverItDecides() {
        // better decisions, but one call in ten raises
        Map<String, Integer> states = judgeOverSeeds(600, (x, r) -> r.nextDouble() < 0.1 ? null : p(x) < 0.005);
        assertEquals(Map.of("discard", 10), states);
    }

    @Test
    void aShadowNoDifferentFromLiveKeepsWaitingThenIsDiscarded() {
        assertEquals(Map.of("waiting", 10), judgeOverSeeds(150, (x, r) -> x.alerted()));
        assertEquals(Map.of("discard", 10), judgeOverSeeds(600, (x, r) -> x.alerted()),
                "no difference after ten times the sample size");
    }

    @Test
    void promotedShadowsNeverSendMoreFalseAlertsOnFreshData() {
        for (long seed = 1; seed <= 10; seed++) {
            List<Labelled> xs = DriftHistory.generate(seed, 600, DriftHistory.START, 0.15, 3, 6, KS);
            Map<String, LabelledScan.ShadowDecision> decisions = new HashMap<>();
            for (Labelled x : xs) {
                decisions.put(x.id(), new LabelledScan.ShadowDecision(true, p(x) < 0.005, null));
            }
            ShadowTrials.Verdict v = ShadowTrials.judge("detect_drift", Map.of("id", "s1", "overlay", Map.of()), xs, decisions,
                    OPTIONS);
            assertEquals("promote", v.state(), v.reason());
            List<Labelled> fresh = DriftHistory.generate(seed + 1000, 3000, DriftHistory.START + 600 * DriftHistory.WINDOW,
                    0.15, 3, 6, KS);
            double[] before = DriftHistory.burden(fresh, Labelled::alerted);
            double[] after = DriftHistory.burden(fresh, x -> p(x) < 0.005);
            double[] caughtBefore = DriftHistory.incidents(fresh, Labelled::alerted);
            double[] caughtAfter = DriftHistory.incidents(fresh, x -> p(x) < 0.005);
            assertTrue(after[0] <= before[0], "seed " + seed + ": false alerts per execution " + after[0] + " vs " + before[0]);
            assertTrue(caughtAfter[1] >= caughtBefore[1], "seed " + seed + ": incidents caught " + caughtAfter[1] + " vs "
                    + caughtBefore[1]);
        }
    }
}
