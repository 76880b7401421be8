package dev.poet.learn;

import dev.poet.analyze.Incidents;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * The {@code params} generator's learning, on counted executions only (no I/O): those with a
 * verdict, and quiet ones nobody reported within the grace period (implicit negatives). Per
 * feature type it chooses the test, its threshold and, when it beats every single test, a
 * majority-vote ensemble, optimising the objective of the rules that fired (the fewest false
 * alerts per execution without losing recall, under the false-positive rule; see
 * {@link Objective}). A rule is deployed only when, learned from earlier executions and judged on
 * later ones (forward chaining with a gap), it separates real drift from noise better than chance,
 * meets every constraint and beats the live decisions on the objective. Seasonal adjustment when
 * seasonal reasons dominate the false positives; the window size with the lowest false-positive
 * rate among measured windows whose detection latency is within budget. Every choice carries the
 * numbers behind it.
 */
public final class ParamsLearner {
    /** Alert when the p-value is below the threshold, or when the statistic is above it. */
    public static final String P_VALUE_BELOW = "p_value_below";
    public static final String STATISTIC_ABOVE = "statistic_above";

    /** One test's result on one execution. */
    public record Score(double value, boolean pValue) {
        boolean alerts(double threshold) {
            return pValue ? value < threshold : value > threshold;
        }
    }

    /**
     * A counted execution: when it ran, what it reported, whether it alerted, and its truth, a
     * verdict or (when {@code implicit}) assumed "not real" because it was quiet and nobody
     * reported a miss in time. {@code cost} is what the execution cost, null when unknown.
     */
    public record Labelled(String id, long time, String featureType, boolean alerted, boolean real, boolean implicit,
                           Double cost, String test, Map<String, Score> scores, String key, String version) {
        /** An execution whose monitored input and version are not known: it shares one sequence with the others. */
        public Labelled(String id, long time, String featureType, boolean alerted, boolean real, boolean implicit,
                        Double cost, String test, Map<String, Score> scores) {
            this(id, time, featureType, alerted, real, implicit, cost, test, scores, null, null);
        }

        /** The same execution with a known cost. */
        public Labelled withCost(Double c) {
            return new Labelled(id, time, featureType, alerted, real, implicit, c, test, scores, key, version);
        }
    }

    /**
     * Settings: poet.json's {@code learning.min_samples} and {@code learning.params}: the objective
     * ({@code auto}: from the rules that fired; or {@code false_alerts}, {@code recall},
     * {@code errors}, {@code cost}, {@code f1}), the relative tolerance on false alerts where recall
     * is sought, and the gap between the executions a rule learns from and those it is judged on.
     */
    public record Options(long minSamples, Double recallTarget, List<String> seasonalReasons, double maxLatencyHours,
                          String objective, double falseAlertTolerance, double validationGapHours, int mergeGap,
                          double delayTolerance) {
        public static final List<String> SEASONAL = List.of("season", "holiday", "weekend", "weekly", "weekday",
                "christmas", "black_friday", "calendar", "periodic", "month_end", "quarter_end");
        public static final List<String> OBJECTIVES = List.of("auto", "false_alerts", "recall", "errors", "cost", "f1");
        public static final double FALSE_ALERT_TOLERANCE = 0.1;
        public static final double VALIDATION_GAP_HOURS = 24;

        /** The defaults for everything but the sample size, recall target, seasonal reasons and latency budget. */
        public Options(long minSamples, Double recallTarget, List<String> seasonalReasons, double maxLatencyHours) {
            this(minSamples, recallTarget, seasonalReasons, maxLatencyHours, "auto", FALSE_ALERT_TOLERANCE,
                    VALIDATION_GAP_HOURS);
        }

        /** The default incident settings ({@link Incidents#MERGE_GAP}, {@link Incidents#DELAY_TOLERANCE}). */
        public Options(long minSamples, Double recallTarget, List<String> seasonalReasons, double maxLatencyHours,
                       String objective, double falseAlertTolerance, double validationGapHours) {
            this(minSamples, recallTarget, seasonalReasons, maxLatencyHours, objective, falseAlertTolerance,
                    validationGapHours, Incidents.MERGE_GAP, Incidents.DELAY_TOLERANCE);
        }
    }

    /** A measured window size: the false-positive rate and detection latency of executions that ran with it. */
    public record WindowMeasure(double windowSize, Double falsePositiveRate, long n, Double medianLatencyS,
                                long detected, String changeId) {
    }

    /**
     * What was learned: the new parameters, what changed and why, and the report. {@code noSkill}
     * is set when no rule was learned because the reported tests cannot separate real drift from
     * noise on later executions: no parameter can fix that, new code might.
     */
    public record Learned(Map<String, Object> params, List<String> changes, List<String> notes,
                          Map<String, Object> report, List<Map<String, Object>> noSkill) {
        public boolean changed() {
            return !changes.isEmpty();
        }

        /** "the tests detect_drift reports cannot separate real drift from noise on …", or null. */
        public String diagnosis(String fn) {
            if (noSkill.isEmpty() || changed()) {
                return null;
            }
            List<String> parts = new ArrayList<>();
            for (Map<String, Object> g : noSkill) {
                parts.add((g.get("feature_type") == null ? "" : "feature type " + g.get("feature_type") + ": ")
                        + String.format(Locale.ROOT, "%,d", (Long) g.get("counted")) + " counted executions (best held-out"
                        + " precision " + fmt((Double) g.get("best_precision")) + ", base rate " + fmt((Double) g.get("base_rate"))
                        + ")");
            }
            return "the tests " + fn + " reports cannot separate real drift from noise on " + String.join("; ", parts)
                    + ": new parameters cannot fix this";
        }
    }

    /** A decision rule for one feature type: one test at a threshold, or a majority vote of several. */
    record Rule(List<String> tests, List<Double> thresholds, List<Boolean> pValue) {
        boolean ensemble() {
            return tests.size() > 1;
        }

        /** The rule's decision, or null when the execution lacks a test the rule needs. */
        Boolean alerts(Labelled x) {
            int votes = 0;
            for (int i = 0; i < tests.size(); i++) {
                Score s = x.scores().get(tests.get(i));
                if (s == null || s.pValue() != pValue.get(i)) {
                    return null;
                }
                if (s.alerts(thresholds.get(i))) {
                    votes++;
                }
            }
            return votes * 2 > tests.size();
        }

        Object toParams() {
            if (!ensemble()) {
                return single(0);
            }
            List<Object> members = new ArrayList<>();
            for (int i = 0; i < tests.size(); i++) {
                members.add(single(i));
            }
            return members;
        }

        Map<String, Object> single(int i) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("test", tests.get(i));
            m.put("threshold", thresholds.get(i));
            m.put("alert_when", pValue.get(i) ? P_VALUE_BELOW : STATISTIC_ABOVE);
            return m;
        }

        String describe() {
            List<String> parts = new ArrayList<>();
            for (int i = 0; i < tests.size(); i++) {
                parts.add(tests.get(i) + (pValue.get(i) ? " p < " : " statistic > ") + fmt(thresholds.get(i)));
            }
            return ensemble() ? "majority of " + String.join(", ", parts) : parts.get(0);
        }
    }

    /** Counts of a decision against the truth, and the cost of its wrong outcomes. */
    record Confusion(long tp, long fp, long fn, long tn, double wrongCost, Incidents.Score inc) {
        /** Counts without incidents (none known). */
        Confusion(long tp, long fp, long fn, long tn, double wrongCost) {
            this(tp, fp, fn, tn, wrongCost, Incidents.Score.NONE);
        }

        Confusion withIncidents(Incidents.Score s) {
            return new Confusion(tp, fp, fn, tn, wrongCost, s);
        }

        long n() {
            return tp + fp + fn + tn;
        }

        long alerts() {
            return tp + fp;
        }

        double f1() {
            long d = 2 * tp + fp + fn;
            return d == 0 ? 0 : 2.0 * tp / d;
        }

        Double fpRate() {
            return tp + fp == 0 ? null : (double) fp / (tp + fp);
        }

        Double recall() {
            return tp + fn == 0 ? null : (double) tp / (tp + fn);
        }

        Double precision() {
            return tp + fp == 0 ? null : (double) tp / (tp + fp);
        }

        Double perExecution(double k) {
            return n() == 0 ? null : k / n();
        }

        Confusion plus(Confusion o) {
            return new Confusion(tp + o.tp, fp + o.fp, fn + o.fn, tn + o.tn, wrongCost + o.wrongCost, inc.plus(o.inc));
        }

        Map<String, Object> toMap() {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("executions", n());
            m.put("alerts", tp + fp);
            m.put("false_positives", fp);
            m.put("real_drifts", tp + fn);
            m.put("missed", fn);
            m.put("alerts_per_execution", perExecution(alerts()));
            m.put("false_alerts_per_execution", perExecution(fp));
            m.put("recall", recall());
            m.put("precision", precision());
            m.put("false_positive_rate", fpRate());
            m.put("missed_drift_rate", tp + fn == 0 ? null : (double) fn / (tp + fn));
            m.put("f1", f1());
            m.put("wrong_cost_per_execution", perExecution(wrongCost));
            m.put("incidents", inc.toMap());
            return m;
        }
    }

    static final Confusion EMPTY = new Confusion(0, 0, 0, 0, 0);

    private final Options options;

    public ParamsLearner(Options options) {
        this.options = options;
    }

    /**
     * Learns from {@code labelled} (the function's counted executions), the rules that fired
     * ({@code fired}: rule names such as {@code false_positive_rate}), the current version's false
     * positives and their reasons, and the measured window sizes; {@code current} is the live
     * parameters, which the result extends.
     */
    @SuppressWarnings("unchecked")
    public Learned learn(Map<String, Object> current, List<Labelled> labelled, java.util.Set<String> fired,
                         long falsePositives, Map<String, Long> falsePositiveReasons, List<WindowMeasure> windows) {
        Objective objective = Objective.of(options, fired);
        Map<String, Object> params = deepCopy(current);
        List<String> changes = new ArrayList<>();
        List<String> notes = new ArrayList<>();
        List<Map<String, Object>> noSkill = new ArrayList<>();
        Map<String, Object> report = new LinkedHashMap<>();
        report.put("objective", objective.toMap());
        Map<String, Rule> rules = new LinkedHashMap<>();
        Map<String, HeldOut> heldOut = new LinkedHashMap<>();

        List<Labelled> costed = withCosts(labelled);
        Map<String, List<Labelled>> groups = new TreeMap<>(Comparator.nullsFirst(Comparator.naturalOrder()));
        for (Labelled x : costed) {
            groups.computeIfAbsent(x.featureType() == null ? "" : x.featureType(), k -> new ArrayList<>()).add(x);
        }
        List<Object> groupReports = new ArrayList<>();
        for (Map.Entry<String, List<Labelled>> g : groups.entrySet()) {
            String ft = g.getKey();
            String label = ft.isEmpty() ? "executions without a feature type" : "feature type " + ft;
            Map<String, Object> gr = new LinkedHashMap<>();
            gr.put("feature_type", ft.isEmpty() ? null : ft);
            groupReports.add(gr);
            Validated v = learnValidated(g.getValue(), label, objective, gr, notes);
            if (gr.get("no_skill") != null) {
                noSkill.add((Map<String, Object>) gr.get("no_skill"));
            }
            if (v == null) {
                continue;
            }
            Rule rule = v.rule();
            Object live = ft.isEmpty() ? liveTopLevel(params) : ((Map<String, Object>) params.getOrDefault("feature_types",
                    Map.of())).get(ft);
            Object learned = rule.toParams();
            if (Objects.equals(normalise(live), normalise(learned))) {
                notes.add(label + ": the live rule (" + rule.describe() + ") is already the best");
                continue;
            }
            rules.put(ft, rule);
            heldOut.put(ft, v.held());
            if (ft.isEmpty()) {
                params.remove("test");
                params.remove("threshold");
                params.remove("alert_when");
                params.remove("ensemble");
                if (rule.ensemble()) {
                    params.put("ensemble", learned);
                } else {
                    params.putAll((Map<String, Object>) learned);
                }
            } else {
                Map<String, Object> fts = params.get("feature_types") instanceof Map
                        ? (Map<String, Object>) params.get("feature_types") : new LinkedHashMap<>();
                Map<String, Object> entry = new LinkedHashMap<>();
                if (rule.ensemble()) {
                    entry.put("ensemble", learned);
                } else {
                    entry.putAll((Map<String, Object>) learned);
                }
                fts.put(ft, entry);
                params.put("feature_types", fts);
            }
            changes.add(label + ": " + rule.describe() + " (" + heldOutSummary((Map<String, Object>) gr.get("held_out")) + ")");
        }
        report.put("feature_types", groupReports);
        report.put("held_out", pooledHeldOut(heldOut.values()));
        report.put("replay", replay(costed, rules));

        Switches.seasonal(options, params, falsePositives, falsePositiveReasons, changes, notes, report);
        Switches.window(options, params, windows, changes, notes, report);
        return new Learned(params, changes, notes, report, noSkill);
    }

    /** Executions without a recorded cost are taken at the mean recorded cost (1 each when none has one). */
    private static List<Labelled> withCosts(List<Labelled> xs) {
        double sum = 0;
        long n = 0;
        for (Labelled x : xs) {
            if (x.cost() != null) {
                sum += x.cost();
                n++;
            }
        }
        double mean = n == 0 ? 1 : sum / n;
        List<Labelled> out = new ArrayList<>(xs.size());
        for (Labelled x : xs) {
            out.add(x.cost() != null ? x : x.withCost(mean));
        }
        return out;
    }

    /** "on 480 later executions: false alerts per execution 0.31 -> 0.12, recall 0.8 -> 0.82, alerts per execution …". */
    @SuppressWarnings("unchecked")
    static String heldOutSummary(Map<String, Object> held) {
        Map<String, Object> live = (Map<String, Object>) held.get("live");
        Map<String, Object> learned = (Map<String, Object>) held.get("learned");
        String s = "held out, on " + learned.get("executions") + " later executions: false alerts per execution "
                + fmt((Double) live.get("false_alerts_per_execution")) + " -> " + fmt((Double) learned.get("false_alerts_per_execution"));
        Map<String, Object> li = (Map<String, Object>) live.get("incidents");
        Map<String, Object> le = (Map<String, Object>) learned.get("incidents");
        if (li != null && le != null && ((Long) li.get("incidents")) > 0) {
            Map<String, Object> ld = (Map<String, Object>) li.get("detection_delay");
            Map<String, Object> ed = (Map<String, Object>) le.get("detection_delay");
            s += ", incidents caught " + li.get("caught") + " -> " + le.get("caught") + " of " + li.get("incidents")
                    + ", median detection delay " + fmt((Double) ld.get("median_executions")) + " -> "
                    + fmt((Double) ed.get("median_executions")) + " executions";
        }
        return s + ", recall " + fmt((Double) live.get("recall")) + " -> " + fmt((Double) learned.get("recall"))
                + ", alerts per execution " + fmt((Double) live.get("alerts_per_execution")) + " -> "
                + fmt((Double) learned.get("alerts_per_execution"));
    }

    /** The held-out before/after summed over the groups whose rule is deployed; null when none is. */
    private static Map<String, Object> pooledHeldOut(java.util.Collection<HeldOut> deployed) {
        if (deployed.isEmpty()) {
            return null;
        }
        Confusion live = EMPTY;
        Confusion learned = EMPTY;
        for (HeldOut h : deployed) {
            live = live.plus(h.live());
            learned = learned.plus(h.learned());
        }
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("live", live.toMap());
        m.put("learned", learned.toMap());
        return m;
    }

    private static Object liveTopLevel(Map<String, Object> params) {
        if (params.get("ensemble") != null) {
            return params.get("ensemble");
        }
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("test", params.get("test"));
        m.put("threshold", params.get("threshold"));
        m.put("alert_when", params.get("alert_when"));
        return m;
    }

    /** Numbers compared by value, so 0.05 read back from JSON equals the learned 0.05. */
    static Object normalise(Object o) {
        if (o instanceof Number) {
            return ((Number) o).doubleValue();
        }
        if (o instanceof Map) {
            Map<Object, Object> m = new TreeMap<>(Comparator.comparing(String::valueOf));
            for (Map.Entry<?, ?> e : ((Map<?, ?>) o).entrySet()) {
                if (e.getValue() != null) {
                    m.put(e.getKey(), normalise(e.getValue()));
                }
            }
            return m;
        }
        if (o instanceof List) {
            List<Object> l = new ArrayList<>();
            for (Object x : (List<?>) o) {
                l.add(normalise(x));
            }
            return l;
        }
        return o;
    }

    /**
     * The rule for one feature type that passes every gate, or null with a note saying which gate
     * stopped it: enough counted executions of both kinds; a rule better than the live decisions on
     * all of them; and, judged on later executions than it learned from, separation better than
     * chance, every constraint of the objective met and the objective beaten.
     */
    private Validated learnValidated(List<Labelled> xs, String label, Objective objective, Map<String, Object> gr,
                                     List<String> notes) {
        long positives = xs.stream().filter(Labelled::real).count();
        long implicit = xs.stream().filter(Labelled::implicit).count();
        long negatives = xs.size() - positives;
        gr.put("counted", (long) xs.size());
        gr.put("real", positives);
        gr.put("not_real", negatives);
        gr.put("implicit_negatives", implicit);
        if (xs.size() < options.minSamples() || positives == 0 || negatives == 0) {
            String why = label + ": " + xs.size() + " counted executions (" + positives + " real, " + negatives
                    + " not); learning a rule needs at least " + options.minSamples() + " with both kinds";
            notes.add(why);
            gr.put("skipped", why);
            return null;
        }
        Confusion live = judge(xs, Labelled::alerted);
        gr.put("live", live.toMap());
        // first, whether the reported tests can tell real drift from noise at all, on later executions
        Skill separation = null;
        String separatedBy = null;
        for (String t : testNames(xs)) {
            HeldOut h = forwardChained(xs, train -> separating(train, t));
            if (h != null) {
                Skill sk = Skill.of(h.learned());
                if (separation == null || sk.betterThan(separation)) {
                    separation = sk;
                    separatedBy = t;
                }
            }
        }
        if (separation == null) {
            return kept(tooFew(label, xs.size()), gr, notes);
        }
        Map<String, Object> sep = separation.toMap();
        sep.put("test", separatedBy);
        gr.put("separation", sep);
        if (!separation.significant()) {
            Map<String, Object> ns = new LinkedHashMap<>();
            ns.put("feature_type", gr.get("feature_type"));
            ns.put("counted", (long) xs.size());
            ns.put("best_precision", separation.precision());
            ns.put("base_rate", separation.baseRate());
            ns.put("test", separatedBy);
            gr.put("no_skill", ns);
            String why = label + ": no test it reports separates real drift from noise on later executions: the best, "
                    + separatedBy + ", has held-out precision " + fmt(separation.precision()) + " against a base rate of real"
                    + " drift of " + fmt(separation.baseRate()) + " (" + separation.describe() + ", one-sided test at 5%)";
            return kept(why, gr, notes);
        }
        Rule best = learnGroup(xs, objective, gr);
        if (best == null) {
            String why = label + ": no rule meets " + objective.constraints() + " on the " + xs.size()
                    + " counted executions" + testReasons(gr);
            return kept(why, gr, notes);
        }
        Confusion learned = judge(xs, x -> Boolean.TRUE.equals(best.alerts(x)));
        gr.put("learned_rule", best.describe());
        gr.put("learned", learned.toMap());
        if (objective.compare(learned, live) <= 0) {
            String why = label + ": the best learned rule (" + best.describe() + ") does not beat the live decisions on "
                    + objective.describe() + " (" + objective.numbers(learned, live) + ")";
            return kept(why, gr, notes);
        }
        HeldOut held = heldOut(xs, objective);
        if (held == null) {
            return kept(tooFew(label, xs.size()), gr, notes);
        }
        gr.put("held_out", held.toMap());
        Skill skill = Skill.of(held.learned());
        gr.put("skill", skill.toMap());
        if (!skill.significant()) {
            String why = label + ": " + best.describe() + " has no skill on later executions: held-out precision "
                    + fmt(skill.precision()) + " is not above the base rate of real drift " + fmt(skill.baseRate()) + " ("
                    + skill.describe() + ", one-sided test at 5%)";
            return kept(why, gr, notes);
        }
        String violated = objective.violation(held.learned(), held.live());
        if (violated != null) {
            String why = label + ": " + best.describe() + " fails on later executions: " + violated + " ("
                    + held.learned().n() + " held out)";
            return kept(why, gr, notes);
        }
        if (objective.compare(held.learned(), held.live()) <= 0) {
            String why = label + ": " + best.describe() + " does not beat the live decisions on later executions on "
                    + objective.describe() + " (" + objective.numbers(held.learned(), held.live()) + ", "
                    + held.learned().n() + " held out)";
            return kept(why, gr, notes);
        }
        return new Validated(best, held);
    }

    /** Leaves the group's live rule, with the reason in the notes and the report; null. */
    private static Validated kept(String why, Map<String, Object> gr, List<String> notes) {
        notes.add(why);
        gr.put("kept", why);
        return null;
    }

    private String tooFew(String label, long n) {
        return label + ": " + n + " counted executions are too few to judge a rule on executions later than those it"
                + " learned from (needs at least " + 2 * options.minSamples() + " and both kinds early on)";
    }

    /** A rule that passed every gate, and its held-out figures. */
    private record Validated(Rule rule, HeldOut held) {
    }

    private static String testReasons(Map<String, Object> gr) {
        Object tests = gr.get("tests");
        if (!(tests instanceof List)) {
            return "";
        }
        List<String> out = new ArrayList<>();
        for (Object o : (List<?>) tests) {
            Map<?, ?> t = (Map<?, ?>) o;
            if (t.get("skipped") != null) {
                out.add(t.get("test") + ": " + t.get("skipped"));
            }
        }
        return out.isEmpty() ? "" : " (" + String.join("; ", out) + ")";
    }

    private static TreeSet<String> testNames(List<Labelled> xs) {
        TreeSet<String> names = new TreeSet<>();
        for (Labelled x : xs) {
            names.addAll(x.scores().keySet());
        }
        return names;
    }

    /**
     * The best rule on {@code xs} under the objective (constraints against the live decisions on
     * the same executions), or null when no test has a cut that meets them. {@code gr}, when not
     * null, receives every test's numbers.
     */
    private Rule learnGroup(List<Labelled> xs, Objective objective, Map<String, Object> gr) {
        Confusion live = judge(xs, Labelled::alerted);
        List<Object> singles = new ArrayList<>();
        List<Rule> candidates = new ArrayList<>();
        // an ensemble's members: each test at its best cut, or where none meets the constraints, at its F1-best
        List<Rule> members = new ArrayList<>();
        for (String t : testNames(xs)) {
            Boolean kind = majorityKind(xs, t);
            long with = xs.stream().filter(x -> x.scores().get(t) != null && x.scores().get(t).pValue() == kind).count();
            Map<String, Object> tr = new LinkedHashMap<>();
            tr.put("test", t);
            tr.put("executions", with);
            singles.add(tr);
            // a test is judged on the whole group: executions without it count as not alerting
            if (with < options.minSamples()) {
                tr.put("skipped", "reported by " + with + " counted executions, fewer than " + options.minSamples());
                continue;
            }
            Double threshold = bestThreshold(xs, t, kind, objective, live);
            if (threshold == null) {
                tr.put("skipped", "no threshold meets " + objective.constraints());
                Double f1 = bestThreshold(xs, t, kind, Objective.F1_ONLY, live);
                if (f1 != null) {
                    members.add(new Rule(List.of(t), List.of(f1), List.of(kind)));
                }
                continue;
            }
            Rule r = new Rule(List.of(t), List.of(threshold), List.of(kind));
            members.add(r);
            tr.put("threshold", threshold);
            tr.put("alert_when", kind ? P_VALUE_BELOW : STATISTIC_ABOVE);
            tr.putAll(judge(xs, x -> Boolean.TRUE.equals(r.alerts(x))).toMap());
            candidates.add(r);
        }
        if (gr != null) {
            gr.put("tests", singles);
        }
        String liveTest = mostCommonTest(xs);
        Rule best = null;
        Confusion bestC = null;
        for (Rule r : candidates) {
            Confusion c = judge(xs, x -> Boolean.TRUE.equals(r.alerts(x)));
            int cmp = bestC == null ? 1 : objective.compare(c, bestC);
            if (cmp > 0 || (cmp == 0 && r.tests().get(0).equals(liveTest))) {
                best = r;
                bestC = c;
            }
        }
        if (members.size() >= 3) {
            List<String> ts = new ArrayList<>();
            List<Double> th = new ArrayList<>();
            List<Boolean> pv = new ArrayList<>();
            for (Rule r : members) {
                ts.add(r.tests().get(0));
                th.add(r.thresholds().get(0));
                pv.add(r.pValue().get(0));
            }
            Rule vote = new Rule(ts, th, pv);
            boolean everyoneReportsAll = xs.stream().allMatch(x -> vote.alerts(x) != null);
            Map<String, Object> er = new LinkedHashMap<>();
            er.put("tests", ts);
            er.put("reported_by_every_execution", everyoneReportsAll);
            if (everyoneReportsAll) {
                Confusion ce = judge(xs, vote::alerts);
                er.putAll(ce.toMap());
                long[] lg = lostAndGained(xs, decisions(xs, vote::alerts));
                boolean meets = objective.meetsWithMargin(ce, live, lg[0], lg[1]);
                boolean wins = meets && (bestC == null || objective.compare(ce, bestC) > 0);
                er.put("meets_constraints", meets);
                er.put("beats_every_single_test", wins);
                if (wins) {
                    best = vote;
                }
            }
            if (gr != null) {
                gr.put("ensemble", er);
            }
        }
        return best;
    }

    /**
     * Alerts a cut must keep inside an incident the live decisions caught (as many as live had, up
     * to this) for the incident to count as kept when a threshold is chosen. Chosen on generated
     * histories (bench/learner.sh): with 2, a stricter threshold learned at the weakest incident of
     * the past lost one incident on fresh data in 1 seed of 10; with 3, none.
     */
    static final int KEEP_ALERTS = 3;

    /** Blocks of the forward chaining: at most six (five judged), each at least the minimum sample. */
    static final int MAX_BLOCKS = 6;

    /** The procedure's decisions on executions later than those it learned from, and the live decisions on them. */
    record HeldOut(Confusion learned, Confusion live, int folds, long gapMillis) {
        Map<String, Object> toMap() {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("method", "forward chaining by execution time");
            m.put("folds", (long) folds);
            m.put("gap_hours", gapMillis / 3_600_000.0);
            m.put("live", live.toMap());
            m.put("learned", learned.toMap());
            return m;
        }
    }

    /**
     * A procedure judged on executions it did not learn from, later in time: the executions sorted
     * by time are cut into B = min(6, n / min_samples) blocks of equal size; block b (b ≥ 1) is
     * decided by what {@code trainer} makes of the blocks before it, leaving out the executions
     * within the validation gap before block b's first (neighbouring windows share a drift
     * episode). The trainer answers null when those are too few to learn from (the block is not
     * judged), empty when the procedure would keep the live decisions (the block is decided as it
     * was), or a rule. The judged blocks' decisions are counted together, with the live decisions
     * on the same executions. Null when no block could be judged.
     */
    HeldOut forwardChained(List<Labelled> xs, java.util.function.Function<List<Labelled>, java.util.Optional<Rule>> trainer) {
        int blocks = (int) Math.min(MAX_BLOCKS, xs.size() / Math.max(1, options.minSamples()));
        if (blocks < 2) {
            return null;
        }
        List<Labelled> sorted = new ArrayList<>(xs);
        sorted.sort(Comparator.comparingLong(Labelled::time).thenComparing(Labelled::id,
                Comparator.nullsFirst(Comparator.naturalOrder())));
        long gap = (long) (options.validationGapHours() * 3_600_000L);
        Confusion learned = EMPTY;
        Confusion live = EMPTY;
        int judged = 0;
        for (int b = 1; b < blocks; b++) {
            int from = (int) ((long) sorted.size() * b / blocks);
            int to = (int) ((long) sorted.size() * (b + 1) / blocks);
            List<Labelled> test = sorted.subList(from, to);
            long cutoff = test.get(0).time() - gap;
            List<Labelled> train = new ArrayList<>();
            for (Labelled x : sorted.subList(0, from)) {
                if (x.time() < cutoff) {
                    train.add(x);
                }
            }
            java.util.Optional<Rule> r = trainer.apply(train);
            if (r == null) {
                continue;
            }
            judged++;
            learned = learned.plus(judge(test, x -> {
                Boolean a = r.isEmpty() ? null : r.get().alerts(x);
                return a == null ? x.alerted() : a;
            }));
            live = live.plus(judge(test, Labelled::alerted));
        }
        return judged == 0 ? null : new HeldOut(learned, live, judged, gap);
    }

    /** The whole learning procedure under {@code objective}, judged on later executions. */
    HeldOut heldOut(List<Labelled> xs, Objective objective) {
        return forwardChained(xs, train -> trained(train, objective));
    }

    /** Enough executions of both kinds to learn from. */
    private boolean learnable(List<Labelled> train) {
        long positives = train.stream().filter(Labelled::real).count();
        return train.size() >= options.minSamples() && positives > 0 && positives < train.size();
    }

    /** The rule the procedure would deploy from {@code train} alone (no held-out gate); empty: it keeps the live decisions. */
    private java.util.Optional<Rule> trained(List<Labelled> train, Objective objective) {
        if (!learnable(train)) {
            return null;
        }
        Rule r = learnGroup(train, objective, null);
        if (r == null) {
            return java.util.Optional.empty();
        }
        Confusion c = judge(train, x -> Boolean.TRUE.equals(r.alerts(x)));
        return objective.compare(c, judge(train, Labelled::alerted)) > 0 ? java.util.Optional.of(r)
                : java.util.Optional.empty();
    }

    /** Fewest alerts a separating cut may have, so that one lucky alert does not make a test look informative. */
    static final int MIN_SEPARATING_ALERTS = 5;

    /**
     * Whatever the objective, the cut of {@code test} that best tells real drift from noise on
     * {@code train}: the highest skill z among cuts with at least a few alerts. What the
     * "can these tests separate at all" diagnosis is judged by, on later executions.
     */
    private java.util.Optional<Rule> separating(List<Labelled> train, String test) {
        if (!learnable(train)) {
            return null;
        }
        Boolean kind = majorityKind(train, test);
        List<double[]> keyed = new ArrayList<>();
        long positives = 0;
        for (Labelled x : train) {
            positives += x.real() ? 1 : 0;
            Score s = x.scores().get(test);
            if (s != null && s.pValue() == kind) {
                keyed.add(new double[] {kind ? s.value() : -s.value(), x.real() ? 1 : 0});
            }
        }
        if (keyed.size() < MIN_SEPARATING_ALERTS) {
            return java.util.Optional.empty();
        }
        keyed.sort(Comparator.comparingDouble(a -> a[0]));
        double base = (double) positives / train.size();
        long tp = 0;
        double bestZ = Double.NEGATIVE_INFINITY;
        int bestCut = -1;
        for (int i = 1; i <= keyed.size(); i++) {
            tp += keyed.get(i - 1)[1] == 1 ? 1 : 0;
            if (i < keyed.size() && keyed.get(i - 1)[0] == keyed.get(i)[0] || i < MIN_SEPARATING_ALERTS) {
                continue;
            }
            double z = ((double) tp / i - base) / Math.sqrt(base * (1 - base) / i);
            if (z > bestZ) {
                bestZ = z;
                bestCut = i;
            }
        }
        if (bestCut < 0) {
            return java.util.Optional.empty();
        }
        double lo = keyed.get(bestCut - 1)[0];
        double hi = bestCut == keyed.size() ? lo + Math.abs(lo) + 1 : keyed.get(bestCut)[0];
        double t = kind ? shortestBetween(Math.max(lo, -Double.MIN_VALUE), hi) : -shortestBetween(lo, hi);
        return java.util.Optional.of(new Rule(List.of(test), List.of(t), List.of(kind)));
    }

    /**
     * Whether alerts find real drift more often than chance: the precision of the alerts against
     * the base rate of real drift among the same executions, by a one-sided score test at 5%
     * (z = (precision − base) / √(base (1 − base) / alerts) > 1.645).
     */
    record Skill(Double precision, Double baseRate, Double z, Double pValue, long alerts) {
        static Skill of(Confusion c) {
            long m = c.alerts();
            long n = c.n();
            Double base = n == 0 ? null : (double) (c.tp() + c.fn()) / n;
            Double precision = c.precision();
            if (m == 0 || base == null || base <= 0 || base >= 1) {
                return new Skill(precision, base, null, null, m);
            }
            double z = (precision - base) / Math.sqrt(base * (1 - base) / m);
            return new Skill(precision, base, z, 1 - Probation.phi(z), m);
        }

        boolean significant() {
            return z != null && z > Probation.Z_05;
        }

        boolean betterThan(Skill o) {
            return z != null && (o.z == null || z > o.z);
        }

        String describe() {
            return z == null ? alerts + " alerts" : String.format(Locale.ROOT, "%d alerts, z=%.2f, p=%.3f", alerts, z, pValue);
        }

        Map<String, Object> toMap() {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("precision", precision);
            m.put("base_rate", baseRate);
            m.put("alerts", alerts);
            m.put("z", z);
            m.put("p_value", pValue);
            m.put("significant", significant());
            return m;
        }
    }

    private static Boolean majorityKind(List<Labelled> xs, String test) {
        long p = 0;
        long s = 0;
        for (Labelled x : xs) {
            Score sc = x.scores().get(test);
            if (sc != null) {
                if (sc.pValue()) {
                    p++;
                } else {
                    s++;
                }
            }
        }
        return p >= s;
    }

    private static String mostCommonTest(List<Labelled> xs) {
        Map<String, Long> n = new TreeMap<>();
        for (Labelled x : xs) {
            if (x.test() != null) {
                n.merge(x.test(), 1L, Long::sum);
            }
        }
        return n.entrySet().stream().max(Map.Entry.comparingByValue()).map(Map.Entry::getKey).orElse(null);
    }

    /**
     * The threshold for one test that best serves the objective over the group, among the cuts that
     * meet its constraints against {@code live}, or null when none does: the executions sorted by
     * how drift-like the test found them, every cut between two distinct values tried (fewest alerts
     * first, so ties keep the quieter cut), and the shortest decimal inside the chosen gap returned
     * (0.02 rather than 0.0213).
     */
    Double bestThreshold(List<Labelled> xs, String test, boolean pValue, Objective objective, Confusion live) {
        List<double[]> keyed = new ArrayList<>(); // {key, real, cost, index in xs}
        long positives = 0;
        long negatives = 0;
        double positiveCost = 0;
        for (int i = 0; i < xs.size(); i++) {
            Labelled x = xs.get(i);
            double cost = x.cost() == null ? 1 : x.cost();
            if (x.real()) {
                positives++;
                positiveCost += cost;
            } else {
                negatives++;
            }
            Score s = x.scores().get(test);
            if (s != null && s.pValue() == pValue) {
                keyed.add(new double[] {pValue ? s.value() : -s.value(), x.real() ? 1 : 0, cost, i});
            }
        }
        if (keyed.isEmpty()) {
            return null;
        }
        keyed.sort(Comparator.comparingDouble(a -> a[0]));
        int m = keyed.size();
        // an execution alerts under cut i when its rank (place in keyed) is below i; one without the test never does
        int[] rank = new int[xs.size()];
        java.util.Arrays.fill(rank, Integer.MAX_VALUE);
        for (int r = 0; r < m; r++) {
            rank[(int) keyed.get(r)[3]] = r;
        }
        Incidents incidents = incidents(xs);
        boolean[] liveAlerts = decisions(xs, Labelled::alerted);
        // an incident is caught from the cut that first reaches its best-ranked real execution; for the
        // paired margin it counts as kept only while the cut alerts in it as often as live did, up to
        // KEEP_ALERTS times: an incident the cut catches by one alert where live had several is one the
        // next weeks may lose, so a threshold is not chosen right at the weakest incident of the past
        int[] firstCaughtAt = new int[incidents.size()];
        int[] keptFrom = new int[incidents.size()];
        boolean[] liveCaught = new boolean[incidents.size()];
        for (int k = 0; k < firstCaughtAt.length; k++) {
            int[] members = incidents.list().get(k).members();
            int[] ranks = new int[members.length];
            int liveHits = 0;
            for (int j = 0; j < members.length; j++) {
                ranks[j] = rank[members[j]];
                liveHits += liveAlerts[members[j]] ? 1 : 0;
            }
            java.util.Arrays.sort(ranks);
            firstCaughtAt[k] = ranks[0];
            liveCaught[k] = liveHits > 0;
            keptFrom[k] = ranks[Math.min(Math.min(KEEP_ALERTS, Math.max(1, liveHits)), ranks.length) - 1];
        }
        // paired with the live decisions: incidents live caught that the cut loses, and those it gains
        int liveCount = 0;
        for (boolean b : liveCaught) {
            liveCount += b ? 1 : 0;
        }
        int[] ofLive = new int[liveCount];
        int[] ofOthers = new int[firstCaughtAt.length - liveCount];
        for (int k = 0, a = 0, o = 0; k < firstCaughtAt.length; k++) {
            if (liveCaught[k]) {
                ofLive[a++] = keptFrom[k];
            } else {
                ofOthers[o++] = firstCaughtAt[k];
            }
        }
        java.util.Arrays.sort(ofLive);
        java.util.Arrays.sort(ofOthers);
        java.util.Arrays.sort(firstCaughtAt);
        int caughtPointer = 0;
        int livePointer = 0;
        int othersPointer = 0;
        long tp = 0;
        long fp = 0;
        double tpCost = 0;
        double fpCost = 0;
        Confusion best = null;
        int bestCut = -1;
        for (int i = 0; i <= m; i++) {
            if (i > 0) {
                if (keyed.get(i - 1)[1] == 1) {
                    tp++;
                    tpCost += keyed.get(i - 1)[2];
                } else {
                    fp++;
                    fpCost += keyed.get(i - 1)[2];
                }
            }
            while (caughtPointer < firstCaughtAt.length && firstCaughtAt[caughtPointer] < i) {
                caughtPointer++;
            }
            while (livePointer < ofLive.length && ofLive[livePointer] < i) {
                livePointer++;
            }
            while (othersPointer < ofOthers.length && ofOthers[othersPointer] < i) {
                othersPointer++;
            }
            if (i > 0 && i < m && keyed.get(i - 1)[0] == keyed.get(i)[0]) {
                continue; // equal values cannot be split
            }
            Confusion c = new Confusion(tp, fp, positives - tp, negatives - fp, fpCost + positiveCost - tpCost,
                    new Incidents.Score(incidents.size(), caughtPointer, null, null));
            if (objective.meetsWithMargin(c, live, ofLive.length - livePointer, othersPointer)
                    && (best == null || objective.compare(c, best) > 0)) {
                // the detection delays only for a cut that would be chosen: one pass over the incidents
                int cut = i;
                Confusion full = c.withIncidents(incidents.score(x -> rank[x] < cut));
                if (objective.delayViolation(full, live) == null) {
                    best = full;
                    bestCut = i;
                }
            }
        }
        if (best == null) {
            return null;
        }
        double lo = bestCut == 0 ? keyed.get(0)[0] - Math.abs(keyed.get(0)[0]) - 1 : keyed.get(bestCut - 1)[0];
        double hi = bestCut == m ? keyed.get(m - 1)[0] + Math.abs(keyed.get(m - 1)[0]) + 1 : keyed.get(bestCut)[0];
        if (pValue) {
            lo = Math.max(lo, -Double.MIN_VALUE);
            return shortestBetween(lo, hi);
        }
        return -shortestBetween(lo, hi);
    }

    /**
     * The decimal with the fewest digits in (lo, hi], lo < hi: any value there splits the executions
     * the same way (a p-value test alerts below its threshold, so hi itself does not alert).
     */
    static double shortestBetween(double lo, double hi) {
        BigDecimal l = new BigDecimal(lo);
        for (int scale = -6; scale <= 20; scale++) {
            BigDecimal step = BigDecimal.ONE.scaleByPowerOfTen(-scale);
            BigDecimal k = l.divide(step, 0, RoundingMode.FLOOR);
            for (int up = 1; up <= 2; up++) { // lo's binary value may sit just below a decimal equal to lo
                BigDecimal x = k.add(BigDecimal.valueOf(up)).multiply(step);
                double d = x.doubleValue();
                if (d > lo && d <= hi) {
                    return x.stripTrailingZeros().doubleValue();
                }
            }
        }
        return lo / 2 + hi / 2;
    }

    /** The counts of a decision on {@code xs}, with its incidents (grouped by the options' merge gap). */
    Confusion judge(List<Labelled> xs, java.util.function.Function<Labelled, Boolean> alerts) {
        boolean[] a = decisions(xs, alerts);
        return counts(xs, a).withIncidents(incidents(xs).score(i -> a[i]));
    }

    /** Which incidents of {@code in} the decisions {@code alerted} (by index of the list grouped) catch. */
    private static boolean[] caughtBy(Incidents in, boolean[] alerted) {
        boolean[] caught = new boolean[in.size()];
        for (int k = 0; k < caught.length; k++) {
            for (int m : in.list().get(k).members()) {
                if (alerted[m]) {
                    caught[k] = true;
                    break;
                }
            }
        }
        return caught;
    }

    /** {incidents the live decisions catch and {@code alerted} does not, the other way round}. */
    long[] lostAndGained(List<Labelled> xs, boolean[] alerted) {
        Incidents in = incidents(xs);
        boolean[] live = caughtBy(in, decisions(xs, Labelled::alerted));
        boolean[] mine = caughtBy(in, alerted);
        long lost = 0;
        long gained = 0;
        for (int k = 0; k < live.length; k++) {
            lost += live[k] && !mine[k] ? 1 : 0;
            gained += mine[k] && !live[k] ? 1 : 0;
        }
        return new long[] {lost, gained};
    }

    /** The last list grouped and its incidents: the same executions are judged under several rules in a row. */
    private List<Labelled> groupedList;
    private Incidents grouped;

    Incidents incidents(List<Labelled> xs) {
        if (xs != groupedList) {
            grouped = Incidents.group(xs, Labelled::key, Labelled::time, Labelled::real, options.mergeGap());
            groupedList = xs;
        }
        return grouped;
    }

    /** The counts of a decision on {@code xs}, without incidents. */
    static Confusion confusion(List<Labelled> xs, java.util.function.Function<Labelled, Boolean> alerts) {
        return counts(xs, decisions(xs, alerts));
    }

    private static boolean[] decisions(List<Labelled> xs, java.util.function.Function<Labelled, Boolean> alerts) {
        boolean[] a = new boolean[xs.size()];
        for (int i = 0; i < a.length; i++) {
            a[i] = Boolean.TRUE.equals(alerts.apply(xs.get(i)));
        }
        return a;
    }

    private static Confusion counts(List<Labelled> xs, boolean[] alerted) {
        long tp = 0;
        long fp = 0;
        long fn = 0;
        long tn = 0;
        double wrong = 0;
        for (int i = 0; i < alerted.length; i++) {
            Labelled x = xs.get(i);
            boolean a = alerted[i];
            double cost = x.cost() == null ? 1 : x.cost();
            if (a && x.real()) {
                tp++;
            } else if (a) {
                fp++;
                wrong += cost;
            } else if (x.real()) {
                fn++;
                wrong += cost;
            } else {
                tn++;
            }
        }
        return new Confusion(tp, fp, fn, tn, wrong);
    }

    /** Every counted execution decided again: by the learned rule of its feature type, else as it was. */
    private Map<String, Object> replay(List<Labelled> xs, Map<String, Rule> rules) {
        Confusion before = judge(xs, Labelled::alerted);
        Confusion after = judge(xs, x -> {
            Rule r = rules.get(x.featureType() == null ? "" : x.featureType());
            Boolean a = r == null ? null : r.alerts(x);
            return a == null ? x.alerted() : a;
        });
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("counted", (long) xs.size());
        m.put("implicit_negatives", xs.stream().filter(Labelled::implicit).count());
        m.put("before", before.toMap());
        m.put("after", after.toMap());
        return m;
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> deepCopy(Map<String, Object> m) {
        Map<String, Object> out = new LinkedHashMap<>();
        for (Map.Entry<String, Object> e : m.entrySet()) {
            Object v = e.getValue();
            out.put(e.getKey(), v instanceof Map ? deepCopy((Map<String, Object>) v) : v instanceof List ? new ArrayList<>((List<?>) v) : v);
        }
        return out;
    }

    static String fmt(Double d) {
        if (d == null) {
            return "n/a";
        }
        BigDecimal b = new BigDecimal(d).round(new java.math.MathContext(3)).stripTrailingZeros();
        return d != 0 && Math.abs(d) < 1e-4 ? b.toString().replace("E", "e") : b.toPlainString();
    }
}
