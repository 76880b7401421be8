package dev.poet.cli;

import dev.poet.json.Json;
import dev.poet.learn.ParamsChanger;
import dev.poet.store.Store;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(name = "config",
        footer = {"", "Examples:",
            "  poet config set detect_drift threshold 0.01 --reason \"too many false positives\"",
            "  poet config history detect_drift"},
        description = {"Show and change a function's live parameters.", "And see every change made to it, with its measured impact."},
        subcommands = {ConfigCommand.Set.class, ConfigCommand.Show.class, ConfigCommand.History.class,
            ConfigCommand.Impact.class})
final class ConfigCommand extends Base {
    @Override
    public Integer call() {
        throw new picocli.CommandLine.ParameterException(spec.commandLine(),
                "config: a subcommand is required: set, show or history");
    }

    @Command(name = "set",
        footer = {"", "Examples:",
            "  poet config set detect_drift threshold 0.01 --reason \"too many false positives\"",
            "  poet config set detect_drift seasonal_adjustment true"},
            description = {"Change one parameter in FUNCTION_params.json, atomically. The change is appended to the"
                + " history and recorded as a config.changed event, whose id is the change's id for measuring its"
                + " impact. VALUE is JSON where it parses as JSON (0.01, true, \"x\"), else a string."})
    static final class Set extends Base {
        @Parameters(index = "0", paramLabel = "FUNCTION", description = "The function.")
        String function;

        @Parameters(index = "1", paramLabel = "PARAM", description = "The parameter, e.g. threshold.")
        String parameter;

        @Parameters(index = "2", paramLabel = "VALUE", description = "The new value.")
        String value;

        @Option(names = "--reason", paramLabel = "R", description = "Why, kept with the change.")
        String reason;

        @Override
        public Integer call() throws Exception {
            Store store = store();
            Json.Literal lit = (Json.Literal) Json.parseLiteralOrNull(value);
            ParamsChanger.Change c = new ParamsChanger(store, eventLog(store)).set(function, parameter,
                    lit != null ? lit.value() : value, reason);
            if (json()) {
                Map<String, Object> m = new LinkedHashMap<>();
                m.put("function", c.function());
                m.put("parameter", c.parameter());
                m.put("old_value", c.oldValue());
                m.put("new_value", c.newValue());
                m.put("change_id", c.changeId());
                printJson(m);
            } else if (c.changeId() == null) {
                out().println(c.function() + ": " + c.parameter() + " is already " + text(c.newValue()) + "; nothing changed");
            } else {
                out().println(c.function() + ": " + c.parameter() + " " + text(c.oldValue()) + " -> " + text(c.newValue())
                        + " (change " + c.changeId() + ")");
            }
            return 0;
        }
    }

    @Command(name = "show",
        footer = {"", "Examples:",
            "  poet config show detect_drift"}, description = "Print the function's live parameters (FUNCTION_params.json).")
    static final class Show extends Base {
        @Parameters(paramLabel = "FUNCTION", description = "The function.")
        String function;

        @Override
        public Integer call() throws Exception {
            Store store = store();
            requireFunction(store, function);
            Map<String, Object> p = ParamsChanger.read(store, function);
            if (json()) {
                printJson(p);
            } else {
                printPrettyJson(p);
            }
            return 0;
        }
    }

    @Command(name = "history",
        footer = {"", "Examples:",
            "  poet config history detect_drift",
            "  poet --json config history detect_drift"},
            description = "Every deploy, rollback and parameter change of the function, oldest first (--json: JSON Lines).")
    static final class History extends Base {
        @Parameters(paramLabel = "FUNCTION", description = "The function.")
        String function;

        @Override
        public Integer call() throws Exception {
            Store store = store();
            requireFunction(store, function);
            List<Map<String, Object>> h = store.versions().history(function);
            if (json()) {
                h.forEach(this::printJson);
                return 0;
            }
            Table t = new Table("TIME", "ACTION", "CHANGE", "REASON", "ID");
            for (Map<String, Object> e : h) {
                String what = "config".equals(e.get("action"))
                        ? e.get("parameter") + " " + text(e.get("old_value")) + " -> " + text(e.get("new_value"))
                        : e.get("previous_version") == null ? String.valueOf(e.get("version"))
                        : e.get("previous_version") + " -> " + e.get("version");
                t.row(String.valueOf(e.get("time")), String.valueOf(e.get("action")), what,
                        e.get("reason") == null ? "-" : String.valueOf(e.get("reason")),
                        e.get("change_id") == null ? "-" : String.valueOf(e.get("change_id")));
            }
            t.print(out(), "");
            return 0;
        }
    }

    @Command(name = "impact",
        footer = {"", "Examples:",
            "  poet config impact detect_drift",
            "  poet config impact detect_drift --change 01JDX3J8V6Q6N7W3KXQ1ZP4M2B --days 14"},
            description = {"Compare the days before a parameter change with the days after it: false-positive and"
                + " missed-drift rates (with n and 95%% intervals), detection latency and alert volume. When the"
                + " after-window is complete, the measurement is recorded as a config.impact_measured event (once per"
                + " change and window); before that, it says how much is left."})
    static final class Impact extends Base {
        @Parameters(paramLabel = "FUNCTION", description = "The function.")
        String function;

        @Option(names = "--change", paramLabel = "ID", description = "The change (default: the latest).")
        String change;

        @Option(names = "--days", paramLabel = "N", defaultValue = "7", description = "Window length (default: ${DEFAULT-VALUE}).")
        int days;

        @Override
        @SuppressWarnings("unchecked")
        public Integer call() throws Exception {
            if (days < 1 || days > 365) {
                throw dev.poet.PoetException.invalid("--days must be between 1 and 365, got " + days);
            }
            Store store = store();
            requireFunction(store, function);
            List<Map<String, Object>> history = store.versions().history(function);
            Map<String, Object> c = dev.poet.analyze.ConfigImpact.find(history, change);
            var t = dev.poet.analyze.Thresholds.of(dev.poet.store.Settings.read(store), function);
            Map<String, Object> m = dev.poet.learn.Impacts.measure(eventLog(store), function,
                    dev.poet.analyze.Facts.load(store, List.of(function)).of(function), c, history, days,
                    t.ackTargetMinutes() * 60_000L, true);
            if (json()) {
                printJson(m);
                return 0;
            }
            out().println(function + ": " + m.get("parameter") + " " + text(m.get("old_value")) + " -> "
                    + text(m.get("new_value")) + " at " + m.get("changed_at") + " (change " + m.get("change_id") + ")");
            Table tb = new Table("", days + " days before", days + " days after");
            Map<String, Object> b = (Map<String, Object>) m.get("before");
            Map<String, Object> a = (Map<String, Object>) m.get("after");
            tb.row("executions", String.valueOf(b.get("executions")), String.valueOf(a.get("executions")));
            tb.row("false positives", AnalyzeCommand.rateWithN(b.get("false_positive_rate")),
                    AnalyzeCommand.rateWithN(a.get("false_positive_rate")));
            tb.row("missed drifts", AnalyzeCommand.rateWithN(b.get("missed_drift_rate")),
                    AnalyzeCommand.rateWithN(a.get("missed_drift_rate")));
            tb.row("alerts per day", String.format(java.util.Locale.ROOT, "%.1f", (Double) b.get("alerts_per_day")),
                    String.format(java.util.Locale.ROOT, "%.1f", (Double) a.get("alerts_per_day")));
            tb.row("detection latency", latency(b), latency(a));
            out().println();
            tb.print(out(), "  ");
            long stale = (Long) m.get("after_ran_old_params");
            if (stale > 0) {
                out().println();
                out().println(stale + " execution" + (stale == 1 ? "" : "s") + " after the change still ran the old parameters"
                        + " (revision " + m.get("old_params_revision") + "), left out of the after column");
            }
            if (!Boolean.TRUE.equals(m.get("complete"))) {
                long left = (Long) m.get("remaining_s");
                out().println();
                out().println("the after-window is not complete yet: " + (left / 86400) + "d " + (left % 86400 / 3600)
                        + "h left; nothing recorded");
            }
            return 0;
        }

        @SuppressWarnings("unchecked")
        private static String latency(Map<String, Object> w) {
            Map<String, Object> l = (Map<String, Object>) w.get("detection_latency");
            return l.get("median_s") == null ? "no data" : "median " + Math.round((Double) l.get("median_s") / 60) + " min, "
                    + l.get("detected") + "/" + l.get("episodes") + " episodes detected";
        }
    }

    static String text(Object v) {
        return v == null ? "(unset)" : new String(Json.encode(v), StandardCharsets.UTF_8);
    }
}
