package dev.poet.learn;

import dev.poet.learn.ParamsLearner.Confusion;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * What the params generator optimises, in the alert receiver's terms, and the constraints a rule
 * must meet against the live decisions on the same executions. By default it follows the rules
 * that fired:
 * <ul>
 * <li>false-positive rate or alert fatigue: the fewest false alerts per execution, with recall no
 * lower and alerts per execution no higher than the live decisions';
 * <li>missed-drift rate: the highest recall, with false alerts per execution no higher than the
 * live decisions' plus the tolerance;
 * <li>cost efficiency: the lowest cost of wrong outcomes per execution;
 * <li>several: every constraint at once, and the fewest wrong outcomes (false alerts and missed
 * drifts) per execution, or the lowest cost of them when the cost rule is among them;
 * <li>none (a regeneration asked for by hand): the fewest wrong outcomes with recall no lower and
 * false alerts no higher than live.
 * </ul>
 * {@code learning.params.objective} can name one instead ({@code f1} is F1, without constraints);
 * a recall target replaces "recall no lower than live" with "recall at least the target". All
 * counts are over the same counted executions, so per-execution rates compare as counts.
 */
final class Objective {
    static final String FALSE_ALERTS = "false_alerts";
    static final String RECALL = "recall";
    static final String ERRORS = "errors";
    static final String COST = "cost";
    static final String F1 = "f1";

    /** F1 without constraints: how an ensemble member is cut when no cut of its test meets the objective's. */
    static final Objective F1_ONLY = new Objective(F1, false, false, false, null, 0, List.of());

    /** Standard errors of margin a threshold keeps from each constraint where it is chosen. */
    static final double MARGIN = 2;
    /**
     * Standard errors by which a rule that loses incidents the live decisions catch must gain more
     * (paired, on the same incidents); the incidents it keeps are already counted strictly
     * ({@link ParamsLearner#KEEP_ALERTS}), so one is enough.
     */
    static final double PAIRED_MARGIN = 1;

    final String kind;
    final boolean keepRecall;
    final boolean capAlerts;
    final boolean capFalseAlerts;
    final Double recallTarget;
    final double tolerance;
    final List<String> because;
    /** Executions the median detection delay may be later than the live decisions'. */
    double delayTolerance = dev.poet.analyze.Incidents.DELAY_TOLERANCE;

    private Objective(String kind, boolean keepRecall, boolean capAlerts, boolean capFalseAlerts, Double recallTarget,
                      double tolerance, List<String> because) {
        this.kind = kind;
        // "catch no less than live" is counted in incidents (at least one alert inside each, no later)
        this.keepRecall = keepRecall && recallTarget == null;
        this.capAlerts = capAlerts && recallTarget == null;
        this.capFalseAlerts = capFalseAlerts;
        this.recallTarget = recallTarget;
        this.tolerance = tolerance;
        this.because = because;
    }

    static Objective of(ParamsLearner.Options o, Set<String> fired) {
        Objective obj = of0(o, fired);
        obj.delayTolerance = o.delayTolerance();
        return obj;
    }

    private static Objective of0(ParamsLearner.Options o, Set<String> fired) {
        double tol = o.falseAlertTolerance();
        Double target = o.recallTarget();
        String explicit = o.objective() == null ? "auto" : o.objective();
        switch (explicit) {
            case F1:
                return new Objective(F1, false, false, false, target, tol, List.of("learning.params.objective"));
            case FALSE_ALERTS:
                return new Objective(FALSE_ALERTS, true, true, false, target, tol, List.of("learning.params.objective"));
            case RECALL:
                return new Objective(RECALL, false, false, true, target, tol, List.of("learning.params.objective"));
            case ERRORS:
                return new Objective(ERRORS, true, false, true, target, tol, List.of("learning.params.objective"));
            case COST:
                return new Objective(COST, false, false, false, target, tol, List.of("learning.params.objective"));
            default:
                break;
        }
        boolean fp = fired.contains("false_positive_rate") || fired.contains("alert_fatigue_score");
        boolean missed = fired.contains("missed_drift_rate");
        boolean cost = fired.contains("cost_efficiency");
        List<String> because = new ArrayList<>();
        for (String r : List.of("false_positive_rate", "alert_fatigue_score", "missed_drift_rate", "cost_efficiency")) {
            if (fired.contains(r)) {
                because.add(r);
            }
        }
        if (!fp && !missed && !cost) {
            return new Objective(target != null ? FALSE_ALERTS : ERRORS, true, false, true, target, 0, List.of());
        }
        String kind = cost ? COST : fp && missed ? ERRORS : fp ? FALSE_ALERTS : RECALL;
        return new Objective(kind, fp, fp, missed, target, tol, because);
    }

    /** The lexicographic keys of a decision's counts, higher better. */
    private double[] key(Confusion c) {
        switch (kind) {
            case FALSE_ALERTS:
                return new double[] {-c.fp(), c.inc().caught(), c.tp()};
            case RECALL:
                return new double[] {c.inc().caught(), c.tp(), -c.fp()};
            case COST:
                return new double[] {-c.wrongCost(), -c.fp()};
            case F1:
                return new double[] {c.f1(), -c.fp()};
            default:
                return new double[] {-(c.fp() + c.fn()), c.inc().caught(), c.tp()};
        }
    }

    /** Positive when {@code a} serves the objective better than {@code b} (on the same executions). */
    int compare(Confusion a, Confusion b) {
        double[] x = key(a);
        double[] y = key(b);
        for (int i = 0; i < x.length; i++) {
            double d = x[i] - y[i];
            if (Math.abs(d) > 1e-9 * Math.max(1, Math.abs(x[i]))) {
                return d > 0 ? 1 : -1;
            }
        }
        return 0;
    }

    /** The first constraint {@code c} fails against the live decisions {@code live}, with the numbers; null when it meets all. */
    String violation(Confusion c, Confusion live) {
        String v = violationBesidesDelay(c, live);
        return v != null ? v : delayViolation(c, live);
    }

    private String violationBesidesDelay(Confusion c, Confusion live) {
        if (recallTarget != null && (c.recall() == null || c.recall() + 1e-12 < recallTarget)) {
            return "recall " + ParamsLearner.fmt(c.recall()) + " is below the target " + ParamsLearner.fmt(recallTarget);
        }
        if (keepRecall && c.inc().caught() < live.inc().caught()) {
            return "it catches " + c.inc().caught() + " of " + c.inc().incidents() + " incidents, fewer than the live"
                    + " decisions' " + live.inc().caught() + " (recall per execution " + ParamsLearner.fmt(c.recall())
                    + ", live " + ParamsLearner.fmt(live.recall()) + ")";
        }
        return violationOfCaps(c, live);
    }

    /**
     * Whether the median detection delay over caught incidents is later than the live decisions'
     * by more than the tolerance; null when it is not (or either caught none).
     */
    String delayViolation(Confusion c, Confusion live) {
        if (!keepRecall) {
            return null;
        }
        Double mine = c.inc().medianSteps();
        Double theirs = live.inc().medianSteps();
        if (mine == null || theirs == null || mine <= theirs + delayTolerance + 1e-9) {
            return null;
        }
        return "its median detection delay of " + ParamsLearner.fmt(mine) + " executions is more than "
                + ParamsLearner.fmt(delayTolerance) + " later than the live decisions' " + ParamsLearner.fmt(theirs);
    }

    /**
     * Whether {@code c} meets every constraint but the delay's, with margins: what a threshold is
     * chosen by, so that a rule learned right at a constraint does not miss it on later executions
     * by chance alone (the gate on those is exact). Incidents are compared paired with the live
     * decisions: of the incidents exactly one of the two catches, {@code lost} were caught by live
     * only and {@code gained} by {@code c} only; a rule that loses none may catch the same ones (a
     * stricter threshold that still catches every incident), one that loses some must gain more
     * by a standard error, √(lost + gained). The recall target and the cap on alerts keep a
     * margin of two standard errors of the count they hold; the cap on false alerts takes none
     * (the missed-drift rule's tolerance is its margin). The delay is checked apart
     * ({@link #delayViolation}), once a cut would be chosen.
     */
    boolean meetsWithMargin(Confusion c, Confusion live, long lost, long gained) {
        long positives = c.tp() + c.fn();
        if (recallTarget != null) {
            double need = recallTarget * positives + MARGIN * Math.sqrt(positives * recallTarget * (1 - recallTarget));
            if (c.tp() + 1e-9 < Math.min(positives, need)) {
                return false;
            }
        }
        if (keepRecall && lost > 0 && gained - lost + 1e-9 < PAIRED_MARGIN * Math.sqrt(lost + gained)) {
            return false;
        }
        if (capAlerts) {
            long n = Math.max(1, live.n());
            if (c.alerts() > live.alerts() - MARGIN * Math.sqrt(live.alerts() * (1 - (double) live.alerts() / n)) + 1e-9) {
                return false;
            }
        }
        return violationBesidesDelay(c, live) == null;
    }

    private String violationOfCaps(Confusion c, Confusion live) {
        if (capAlerts && c.alerts() > live.alerts()) {
            return "alerts per execution " + ParamsLearner.fmt(c.perExecution(c.alerts())) + " are more than the live"
                    + " decisions' " + ParamsLearner.fmt(live.perExecution(live.alerts())) + " (" + c.alerts() + " alerts, live "
                    + live.alerts() + ")";
        }
        if (capFalseAlerts && c.fp() > Math.floor(live.fp() * (1 + tolerance) + 1e-9)) {
            return "false alerts per execution " + ParamsLearner.fmt(c.perExecution(c.fp())) + " are more than the live"
                    + " decisions' " + ParamsLearner.fmt(live.perExecution(live.fp()))
                    + (tolerance > 0 ? " plus " + ParamsLearner.fmt(tolerance * 100) + "%" : "") + " (" + c.fp()
                    + " false alerts, live " + live.fp() + ")";
        }
        return null;
    }

    /** The objective in words: "the fewest false alerts per execution". */
    String describe() {
        switch (kind) {
            case FALSE_ALERTS:
                return "the fewest false alerts per execution";
            case RECALL:
                return "the highest recall";
            case COST:
                return "the lowest cost of wrong outcomes per execution";
            case F1:
                return "F1";
            default:
                return "the fewest wrong outcomes (false alerts and missed drifts) per execution";
        }
    }

    /** The constraints in words: "recall no lower and alerts per execution no higher than the live decisions'". */
    String constraints() {
        List<String> c = new ArrayList<>();
        if (recallTarget != null) {
            c.add("recall at least " + ParamsLearner.fmt(recallTarget));
        }
        if (keepRecall) {
            c.add("incidents caught no fewer than the live decisions' and a median detection delay at most "
                    + ParamsLearner.fmt(delayTolerance) + " execution" + (delayTolerance == 1 ? "" : "s") + " later");
        }
        if (capAlerts) {
            c.add("alerts per execution no higher than the live decisions'");
        }
        if (capFalseAlerts) {
            c.add("false alerts per execution no higher than the live decisions'"
                    + (tolerance > 0 ? " plus " + ParamsLearner.fmt(tolerance * 100) + "%" : ""));
        }
        return c.isEmpty() ? "no constraint" : String.join(" and ", c);
    }

    /** The objective's figures of {@code c} against {@code live}: "false alerts per execution 0.12 vs 0.31". */
    String numbers(Confusion c, Confusion live) {
        switch (kind) {
            case FALSE_ALERTS:
                return "false alerts per execution " + ParamsLearner.fmt(c.perExecution(c.fp())) + ", live "
                        + ParamsLearner.fmt(live.perExecution(live.fp()));
            case RECALL:
                return "recall " + ParamsLearner.fmt(c.recall()) + ", live " + ParamsLearner.fmt(live.recall());
            case COST:
                return "cost of wrong outcomes per execution " + ParamsLearner.fmt(c.perExecution(c.wrongCost())) + ", live "
                        + ParamsLearner.fmt(live.perExecution(live.wrongCost()));
            case F1:
                return String.format(Locale.ROOT, "F1 %s, live %s", ParamsLearner.fmt(c.f1()), ParamsLearner.fmt(live.f1()));
            default:
                return "wrong outcomes per execution " + ParamsLearner.fmt(c.perExecution(c.fp() + c.fn())) + ", live "
                        + ParamsLearner.fmt(live.perExecution(live.fp() + live.fn()));
        }
    }

    Map<String, Object> toMap() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("kind", kind);
        m.put("optimises", describe());
        m.put("constraints", constraints());
        m.put("because", because);
        return m;
    }
}
