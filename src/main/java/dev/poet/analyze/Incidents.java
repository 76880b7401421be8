package dev.poet.analyze;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.function.IntPredicate;
import java.util.function.Predicate;
import java.util.function.ToLongFunction;

/**
 * Real drift as users count it: in incidents, not windows. The executions of one function on one
 * monitored input (the incident key: the execution's {@code feature} by default, or another field
 * such as {@code dataset}), in time order; an incident is a run of executions whose truth is real
 * drift, where runs separated by at most {@code mergeGap} executions that are not real are one
 * incident. An incident is caught when a decision alerts on at least one of its real executions;
 * its detection delay is the number of executions of its input, and the time, from its first
 * execution to that first alert (0 when the first one alerted).
 *
 * <p>The grouping depends only on the truth, so any two decision rules are scored on the same
 * incidents: {@link #score} takes the decision per execution (by index into the list grouped).
 */
public final class Incidents {
    /** Executions that are not real between two real ones of the same input that still make one incident. */
    public static final int MERGE_GAP = 1;
    /** How many executions later than the live decisions' median a candidate's median detection delay may be. */
    public static final double DELAY_TOLERANCE = 1;
    /** The field of an execution's data that names its monitored input. */
    public static final String KEY = "feature";

    /** One incident: its real executions (indices into the grouped list), their step and time from the start. */
    public record Incident(int[] members, int[] steps, long[] sinceStartMs) {
    }

    private final List<Incident> incidents;

    private Incidents(List<Incident> incidents) {
        this.incidents = incidents;
    }

    /** The incidents among {@code xs}, whatever their order; executions with no key form one input of their own. */
    public static <T> Incidents group(List<T> xs, Function<T, String> key, ToLongFunction<T> time, Predicate<T> real,
                                      int mergeGap) {
        Map<String, List<Integer>> byKey = new HashMap<>();
        for (int i = 0; i < xs.size(); i++) {
            String k = key.apply(xs.get(i));
            byKey.computeIfAbsent(k == null ? "\u0000" : k, x -> new ArrayList<>()).add(i);
        }
        List<Incident> out = new ArrayList<>();
        List<String> keys = new ArrayList<>(byKey.keySet());
        keys.sort(null);
        for (String k : keys) {
            List<Integer> seq = byKey.get(k);
            seq.sort(Comparator.comparingLong((Integer i) -> time.applyAsLong(xs.get(i))).thenComparingInt(i -> i));
            int start = -1;
            int lastReal = -1;
            List<Integer> members = new ArrayList<>();
            for (int pos = 0; pos < seq.size(); pos++) {
                int i = seq.get(pos);
                if (!real.test(xs.get(i))) {
                    continue;
                }
                if (start >= 0 && pos - lastReal - 1 > mergeGap) {
                    out.add(incident(xs, time, seq, start, members));
                    members = new ArrayList<>();
                    start = -1;
                }
                if (start < 0) {
                    start = pos;
                }
                members.add(pos);
                lastReal = pos;
            }
            if (start >= 0) {
                out.add(incident(xs, time, seq, start, members));
            }
        }
        return new Incidents(out);
    }

    private static <T> Incident incident(List<T> xs, ToLongFunction<T> time, List<Integer> seq, int start,
                                         List<Integer> positions) {
        int[] members = new int[positions.size()];
        int[] steps = new int[positions.size()];
        long[] since = new long[positions.size()];
        long t0 = time.applyAsLong(xs.get(seq.get(start)));
        for (int j = 0; j < members.length; j++) {
            int pos = positions.get(j);
            members[j] = seq.get(pos);
            steps[j] = pos - start;
            since[j] = time.applyAsLong(xs.get(seq.get(pos))) - t0;
        }
        return new Incident(members, steps, since);
    }

    public List<Incident> list() {
        return incidents;
    }

    public int size() {
        return incidents.size();
    }

    /** How a decision did on the incidents: how many it caught, and the delay of each one caught. */
    public Score score(IntPredicate alerted) {
        long caught = 0;
        long[] steps = new long[incidents.size()];
        long[] ms = new long[incidents.size()];
        for (Incident in : incidents) {
            for (int j = 0; j < in.members.length; j++) {
                if (alerted.test(in.members[j])) {
                    steps[(int) caught] = in.steps[j];
                    ms[(int) caught] = in.sinceStartMs[j];
                    caught++;
                    break;
                }
            }
        }
        return new Score(incidents.size(), caught, Arrays.copyOf(steps, (int) caught), Arrays.copyOf(ms, (int) caught));
    }

    /**
     * Incidents, how many were caught, and the detection delay of each caught one (executions, and
     * milliseconds). Scores of disjoint sets of executions add up with {@link #plus}.
     */
    public record Score(long incidents, long caught, long[] delaySteps, long[] delayMs) {
        public static final Score NONE = new Score(0, 0, new long[0], new long[0]);

        public Score plus(Score o) {
            long[] s = Arrays.copyOf(delaySteps, delaySteps.length + o.delaySteps.length);
            System.arraycopy(o.delaySteps, 0, s, delaySteps.length, o.delaySteps.length);
            long[] m = Arrays.copyOf(delayMs, delayMs.length + o.delayMs.length);
            System.arraycopy(o.delayMs, 0, m, delayMs.length, o.delayMs.length);
            return new Score(incidents + o.incidents, caught + o.caught, s, m);
        }

        /** The median delay in executions over the caught incidents, null when none was caught. */
        public Double medianSteps() {
            return median(delaySteps);
        }

        /** The median delay in seconds over the caught incidents, null when none was caught. */
        public Double medianSeconds() {
            Double m = median(delayMs);
            return m == null ? null : m / 1000;
        }

        /** Caught incidents over incidents, null when there were none. */
        public Double caughtShare() {
            return incidents == 0 ? null : (double) caught / incidents;
        }

        public Map<String, Object> toMap() {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("incidents", incidents);
            m.put("caught", caught);
            m.put("missed", incidents - caught);
            m.put("caught_share", caughtShare());
            Map<String, Object> d = new LinkedHashMap<>();
            d.put("median_executions", medianSteps());
            d.put("median_s", medianSeconds());
            d.put("p90_executions", percentile(delaySteps, 90));
            Double p90 = percentile(delayMs, 90);
            d.put("p90_s", p90 == null ? null : p90 / 1000);
            m.put("detection_delay", d);
            return m;
        }

        private static Double median(long[] v) {
            if (v == null || v.length == 0) {
                return null;
            }
            long[] s = v.clone();
            Arrays.sort(s);
            int n = s.length;
            return n % 2 == 1 ? (double) s[n / 2] : (s[n / 2 - 1] + s[n / 2]) / 2.0;
        }

        /** Nearest rank, as the other percentiles of analysis. */
        private static Double percentile(long[] v, double p) {
            if (v == null || v.length == 0) {
                return null;
            }
            long[] s = v.clone();
            Arrays.sort(s);
            int rank = (int) Math.ceil(p / 100 * s.length);
            return (double) s[Math.max(0, rank - 1)];
        }
    }
}
