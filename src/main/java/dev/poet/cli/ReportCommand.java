package dev.poet.cli;

import dev.poet.report.HtmlReport;
import dev.poet.store.Names;
import dev.poet.store.Store;
import java.nio.file.Path;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(name = "report",
        description = {"Write a self-contained HTML report of FUNCTION, with charts.",
            "One file with inline SVG and no external requests: the versions side by side; false-positive and missed-drift"
                + " rates per day per version with deploys, rollbacks and parameter changes marked; alerts per day; time to"
                + " acknowledge; cost per execution; false-positive reasons; parameter changes with their measured impact;"
                + " the deploy history with reasons."},
        footer = {"", "Examples:", "  poet report detect_drift", "  poet report detect_drift -o /tmp/detect_drift.html && xdg-open /tmp/detect_drift.html"})
final class ReportCommand extends Base {
    @Parameters(paramLabel = "FUNCTION", description = "The function.")
    String function;

    @Option(names = {"-o", "--output"}, paramLabel = "FILE", defaultValue = "report.html",
            description = "Where to write it (default: ${DEFAULT-VALUE}); replaced atomically.")
    String output;

    @Override
    public Integer call() throws Exception {
        Names.function(function);
        Store store = store();
        if (!store.versions().exists(function)) {
            requireFunction(store, function);
        }
        Path out = env().cwd().resolve(output);
        long bytes = HtmlReport.write(store, function, out, env().clock().millis());
        if (json()) {
            printJson(java.util.Map.of("function", function, "file", out.toString(), "bytes", bytes));
        } else {
            out().println("Wrote " + out + " (" + (bytes + 1023) / 1024 + " KiB)");
        }
        return 0;
    }
}
