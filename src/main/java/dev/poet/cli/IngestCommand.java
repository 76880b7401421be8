package dev.poet.cli;

import dev.poet.PoetException;
import dev.poet.Status;
import dev.poet.analyze.Facts;
import dev.poet.event.Timestamps;
import dev.poet.integrate.AwsCost;
import dev.poet.integrate.BusinessMetrics;
import dev.poet.integrate.Ingest;
import dev.poet.integrate.Mlflow;
import dev.poet.json.Json;
import dev.poet.store.Names;
import dev.poet.store.Store;
import java.io.IOException;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(name = "ingest",
        footer = {"", "Examples:",
            "  poet ingest pagerduty webhooks.jsonl",
            "  poet ingest mlflow --tracking-uri http://mlflow:5000 --experiment-id 12",
            "  aws ce get-cost-and-usage ... --group-by Type=TAG,Key=poet:execution_id | poet ingest aws-cost"},
        description = {"Record outcomes from other systems, from files or stdin.",
            "Every item is accounted for: accepted (duplicates of events already delivered count once), ignored"
                + " with why, or rejected with where and why (one line each on stderr; exit 2 when any was rejected,"
                + " after recording the rest)."},
        subcommands = {IngestCommand.PagerDutyIngest.class, IngestCommand.SlackIngest.class, IngestCommand.MlflowIngest.class,
            IngestCommand.AwsCostIngest.class, IngestCommand.BusinessIngest.class, IngestCommand.RetrainIngest.class})
final class IngestCommand extends Base {
    static final int MAX_INPUT = 256 << 20;

    @Override
    public Integer call() {
        spec.commandLine().usage(out());
        return Status.INVALID.code();
    }

    /** What every ingester shares: input files (or - for stdin), --dry-run, and the report. */
    abstract static class Source extends Base {
        @Option(names = "--dry-run", description = "Convert and validate; record nothing.")
        boolean dryRun;

        List<Map.Entry<String, byte[]>> inputs(List<String> files) throws IOException {
            List<Map.Entry<String, byte[]>> out = new ArrayList<>();
            for (String f : files == null || files.isEmpty() ? List.of("-") : files) {
                out.add(Map.entry(f.equals("-") ? "stdin" : f, readInput(f, true, MAX_INPUT, "input")));
            }
            return out;
        }

        /** How one input becomes events. */
        interface Feeder {
            void feed(Ingest in, String name, byte[] input) throws IOException;
        }

        /** Every input through {@code feeder}, then the report. */
        int ingest(String source, List<String> files, Feeder feeder) throws IOException {
            Ingest in = open(source);
            for (Map.Entry<String, byte[]> i : inputs(files)) {
                feeder.feed(in, i.getKey(), i.getValue());
            }
            return finish(in);
        }

        private ProgressBar bar;

        /** An ingest with a progress bar on stderr when it is a terminal. */
        Ingest open(String source) {
            bar = new ProgressBar(env(), root().quiet());
            return new Ingest(eventLog(store()), source, dryRun).progress(bar);
        }

        int finish(Ingest in) {
            if (bar != null) {
                bar.close();
            }
            Ingest.Report r = in.report();
            for (String rej : r.rejected) {
                env().err().println("poet ingest " + r.source + ": rejected " + rej);
            }
            if (json()) {
                printJson(r.toMap());
            } else {
                StringBuilder b = new StringBuilder();
                b.append(r.source).append(": ").append(dryRun ? "would accept " : "accepted ").append(r.accepted);
                if (r.duplicates > 0) {
                    b.append(" (").append(r.duplicates).append(" already recorded)");
                }
                long ignored = r.ignored.values().stream().mapToLong(Long::longValue).sum();
                b.append(", ignored ").append(ignored).append(", rejected ").append(r.rejected.size());
                for (Map.Entry<String, Object> e : r.extra.entrySet()) {
                    b.append(", ").append(e.getKey().replace('_', ' ')).append(' ').append(e.getValue());
                }
                out().println(b);
                for (Map.Entry<String, Long> e : r.ignored.entrySet()) {
                    out().println("  ignored " + e.getValue() + ": " + e.getKey());
                }
            }
            return r.rejected.isEmpty() ? 0 : Status.INVALID.code();
        }
    }

    @Command(name = "pagerduty", description = {"PagerDuty V3 webhook payloads: one, an array, or JSON Lines.",
        "incident.triggered, .acknowledged and .resolved become alert.created, .acknowledged and .resolved; the incident"
            + " finds its execution by incident_key poet:<execution id> or by an earlier alert.created."},
            footer = {"", "Example:", "  poet ingest pagerduty webhooks-2026-11.jsonl"})
    static final class PagerDutyIngest extends Source {
        @Parameters(paramLabel = "FILE", arity = "0..*", description = "Input files; - or none for standard input.")
        List<String> files;

        @Override
        public Integer call() throws Exception {
            return ingest("pagerduty", files, Ingest::pagerduty);
        }
    }

    @Command(name = "slack", description = {"Slack interaction payloads (block_actions): JSON, or payload=... form bodies, one per line.",
        "A poet_false_positive or poet_real_drift button becomes a drift.validation (validation_source slack)."},
            footer = {"", "Example:", "  poet ingest slack interactions.jsonl"})
    static final class SlackIngest extends Source {
        @Parameters(paramLabel = "FILE", arity = "0..*", description = "Input files; - or none for standard input.")
        List<String> files;

        @Override
        public Integer call() throws Exception {
            return ingest("slack", files, Ingest::slack);
        }
    }

    @Command(name = "mlflow", description = {"MLflow runs tagged with a drift verdict, from the tracking server or saved responses.",
        "Runs whose tag poet.drift_validation is false_positive or real_drift become drift.validation"
            + " (validation_source mlflow_tags), tied to the execution by the tag poet.execution_id or the run id the"
            + " execution recorded. Authenticates with MLFLOW_TRACKING_TOKEN, or MLFLOW_TRACKING_USERNAME and _PASSWORD."},
            footer = {"", "Examples:",
                "  poet ingest mlflow --tracking-uri http://mlflow:5000 --experiment-id 12 --experiment-id 14",
                "  poet ingest mlflow runs-search-response.json"})
    static final class MlflowIngest extends Source {
        @Option(names = "--tracking-uri", paramLabel = "URL", description = "The tracking server (default: $MLFLOW_TRACKING_URI).")
        String trackingUri;

        @Option(names = "--experiment-id", paramLabel = "ID", description = "Experiments to search (repeatable).")
        List<String> experiments;

        @Option(names = "--tag", paramLabel = "KEY", defaultValue = Mlflow.VALIDATION_TAG,
                description = "The tag holding the verdict (default: ${DEFAULT-VALUE}).")
        String tag;

        @Option(names = "--timeout", paramLabel = "SECONDS", defaultValue = "60",
                description = "Per request (default: ${DEFAULT-VALUE}).")
        long timeout;

        @Parameters(paramLabel = "FILE", arity = "0..*", description = "Saved runs/search responses instead of the server.")
        List<String> files;

        @Override
        public Integer call() throws Exception {
            Ingest in = open("mlflow");
            String uri = trackingUri != null ? trackingUri : env().env("MLFLOW_TRACKING_URI");
            if (files != null && !files.isEmpty()) {
                for (Map.Entry<String, byte[]> i : inputs(files)) {
                    for (Map.Entry<String, Object> page : in.items(i.getKey(), i.getValue())) {
                        Mlflow.convert(in, page.getKey(), page.getValue(), tag);
                    }
                }
                return finish(in);
            }
            if (uri == null || !(uri.startsWith("http://") || uri.startsWith("https://"))) {
                throw PoetException.invalid("give --tracking-uri http(s)://... (or MLFLOW_TRACKING_URI), or saved response files");
            }
            if (experiments == null || experiments.isEmpty()) {
                throw PoetException.invalid("give at least one --experiment-id to search");
            }
            if (timeout < 1) {
                throw PoetException.invalid("--timeout must be at least 1 second");
            }
            List<Object> pages = Mlflow.fetch(new Mlflow.Search(URI.create(uri), experiments, tag, env().environment(),
                    Duration.ofSeconds(timeout)));
            int n = 0;
            for (Object page : pages) {
                Mlflow.convert(in, "page " + (++n), page, tag);
            }
            in.report().extra.put("pages", (long) pages.size());
            return finish(in);
        }
    }

    @Command(name = "aws-cost", description = {"AWS Cost Explorer GetCostAndUsage responses grouped by the tag poet:execution_id.",
        "Each group poet:execution_id$<id> becomes execution.cost_measured; cost without the tag is reported as untagged,"
            + " never attributed."},
            footer = {"", "Example:",
                "  aws ce get-cost-and-usage --time-period Start=2026-11-01,End=2026-11-02 --granularity DAILY \\",
                "    --metrics UnblendedCost --group-by Type=TAG,Key=poet:execution_id | poet ingest aws-cost"})
    static final class AwsCostIngest extends Source {
        @Option(names = "--metric", paramLabel = "NAME",
                description = "The cost metric (default: the first of UnblendedCost, AmortizedCost, BlendedCost present).")
        String metric;

        @Parameters(paramLabel = "FILE", arity = "0..*", description = "Input files; - or none for standard input.")
        List<String> files;

        @Override
        public Integer call() throws Exception {
            return ingest("aws-cost", files, (in, name, input) -> {
                for (Map.Entry<String, Object> item : in.items(name, input)) {
                    AwsCost.convert(in, item.getKey(), item.getValue(), metric);
                }
            });
        }
    }

    @Command(name = "business-metrics", description = {"Revenue and conversion around each alert, from a CSV of timestamped figures.",
        "Columns: timestamp, model, revenue, conversion_rate. For each alert of FUNCTION (correlated) whose window after it"
            + " the data covers, the change from the window before becomes drift.business_impact_measured."},
            footer = {"", "Example:", "  poet ingest business-metrics revenue.csv --function detect_drift --model checkout --window 24h"})
    static final class BusinessIngest extends Source {
        @Option(names = "--function", required = true, paramLabel = "FN", description = "Whose alerts to measure.")
        String function;

        @Option(names = "--model", paramLabel = "M", description = "Rows of this model (default: the function's name).")
        String model;

        @Option(names = "--window", paramLabel = "AGE", defaultValue = "24h",
                description = "Window before and after each alert (default: ${DEFAULT-VALUE}).")
        String window;

        @Parameters(paramLabel = "FILE", arity = "0..1", description = "The CSV; - or none for standard input.")
        String file;

        @Override
        public Integer call() throws Exception {
            Names.function(function);
            Duration w = Timestamps.parseAge(window, "--window");
            if (w.isZero()) {
                throw PoetException.invalid("--window must be longer than 0");
            }
            Store store = store();
            Ingest in = open("business-metrics");
            Map.Entry<String, byte[]> input = inputs(file == null ? null : List.of(file)).get(0);
            BusinessMetrics.convert(in, input.getKey(), input.getValue(), model != null ? model : function,
                    Facts.load(store, List.of(function)).of(function), w);
            return finish(in);
        }
    }

    @Command(name = "retrain", description = {"A model retraining (the seed's implicit action tracking), as model.retrained.",
        "A reason drift_alert_<execution id> ties it to the alert that caused it; correlation then derives a verdict"
            + " from whether the model got better. Give the options, or JSON objects (one, an array, or JSON Lines) with"
            + " model, reason, performance_before, performance_after, and optionally metric, mlflow_run_id, time."},
            footer = {"", "Examples:",
                "  poet ingest retrain --model churn --reason drift_alert_6f1c0d9e-... --before 0.81 --after 0.86 --metric auc",
                "  poet ingest retrain retrainings.jsonl"})
    static final class RetrainIngest extends Source {
        @Option(names = "--model", paramLabel = "M", description = "The model retrained.")
        String model;

        @Option(names = "--reason", paramLabel = "R", description = "Why; drift_alert_<execution id> ties it to an alert.")
        String reason;

        @Option(names = "--before", paramLabel = "X", description = "Model metric before retraining.")
        Double before;

        @Option(names = "--after", paramLabel = "Y", description = "Model metric after retraining.")
        Double after;

        @Option(names = "--metric", paramLabel = "NAME", description = "Metric name, e.g. auc.")
        String metric;

        @Option(names = "--mlflow-run-id", paramLabel = "ID", description = "MLflow run of the retraining.")
        String mlflowRun;

        @Parameters(paramLabel = "FILE", arity = "0..*", description = "JSON input instead of the options; - for standard input.")
        List<String> files;

        @Override
        public Integer call() throws Exception {
            Ingest in = open("retrain");
            if (reason != null || model != null || before != null || after != null) {
                if (reason == null || before == null || after == null) {
                    throw PoetException.invalid("--reason, --before and --after are required together");
                }
                Map<String, Object> m = new LinkedHashMap<>();
                if (model != null) {
                    m.put("model", model);
                }
                m.put("reason", reason);
                m.put("performance_before", before);
                m.put("performance_after", after);
                if (metric != null) {
                    m.put("metric", metric);
                }
                if (mlflowRun != null) {
                    m.put("mlflow_run_id", mlflowRun);
                }
                in.retrain("options", Json.encode(m));
            } else {
                for (Map.Entry<String, byte[]> i : inputs(files)) {
                    in.retrain(i.getKey(), i.getValue());
                }
            }
            return finish(in);
        }
    }
}
