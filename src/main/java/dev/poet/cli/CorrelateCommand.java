package dev.poet.cli;

import dev.poet.analyze.FactsSink;
import dev.poet.correlate.Correlator;
import dev.poet.correlate.RecordSink;
import dev.poet.event.Timestamps;
import dev.poet.store.Settings;
import dev.poet.store.Store;
import java.time.Duration;
import java.util.Map;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(name = "correlate",
        footer = {"", "Examples:",
            "  poet correlate",
            "  poet correlate --dry-run --json",
            "  poet correlate --orphan-ttl 36h"},
        description = {"Connect every pending outcome to the execution it is about.",
            "Each correlated event moves to the processed log.",
            "Keys, in order: the execution id; an alert id from alert.created; a PagerDuty incident id or dedup key"
                + " (poet:<execution_id>); an MLflow run id or tag poet.execution_id; a retraining reason"
                + " drift_alert_<execution_id>; an AWS cost tag poet:execution_id. Outcomes whose execution has not"
                + " arrived wait; after the orphan time-to-live they are quarantined in failed/ with the reason, as are"
                + " unreadable files. Running it again changes nothing; killing it at any moment loses nothing."})
final class CorrelateCommand extends Base {
    @Option(names = "--dry-run", description = "Report what would be done; change nothing.")
    boolean dryRun;

    @Option(names = "--orphan-ttl", paramLabel = "AGE",
            description = "How long an outcome waits for its execution (e.g. 7d, 36h); default: poet.json"
                    + " correlation.orphan_ttl_days, else 7 days.")
    String orphanTtl;

    @Option(names = "--batch-size", paramLabel = "N", defaultValue = "20000", hidden = true,
            description = "Events per processed segment.")
    int batchSize;

    @Override
    public Integer call() throws Exception {
        Store store = store();
        Duration ttl = orphanTtl != null ? Timestamps.parseAge(orphanTtl, "--orphan-ttl") : Settings.orphanTtl(store);
        Correlator.Options opts = Correlator.Options.defaults(ttl);
        opts = new Correlator.Options(dryRun, ttl, Math.max(1, batchSize), opts.threads());
        Correlator.Report r;
        try (ProgressBar bar = new ProgressBar(env(), root().quiet())) {
            r = new Correlator(store, env().clock(), dryRun ? RecordSink.NONE : FactsSink.open(store)).progress(bar).run(opts);
        }
        Map<String, Object> m = r.toMap(dryRun);
        if (json()) {
            printJson(m);
            return 0;
        }
        out().println((dryRun ? "would correlate " : "correlated ") + r.correlated
                + (r.derived > 0 ? " (+" + r.derived + " derived)" : "")
                + ", waiting " + r.waiting + ", orphaned " + r.orphaned + ", invalid " + r.invalid
                + ", duplicates " + r.duplicates
                + (r.duplicateVerdicts > 0 ? " (+" + r.duplicateVerdicts + " repeated verdicts kept, counted once)" : ""));
        if (!r.byKey.isEmpty() && root().verbose()) {
            out().println("matched by: " + r.byKey);
        }
        note("processed in total: " + r.processedTotal + " (" + r.millis + " ms)");
        return 0;
    }
}
