package dev.poet.learn;

import dev.poet.analyze.ExecutionFacts;
import dev.poet.event.Event;
import dev.poet.event.EventLog;
import dev.poet.event.Timestamps;
import dev.poet.json.Json;
import dev.poet.store.Locks;
import dev.poet.store.Store;
import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Guarded deployment. A version made live by a deploy that had a predecessor is on probation
 * until it has {@code min_samples} validated executions of its own; then its false-positive and
 * missed-drift rates, and the alert receiver's burden over all its executions (false alerts per
 * execution, alerts per execution), are compared with its predecessor's by one-sided
 * two-proportion z-tests at the 5% level. Significantly worse on any (more alerts are excused
 * only by significantly fewer missed drifts) means an automatic rollback to the predecessor
 * with the numbers in the reason; otherwise probation ends as passed. Both outcomes are a
 * history line and a {@code version.probation_ended} event. Only executions of each version
 * count, so nothing from before the deploy decides the new version's fate.
 */
public final class Probation {
    /** z for a one-sided test at 5%. */
    static final double Z_05 = 1.6448536269514722;

    private final Store store;
    private final EventLog events;

    public Probation(Store store, EventLog events) {
        this.store = store;
        this.events = events;
    }

    /** The outcome for one function; {@code state}: none, waiting, passed, failed (rolled back). */
    public record Judgement(String function, String version, String predecessor, String state, String reason,
                            Map<String, Object> comparison) {
        public Map<String, Object> toMap() {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("version", version);
            m.put("predecessor", predecessor);
            m.put("state", state);
            m.put("reason", reason);
            if (comparison != null) {
                m.put("comparison", comparison);
            }
            return m;
        }
    }

    /** The version on probation, its predecessor and its deploy's event id; null when the live version is not on probation. */
    public static String[] onProbation(List<Map<String, Object>> history, String current) {
        String version = null;
        String predecessor = null;
        String eventId = null;
        for (Map<String, Object> h : history) {
            Object action = h.get("action");
            if ("deploy".equals(action)) {
                version = str(h.get("version"));
                predecessor = str(h.get("previous_version"));
                eventId = str(h.get("event_id"));
            } else if ("rollback".equals(action) || ("probation".equals(action) && String.valueOf(h.get("version")).equals(version))) {
                version = null;
                predecessor = null;
            }
        }
        return version != null && predecessor != null && version.equals(current)
                ? new String[] {version, predecessor, eventId} : null;
    }

    /** A one-sided two-proportion comparison: is {@code k1/n1} significantly greater than {@code k2/n2}? */
    static Map<String, Object> compare(long k1, long n1, long k2, long n2) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("new", rate(k1, n1));
        m.put("old", rate(k2, n2));
        if (n1 == 0 || n2 == 0) {
            m.put("worse", false);
            m.put("note", "no data on " + (n1 == 0 ? "the new version" : "the predecessor"));
            return m;
        }
        double p1 = (double) k1 / n1;
        double p2 = (double) k2 / n2;
        double pooled = (double) (k1 + k2) / (n1 + n2);
        double se = Math.sqrt(pooled * (1 - pooled) * (1.0 / n1 + 1.0 / n2));
        double z = se == 0 ? 0 : (p1 - p2) / se;
        double p = 1 - phi(z);
        m.put("z", z);
        m.put("p_value", p);
        m.put("worse", z > Z_05);
        return m;
    }

    private static Map<String, Object> rate(long k, long n) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("k", k);
        m.put("n", n);
        m.put("value", n == 0 ? null : (double) k / n);
        return m;
    }

    /** The standard normal distribution function (Abramowitz and Stegun 26.2.17, error below 7.5e-8). */
    static double phi(double z) {
        if (z < 0) {
            return 1 - phi(-z);
        }
        double t = 1 / (1 + 0.2316419 * z);
        double poly = t * (0.319381530 + t * (-0.356563782 + t * (1.781477937 + t * (-1.821255978 + t * 1.330274429))));
        return 1 - Math.exp(-z * z / 2) / Math.sqrt(2 * Math.PI) * poly;
    }


    /** The function's counted executions, read only when a probation is judged. */
    public interface Counted {
        List<ParamsLearner.Labelled> get() throws IOException;
    }

    /**
     * Judges the live version of {@code fn} if it is on probation; with {@code apply} false (a dry
     * run) it only says what it would do. With the function's counted executions ({@code labelled},
     * with the test results they recorded, read only when a probation is judged): where the
     * predecessor's decisions can be replayed on the new version's executions (a parameter revision that changed only the
     * decision rule), probation compares the two on the same executions, and a before/after
     * difference the paired comparison contradicts is reported and ignored.
     */
    public Judgement judge(String fn, List<ExecutionFacts> facts, Counted labelled, ParamsLearner.Options options,
                           boolean apply) throws IOException {
        long minSamples = options.minSamples();
        String current = store.versions().current(fn).version().orElse(null);
        List<Map<String, Object>> history = store.versions().history(fn);
        String[] p = current == null ? null : onProbation(history, current);
        if (p == null) {
            return new Judgement(fn, current, null, "none", "not on probation", null);
        }
        Map<String, Object> deployLine = null;
        for (Map<String, Object> h : history) {
            if ("deploy".equals(h.get("action")) && p[0].equals(h.get("version"))) {
                deployLine = h;
            }
        }
        if (deployLine != null && deployLine.get("shadow") instanceof String) {
            // a promoted shadow was judged against the live version on the same executions already
            return passed(fn, p, "probation passed: judged before it went live, as shadow " + deployLine.get("shadow")
                    + ", against " + p[1] + " on the same executions", null, apply);
        }
        long[] mine = counts(facts, p[0]);
        long[] theirs = counts(facts, p[1]);
        long validated = mine[4];
        if (validated < minSamples) {
            return new Judgement(fn, p[0], p[1], "waiting", validated + " of " + minSamples + " validations", null);
        }
        Map<String, Object> fp = compare(mine[0], mine[1], theirs[0], theirs[1]);
        Map<String, Object> missed = compare(mine[2], mine[3], theirs[2], theirs[3]);
        // the alert receiver's burden, over all executions: a version that lowers the false-positive
        // share by alerting on everything still sends more false alerts
        Map<String, Object> falseAlerts = compare(mine[0], mine[5], theirs[0], theirs[5]);
        Map<String, Object> alerts = compare(mine[6], mine[5], theirs[6], theirs[5]);
        // more alerts are worth it only when they catch significantly more real drift
        boolean catchesMore = Boolean.TRUE.equals(compare(theirs[2], theirs[3], mine[2], mine[3]).get("worse"));
        if (catchesMore && Boolean.TRUE.equals(alerts.get("worse"))) {
            alerts.put("worse", false);
            alerts.put("note", "more alerts, and significantly fewer missed drifts");
        }
        Map<String, Object> comparison = new LinkedHashMap<>();
        comparison.put("false_positive_rate", fp);
        comparison.put("missed_drift_rate", missed);
        comparison.put("false_alerts_per_execution", falseAlerts);
        comparison.put("alerts_per_execution", alerts);
        comparison.put("validations", validated);
        List<String> worse = new ArrayList<>();
        List<String> parts = new ArrayList<>();
        for (Object[] r : new Object[][] {{"false-positive rate", fp}, {"missed-drift rate", missed},
            {"false alerts per execution", falseAlerts}, {"alerts per execution", alerts}}) {
            @SuppressWarnings("unchecked")
            Map<String, Object> c = (Map<String, Object>) r[1];
            String text = describe((String) r[0], c, p[0], p[1]);
            parts.add(text);
            if (Boolean.TRUE.equals(c.get("worse"))) {
                worse.add(text);
            }
        }
        ShadowTrials trials = new ShadowTrials(store, events);
        Map<String, Object> predecessorShadow = trials.registration(fn)
                .filter(r -> ShadowTrials.PROBATION.equals(r.get(dev.poet.store.Shadows.ORIGIN))
                        && p[1].equals(r.get(dev.poet.store.Shadows.SHADOW_VERSION))
                        && p[0].equals(r.get(dev.poet.store.Shadows.LIVE)))
                .orElse(null);
        Paired paired;
        if (predecessorShadow != null) {
            String sid = String.valueOf(predecessorShadow.get(dev.poet.store.Shadows.ID));
            Map<String, LabelledScan.ShadowDecision> decisions = LabelledScan.shadows(store, Map.of(fn, sid))
                    .getOrDefault(fn, Map.of());
            List<ParamsLearner.Labelled> xs = new ArrayList<>();
            List<Boolean> shadowAlerts = new ArrayList<>();
            for (ParamsLearner.Labelled x : labelled.get()) {
                LabelledScan.ShadowDecision d = decisions.get(x.id());
                if (p[0].equals(x.version()) && d != null && d.success()) {
                    xs.add(x);
                    shadowAlerts.add(d.alerted());
                }
            }
            if (decisions.isEmpty()) {
                paired = notPaired("the predecessor ran in shadow (" + sid + ") but recorded no decisions: the runtime in use"
                        + " runs no shadows");
            } else if (xs.size() < minSamples) {
                return new Judgement(fn, p[0], p[1], "waiting", xs.size() + " of " + minSamples + " counted executions decided"
                        + " by both " + p[0] + " and " + p[1] + " (in shadow)", null);
            } else {
                boolean[] mineAlerts = new boolean[xs.size()];
                boolean[] theirAlerts = new boolean[xs.size()];
                for (int i = 0; i < xs.size(); i++) {
                    mineAlerts[i] = xs.get(i).alerted();
                    theirAlerts[i] = shadowAlerts.get(i);
                }
                paired = compare(xs, mineAlerts, theirAlerts, p[0], p[1], options);
            }
        } else {
            paired = paired(history, p, labelled.get(), options);
        }
        comparison.put("paired", paired.toMap());
        boolean failed;
        String reason;
        if (paired.judged()) {
            // the same executions decide; a before/after difference they contradict is only reported
            failed = !paired.worse().isEmpty();
            String beforeAfter = worse.isEmpty() ? "" : "; before/after (different periods) it looked worse, contradicted by the"
                    + " paired comparison and ignored: " + String.join("; ", worse);
            reason = failed ? "probation failed on the same executions: " + String.join("; ", paired.worse())
                    + " (" + paired.method() + ")"
                    : "probation passed on the same executions: " + paired.summary() + beforeAfter;
        } else {
            failed = !worse.isEmpty();
            reason = failed ? "probation failed: " + String.join("; ", worse) + " (one-sided two-proportion test, 5% level;"
                    + " before/after, as " + paired.why() + ")"
                    : "probation passed: " + String.join("; ", parts);
        }
        if (!apply) {
            return new Judgement(fn, p[0], p[1], failed ? "failed" : "passed", reason, comparison);
        }
        // the probation event first, under an id derived from the deploy, so a pass killed before the
        // history line records the same event again rather than a second one
        Map<String, Object> data = new LinkedHashMap<>();
        data.put("result", failed ? "failed" : "passed");
        data.put("predecessor", p[1]);
        data.put("reason", reason);
        data.put("comparison", comparison);
        String id = (p[2] != null ? p[2] : fn + "-" + p[0]) + ".probation";
        events.record(new Event(id, "version.probation_ended", events.clock().instant(), "poet", fn, p[0], null, data, null));
        if (predecessorShadow != null) {
            trials.discard(fn, String.valueOf(predecessorShadow.get(dev.poet.store.Shadows.ID)), "the probation of " + p[0]
                    + " ended (" + (failed ? "failed" : "passed") + ")", null);
        }
        if (failed) {
            if (new Deployer(store, events).rollback(fn, p[1], reason, p[0]) == null) {
                return new Judgement(fn, p[0], p[1], "none", "the live version changed meanwhile", null);
            }
        } else {
            return passedLine(fn, p, reason, comparison, id);
        }
        return new Judgement(fn, p[0], p[1], "failed", reason, comparison);
    }

    /** Records a pass decided without comparing periods (the event, then the history line). */
    private Judgement passed(String fn, String[] p, String reason, Map<String, Object> comparison, boolean apply)
            throws IOException {
        if (!apply) {
            return new Judgement(fn, p[0], p[1], "passed", reason, comparison);
        }
        Map<String, Object> data = new LinkedHashMap<>();
        data.put("result", "passed");
        data.put("predecessor", p[1]);
        data.put("reason", reason);
        String id = (p[2] != null ? p[2] : fn + "-" + p[0]) + ".probation";
        events.record(new Event(id, "version.probation_ended", events.clock().instant(), "poet", fn, p[0], null, data, null));
        return passedLine(fn, p, reason, comparison, id);
    }

    private Judgement passedLine(String fn, String[] p, String reason, Map<String, Object> comparison, String id)
            throws IOException {
        Map<String, Object> line = new LinkedHashMap<>();
        line.put("time", Timestamps.format(events.clock().instant()));
        line.put("action", "probation");
        line.put("version", p[0]);
        line.put("result", "passed");
        line.put("reason", reason);
        line.put("event_id", id);
        try (Locks.Held lock = store.versions().lock(fn)) {
            if (!p[0].equals(store.versions().current(fn).version().orElse(null))) {
                return new Judgement(fn, p[0], p[1], "none", "the live version changed meanwhile", null);
            }
            store.versions().appendHistory(fn, Json.encodeLine(line));
        }
        return new Judgement(fn, p[0], p[1], "passed", reason, comparison);
    }

    /**
     * The new version against its predecessor on the same executions: the new version's counted
     * executions decided by what it did and by the predecessor's parameters replayed. {@code worse}
     * lists each significant harm: more false alerts (exact one-sided sign test, McNemar's, on the
     * executions where exactly one of the two raised a false alert), fewer incidents caught (the
     * same test on the incidents exactly one caught), or a median detection delay later by more
     * than the tolerance over incidents both caught. {@code why} says why there is no paired
     * comparison when {@code judged} is false.
     */
    record Paired(boolean judged, String why, List<String> worse, List<String> better, String summary, String method,
                  Map<String, Object> figures) {
        Map<String, Object> toMap() {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("judged", judged);
            if (!judged) {
                m.put("why_not", why);
                return m;
            }
            m.put("method", method);
            m.putAll(figures);
            m.put("worse", worse);
            m.put("better", better);
            return m;
        }
    }

    static final String PAIRED_METHOD = "paired on the same executions: exact one-sided sign tests at 5% on the false alerts"
            + " and the incidents only one of the two versions had";

    static Paired paired(List<Map<String, Object>> history, String[] p, List<ParamsLearner.Labelled> labelled,
                         ParamsLearner.Options options) {
        int at = -1;
        for (int i = 0; i < history.size(); i++) {
            Map<String, Object> h = history.get(i);
            if ("deploy".equals(h.get("action")) && p[0].equals(h.get("version"))) {
                at = i;
            }
        }
        if (at < 0 || !"params".equals(history.get(at).get("kind")) || !(history.get(at).get("params") instanceof Map)) {
            return notPaired("the predecessor's decisions cannot be replayed: " + p[0] + " is not a parameter revision");
        }
        @SuppressWarnings("unchecked")
        Map<String, Object> mineParams = (Map<String, Object>) history.get(at).get("params");
        Map<String, Object> theirParams = Deployer.paramsWhenLastLive(history.subList(0, at), p[1]);
        if (theirParams == null) {
            return notPaired("the history does not say which parameters " + p[1] + " ran with");
        }
        if (!Replay.onlyRulesDiffer(mineParams, theirParams)) {
            return notPaired("the predecessor's decisions cannot be replayed: the parameters changed beyond the decision rule"
                    + " (such as seasonal adjustment or the window)");
        }
        List<ParamsLearner.Labelled> xs = new ArrayList<>();
        long agree = 0;
        long mine = 0;
        List<Boolean> theirs = new ArrayList<>();
        for (ParamsLearner.Labelled x : labelled) {
            if (!p[0].equals(x.version())) {
                continue;
            }
            mine++;
            Boolean self = Replay.decide(mineParams, x);
            Boolean other = Replay.decide(theirParams, x);
            if (self == null || other == null) {
                continue;
            }
            agree += self == x.alerted() ? 1 : 0;
            xs.add(x);
            theirs.add(other);
        }
        if (xs.isEmpty() || xs.size() * 10 < mine * 9 || agree * 100 < xs.size() * 99L) {
            return notPaired("the predecessor's decisions cannot be replayed: " + p[0] + "'s own parameters reproduce its"
                    + " recorded alerts on " + agree + " of " + mine + " counted executions (a replay needs 99% of 90% of them)");
        }
        boolean[] mineAlerts = new boolean[xs.size()];
        boolean[] theirAlerts = new boolean[xs.size()];
        for (int i = 0; i < xs.size(); i++) {
            mineAlerts[i] = xs.get(i).alerted();
            theirAlerts[i] = theirs.get(i);
        }
        return compare(xs, mineAlerts, theirAlerts, p[0], p[1], options);
    }

    /**
     * Two decision sets on the same counted executions {@code xs}: {@code mine[i]} and
     * {@code theirs[i]} are whether each raised an alert on {@code xs.get(i)}, whose label is the
     * truth. {@code worse} lists each significant harm of {@code mine} (more false alerts, fewer
     * incidents caught, a median detection delay later by more than the tolerance), {@code better}
     * each significant gain (fewer false alerts, more incidents caught).
     */
    static Paired compare(List<ParamsLearner.Labelled> xs, boolean[] mineAlerts, boolean[] theirAlerts, String mineName,
                          String theirName, ParamsLearner.Options options) {
        String[] p = {mineName, theirName};
        long b = 0; // false alerts only the new version raised
        long c = 0; // false alerts only the predecessor would have raised
        long mineFalse = 0;
        long theirFalse = 0;
        for (int i = 0; i < xs.size(); i++) {
            ParamsLearner.Labelled x = xs.get(i);
            if (!x.real()) {
                mineFalse += mineAlerts[i] ? 1 : 0;
                theirFalse += theirAlerts[i] ? 1 : 0;
                b += mineAlerts[i] && !theirAlerts[i] ? 1 : 0;
                c += theirAlerts[i] && !mineAlerts[i] ? 1 : 0;
            }
        }
        dev.poet.analyze.Incidents in = dev.poet.analyze.Incidents.group(xs, ParamsLearner.Labelled::key,
                ParamsLearner.Labelled::time, ParamsLearner.Labelled::real, options.mergeGap());
        dev.poet.analyze.Incidents.Score mineInc = in.score(i -> mineAlerts[i]);
        dev.poet.analyze.Incidents.Score theirInc = in.score(i -> theirAlerts[i]);
        long lost = 0;
        long gained = 0;
        List<Long> delayDiffs = new ArrayList<>();
        for (dev.poet.analyze.Incidents.Incident incident : in.list()) {
            Integer m = firstAlert(incident, mineAlerts);
            Integer t = firstAlert(incident, theirAlerts);
            lost += t != null && m == null ? 1 : 0;
            gained += m != null && t == null ? 1 : 0;
            if (m != null && t != null) {
                delayDiffs.add((long) incident.steps()[m] - incident.steps()[t]);
            }
        }
        double pFalse = signTest(b, b + c);
        double pIncidents = signTest(lost, lost + gained);
        Double medianDiff = median(delayDiffs);
        List<String> worse = new ArrayList<>();
        String falseText = String.format(Locale.ROOT, "false alerts %s %d vs %s %d on the same %d executions (%d raised by %s"
                + " only, %d by %s only, p=%.3f)", p[0], mineFalse, p[1], theirFalse, xs.size(), b, p[0], c, p[1], pFalse);
        String incidentText = String.format(Locale.ROOT, "incidents caught %s %d vs %s %d of %d (%d caught by %s only, %d by %s"
                + " only, p=%.3f)", p[0], mineInc.caught(), p[1], theirInc.caught(), in.size(), gained, p[0], lost, p[1],
                pIncidents);
        String delayText = medianDiff == null ? "no incident caught by both"
                : String.format(Locale.ROOT, "median detection delay of %s %s %s's on the %d incidents both caught", p[0],
                        medianDiff == 0 ? "the same as" : fmtSteps(Math.abs(medianDiff)) + " execution"
                                + (Math.abs(medianDiff) == 1 ? "" : "s") + (medianDiff > 0 ? " later than" : " earlier than"),
                        p[1], delayDiffs.size());
        if (b > c && pFalse < 0.05) {
            worse.add(falseText);
        }
        if (lost > gained && pIncidents < 0.05) {
            worse.add(incidentText);
        }
        if (medianDiff != null && medianDiff > options.delayTolerance() + 1e-9) {
            worse.add(delayText + ", more than the tolerance of " + fmtSteps(options.delayTolerance()));
        }
        List<String> better = new ArrayList<>();
        double pFewerFalse = signTest(c, b + c);
        double pMoreIncidents = signTest(gained, lost + gained);
        if (c > b && pFewerFalse < 0.05) {
            better.add(String.format(Locale.ROOT, "false alerts %s %d vs %s %d on the same %d executions (%d raised by %s"
                    + " only, %d by %s only, p=%.3f)", p[0], mineFalse, p[1], theirFalse, xs.size(), b, p[0], c, p[1],
                    pFewerFalse));
        }
        if (gained > lost && pMoreIncidents < 0.05) {
            better.add(String.format(Locale.ROOT, "incidents caught %s %d vs %s %d of %d (%d caught by %s only, %d by %s"
                    + " only, p=%.3f)", p[0], mineInc.caught(), p[1], theirInc.caught(), in.size(), gained, p[0], lost, p[1],
                    pMoreIncidents));
        }
        Map<String, Object> figures = new LinkedHashMap<>();
        figures.put("executions", (long) xs.size());
        figures.put("false_alerts", Map.of("new", mineFalse, "old", theirFalse, "new_only", b, "old_only", c, "p_value", pFalse));
        figures.put("incidents", Map.of("incidents", (long) in.size(), "new", mineInc.caught(), "old", theirInc.caught(),
                "new_only", gained, "old_only", lost, "p_value", pIncidents));
        Map<String, Object> delay = new LinkedHashMap<>();
        delay.put("both_caught", (long) delayDiffs.size());
        delay.put("median_difference_executions", medianDiff);
        figures.put("detection_delay", delay);
        figures.put("false_alerts_fewer_p_value", pFewerFalse);
        figures.put("incidents_more_p_value", pMoreIncidents);
        return new Paired(true, null, worse, better, falseText + "; " + incidentText + "; " + delayText, PAIRED_METHOD,
                figures);
    }

    private static Paired notPaired(String why) {
        return new Paired(false, why, List.of(), List.of(), null, null, Map.of());
    }

    private static Integer firstAlert(dev.poet.analyze.Incidents.Incident incident, boolean[] alerts) {
        for (int j = 0; j < incident.members().length; j++) {
            if (alerts[incident.members()[j]]) {
                return j;
            }
        }
        return null;
    }

    private static String fmtSteps(double d) {
        return d == Math.rint(d) ? String.valueOf((long) d) : String.format(Locale.ROOT, "%.1f", d);
    }

    private static Double median(List<Long> v) {
        if (v.isEmpty()) {
            return null;
        }
        List<Long> s = new ArrayList<>(v);
        s.sort(null);
        int n = s.size();
        return n % 2 == 1 ? (double) s.get(n / 2) : (s.get(n / 2 - 1) + s.get(n / 2)) / 2.0;
    }

    /**
     * The exact one-sided sign test: the probability of {@code k} or more of {@code n} discordant
     * pairs going one way when either way is equally likely (1 when n is 0).
     */
    static double signTest(long k, long n) {
        if (n == 0 || k <= 0) {
            return 1;
        }
        // P(X >= k), X ~ Binomial(n, 1/2), summed in log space so that large n does not underflow
        double logHalfN = -n * Math.log(2);
        double logC = 0; // log C(n, 0)
        double sum = 0;
        for (long i = 0; i <= n; i++) {
            if (i > 0) {
                logC += Math.log((double) (n - i + 1) / i);
            }
            if (i >= k) {
                sum += Math.exp(logC + logHalfN);
            }
        }
        return Math.min(1, sum);
    }

    private static String describe(String what, Map<String, Object> c, String mine, String theirs) {
        @SuppressWarnings("unchecked")
        Map<String, Object> a = (Map<String, Object>) c.get("new");
        @SuppressWarnings("unchecked")
        Map<String, Object> b = (Map<String, Object>) c.get("old");
        String s = String.format(Locale.ROOT, "%s %s %s (n=%d) vs %s %s (n=%d)", what, mine, fmt(a.get("value")), (Long) a.get("n"),
                theirs, fmt(b.get("value")), (Long) b.get("n"));
        if (c.get("z") != null) {
            s += String.format(Locale.ROOT, ", z=%.2f, p=%.3f", (Double) c.get("z"), (Double) c.get("p_value"));
        }
        if (c.get("note") != null) {
            s += ", " + c.get("note");
        }
        return s;
    }

    private static String fmt(Object v) {
        return v == null ? "n/a" : String.format(Locale.ROOT, "%.3f", (Double) v);
    }

    /**
     * {false alerts, validated alerts, missed real drifts, real drifts, validated executions,
     * executions, alerts} of one version.
     */
    private static long[] counts(List<ExecutionFacts> facts, String version) {
        long[] c = new long[7];
        for (ExecutionFacts x : facts) {
            if (!version.equals(x.version())) {
                continue;
            }
            c[5]++;
            if (x.isAlert()) {
                c[6]++;
            }
            if (x.verdict() == null) {
                continue;
            }
            c[4]++;
            if (x.isAlert()) {
                c[1]++;
                if (!x.verdict()) {
                    c[0]++;
                }
            }
            if (x.verdict()) {
                c[3]++;
                if (!x.isAlert()) {
                    c[2]++;
                }
            }
        }
        return c;
    }

    private static String str(Object o) {
        return o instanceof String ? (String) o : null;
    }
}
