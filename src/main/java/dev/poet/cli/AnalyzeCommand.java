package dev.poet.cli;

import dev.poet.PoetException;
import dev.poet.analyze.Analyzer;
import dev.poet.analyze.Facts;
import dev.poet.event.Timestamps;
import dev.poet.store.Names;
import dev.poet.store.Store;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(name = "analyze",
        footer = {"", "Examples:",
            "  poet analyze",
            "  poet analyze detect_drift --last 7d",
            "  poet analyze detect_drift --version v3 --json | jq .verdict"},
        description = {"Show a function's patterns and whether it needs improvement.",
            "False-positive and missed-drift rates, alert fatigue, cost"
                + " efficiency (each with n and a 95%% Wilson interval), incidents caught and their detection delay,"
                + " false-positive reasons, time to acknowledge,"
                + " performance, cost and business impact; by version (current first), feature, feature type and"
                + " test; and whether the function needs improvement, with the rule that fired and its numbers.",
            "Without FUNCTION: one line per function, worst first. Only correlated events count: run 'poet"
                + " correlate' first. Definitions: docs/learning.md."})
final class AnalyzeCommand extends Base {
    private static final String SPARKS = "▁▂▃▄▅▆▇█";

    @Parameters(arity = "0..1", paramLabel = "FUNCTION", description = "The function (default: a summary of all).")
    String function;

    @Option(names = "--version", paramLabel = "vN", description = "Only this version (default: all, current first).")
    String version;

    @Option(names = "--since", paramLabel = "WHEN", description = "Only executions at or after WHEN (time, date or age such as 7d).")
    String since;

    @Option(names = "--until", paramLabel = "WHEN", description = "Only executions before WHEN.")
    String until;

    @Option(names = "--last", paramLabel = "AGE", description = "Only the last AGE, e.g. 7d (same as --since AGE).")
    String last;

    @Option(names = "--recompute",
            description = "Fold the whole processed log instead of reading the facts correlation keeps (same numbers; slower).")
    boolean recompute;

    @Override
    @SuppressWarnings("unchecked")
    public Integer call() throws Exception {
        Instant now = env().clock().instant();
        if (last != null && since != null) {
            throw PoetException.invalid("give --last or --since, not both");
        }
        Analyzer.Window window = new Analyzer.Window(
                last != null ? now.minus(Timestamps.parseAge(last, "--last"))
                        : since == null ? null : Timestamps.parseRelative(since, now, "--since"),
                until == null ? null : Timestamps.parseRelative(until, now, "--until"));
        if (version != null) {
            Names.version(version);
        }
        Store store = store();
        Facts facts = recompute ? Facts.recompute(store) : Facts.load(store, function == null ? null : List.of(function));
        Analyzer analyzer = new Analyzer(store, facts, now.toEpochMilli());
        if (function == null) {
            List<Map<String, Object>> rows = analyzer.summary(window);
            if (json()) {
                rows.forEach(this::printJson);
                return 0;
            }
            Table t = new Table("FUNCTION", "CURRENT", "EXECUTIONS", "FALSE POS", "MISSED", "FATIGUE", "COST EFF", "VERDICT");
            for (Map<String, Object> r : rows) {
                List<String> fired = (List<String>) r.get("rules_fired");
                t.row(String.valueOf(r.get("function")), String.valueOf(r.get("current_version")),
                        String.valueOf(r.get("executions")), rate(r.get("false_positive_rate")),
                        rate(r.get("missed_drift_rate")), rate(r.get("alert_fatigue_score")), rate(r.get("cost_efficiency")),
                        fired.isEmpty() ? "ok" : "improve: " + String.join(", ", fired));
            }
            t.print(out(), "");
            return 0;
        }
        Map<String, Object> a = analyzer.analyze(function, version, window);
        dev.poet.learn.ShadowTrials.score(store, function, env().clock().millis()).ifPresent(sh -> a.put("shadow", sh));
        if (json()) {
            printJson(a);
            return 0;
        }
        print(a);
        return 0;
    }

    @SuppressWarnings("unchecked")
    private void print(Map<String, Object> a) {
        List<Map<String, Object>> versions = (List<Map<String, Object>>) a.get("versions");
        out().println(a.get("function") + "  (current " + a.get("current_version") + ")");
        List<String> header = new ArrayList<>(List.of(""));
        for (Map<String, Object> v : versions) {
            header.add(v.get("version") + (Boolean.TRUE.equals(v.get("current")) ? " (current)" : ""));
        }
        Table t = new Table(header.toArray(new String[0]));
        row(t, versions, "executions", v -> v.get("executions") + (((Number) v.get("implicit_negatives")).longValue() > 0
                ? " (" + v.get("implicit_negatives") + " quiet, taken as not real)" : ""));
        row(t, versions, "alerts per execution", v -> rateWithN(v.get("alerts_per_execution")));
        row(t, versions, "false alerts per exec", v -> rateWithN(v.get("false_alerts_per_execution")));
        row(t, versions, "incidents caught", v -> incidents(v.get("incidents")));
        row(t, versions, "detection delay", v -> delay(v.get("incidents")));
        row(t, versions, "false positives", v -> rateWithN(v.get("false_positive_rate")));
        if (versions.stream().anyMatch(v -> v.get("learned_held_out") != null)) {
            row(t, versions, "learned, held out", v -> {
                String h = heldOut(v.get("learned_held_out"));
                return h == null ? "" : h.replace("later executions, ", "later: ").replace("false alerts per execution", "false/exec")
                        .replace("alerts per execution", "alerts/exec");
            });
        }
        row(t, versions, "missed drifts", v -> rateWithN(v.get("missed_drift_rate")));
        row(t, versions, "alert fatigue", v -> rateWithN(v.get("alert_fatigue_score")));
        row(t, versions, "cost efficiency", v -> rateWithN(v.get("cost_efficiency")));
        row(t, versions, "error rate", v -> rateWithN(((Map<String, Object>) v.get("performance")).get("error_rate")));
        row(t, versions, "time to ack", v -> {
            Map<String, Object> ack = (Map<String, Object>) v.get("time_to_ack");
            return ack.get("median_s") == null ? "no data" : "median " + duration((Double) ack.get("median_s")) + ", p90 "
                    + duration((Double) ack.get("p90_s")) + "  n=" + ack.get("n");
        });
        row(t, versions, "duration", v -> {
            Map<String, Object> p = (Map<String, Object>) v.get("performance");
            return p.get("p50_ms") == null ? "no data" : String.format(Locale.ROOT, "p50 %.0f ms, p95 %.0f ms",
                    (Double) p.get("p50_ms"), (Double) p.get("p95_ms"));
        });
        row(t, versions, "avg cost", v -> {
            Map<String, Object> c = (Map<String, Object>) v.get("cost");
            return c.get("avg_cost_usd") == null ? "no data"
                    : String.format(Locale.ROOT, "$%.4f  n=%s", (Double) c.get("avg_cost_usd"), c.get("n"));
        });
        out().println();
        picocli.CommandLine.Help.Ansi ansi = Tty.ansi(env());
        Map<String, Object> verdictRules = (Map<String, Object>) a.get("verdict");
        java.util.Set<String> firedLabels = new java.util.HashSet<>();
        for (Object r : (List<Object>) verdictRules.get("rules")) {
            Map<String, Object> rule = (Map<String, Object>) r;
            if (Boolean.TRUE.equals(rule.get("fired"))) {
                firedLabels.add(LABELS.getOrDefault((String) rule.get("rule"), ""));
            }
        }
        List<String[]> cells = t.rows();
        t.print(out(), "  ", (row, col, text) -> {
            if (row == 0) {
                return ansi.string("@|bold " + esc(text) + "|@");
            }
            if (col == 1 && firedLabels.contains(cells.get(row)[0])) {
                return ansi.string("@|red,bold " + esc(text) + "|@");
            }
            return text;
        }, Tty.width(env()));
        out().println();
        StringBuilder trend = new StringBuilder("  false positives over time  ");
        for (Object s : (List<Object>) a.get("false_positive_rate_over_time")) {
            Map<String, Object> series = (Map<String, Object>) s;
            trend.append(series.get("version")).append(' ');
            for (Object p : (List<Object>) series.get("points")) {
                Object v = ((Map<String, Object>) p).get("value");
                trend.append(v == null ? ' ' : SPARKS.charAt((int) Math.min(7, Math.floor((Double) v * 8))));
            }
            trend.append("  ");
        }
        out().println(trend.toString().stripTrailing() + "  (per " + (((List<?>) a.get("false_positive_rate_over_time")).isEmpty()
                ? "day" : ((Map<String, Object>) ((List<?>) a.get("false_positive_rate_over_time")).get(0)).get("bucket")) + ")");
        for (Map<String, Object> v : versions) {
            // a version that ran with more than one set of parameters (a config set or an edit mid-run)
            List<Map<String, Object>> revs = (List<Map<String, Object>>) v.get("params_revisions");
            if (revs == null || revs.size() < 2) {
                continue;
            }
            out().println("  " + v.get("version") + " ran with " + revs.size() + " parameter revisions:");
            for (Map<String, Object> r : revs) {
                out().println("    " + (r.get("revision") == null ? "(not recorded)  " : r.get("revision")) + "  "
                        + r.get("executions") + " executions, false positives " + rateWithN(r.get("false_positive_rate"))
                        + "  " + r.get("description"));
            }
        }
        List<Object> reasons = (List<Object>) ((Map<String, Object>) a.get("overall")).get("false_positive_reasons");
        List<String> rs = new ArrayList<>();
        for (Object r : reasons.subList(0, Math.min(5, reasons.size()))) {
            rs.add(((Map<String, Object>) r).get("reason") + " " + ((Map<String, Object>) r).get("count"));
        }
        out().println("  false-positive reasons      " + (rs.isEmpty() ? "none recorded" : String.join(", ", rs)));
        Map<String, Object> byTest = (Map<String, Object>) a.get("by_test");
        if (!byTest.isEmpty()) {
            List<String> ts = new ArrayList<>();
            for (Map.Entry<String, Object> e : byTest.entrySet()) {
                Map<String, Object> m = (Map<String, Object>) e.getValue();
                ts.add(e.getKey() + ": FP " + rate(m.get("false_positive_rate")) + ", missed " + rate(m.get("missed_drift_rate")));
            }
            out().println("  by test                     " + String.join(" | ", ts));
        }
        Map<String, Object> verdict = (Map<String, Object>) a.get("verdict");
        out().println();
        out().println("verdict on " + verdict.get("judged_on") + ": "
                + (Boolean.TRUE.equals(verdict.get("needs_improvement")) ? ansi.string("@|red,bold NEEDS IMPROVEMENT|@")
                : ansi.string("@|green no rule fired|@")));
        for (Object r : (List<Object>) verdict.get("rules")) {
            Map<String, Object> rule = (Map<String, Object>) r;
            out().println("  " + (Boolean.TRUE.equals(rule.get("fired")) ? ansi.string("@|red,bold FIRED|@") + " " : "      ")
                    + rule.get("rule") + ": " + rule.get("why"));
        }
        Map<String, Object> shadow = (Map<String, Object>) a.get("shadow");
        if (shadow != null) {
            out().println();
            out().println("shadow " + shadow.get("id") + " (since " + shadow.get("started") + "): "
                    + dev.poet.store.Shadows.describe(shadow)
                    + " beside the live version, on the same executions");
            Object would = shadow.get("would");
            out().println("  poet learn would " + ("waiting".equals(would) ? "keep waiting" : would) + ": " + shadow.get("score"));
        }
        Map<String, Object> learning = (Map<String, Object>) a.get("learning");
        if (learning != null && learning.get("result") != null) {
            out().println();
            out().println("last poet learn (" + learning.get("at") + ", on " + learning.get("version") + "): " + learning.get("result")
                    + (learning.get("deployed") != null ? " " + learning.get("deployed") : ""));
            if (learning.get("diagnosis") != null) {
                out().println("  " + ansi.string("@|yellow,bold diagnosis|@") + ": " + learning.get("diagnosis"));
            }
            String held = heldOut(learning.get("held_out"));
            if (held != null) {
                out().println("  held out: " + held);
            }
        }
    }

    /** "on 480 later executions, false alerts per execution 0.31 -> 0.12, recall 0.80 -> 0.82, ..."; null without figures. */
    @SuppressWarnings("unchecked")
    static String heldOut(Object o) {
        if (!(o instanceof Map) || !(((Map<?, ?>) o).get("live") instanceof Map) || !(((Map<?, ?>) o).get("learned") instanceof Map)) {
            return null; // none, or not what poet writes: shown as nothing rather than failing the analysis
        }
        Map<String, Object> live = (Map<String, Object>) ((Map<String, Object>) o).get("live");
        Map<String, Object> learned = (Map<String, Object>) ((Map<String, Object>) o).get("learned");
        return "on " + learned.get("executions") + " later executions, false alerts per execution "
                + num(live.get("false_alerts_per_execution")) + " -> " + num(learned.get("false_alerts_per_execution"))
                + ", recall " + num(live.get("recall")) + " -> " + num(learned.get("recall")) + ", alerts per execution "
                + num(live.get("alerts_per_execution")) + " -> " + num(learned.get("alerts_per_execution"));
    }

    private static String num(Object v) {
        return v instanceof Number ? String.format(Locale.ROOT, "%.3f", ((Number) v).doubleValue()) : "n/a";
    }

    /** The table row each rule's rate is shown in. */
    private static final Map<String, String> LABELS = Map.of("false_positive_rate", "false positives",
            "missed_drift_rate", "missed drifts", "alert_fatigue_score", "alert fatigue", "cost_efficiency", "cost efficiency");

    /** Text inside picocli's @|style text|@ markup: its own markup characters escaped. */
    static String esc(String s) {
        return s.replace("|@", "| @").replace("@|", "@ |");
    }

    /** "1 execution", "2.5 executions". */
    private static String executions(double n) {
        String v = n == Math.rint(n) ? String.valueOf((long) n) : String.format(Locale.ROOT, "%.1f", n);
        return v + (n == 1 ? " execution" : " executions");
    }

    /** "12 of 14 (2 missed)", or "none" when no execution of the version was real drift. */
    @SuppressWarnings("unchecked")
    static String incidents(Object o) {
        Map<String, Object> m = (Map<String, Object>) o;
        long n = (Long) m.get("incidents");
        long missed = (Long) m.get("missed");
        return n == 0 ? "none" : m.get("caught") + " of " + n + (missed > 0 ? " (" + missed + " missed)" : "");
    }

    /** "median 1 execution (6h 0m), p90 3", or an empty cell when nothing was caught. */
    @SuppressWarnings("unchecked")
    static String delay(Object o) {
        Map<String, Object> d = (Map<String, Object>) ((Map<String, Object>) o).get("detection_delay");
        Double steps = (Double) d.get("median_executions");
        if (steps == null) {
            return "";
        }
        return "median " + executions(steps) + " (" + duration((Double) d.get("median_s")) + "), p90 "
                + executions((Double) d.get("p90_executions"));
    }

    private static void row(Table t, List<Map<String, Object>> versions, String label,
                            java.util.function.Function<Map<String, Object>, String> cell) {
        String[] cells = new String[versions.size() + 1];
        cells[0] = label;
        for (int i = 0; i < versions.size(); i++) {
            cells[i + 1] = cell.apply(versions.get(i));
        }
        t.row(cells);
    }

    @SuppressWarnings("unchecked")
    static String rate(Object o) {
        Map<String, Object> r = (Map<String, Object>) o;
        return r.get("value") == null ? "no data" : String.format(Locale.ROOT, "%.2f", (Double) r.get("value"));
    }

    @SuppressWarnings("unchecked")
    static String rateWithN(Object o) {
        Map<String, Object> r = (Map<String, Object>) o;
        if (r.get("value") == null) {
            return "no data";
        }
        return String.format(Locale.ROOT, "%.2f [%.2f, %.2f]  n=%s", (Double) r.get("value"), (Double) r.get("low"),
                (Double) r.get("high"), r.get("n"));
    }

    private static String duration(double seconds) {
        long s = Math.round(seconds);
        return s < 60 ? s + "s" : s < 3600 ? (s / 60) + "m" + (s % 60 > 0 ? (s % 60) + "s" : "")
                : (s / 3600) + "h" + String.format(Locale.ROOT, "%02dm", (s % 3600) / 60);
    }
}
