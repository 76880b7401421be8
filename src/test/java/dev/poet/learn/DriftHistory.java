package dev.poet.learn;

import dev.poet.learn.ParamsLearner.Labelled;
import dev.poet.learn.ParamsLearner.Score;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * Generated monitoring histories for the learner's tests, with the reviewer protocol of real
 * use: one execution per 6-hour window; real drift is rare and comes in episodes of neighbouring
 * windows; each test reports a score that is shifted by {@code separation} standard deviations
 * when the drift is real (0: the test knows nothing); the live version alerts when ks's p-value is
 * below 0.05; the reviewer judges every alert and reports every missed drift, and the quiet
 * executions nobody reported are implicit negatives.
 */
final class DriftHistory {
    static final long START = java.time.Instant.parse("2026-06-01T00:00:00Z").toEpochMilli();
    static final long WINDOW = 6 * 3_600_000L;

    /** A test: its name, how far real drift shifts its score, and whether it reports a p-value or a statistic. */
    record Test(String name, double separation, boolean pValue) {
    }

    private DriftHistory() {
    }

    /**
     * {@code n} executions starting at {@code start}; about {@code driftShare} of them real drift,
     * in episodes of {@code episode} windows on average.
     */
    static List<Labelled> generate(long seed, int n, long start, double driftShare, double episode, List<Test> tests) {
        return generate(seed, n, start, driftShare, episode, 1, tests);
    }

    /**
     * As {@link #generate(long, int, long, double, double, List)}, with every episode at least
     * {@code minEpisode} windows long (then {@code episode} more on average, less one): incidents
     * that last, as real drifts do, where one alert inside is enough to catch them. Each such
     * incident has its own strength: the tests' shift is their separation times a factor drawn
     * from [0.8, 1.2] when it begins (a drift that is plain in one window is plain in the next).
     */
    static List<Labelled> generate(long seed, int n, long start, double driftShare, double episode, int minEpisode,
                                   List<Test> tests) {
        Random r = new Random(seed);
        double stay = 1 - 1 / episode;
        double enter = driftShare / ((1 - driftShare) * (episode + minEpisode - 1));
        boolean drifting = false;
        int forced = 0;
        double strength = 1;
        List<Labelled> out = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            if (forced > 0) {
                forced--;
            } else {
                drifting = drifting ? r.nextDouble() < stay : r.nextDouble() < enter;
                if (drifting && minEpisode > 1 && (i == 0 || !out.get(i - 1).real())) {
                    forced = minEpisode - 1;
                    strength = 0.8 + 0.4 * r.nextDouble();
                }
            }
            Map<String, Score> scores = new LinkedHashMap<>();
            for (Test t : tests) {
                double s = (drifting ? t.separation() * strength : 0) + r.nextGaussian();
                scores.put(t.name(), t.pValue() ? new Score(1 - Probation.phi(s), true) : new Score(0.1 + 0.05 * s, false));
            }
            boolean alerted = scores.get("ks").value() < 0.05;
            // the reviewer judges every alert and reports every missed drift; a quiet window nobody reported is not real
            boolean implicit = !alerted && !drifting;
            out.add(new Labelled(String.format("x%05d", i), start + i * WINDOW, "numerical", alerted, drifting, implicit,
                    null, "ks", scores));
        }
        return out;
    }

    /** What the learned parameters decide for an execution: the feature type's rule, else the top level, else as it was. */
    @SuppressWarnings("unchecked")
    static boolean decide(Map<String, Object> params, Labelled x) {
        Object rule = params.get("feature_types") instanceof Map
                ? ((Map<String, Object>) params.get("feature_types")).get(x.featureType()) : null;
        Map<String, Object> m = rule instanceof Map ? (Map<String, Object>) rule : params;
        if (m.get("ensemble") instanceof List) {
            int votes = 0;
            List<Map<String, Object>> members = (List<Map<String, Object>>) m.get("ensemble");
            for (Map<String, Object> member : members) {
                votes += single(member, x) ? 1 : 0;
            }
            return votes * 2 > members.size();
        }
        return m.get("test") != null ? single(m, x) : x.alerted();
    }

    private static boolean single(Map<String, Object> m, Labelled x) {
        Score s = x.scores().get((String) m.get("test"));
        double t = ((Number) m.get("threshold")).doubleValue();
        return s != null && (ParamsLearner.P_VALUE_BELOW.equals(m.get("alert_when")) ? s.value() < t : s.value() > t);
    }

    /**
     * The incidents under a decision (one monitored input, the default merge gap):
     * {incidents, caught, median detection delay in executions (NaN when none caught)}.
     */
    static double[] incidents(List<Labelled> xs, java.util.function.Predicate<Labelled> alerts) {
        dev.poet.analyze.Incidents in = dev.poet.analyze.Incidents.group(xs, Labelled::key, Labelled::time, Labelled::real,
                dev.poet.analyze.Incidents.MERGE_GAP);
        dev.poet.analyze.Incidents.Score s = in.score(i -> alerts.test(xs.get(i)));
        return new double[] {s.incidents(), s.caught(), s.medianSteps() == null ? Double.NaN : s.medianSteps()};
    }

    /** The alert receiver's burden under a decision: {false alerts per execution, recall, alerts per execution}. */
    static double[] burden(List<Labelled> xs, java.util.function.Predicate<Labelled> alerts) {
        long fp = 0;
        long tp = 0;
        long real = 0;
        long alerted = 0;
        for (Labelled x : xs) {
            boolean a = alerts.test(x);
            alerted += a ? 1 : 0;
            real += x.real() ? 1 : 0;
            if (a && x.real()) {
                tp++;
            } else if (a) {
                fp++;
            }
        }
        return new double[] {(double) fp / xs.size(), real == 0 ? 0 : (double) tp / real, (double) alerted / xs.size()};
    }
}
