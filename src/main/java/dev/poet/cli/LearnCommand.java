package dev.poet.cli;

import dev.poet.generate.Python;
import dev.poet.learn.Learner;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Paths;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

@Command(name = "learn",
        description = {"One pass of the learning loop, for cron.",
            "Under a store-wide lock: removes stale tmp/ files and processed batches, correlates, and for each function"
                + " measures the parameter changes whose after-window completed since the last pass"
                + " (config.impact_measured), judges the version on probation (rolls it back when significantly worse"
                + " than its predecessor, false alerts per execution included), analyses the live version and regenerates"
                + " where an improvement rule fires; the summary gives each live version's alerts and false alerts per"
                + " execution, a learned rule's figures on later executions, and why nothing was learned when"
                + " parameters cannot help."
                + " A second run while one is going exits 75 at once, naming the holder; a run killed at any moment"
                + " leaves a consistent store and the next pass finishes its work. Exits 0 when all went well, even if"
                + " nothing needed changing; otherwise with the first problem's code, each problem on stderr."},
        footer = {"", "Examples:",
            "  poet learn",
            "  poet learn --dry-run",
            "  poet -q learn          # in cron: silent unless something went wrong",
            "  17 * * * * cd /srv/models && poet -q learn"})
final class LearnCommand extends Base {
    @Mixin
    GeneratorOptions generatorOptions;

    @Option(names = "--dry-run", description = "Say what a pass would do; change nothing.")
    boolean dryRun;

    @Override
    @SuppressWarnings("unchecked")
    public Integer call() throws Exception {
        var store = store();
        Map<String, Object> holder = new LinkedHashMap<>();
        holder.put("pid", ProcessHandle.current().pid());
        holder.put("host", host());
        Learner.Pass pass;
        try (ProgressBar bar = new ProgressBar(env(), root().quiet())) {
            pass = new Learner(store, eventLog(store)).run(new Learner.Options(dryRun, generatorOptions.overrides(),
                    env().environment(), Python.locate(env().environment()), holder, bar));
        }
        for (String p : pass.problems()) {
            env().err().println("poet learn: " + p);
        }
        if (json()) {
            printJson(pass.summary());
        } else if (!root().quiet()) {
            print(pass.summary());
        }
        return pass.status().code();
    }

    private String host() {
        String h = env().env("HOSTNAME");
        if (h != null && !h.isBlank()) {
            return h.strip();
        }
        try {
            return Files.readString(Paths.get("/proc/sys/kernel/hostname"), StandardCharsets.UTF_8).strip();
        } catch (Exception e) {
            return "localhost";
        }
    }

    @SuppressWarnings("unchecked")
    private void print(Map<String, Object> s) {
        Map<String, Object> c = (Map<String, Object>) s.get("correlated");
        Map<?, ?> took = (Map<?, ?>) s.get("took_over");
        if (took != null) {
            out().println("took over from an interrupted run (pid " + took.get("pid") + " on " + took.get("host") + " since "
                    + took.get("since") + ")");
        }
        out().println((dryRun ? "would correlate " : "correlated ") + c.get("correlated") + ", waiting " + c.get("waiting")
                + ", orphaned " + c.get("orphaned") + ", invalid " + c.get("invalid"));
        for (Object o : (List<Object>) s.get("functions")) {
            Map<String, Object> f = (Map<String, Object>) o;
            StringBuilder b = new StringBuilder();
            b.append(f.get("function")).append(' ').append(f.get("version") == null ? "" : f.get("version")).append(": ");
            if (f.get("problem") != null) {
                out().println(b.append("problem: ").append(f.get("problem")));
                continue;
            }
            Map<String, Object> p = (Map<String, Object>) f.get("probation");
            if (p != null && !"none".equals(p.get("state"))) {
                b.append("probation ").append(p.get("state")).append(" (").append(p.get("reason")).append("); ");
            }
            List<Object> impacts = (List<Object>) f.get("impacts_measured");
            if (impacts != null && !impacts.isEmpty()) {
                b.append(impacts.size()).append(" config impact(s) measured; ");
            }
            Map<String, Object> r = (Map<String, Object>) f.get("regeneration");
            List<Object> fired = (List<Object>) f.get("rules_fired");
            if (fired == null || fired.isEmpty()) {
                b.append("no improvement rule fired");
            } else {
                b.append("rules fired: ").append(fired.size()).append("; ").append(r.get("result"));
                if (r.get("version") != null) {
                    b.append(' ').append(r.get("version")).append(" (").append(r.get("generator")).append(')');
                }
            }
            out().println(b);
            Map<String, Object> burden = (Map<String, Object>) f.get("burden");
            if (burden != null) {
                out().println("  alerts per execution " + AnalyzeCommand.rateWithN(burden.get("alerts_per_execution"))
                        + "; false alerts per execution " + AnalyzeCommand.rateWithN(burden.get("false_alerts_per_execution")));
            }
            if (r != null && r.get("changes") instanceof List) {
                boolean shadowStarted = r.get("shadow") instanceof Map && !((Map<String, Object>) r.get("shadow")).containsKey("note");
                for (Object ch : (List<Object>) r.get("changes")) {
                    boolean inShadow = shadowStarted && dev.poet.learn.Switches.isChange(String.valueOf(ch));
                    out().println("  " + (inShadow ? "in shadow: " : "") + ch);
                }
            }
            if (f.get("shadow") instanceof Map) {
                Map<String, Object> sh = (Map<String, Object>) f.get("shadow");
                Object state = sh.get("state");
                out().println("  shadow " + sh.get("shadow") + ": " + ("waiting".equals(state) ? "keeps waiting" : state)
                        + (sh.get("deployed") != null ? " as " + sh.get("deployed") : "") + " (" + sh.get("reason") + ")");
            }
            if (r != null && r.get("diagnosis") != null) {
                out().println("  diagnosis: " + r.get("diagnosis"));
            }
            if (r != null && r.get("attempts") instanceof List) {
                for (Object a : (List<Object>) r.get("attempts")) {
                    Map<String, Object> at = (Map<String, Object>) a;
                    out().println("  " + at.get("generator") + ": " + at.get("result"));
                }
            }
        }
        out().println((dryRun ? "dry run: nothing changed; " : "") + "took " + s.get("duration_ms") + " ms");
    }
}
