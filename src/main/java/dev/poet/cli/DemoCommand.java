package dev.poet.cli;

import dev.poet.demo.Demo;
import dev.poet.generate.Python;
import dev.poet.report.HtmlReport;
import dev.poet.store.Store;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(name = "demo",
        description = {"Run the learning loop end to end on a built-in sample.",
            "Puts a standard-library KS drift detector under poet, runs it with python3 on four weeks of generated data"
                + " (a weekly pattern and real drift episodes) while a simulated reviewer who knows the ground truth judges"
                + " its alerts, runs poet learn with the built-in params generator, runs two more weeks on the version it"
                + " deployed, prints both versions' false-positive and missed-drift rates, and writes the HTML report."
                + " No network, no model; a few seconds. Needs python3: without it, it says so and exits 2."},
        footer = {"", "Examples:", "  poet demo", "  poet demo --dir /tmp/poet-demo && cd /tmp/poet-demo && poet status"})
final class DemoCommand extends Base {
    @Option(names = "--dir", paramLabel = "DIR", defaultValue = "poet-demo",
            description = "Where (default: ./${DEFAULT-VALUE}); a directory that exists must be empty or an earlier demo's.")
    String dir;

    @Override
    @SuppressWarnings("unchecked")
    public Integer call() throws Exception {
        Path target = env().cwd().resolve(dir);
        Map<String, Object> holder = new LinkedHashMap<>();
        holder.put("pid", ProcessHandle.current().pid());
        holder.put("host", "demo");
        boolean quiet = root().quiet() || json();
        Demo.Result r;
        try (ProgressBar bar = new ProgressBar(env(), root().quiet())) {
            int[] step = {0};
            r = new Demo(env().io(), env().clock()).run(new Demo.Options(target, Python.locate(env().environment()),
                    holder, line -> {
                        bar.close();
                        if (!quiet) {
                            out().println("== " + line);
                            out().flush();
                        }
                        bar.update("demo", ++step[0], 5);
                    }));
        }
        Path report = r.dir().resolve("report.html");
        HtmlReport.write(Store.open(r.dir().resolve(Store.DIR_NAME), env().io()), "detect_drift", report, env().clock().millis());
        if (json()) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("dir", r.dir().toString());
            m.put("deployed", r.deployed());
            m.put("learned", r.learned());
            m.put("shadowed", r.shadowed());
            m.put("shadow", r.shadow());
            m.put("before", r.before());
            m.put("after", r.after());
            m.put("simulated_before", r.simulatedBefore());
            m.put("simulated_after", r.simulatedAfter());
            m.put("report", report.toString());
            printJson(m);
            return 0;
        }
        out().println();
        out().println("What poet learned from the reviewer's verdicts (deployed as " + r.deployed() + "):");
        for (String c : r.learned()) {
            out().println("  " + c);
        }
        if (!r.shadowed().isEmpty()) {
            out().println();
            out().println("Learned too, but not replayable from what the executions recorded, so it ran in shadow beside "
                    + r.deployed() + " in weeks 5-6 (the runtime called it on the same inputs; it alerted no one):");
            for (String c : r.shadowed()) {
                out().println("  " + c);
            }
            if (r.shadow() != null) {
                Object state = r.shadow().get("state");
                out().println("  poet learn judged it on the same executions: " + ("waiting".equals(state) ? "keeps waiting"
                        : state) + ": " + r.shadow().get("reason"));
            }
        }
        out().println();
        out().println("Before and after, as poet measured them from the verdicts (the reviewer is simulated: it knows the");
        out().println("data's ground truth, judges every alert and reports every missed drift):");
        out().println();
        Table t = new Table("", "v1, weeks 1-4", r.deployed() + ", weeks 5-6");
        t.row("false-positive rate", AnalyzeCommand.rateWithN(r.before().get("false_positive_rate")),
                AnalyzeCommand.rateWithN(r.after().get("false_positive_rate")));
        t.row("missed-drift rate", AnalyzeCommand.rateWithN(r.before().get("missed_drift_rate")),
                AnalyzeCommand.rateWithN(r.after().get("missed_drift_rate")));
        t.row("false alerts / exec", AnalyzeCommand.rateWithN(r.before().get("false_alerts_per_execution")),
                AnalyzeCommand.rateWithN(r.after().get("false_alerts_per_execution")));
        t.row("alerts", String.valueOf(r.simulatedBefore().get("alerts")) + " of " + r.simulatedBefore().get("executions")
                        + " executions",
                String.valueOf(r.simulatedAfter().get("alerts")) + " of " + r.simulatedAfter().get("executions") + " executions");
        t.print(out(), "  ");
        out().println();
        out().println("Report: " + report + " (open it in a browser)");
        out().println(String.format(Locale.ROOT, "Look around: cd %s && poet status && poet analyze detect_drift && poet config"
                + " history detect_drift", env().cwd().relativize(r.dir()).toString().isEmpty() ? "." : env().cwd().relativize(r.dir())));
        return 0;
    }
}
