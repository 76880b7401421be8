package dev.poet.learn;

import dev.poet.learn.ParamsLearner.Labelled;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * The params generator on generated histories (the test suite's DriftHistory: 6-hour windows,
 * 15% real drift in episodes of a few windows, a reviewer who judges every alert and reports
 * every missed drift, quiet windows as implicit negatives, the live rule ks p < 0.05), with the
 * false-positive rule fired: it learns from 3,000 executions, then the learned and the live rule
 * decide 3,000 fresh ones. Prints, per case, the alert receiver's burden before and after on the
 * fresh data (means over seeds): false alerts per execution, incidents caught and their median
 * detection delay, per-execution recall, alerts per execution; and in how many seeds the learned
 * rule sent more false alerts or caught fewer incidents. With --why, why nothing was deployed
 * where it was not. Run by bench/learner.sh.
 */
public final class LearnerBurden {
    private LearnerBurden() {
    }

    public static void main(String[] args) {
        int seeds = args.length > 0 ? Integer.parseInt(args[0]) : 10;
        boolean why = args.length > 1 && args[1].equals("--why");
        DriftHistory.Test weakKs = new DriftHistory.Test("ks", 1.0, true);
        Object[][] cases = {
            {"no skill (p-values independent of the truth)", 3.0, List.of(new DriftHistory.Test("ks", 0, true),
                    new DriftHistory.Test("psi", 0, false))},
            {"weak test, episodes of 3 windows", 3.0, List.of(weakKs)},
            {"a second test separates moderately (1.8 sd)", 3.0, List.of(weakKs, new DriftHistory.Test("psi", 1.8, false))},
            {"a second test separates well (3 sd)", 3.0, List.of(weakKs, new DriftHistory.Test("psi", 3, false))},
            {"ks separating 3.5 sd (0.8-1.2x per incident), incidents of 6 windows and more", 3.0, List.of(new DriftHistory.Test("ks", 3.5, true))},
            {"ks separating 3 sd (0.8-1.2x per incident), incidents of 6 windows and more", 3.0, List.of(new DriftHistory.Test("ks", 3, true))},
        };
        System.out.println("case | deployed | false alerts/exec | incidents caught | median delay (executions) | recall"
                + " | alerts/exec | seeds with more false alerts | seeds with fewer incidents caught");
        for (int ci = 0; ci < cases.length; ci++) {
            Object[] c = cases[ci];
            double episode = (Double) c[1];
            int minEpisode = ci >= 4 ? 6 : 1;
            @SuppressWarnings("unchecked")
            List<DriftHistory.Test> tests = (List<DriftHistory.Test>) c[2];
            double[] sum = new double[12];
            int deployed = 0;
            int moreFalse = 0;
            int fewerCaught = 0;
            for (long seed = 1; seed <= seeds; seed++) {
                List<Labelled> xs = DriftHistory.generate(seed, 3000, DriftHistory.START, 0.15, episode, minEpisode, tests);
                ParamsLearner.Learned l = new ParamsLearner(new ParamsLearner.Options(20, null,
                        ParamsLearner.Options.SEASONAL, 24)).learn(Map.of("threshold", 0.05), xs,
                        Set.of("false_positive_rate"), 0, Map.of(), List.of());
                List<Labelled> fresh = DriftHistory.generate(seed + 1000, 3000, DriftHistory.START + 3000 * DriftHistory.WINDOW,
                        0.15, episode, minEpisode, tests);
                double[] b = DriftHistory.burden(fresh, Labelled::alerted);
                double[] a = DriftHistory.burden(fresh, x -> DriftHistory.decide(l.params(), x));
                double[] bi = DriftHistory.incidents(fresh, Labelled::alerted);
                double[] ai = DriftHistory.incidents(fresh, x -> DriftHistory.decide(l.params(), x));
                double[][] pairs = {{b[0], a[0]}, {bi[1] / bi[0], ai[1] / ai[0]}, {bi[2], ai[2]}, {b[1], a[1]}, {b[2], a[2]}};
                for (int i = 0; i < pairs.length; i++) {
                    sum[2 * i] += pairs[i][0];
                    sum[2 * i + 1] += pairs[i][1];
                }
                deployed += l.changed() ? 1 : 0;
                if (why && !l.changed()) {
                    System.out.println("  seed " + seed + ", nothing deployed: " + l.notes());
                }
                moreFalse += a[0] > b[0] + 1e-12 ? 1 : 0;
                fewerCaught += ai[1] < bi[1] ? 1 : 0;
            }
            System.out.printf(Locale.ROOT, "%s | %d of %d | %.4f -> %.4f | %.3f -> %.3f | %.2f -> %.2f | %.3f -> %.3f"
                    + " | %.4f -> %.4f | %d of %d | %d of %d%n", c[0], deployed, seeds, sum[0] / seeds, sum[1] / seeds,
                    sum[2] / seeds, sum[3] / seeds, sum[4] / seeds, sum[5] / seeds, sum[6] / seeds, sum[7] / seeds,
                    sum[8] / seeds, sum[9] / seeds, moreFalse, seeds, fewerCaught, seeds);
        }
    }
}
