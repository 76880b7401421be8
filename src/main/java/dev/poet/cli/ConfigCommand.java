package dev.poet.cli;

import dev.poet.json.Json;
import dev.poet.learn.ParamsChanger;
import dev.poet.store.Names;
import dev.poet.store.Store;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(name = "config",
        description = "Show and change a function's live parameters, and see every change made to it.",
        subcommands = {ConfigCommand.Set.class, ConfigCommand.Show.class, ConfigCommand.History.class})
final class ConfigCommand extends Base {
    @Override
    public Integer call() {
        throw new picocli.CommandLine.ParameterException(spec.commandLine(),
                "config: a subcommand is required: set, show or history");
    }

    @Command(name = "set",
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

    @Command(name = "show", description = "Print the function's live parameters (FUNCTION_params.json).")
    static final class Show extends Base {
        @Parameters(paramLabel = "FUNCTION", description = "The function.")
        String function;

        @Override
        public Integer call() throws Exception {
            Store store = store();
            if (!store.versions().exists(Names.function(function))) {
                throw dev.poet.PoetException.notFound("no function " + function + " in " + store.root());
            }
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
            description = "Every deploy, rollback and parameter change of the function, oldest first (--json: JSON Lines).")
    static final class History extends Base {
        @Parameters(paramLabel = "FUNCTION", description = "The function.")
        String function;

        @Override
        public Integer call() throws Exception {
            Store store = store();
            if (!store.versions().exists(Names.function(function))) {
                throw dev.poet.PoetException.notFound("no function " + function + " in " + store.root());
            }
            List<Map<String, Object>> h = ParamsChanger.history(store, function);
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

    static String text(Object v) {
        return v == null ? "(unset)" : new String(Json.encode(v), StandardCharsets.UTF_8);
    }
}
