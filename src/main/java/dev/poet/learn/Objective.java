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

    final String kind;
    final boolean keepRecall;
    final boolean capAlerts;
    final boolean capFalseAlerts;
    final Double recallTarget;
    final double tolerance;
    final List<String> because;

    private Objective(String kind, boolean keepRecall, boolean capAlerts, boolean capFalseAlerts, Double recallTarget,
                      double tolerance, List<String> because) {
        this.kind = kind;
        this.keepRecall = keepRecall && recallTarget == null;
        this.capAlerts = capAlerts && recallTarget == null;
        this.capFalseAlerts = capFalseAlerts;
        this.recallTarget = recallTarget;
        this.tolerance = tolerance;
        this.because = because;
    }

    static Objective of(ParamsLearner.Options o, Set<String> fired) {
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
                return new double[] {-c.fp(), c.tp()};
            case RECALL:
                return new double[] {c.tp(), -c.fp()};
            case COST:
                return new double[] {-c.wrongCost(), -c.fp()};
            case F1:
                return new double[] {c.f1(), -c.fp()};
            default:
                return new double[] {-(c.fp() + c.fn()), c.tp()};
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
        if (recallTarget != null && (c.recall() == null || c.recall() + 1e-12 < recallTarget)) {
            return "recall " + ParamsLearner.fmt(c.recall()) + " is below the target " + ParamsLearner.fmt(recallTarget);
        }
        if (keepRecall && c.tp() < live.tp()) {
            return "recall " + ParamsLearner.fmt(c.recall()) + " is lower than the live decisions' "
                    + ParamsLearner.fmt(live.recall()) + " (" + c.tp() + " of " + (c.tp() + c.fn()) + " real drifts caught, live "
                    + live.tp() + ")";
        }
        return violationOfCaps(c, live);
    }

    /**
     * Whether {@code c} meets every constraint, the recall constraints and the cap on alerts with a
     * margin of two standard errors of the count they hold: what a threshold is chosen by, so that a
     * rule learned right at a constraint does not miss it on later executions by chance alone (the
     * gate on those is exact). The cap on false alerts takes no margin: the missed-drift rule's
     * tolerance is its margin.
     */
    boolean meetsWithMargin(Confusion c, Confusion live) {
        long positives = c.tp() + c.fn();
        if (recallTarget != null) {
            double need = recallTarget * positives + MARGIN * Math.sqrt(positives * recallTarget * (1 - recallTarget));
            if (c.tp() + 1e-9 < Math.min(positives, need)) {
                return false;
            }
        }
        if (keepRecall) {
            double r = live.recall() == null ? 0 : live.recall();
            if (c.tp() + 1e-9 < Math.min(positives, live.tp() + MARGIN * Math.sqrt(live.tp() * (1 - r)))) {
                return false;
            }
        }
        if (capAlerts) {
            long n = Math.max(1, live.n());
            if (c.alerts() > live.alerts() - MARGIN * Math.sqrt(live.alerts() * (1 - (double) live.alerts() / n)) + 1e-9) {
                return false;
            }
        }
        return violation(c, live) == null;
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
            c.add("recall no lower than the live decisions'");
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
