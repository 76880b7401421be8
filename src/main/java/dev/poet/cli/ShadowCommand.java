package dev.poet.cli;

import dev.poet.generate.Python;
import dev.poet.json.Json;
import dev.poet.learn.ShadowTrials;
import dev.poet.store.Shadows;
import dev.poet.store.Store;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(name = "shadow",
        footer = {"", "Examples:",
            "  poet shadow list",
            "  poet shadow start detect_drift --set seasonal_adjustment=true --sample 0.5",
            "  poet shadow start detect_drift --from detect_drift_new.py",
            "  poet shadow promote detect_drift",
            "  poet shadow discard detect_drift --reason \"too slow\""},
        description = {"Try a candidate beside the live version before it alerts.",
            "A shadow is the live code with some parameters changed. The Python runtime calls it after each live call"
                + " (or a sampled fraction), off the caller's thread, and records its decision as execution.shadow under"
                + " the same execution id. poet learn compares the two on the same executions and promotes, keeps"
                + " waiting, or discards it; these subcommands let a person do the same."},
        subcommands = {ShadowCommand.ListShadows.class, ShadowCommand.Start.class, ShadowCommand.Promote.class,
            ShadowCommand.Discard.class})
final class ShadowCommand extends Base {
    @Override
    public Integer call() {
        throw new picocli.CommandLine.ParameterException(spec.commandLine(),
                "shadow: a subcommand is required: list, start, promote or discard");
    }

    @Command(name = "list",
            footer = {"", "Examples:", "  poet shadow list", "  poet shadow list detect_drift --json"},
            description = {"Show each function's shadow and its running score against the live version on the same"
                + " executions: what poet learn would decide now."})
    static final class ListShadows extends Base {
        @Parameters(arity = "0..1", paramLabel = "FUNCTION", description = "Only this function.")
        String function;

        @Override
        public Integer call() throws Exception {
            Store store = store();
            List<String> fns = function != null ? List.of(function) : store.versions().functions();
            if (function != null) {
                store.versions().requireCurrent(function);
            }
            long now = eventLog(store).clock().millis();
            List<Object> out = new ArrayList<>();
            for (String fn : fns) {
                ShadowTrials.score(store, fn, now).ifPresent(out::add);
            }
            if (json()) {
                printJson(out);
                return 0;
            }
            if (out.isEmpty()) {
                out().println(function != null ? function + " runs no shadow" : "No shadows run.");
                return 0;
            }
            for (Object o : out) {
                @SuppressWarnings("unchecked")
                Map<String, Object> m = (Map<String, Object>) o;
                out().println(m.get("function") + ": shadow " + m.get(Shadows.ID) + " since " + m.get(Shadows.STARTED)
                        + ", " + Shadows.describe(m) + ", started beside " + m.get(Shadows.LIVE) + ", on "
                        + pct(m.get(Shadows.SAMPLE)) + " of calls");
                out().println("  why: " + m.get(Shadows.REASON));
                Object would = m.get("would");
                out().println("  poet learn would " + ("waiting".equals(would) ? "keep waiting" : would) + ": " + m.get("score"));
            }
            return 0;
        }

        private static String pct(Object sample) {
            return sample instanceof Number ? Math.round(((Number) sample).doubleValue() * 1000) / 10.0 + "%" : "100%";
        }
    }

    @Command(name = "start",
            footer = {"", "Examples:",
                "  poet shadow start detect_drift --set seasonal_adjustment=true",
                "  poet shadow start detect_drift --set window_size=400 --sample 0.25 --reason \"try a longer window\""},
            description = {"Start a shadow: the live code (or the code given with --from) with the parameters given by"
                + " --set laid over those each call runs with. Refused while the function runs a shadow already."})
    static final class Start extends Base {
        @Parameters(paramLabel = "FUNCTION", description = "The function.")
        String function;

        @Option(names = "--set", paramLabel = "PARAM=VALUE",
                description = "A parameter the shadow changes; VALUE is JSON where it parses as JSON, else a string."
                    + " Repeat for several.")
        Map<String, String> set = new LinkedHashMap<>();

        @Option(names = "--from", paramLabel = "FILE.py",
                description = "Run this code as the shadow: checked as 'poet enhance' checks it and stored as the next"
                    + " version, which goes live only when promoted.")
        java.nio.file.Path from;

        @Option(names = "--sample", paramLabel = "F", defaultValue = "1.0",
                description = "The fraction of calls the shadow runs on, in (0, 1] (default: ${DEFAULT-VALUE}).")
        double sample;

        @Option(names = "--timeout-ms", paramLabel = "MS", defaultValue = "2000",
                description = "A shadow call taking longer counts as failed (default: ${DEFAULT-VALUE}).")
        long timeoutMs;

        @Option(names = "--reason", paramLabel = "R", description = "Why, kept with the shadow.")
        String reason;

        @Override
        public Integer call() throws Exception {
            Store store = store();
            Map<String, Object> overlay = new LinkedHashMap<>();
            for (Map.Entry<String, String> e : set.entrySet()) {
                Json.Literal lit = (Json.Literal) Json.parseLiteralOrNull(e.getValue());
                overlay.put(e.getKey(), lit != null ? lit.value() : e.getValue());
            }
            byte[] code = null;
            if (from != null) {
                java.nio.file.Path file = env().cwd().resolve(from.toString());
                if (!java.nio.file.Files.isRegularFile(file)) {
                    throw dev.poet.PoetException.invalid("--from " + from + " is not a readable file");
                }
                if (java.nio.file.Files.size(file) > dev.poet.generate.CodeCheck.MAX_CODE_BYTES) {
                    throw dev.poet.PoetException.invalid("--from " + from + " is over the 1 MiB limit");
                }
                code = java.nio.file.Files.readAllBytes(file);
            }
            if (code == null && overlay.isEmpty()) {
                throw new picocli.CommandLine.ParameterException(spec.commandLine(),
                        "shadow start: give --set PARAM=VALUE, --from FILE.py, or both");
            }
            Map<String, Object> r = new ShadowTrials(store, eventLog(store)).start(function, code,
                    Python.locate(env().environment()), overlay, sample, timeoutMs,
                    reason != null ? reason : "started by hand", "person");
            if (json()) {
                printJson(r);
            } else {
                out().println(function + ": shadow " + r.get(Shadows.ID) + " started beside " + r.get(Shadows.LIVE) + ": "
                        + Shadows.describe(r) + "; 'poet shadow list' shows its score");
            }
            return 0;
        }
    }

    @Command(name = "promote",
            footer = {"", "Examples:", "  poet shadow promote detect_drift --reason \"reviewed the numbers\""},
            description = {"Make the function's shadow live now: a parameter revision of the live version with the"
                + " shadow's parameters (or its code, for a shadow started --from a file), whatever its score."})
    static final class Promote extends Base {
        @Parameters(paramLabel = "FUNCTION", description = "The function.")
        String function;

        @Option(names = "--reason", paramLabel = "R", description = "Why (default: promoted by hand).")
        String reason;

        @Override
        public Integer call() throws Exception {
            Store store = store();
            ShadowTrials.Ended e = new ShadowTrials(store, eventLog(store)).promote(function, null,
                    reason != null ? reason : "promoted by hand", null, Python.locate(env().environment()));
            print(this, e);
            return 0;
        }
    }

    @Command(name = "discard",
            footer = {"", "Examples:", "  poet shadow discard detect_drift --reason \"too slow\""},
            description = "Stop the function's shadow without making it live.")
    static final class Discard extends Base {
        @Parameters(paramLabel = "FUNCTION", description = "The function.")
        String function;

        @Option(names = "--reason", paramLabel = "R", description = "Why (default: discarded by hand).")
        String reason;

        @Override
        public Integer call() throws Exception {
            Store store = store();
            ShadowTrials.Ended e = new ShadowTrials(store, eventLog(store)).discard(function, null,
                    reason != null ? reason : "discarded by hand", null);
            print(this, e);
            return 0;
        }
    }

    static void print(Base cmd, ShadowTrials.Ended e) {
        if (cmd.json()) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("function", e.function());
            m.put("shadow", e.shadow());
            m.put("result", e.result());
            m.put("reason", e.reason());
            m.put("version", e.deployed() == null ? null : e.deployed().version());
            cmd.printJson(m);
        } else if (e.deployed() != null) {
            cmd.out().println(e.function() + ": shadow " + e.shadow() + " promoted; " + e.deployed().version() + " is live (was "
                    + e.deployed().previousVersion() + ")");
        } else {
            cmd.out().println(e.function() + ": shadow " + e.shadow() + " " + e.result());
        }
    }
}
