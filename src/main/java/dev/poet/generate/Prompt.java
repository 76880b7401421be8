package dev.poet.generate;

import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The improvement prompt, as the seed's {@code improvement_prompt}: the measured patterns of the
 * live version (rates with n and interval, top false-positive reasons, performance, cost), the
 * rules that fired, and the current implementation; the answer asked for is code only.
 */
public final class Prompt {
    private Prompt() {
    }

    @SuppressWarnings("unchecked")
    /**
     * {@code learning}: what the params generator found before a code generator was asked (its
     * diagnosis, held-out numbers and examples), or null.
     */
    public static String build(String fn, String version, Map<String, Object> patterns, List<String> firedRules,
                               String source, String learning) {
        StringBuilder b = new StringBuilder();
        b.append("You are improving the Python function `").append(fn).append("` (version ").append(version)
                .append("), a drift detector managed by poet.\n\nMeasured on version ").append(version).append(":\n");
        for (String[] r : new String[][] {{"false_positive_rate", "false-positive rate"},
            {"missed_drift_rate", "missed-drift rate"}, {"alert_fatigue_score", "alert fatigue"},
            {"cost_efficiency", "cost efficiency"}}) {
            Map<String, Object> rate = (Map<String, Object>) patterns.get(r[0]);
            b.append("- ").append(r[1]).append(": ").append(rate(rate)).append('\n');
        }
        for (String[] r : new String[][] {{"alerts_per_execution", "alerts per execution"},
            {"false_alerts_per_execution", "false alerts per execution"}}) {
            Map<String, Object> rate = (Map<String, Object>) patterns.get(r[0]);
            if (rate != null) {
                b.append("- ").append(r[1]).append(": ").append(rate(rate)).append('\n');
            }
        }
        List<Object> reasons = (List<Object>) patterns.get("false_positive_reasons");
        if (reasons != null && !reasons.isEmpty()) {
            b.append("- most common false-positive reasons: ");
            for (int i = 0; i < Math.min(5, reasons.size()); i++) {
                Map<String, Object> r = (Map<String, Object>) reasons.get(i);
                b.append(i > 0 ? ", " : "").append(r.get("reason")).append(" (").append(r.get("count")).append(')');
            }
            b.append('\n');
        }
        Map<String, Object> perf = (Map<String, Object>) patterns.get("performance");
        if (perf != null && perf.get("p50_ms") != null) {
            b.append(String.format(Locale.ROOT, "- duration: p50 %.0f ms, p95 %.0f ms; error rate %s%n",
                    (Double) perf.get("p50_ms"), (Double) perf.get("p95_ms"), rate((Map<String, Object>) perf.get("error_rate"))));
        }
        Map<String, Object> cost = (Map<String, Object>) patterns.get("cost");
        if (cost != null && cost.get("avg_cost_usd") != null) {
            b.append(String.format(Locale.ROOT, "- average cost: $%.4f per execution (n=%s)%n", (Double) cost.get("avg_cost_usd"),
                    cost.get("n")));
        }
        b.append(firedRules.isEmpty() ? "\nNo improvement rule fired; improve it where the numbers above allow.\n"
                : "\nRules that fired: " + String.join("; ", firedRules) + "\n");
        if (learning != null) {
            b.append('\n').append(learning);
        }
        b.append("\nCurrent implementation:\n```python\n").append(source.strip()).append("\n```\n\n");
        b.append("Write an improved implementation. Keep the function name `").append(fn)
                .append("`, its parameters and the keys of the dict it returns. Use only the Python standard library"
                        + " and the parameters it already reads. Answer with the complete Python module only, no"
                        + " explanation.\n");
        return b.toString();
    }

    @SuppressWarnings("unchecked")
    private static String rate(Map<String, Object> r) {
        if (r == null || r.get("value") == null) {
            return "no data";
        }
        return String.format(Locale.ROOT, "%.3f (n=%s, 95%% interval %.3f-%.3f)", (Double) r.get("value"), r.get("n"),
                (Double) r.get("low"), (Double) r.get("high"));
    }

    /** The code in an answer: the first fenced block when there is one (models like fences), else the whole answer. */
    public static String code(String answer) {
        int open = answer.indexOf("```");
        if (open < 0) {
            return answer;
        }
        int start = answer.indexOf('\n', open);
        int close = start < 0 ? -1 : answer.indexOf("```", start);
        return start < 0 || close < 0 ? answer : answer.substring(start + 1, close);
    }
}
