package dev.poet.learn;

import dev.poet.learn.ParamsLearner.Labelled;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * The params generator on generated histories (the test suite's DriftHistory: 6-hour windows,
 * 15% real drift in episodes of about three windows, a reviewer who judges every alert and
 * reports every missed drift, quiet windows as implicit negatives, the live rule ks p < 0.05),
 * with the false-positive rule fired: it learns from 3,000 executions, then the learned and the
 * live rule decide 3,000 fresh ones. Prints, per case and seed, the alert receiver's burden
 * before and after on the fresh data; with --why, why nothing was deployed where it was not.
 * Run by bench/learner.sh.
 */
public final class LearnerBurden {
    private LearnerBurden() {
    }

    public static void main(String[] args) {
        int seeds = args.length > 0 ? Integer.parseInt(args[0]) : 10;
        boolean why = args.length > 1 && args[1].equals("--why");
        DriftHistory.Test weakKs = new DriftHistory.Test("ks", 1.0, true);
        Object[][] cases = {
            {"no skill (p-values independent of the truth)", List.of(new DriftHistory.Test("ks", 0, true),
                    new DriftHistory.Test("psi", 0, false))},
            {"weak test, false-positive rule fires", List.of(weakKs)},
            {"a second test separates moderately (1.8 sd)", List.of(weakKs, new DriftHistory.Test("psi", 1.8, false))},
            {"a second test separates well (3 sd)", List.of(weakKs, new DriftHistory.Test("psi", 3, false))},
        };
        System.out.println("case | deployed | false alerts/exec before -> after | recall before -> after"
                + " | alerts/exec before -> after (means over seeds, fresh data)");
        for (Object[] c : cases) {
            @SuppressWarnings("unchecked")
            List<DriftHistory.Test> tests = (List<DriftHistory.Test>) c[1];
            double[] sum = new double[6];
            int deployed = 0;
            int worse = 0;
            for (long seed = 1; seed <= seeds; seed++) {
                List<Labelled> xs = DriftHistory.generate(seed, 3000, DriftHistory.START, 0.15, 3, tests);
                ParamsLearner.Learned l = new ParamsLearner(new ParamsLearner.Options(20, null,
                        ParamsLearner.Options.SEASONAL, 24)).learn(Map.of("threshold", 0.05), xs,
                        Set.of("false_positive_rate"), 0, Map.of(), List.of());
                List<Labelled> fresh = DriftHistory.generate(seed + 1000, 3000, DriftHistory.START + 3000 * DriftHistory.WINDOW,
                        0.15, 3, tests);
                double[] b = DriftHistory.burden(fresh, Labelled::alerted);
                double[] a = DriftHistory.burden(fresh, x -> DriftHistory.decide(l.params(), x));
                for (int i = 0; i < 3; i++) {
                    sum[2 * i] += b[i];
                    sum[2 * i + 1] += a[i];
                }
                deployed += l.changed() ? 1 : 0;
                if (why && !l.changed()) {
                    System.out.println("  seed " + seed + ", nothing deployed: " + l.notes());
                }
                worse += a[0] > b[0] || a[2] > b[2] ? 1 : 0;
            }
            System.out.printf(Locale.ROOT, "%s | %d of %d | %.4f -> %.4f | %.3f -> %.3f | %.4f -> %.4f | more (false) alerts"
                    + " on fresh data in %d of %d%n", c[0], deployed, seeds, sum[0] / seeds, sum[1] / seeds, sum[2] / seeds,
                    sum[3] / seeds, sum[4] / seeds, sum[5] / seeds, worse, seeds);
        }
    }
}
