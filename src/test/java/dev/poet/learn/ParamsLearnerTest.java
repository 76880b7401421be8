package dev.poet.learn;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.poet.analyze.Incidents;
import dev.poet.learn.ParamsLearner.Labelled;
import dev.poet.learn.ParamsLearner.Score;
import dev.poet.learn.ParamsLearner.WindowMeasure;
import dev.poet.testing.Maps;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** The params generator's choices on counted executions built so that the right answer is known. */
class ParamsLearnerTest {
    static final Set<String> FP_RULE = Set.of("false_positive_rate");
    static final Set<String> MISSED_RULE = Set.of("missed_drift_rate");

    private static ParamsLearner learner(Double recall) {
        return new ParamsLearner(new ParamsLearner.Options(20, recall, ParamsLearner.Options.SEASONAL, 24));
    }

    private static ParamsLearner learnerFor(String objective) {
        return new ParamsLearner(new ParamsLearner.Options(20, null, ParamsLearner.Options.SEASONAL, 24, objective,
                ParamsLearner.Options.FALSE_ALERT_TOLERANCE, ParamsLearner.Options.VALIDATION_GAP_HOURS));
    }

    /** Execution {@code i}, reporting ks, with a verdict, in a 6-hour window scattered in time (see {@link #x}). */
    private static Labelled ks(int i, String ft, double p, boolean real, double liveThreshold) {
        return x(i, ft, p < liveThreshold, real, Map.of("ks", new Score(p, true)));
    }

    /**
     * Execution {@code i} in 6-hour window {@code 7919 i mod 10007}: hand-built values run in
     * order of i, and time must not follow them, or learning from earlier executions would meet a
     * trend no real series has.
     */
    private static Labelled x(int i, String ft, boolean alerted, boolean real, Map<String, Score> scores) {
        return at(i, (i * 7919L) % 10007, ft, alerted, real, scores);
    }

    private static Labelled at(int i, long window, String ft, boolean alerted, boolean real, Map<String, Score> scores) {
        return new Labelled(String.format("e%04d", i), DriftHistory.START + window * DriftHistory.WINDOW, ft, alerted, real,
                false, null, scores.containsKey("ks") ? "ks" : scores.keySet().iterator().next(), scores);
    }

    private static Map<String, Object> params(Object... kv) {
        return Maps.of(kv);
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> sub(Map<String, Object> m, String... path) {
        Map<String, Object> x = m;
        for (String k : path) {
            x = (Map<String, Object>) x.get(k);
        }
        return x;
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> group(ParamsLearner.Learned l) {
        return ((List<Map<String, Object>>) l.report().get("feature_types")).get(0);
    }

    private static String show(ParamsLearner.Learned l) {
        return "changes " + l.changes() + "\nnotes " + l.notes() + "\nparams " + l.params();
    }

    // ---- generated histories: the alert receiver's burden on fresh data ----

    private static final DriftHistory.Test WEAK_KS = new DriftHistory.Test("ks", 1.0, true);

    /** Learns from 3,000 executions, then decides 3,000 fresh ones; {false alerts/execution, recall, alerts/execution} before and after. */
    private static double[][] onFreshData(ParamsLearner.Learned l, List<DriftHistory.Test> tests, long seed) {
        List<Labelled> fresh = DriftHistory.generate(seed + 1000, 3000, DriftHistory.START + 3000 * DriftHistory.WINDOW, 0.15, 3,
                tests);
        return new double[][] {DriftHistory.burden(fresh, Labelled::alerted),
            DriftHistory.burden(fresh, x -> DriftHistory.decide(l.params(), x))};
    }

    /** p-values that know nothing of the truth: nothing is deployed, and the learner says the tests cannot separate. */
    @Test
    void noSkillDeploysNothingAndSaysSo() {
        List<DriftHistory.Test> tests = List.of(new DriftHistory.Test("ks", 0, true), new DriftHistory.Test("psi", 0, false));
        List<Labelled> xs = DriftHistory.generate(1, 3000, DriftHistory.START, 0.15, 3, tests);
        ParamsLearner.Learned l = learner((Double) null).learn(params("threshold", 0.05), xs, FP_RULE, 0, Map.of(), List.of());
        assertFalse(l.changed(), show(l));
        String d = l.diagnosis("detect_drift");
        assertNotNull(d, "a diagnosis: " + show(l));
        assertTrue(d.startsWith("the tests detect_drift reports cannot separate real drift from noise on feature type numerical: "
                + "3,000 counted executions (best held-out precision "), d);
        assertTrue(d.endsWith("): new parameters cannot fix this"), d);
    }

    /**
     * One weak test and the false-positive rule: fewer false alerts at the same recall is not to be
     * had from a threshold on the same score, so the learner either finds nothing or, on fresh data,
     * sends fewer false alerts without catching less; never more alerts.
     */
    @Test
    void weakSkillUnderTheFalsePositiveRuleNeverAddsFalseAlerts() {
        for (long seed = 2; seed < 6; seed++) {
            List<Labelled> xs = DriftHistory.generate(seed, 3000, DriftHistory.START, 0.15, 3, List.of(WEAK_KS));
            ParamsLearner.Learned l = learner((Double) null).learn(params("threshold", 0.05), xs, FP_RULE, 0, Map.of(),
                    List.of());
            double[][] b = onFreshData(l, List.of(WEAK_KS), seed);
            if (l.changed()) {
                assertTrue(b[1][0] < b[0][0], "fewer false alerts per execution on fresh data: " + b[1][0] + " vs " + b[0][0]);
                assertTrue(b[1][1] >= b[0][1] - 0.02, "recall not lower on fresh data: " + b[1][1] + " vs " + b[0][1]);
            }
            assertTrue(b[1][2] <= b[0][2] + 1e-12, "never more alerts per execution: " + b[1][2] + " vs " + b[0][2] + "\n" + show(l));
        }
    }

    /** A second test that separates well: a rule on it, with far fewer false alerts and recall no lower, on fresh data. */
    @Test
    void aWellSeparatingSecondTestCutsFalseAlertsWithoutLosingRecall() {
        List<DriftHistory.Test> tests = List.of(WEAK_KS, new DriftHistory.Test("psi", 3, false));
        List<Labelled> xs = DriftHistory.generate(7, 3000, DriftHistory.START, 0.15, 3, tests);
        ParamsLearner.Learned l = learner((Double) null).learn(params("threshold", 0.05), xs, FP_RULE, 0, Map.of(), List.of());
        assertTrue(l.changed(), show(l));
        assertEquals("psi", sub(l.params(), "feature_types", "numerical").get("test"), show(l));
        double[][] b = onFreshData(l, tests, 7);
        assertTrue(b[1][0] < b[0][0] / 4, "far fewer false alerts per execution on fresh data: " + b[1][0] + " vs " + b[0][0]);
        assertTrue(b[1][1] >= b[0][1], "recall not lower on fresh data: " + b[1][1] + " vs " + b[0][1]);
        assertTrue(l.changes().get(0).contains("held out, on "), "the reason gives the held-out figures: " + l.changes());
        Map<String, Object> held = sub(l.report(), "held_out");
        assertTrue((Long) sub(held, "learned").get("false_positives") < (Long) sub(held, "live").get("false_positives"),
                "fewer false alerts on the held-out executions: " + held);
    }

    /**
     * Real drifts that last (6 windows and more, each with its own strength) where ks separates
     * well: a stricter ks threshold misses some windows inside incidents but still catches every
     * incident, no later. Per-execution recall would refuse it; counted in incidents it is
     * deployed in every one of 10 seeds; on fresh data it sends fewer false alerts in each and half
     * as many or fewer over the 10, and never catches fewer incidents.
     */
    @Test
    void aStricterThresholdThatStillCatchesEveryIncidentIsDeployed() {
        List<DriftHistory.Test> tests = List.of(new DriftHistory.Test("ks", 3.5, true));
        double falseBefore = 0;
        double falseAfter = 0;
        for (long seed = 1; seed <= 10; seed++) {
            List<Labelled> xs = DriftHistory.generate(seed, 3000, DriftHistory.START, 0.15, 3, 6, tests);
            ParamsLearner.Learned l = learner((Double) null).learn(params("threshold", 0.05), xs, FP_RULE, 0, Map.of(),
                    List.of());
            assertTrue(l.changed(), "seed " + seed + ": " + show(l));
            Map<String, Object> rule = sub(l.params(), "feature_types", "numerical");
            assertEquals("ks", rule.get("test"), show(l));
            assertTrue(((Number) rule.get("threshold")).doubleValue() < 0.05, "stricter: " + rule);
            List<Labelled> fresh = DriftHistory.generate(seed + 1000, 3000, DriftHistory.START + 3000 * DriftHistory.WINDOW,
                    0.15, 3, 6, tests);
            double[] before = DriftHistory.burden(fresh, Labelled::alerted);
            double[] after = DriftHistory.burden(fresh, x -> DriftHistory.decide(l.params(), x));
            double[] caughtBefore = DriftHistory.incidents(fresh, Labelled::alerted);
            double[] caughtAfter = DriftHistory.incidents(fresh, x -> DriftHistory.decide(l.params(), x));
            assertTrue(after[0] < before[0], "seed " + seed + ": fewer false alerts per execution on fresh data: " + after[0]
                    + " vs " + before[0]);
            falseBefore += before[0];
            falseAfter += after[0];
            assertTrue(caughtAfter[1] >= caughtBefore[1], "seed " + seed + ": no fewer incidents caught on fresh data: "
                    + caughtAfter[1] + " vs " + caughtBefore[1] + " of " + caughtBefore[0]);
            assertTrue(after[1] < before[1], "seed " + seed + ": it does miss windows inside incidents (recall per execution "
                    + after[1] + " vs " + before[1] + "), which is why recall must not be the constraint");
            assertTrue(caughtAfter[2] <= caughtBefore[2] + Incidents.DELAY_TOLERANCE, "seed " + seed
                    + ": median detection delay " + caughtAfter[2] + " vs " + caughtBefore[2]);
        }
        assertTrue(falseAfter <= falseBefore / 2, "false alerts per execution halved at least over the 10 seeds: "
                + falseAfter / 10 + " vs " + falseBefore / 10);
    }

    // ---- hand-built data where the right answer is known ----

    /** Real drifts have p <= 0.009, false alarms p >= 0.012 (alternating in time): the cut lies between, 0.01 the shortest. */
    @Test
    void separableDataGivesTheThresholdBetweenTheClasses() {
        List<Labelled> xs = new ArrayList<>();
        for (int i = 0; i < 30; i++) {
            xs.add(ks(2 * i, "numerical", 0.0003 * (i + 1), true, 0.05));
            xs.add(ks(2 * i + 1, "numerical", 0.012 + 0.001 * i, false, 0.05));
        }
        ParamsLearner.Learned l = learner((Double) null).learn(params("threshold", 0.05), xs, FP_RULE, 30, Map.of(), List.of());
        assertTrue(l.changed(), show(l));
        Map<String, Object> rule = sub(l.params(), "feature_types", "numerical");
        assertEquals("ks", rule.get("test"));
        assertEquals(0.01, rule.get("threshold"));
        assertEquals("p_value_below", rule.get("alert_when"));
        assertEquals(0.05, l.params().get("threshold"), "other parameters are kept");
        Map<String, Object> replay = sub(l.report(), "replay");
        assertEquals(0.5, sub(replay, "before").get("false_positive_rate"));
        assertEquals(0.0, sub(replay, "after").get("false_positive_rate"));
        assertEquals(0.0, sub(replay, "after").get("missed_drift_rate"));
        // judged on later executions than it learned from: three blocks of 20 in time, each of the last
        // two decided by the rule learned from the blocks before it
        Map<String, Object> held = sub(group(l), "held_out");
        assertEquals(2L, held.get("folds"));
        assertEquals(40L, sub(held, "learned").get("executions"));
        assertEquals(0L, sub(held, "learned").get("false_positives"), "no false alarm in the two judged blocks");
        long liveFalse = (Long) sub(held, "live").get("false_positives");
        assertTrue(liveFalse >= 15, "about half of the 40 were false alarms, alerted by the live rule: " + liveFalse);
        assertEquals(true, sub(group(l), "skill").get("significant"));
        assertTrue(l.changes().get(0).contains("held out, on 40 later executions: false alerts per execution "
                + ParamsLearner.fmt(liveFalse / 40.0) + " -> 0, incidents caught 8 -> 8 of 8, median detection delay 0 -> 0"
                + " executions, recall 1 -> 1"), l.changes().toString());
    }

    /**
     * Folds by id deal neighbouring windows, and both seasons, into training and validation alike;
     * folds by time do not. The p-values' scale changes after the first 70 windows (a new season):
     * first real drift has p below 0.001 and false alarms 0.002-0.05; then real drift has p
     * 0.01-0.02 and half the false alarms are below 0.005. A rule learned by id parity looks good
     * on the other half; learned from the first season and judged on the second it misses the real
     * drift, so nothing is deployed.
     */
    @Test
    void foldsByIdAreOptimisticAndFoldsByTimeAreNot() {
        List<Labelled> xs = new ArrayList<>();
        java.util.Random r = new java.util.Random(3);
        for (int i = 0; i < 200; i++) {
            boolean real = i % 5 == 0;
            double p;
            if (i < 70) {
                p = real ? 0.0001 + 0.0009 * r.nextDouble() : 0.002 + 0.048 * r.nextDouble();
            } else {
                p = real ? 0.01 + 0.01 * r.nextDouble() : r.nextBoolean() ? 0.0001 + 0.0049 * r.nextDouble()
                        : 0.03 + 0.02 * r.nextDouble();
            }
            xs.add(at(i, i, "numerical", p < 0.05, real, Map.of("ks", new Score(p, true))));
        }
        // by id parity: learn a threshold on the even ids, judge it on the odd ones
        List<Labelled> even = new ArrayList<>();
        List<Labelled> odd = new ArrayList<>();
        for (int i = 0; i < xs.size(); i++) {
            (i % 2 == 0 ? even : odd).add(xs.get(i));
        }
        ParamsLearner l = learner((Double) null);
        Objective o = Objective.of(new ParamsLearner.Options(20, null, ParamsLearner.Options.SEASONAL, 24), FP_RULE);
        Double t = l.bestThreshold(even, "ks", true, o, l.judge(even, Labelled::alerted));
        ParamsLearner.Confusion byId = ParamsLearner.confusion(odd, x -> x.scores().get("ks").value() < t);
        ParamsLearner.Confusion liveOdd = ParamsLearner.confusion(odd, Labelled::alerted);
        assertTrue(byId.fp() < liveOdd.fp() * 0.7 && byId.recall() >= 0.9, "by id the rule p < " + t
                + " looks good: " + byId + " vs live " + liveOdd);

        ParamsLearner.HeldOut byTime = l.heldOut(xs, o);
        assertTrue(byTime.learned().tp() < byTime.live().tp(), "by time, the rule misses some of the second season's real"
                + " drift: " + byTime);
        ParamsLearner.Learned learned = l.learn(params("threshold", 0.05), xs, FP_RULE, 0, Map.of(), List.of());
        assertFalse(learned.changed(), show(learned));
        assertTrue(String.valueOf(group(learned).get("kept")).contains("on later executions"), show(learned));
    }

    /** Executions without a feature type are learned into the top-level threshold a simple function reads. */
    @Test
    void noFeatureTypeWritesTheTopLevelThreshold() {
        List<Labelled> xs = new ArrayList<>();
        for (int i = 0; i < 60; i++) {
            xs.add(ks(2 * i, null, 0.0003 * (i + 1), true, 0.05)); // up to 0.018
            xs.add(ks(2 * i + 1, null, 0.03 + 0.0002 * i, false, 0.05));
        }
        ParamsLearner.Learned l = learner((Double) null).learn(params("threshold", 0.05, "window_size", 7L), xs, FP_RULE, 20,
                Map.of(), List.of());
        assertEquals(0.02, l.params().get("threshold"), "the shortest decimal in (0.018, 0.030]: " + show(l));
        assertEquals("ks", l.params().get("test"));
        assertEquals(7L, l.params().get("window_size"));
        assertNull(l.params().get("feature_types"));
    }

    /**
     * Overlapping classes, recall target 0.9: reals at p = 0.001..0.040 step 0.001, false alarms
     * from 0.0305 up. With a margin of two standard errors, 0.9 of 40 reals is 36 + 2 x 1.9 = 39.8:
     * all 40 (threshold above 0.040); fewest false alarms then means at most the next one, 0.0405,
     * and 0.0401 is the shortest decimal in (0.040, 0.0405].
     */
    @Test
    void recallTargetKeepsRecallAndMinimisesFalseAlerts() {
        List<Labelled> xs = new ArrayList<>();
        for (int i = 0; i < 40; i++) {
            xs.add(ks(2 * i, "numerical", 0.001 * (i + 1), true, 0.05));
            xs.add(ks(2 * i + 1, "numerical", 0.0305 + 0.001 * i, false, 0.05));
        }
        ParamsLearner.Learned l = learner(0.9).learn(params(), xs, FP_RULE, 20, Map.of(), List.of());
        assertTrue(l.changed(), show(l));
        double t = (Double) sub(l.params(), "feature_types", "numerical").get("threshold");
        assertEquals(0.0401, t, show(l));
        Map<String, Object> after = sub(l.report(), "replay", "after");
        assertEquals(0L, after.get("missed"));
        assertEquals(10L, after.get("false_positives"), "false alarms 0.0305..0.0395 alert");
        // F1, asked for by name, prefers a tighter cut that misses some
        ParamsLearner.Learned f1 = learnerFor("f1").learn(params(), xs, FP_RULE, 20, Map.of(), List.of());
        double f1Score = (Double) sub(f1.report(), "replay", "after").get("f1");
        assertTrue(f1Score >= (Double) after.get("f1"), "F1-optimal is at least as good in F1: " + show(f1));
        assertEquals("f1", sub(f1.report(), "objective").get("kind"));
    }

    /** ks is noisy and alerts more often than there is real drift, psi separates perfectly: psi wins, with a statistic threshold. */
    @Test
    void picksTheBestTestPerFeatureType() {
        List<Labelled> xs = new ArrayList<>();
        for (int i = 0; i < 240; i++) {
            boolean real = i % 2 == 0;
            // right for half, wrong for the other half, and alerting on a further eighth
            double ksP = (i % 4 == 0 || i % 4 == 3 || i % 8 == 1) ? 0.001 : 0.2;
            double psi = real ? 0.3 + 0.001 * i : 0.05 + 0.00015 * i;
            Map<String, Score> s = new LinkedHashMap<>();
            s.put("ks", new Score(ksP, true));
            s.put("psi", new Score(psi, false));
            xs.add(x(i, "categorical", ksP < 0.05, real, s));
        }
        ParamsLearner.Learned l = learner((Double) null).learn(params(), xs, FP_RULE, 20, Map.of(), List.of());
        assertTrue(l.changed(), show(l));
        Map<String, Object> rule = sub(l.params(), "feature_types", "categorical");
        assertEquals("psi", rule.get("test"), show(l));
        assertEquals("statistic_above", rule.get("alert_when"));
        double t = (Double) rule.get("threshold");
        assertTrue(t >= 0.0859 && t < 0.3, "between the highest false alarm (0.0859) and the lowest real (0.30): " + t);
        assertEquals(1.0, sub(l.report(), "replay", "after").get("f1"));
    }

    /** Three tests, each wrong on a different fifth of the executions: the majority vote is right on all. */
    @Test
    void ensembleWhenMajorityBeatsEverySingleTest() {
        List<Labelled> xs = new ArrayList<>();
        for (int i = 0; i < 270; i++) {
            boolean real = i % 3 == 0;
            Map<String, Score> s = new LinkedHashMap<>();
            String[] names = {"ks", "chi2", "ad"};
            for (int t = 0; t < 3; t++) {
                boolean wrong = i % 15 / 5 == t && i % 5 < 4; // test t is wrong on its own block of executions
                boolean says = wrong != real;
                s.put(names[t], new Score(says ? 0.001 + i * 1e-5 : 0.5 + i * 1e-3, true));
            }
            // the live rule alerted where ks did, and on a further ninth
            xs.add(x(i, "numerical", s.get("ks").value() < 0.05 || i % 9 == 4, real, s));
        }
        ParamsLearner.Learned l = learner((Double) null).learn(params(), xs, FP_RULE, 20, Map.of(), List.of());
        assertTrue(l.changed(), show(l));
        Object ens = sub(l.params(), "feature_types", "numerical").get("ensemble");
        assertTrue(ens instanceof List && ((List<?>) ens).size() == 3, "ensemble of the three tests: " + show(l));
        assertEquals(1.0, sub(l.report(), "replay", "after").get("f1"));
        assertEquals(true, sub(group(l), "ensemble").get("beats_every_single_test"), group(l).toString());
    }

    /**
     * Under the missed-drift rule: the highest recall with false alerts no higher than live plus 10%.
     * Live alerts at p < 0.01 (catching 10 of 20 reals, 2 false alarms); reals spread to 0.04, false
     * alarms from 0.015: the learner raises the threshold only as far as the false alerts allow.
     */
    @Test
    void underTheMissedDriftRuleRecallRisesWithoutMoreFalseAlerts() {
        List<Labelled> xs = new ArrayList<>();
        for (int i = 0; i < 60; i++) {
            xs.add(ks(3 * i, "numerical", 0.0005 + 0.0007 * i, true, 0.01)); // 0.0005 .. 0.0418
            xs.add(ks(3 * i + 1, "numerical", i % 10 == 0 ? 0.005 : 0.1 + 0.01 * i, false, 0.01));
            xs.add(ks(3 * i + 2, "numerical", 0.2 + 0.01 * i, false, 0.01));
        }
        ParamsLearner.Learned l = learner((Double) null).learn(params("threshold", 0.01), xs, MISSED_RULE, 2, Map.of(), List.of());
        assertTrue(l.changed(), show(l));
        Map<String, Object> before = sub(l.report(), "replay", "before");
        Map<String, Object> after = sub(l.report(), "replay", "after");
        assertTrue((Long) after.get("missed") < (Long) before.get("missed"), "fewer missed drifts: " + after + " vs " + before);
        assertTrue((Long) after.get("false_positives") <= (Long) before.get("false_positives"), "no more false alerts: " + after);
        assertEquals("recall", sub(l.report(), "objective").get("kind"));
    }

    /**
     * Under the cost rule: the lowest cost of wrong outcomes. A missed real drift costs 10, a false
     * alarm 1: the learner keeps every real drift (reals up to p 0.018) and accepts the cheap false
     * alarms below that.
     */
    @Test
    void underTheCostRuleExpensiveMissesWeighMore() {
        List<Labelled> xs = new ArrayList<>();
        for (int i = 0; i < 60; i++) {
            Labelled real = ks(2 * i, "numerical", 0.0003 + 0.0003 * i, true, 0.05); // up to 0.018
            Labelled fa = ks(2 * i + 1, "numerical", 0.004 + 0.0006 * i, false, 0.05); // 0.004 .. 0.0394
            xs.add(real.withCost(10.0));
            xs.add(fa.withCost(1.0));
        }
        ParamsLearner.Learned cost = learner((Double) null).learn(params(), xs, Set.of("cost_efficiency"), 0, Map.of(),
                List.of());
        assertTrue(cost.changed(), show(cost));
        assertEquals(0L, sub(cost.report(), "replay", "after").get("missed"), "every real drift is kept: " + show(cost));
        double tc = (Double) sub(cost.params(), "feature_types", "numerical").get("threshold");
        assertTrue(tc > 0.018, "above every real drift's p-value: " + tc);
        assertTrue((Long) sub(cost.report(), "replay", "after").get("false_positives") > 0,
                "cheap false alarms below that are accepted: " + show(cost));
        assertEquals("cost", sub(cost.report(), "objective").get("kind"));
    }

    @Test
    void tooFewCountedExecutionsChangeNothing() {
        List<Labelled> xs = new ArrayList<>();
        for (int i = 0; i < 8; i++) {
            xs.add(ks(2 * i, "numerical", 0.001, true, 0.05));
            xs.add(ks(2 * i + 1, "numerical", 0.03, false, 0.05));
        }
        ParamsLearner.Learned l = learner((Double) null).learn(params("threshold", 0.05), xs, FP_RULE, 8, Map.of(), List.of());
        assertFalse(l.changed(), "nothing learned: " + l.changes());
        assertTrue(l.notes().get(0).contains("16 counted executions (8 real, 8 not)"), l.notes().toString());
        // only false alarms: no rule can be learned without a real drift
        List<Labelled> onlyFalse = new ArrayList<>();
        for (int i = 0; i < 30; i++) {
            onlyFalse.add(ks(i, "numerical", 0.01, false, 0.05));
        }
        assertFalse(learner((Double) null).learn(params(), onlyFalse, FP_RULE, 30, Map.of(), List.of()).changed(),
                "no real drift at all: nothing learned");
        // between 20 and 39: enough to learn from, too few to judge on later executions
        List<Labelled> some = new ArrayList<>();
        for (int i = 0; i < 15; i++) {
            some.add(ks(2 * i, "numerical", 0.001, true, 0.05));
            some.add(ks(2 * i + 1, "numerical", 0.03, false, 0.05));
        }
        ParamsLearner.Learned few = learner((Double) null).learn(params("threshold", 0.05), some, FP_RULE, 15, Map.of(), List.of());
        assertFalse(few.changed(), show(few));
        assertTrue(few.notes().get(0).contains("too few to judge a rule on executions later than those it learned from"),
                few.notes().toString());
    }

    /** Learning again from the revision's own parameters finds nothing new. */
    @Test
    void learningIsIdempotent() {
        List<Labelled> xs = new ArrayList<>();
        for (int i = 0; i < 30; i++) {
            xs.add(ks(2 * i, "numerical", 0.0003 * (i + 1), true, 0.05));
            xs.add(ks(2 * i + 1, "numerical", 0.012 + 0.001 * i, false, 0.05));
        }
        ParamsLearner.Learned first = learner((Double) null).learn(params(), xs, FP_RULE, 30, Map.of(), List.of());
        assertTrue(first.changed(), show(first));
        List<Labelled> relabelled = new ArrayList<>();
        for (Labelled x : xs) {
            relabelled.add(new Labelled(x.id(), x.time(), x.featureType(), x.scores().get("ks").value() < 0.01, x.real(),
                    x.implicit(), x.cost(), "ks", x.scores()));
        }
        ParamsLearner.Learned second = learner((Double) null).learn(first.params(), relabelled, Set.of(), 0, Map.of(), List.of());
        assertFalse(second.changed(), second.changes().toString());
    }

    @Test
    void seasonalAdjustmentWhenSeasonalReasonsDominate() {
        Map<String, Long> reasons = new LinkedHashMap<>();
        reasons.put("seasonal_pattern", 6L);
        reasons.put("weekend_traffic", 3L);
        reasons.put("data_quality", 2L);
        ParamsLearner.Learned on = learner((Double) null).learn(params(), List.of(), FP_RULE, 11, reasons, List.of());
        assertEquals(true, on.params().get("seasonal_adjustment"));
        assertTrue(on.changes().get(0).contains("9 of 11 false positives"), on.changes().toString());

        Map<String, Long> few = new LinkedHashMap<>();
        few.put("seasonal_pattern", 4L);
        few.put("data_quality", 7L);
        ParamsLearner.Learned off = learner((Double) null).learn(params(), List.of(), FP_RULE, 11, few, List.of());
        assertNull(off.params().get("seasonal_adjustment"));
        assertFalse(off.changed(), "seasonal adjustment off: nothing learned: " + off.changes());
    }

    /** 30 has the fewest false positives but detects too late; 14 is the best within 24 h. */
    @Test
    void windowSizeFromMeasuredImpacts() {
        List<WindowMeasure> ws = List.of(
                new WindowMeasure(7, 0.5, 30, 3600.0, 5, "c1"),
                new WindowMeasure(14, 0.2, 30, 7200.0, 5, "c1"),
                new WindowMeasure(30, 0.1, 30, 200_000.0, 5, "c2"),
                new WindowMeasure(3, 0.0, 5, 600.0, 1, "c3"));
        ParamsLearner.Learned l = learner((Double) null).learn(params("window_size", 7L), List.of(), FP_RULE, 0, Map.of(), ws);
        assertEquals(14L, l.params().get("window_size"));
        assertTrue(l.changes().get(0).startsWith("window_size 7 -> 14"), l.changes().toString());
        assertFalse(learner((Double) null).learn(params("window_size", 14L), List.of(), FP_RULE, 0, Map.of(), ws).changed(),
                "the window size stays: nothing learned");
    }

    @Test
    void shortestDecimal() {
        assertEquals(0.02, ParamsLearner.shortestBetween(0.0123, 0.0411));
        assertEquals(0.019, ParamsLearner.shortestBetween(0.018, 0.019));
        assertEquals(0.0181, ParamsLearner.shortestBetween(0.018, 0.0185));
        assertEquals(0.0, ParamsLearner.shortestBetween(-1.0, 0.001));
        assertEquals(-0.3, -ParamsLearner.shortestBetween(0.25, 0.3));
        assertEquals(100.0, ParamsLearner.shortestBetween(12.5, 400));
    }
}
