package dev.poet.integrate;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.net.httpserver.HttpServer;
import dev.poet.json.Json;
import dev.poet.testing.Cli;
import dev.poet.testing.Maps;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** poet ingest and poet dismiss: realistic payloads of each system, end to end into correlated events. */
class IngestTest {
    Cli cli;
    static final String E1 = "exec-0001";
    static final String E2 = "exec-0002";

    private Cli.Result ok(String... args) {
        Cli.Result r = cli.run(args);
        assertEquals(0, r.code(), String.join(" ", args) + "\n" + r);
        return r;
    }

    private void execution(String id, String time, boolean alert, String mlflowRun) {
        List<String> args = new ArrayList<>(List.of("record", "execution.completed", "--function", "detect_drift",
                "--function-version", "v1", "--execution-id", id, "--set", "success=true", "--set", "duration_ms=3",
                "--set", "drift_detected=" + alert, "--time", time));
        if (mlflowRun != null) {
            args.addAll(List.of("--set", "mlflow_run_id=" + mlflowRun));
        }
        ok(args.toArray(new String[0]));
    }

    @BeforeEach
    void store() {
        cli = Cli.jimfs();
        cli.clock = Clock.fixed(Instant.parse("2026-11-27T10:00:00Z"), ZoneOffset.UTC);
        ok("init");
        execution(E1, "2026-11-25T12:00:00Z", true, "a1b2c3d4e5f6");
        execution(E2, "2026-11-26T12:00:00Z", true, null);
    }

    private static Map<String, Object> json(String s) {
        return Json.parseObject(s.getBytes(StandardCharsets.UTF_8), "out");
    }

    private List<Map<String, Object>> events(String type) {
        return cli.run("--json", "events", "list", "--type", type).out().lines().map(IngestTest::json).toList();
    }

    private static String enc(Object o) {
        return new String(Json.encode(o), StandardCharsets.UTF_8);
    }

    @Test
    void pagerDutyFilesArraysAndJsonLinesWithEveryItemAccountedFor() {
        String triggered = ServeTest.pagerDuty("d-1", "incident.triggered", "2026-11-25T12:00:10Z", "poet:" + E1);
        String acked = ServeTest.pagerDuty("d-2", "incident.acknowledged", "2026-11-25T12:30:10Z", null);
        String annotated = ServeTest.pagerDuty("d-3", "incident.annotated", "2026-11-25T12:31:00Z", null);
        cli.write("pd.jsonl", triggered + "\n" + acked + "\n{broken\n" + annotated + "\n" + acked + "\n");
        Cli.Result r = cli.run("--json", "ingest", "pagerduty", "pd.jsonl");
        assertEquals(2, r.code(), "a rejected line is reported and exits 2, after recording the rest: " + r);
        Map<String, Object> report = json(r.out());
        assertEquals(3L, report.get("accepted"));
        assertEquals(1L, report.get("duplicates"));
        assertEquals(Map.of("PagerDuty event type incident.annotated is not used by poet", 1L), report.get("ignored"));
        assertEquals(1, ((List<?>) report.get("rejected")).size());
        assertTrue(r.err().startsWith("poet ingest pagerduty: rejected pd.jsonl line 3: not JSON"), r.err());
        cli.write("pd.json", "[" + triggered + "]");
        Cli.Result again = ok("ingest", "pagerduty", "pd.json");
        assertEquals("pagerduty: accepted 1 (1 already recorded), ignored 0, rejected 0\n", again.out());
        ok("correlate");
        Map<String, Object> ack = events("alert.acknowledged").get(0);
        assertEquals(E1, ack.get("execution_id"));
        assertEquals(1800.0, ((Number) ((Map<?, ?>) ack.get("data")).get("time_to_ack_s")).doubleValue());
    }

    @Test
    void slackFormBodiesAndJson() {
        String form = "payload=" + URLEncoder.encode(enc(Maps.of("type", "block_actions", "user", Maps.of("id", "U1", "username", "bob"),
                "actions", List.of(Maps.of("action_id", "poet_real_drift", "value", E2, "type", "button",
                        "action_ts", "1764158400.000100")))), StandardCharsets.UTF_8);
        String other = enc(Maps.of("type", "view_submission", "user", Maps.of("id", "U1")));
        cli.write("slack.txt", form + "\n");
        cli.write("slack.json", other);
        Cli.Result r = ok("--json", "ingest", "slack", "slack.txt", "slack.json");
        assertEquals(1L, json(r.out()).get("accepted"));
        assertEquals(Map.of("Slack interaction type view_submission is not used by poet", 1L), json(r.out()).get("ignored"));
        ok("correlate");
        Map<String, Object> v = events("drift.validation").get(0);
        assertEquals(E2, v.get("execution_id"));
        assertEquals("bob", ((Map<?, ?>) v.get("data")).get("validator"));
        assertEquals(true, ((Map<?, ?>) v.get("data")).get("was_real_drift"));
    }

    /** Two pages from a server answering runs/search as MLflow does, the second found by next_page_token. */
    @Test
    @SuppressWarnings("unchecked")
    void mlflowRunsTaggedWithVerdictsFromTheTrackingServer() throws IOException {
        List<Map<String, Object>> requests = new ArrayList<>();
        HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.createContext("/api/2.0/mlflow/runs/search", ex -> {
            Map<String, Object> req = Json.parseObject(ex.getRequestBody().readAllBytes(), "request");
            requests.add(req);
            Object page;
            if (req.get("page_token") == null) {
                page = Maps.of("runs", List.of(run("a1b2c3d4e5f6", 1764072000000L, List.of(
                        tag("poet.drift_validation", "false_positive"), tag("poet.reason", "seasonal_pattern"),
                        tag("mlflow.user", "carol"), tag("mlflow.runName", "drift-check-1125")))),
                        "next_page_token", "eyJvZmZzZXQiOiAxfQ==");
            } else {
                page = Maps.of("runs", List.of(run("ffee00112233", 1764158400000L, List.of(
                        tag("poet.drift_validation", "real_drift"), tag("poet.execution_id", E2))),
                        run("99887766", 1764158400000L, List.of(tag("poet.drift_validation", "maybe")))));
            }
            byte[] out = Json.encode(page);
            ex.getResponseHeaders().add("Content-Type", "application/json");
            ex.sendResponseHeaders(200, out.length);
            try (OutputStream os = ex.getResponseBody()) {
                os.write(out);
            }
        });
        server.start();
        try {
            cli.env.put("MLFLOW_TRACKING_TOKEN", "dapi123");
            Cli.Result r = cli.run("--json", "ingest", "mlflow", "--tracking-uri",
                    "http://127.0.0.1:" + server.getAddress().getPort(), "--experiment-id", "12");
            assertEquals(2, r.code(), r.toString());
            Map<String, Object> report = json(r.out());
            assertEquals(2L, report.get("accepted"), r.toString());
            assertEquals(2L, report.get("pages"));
            assertTrue(r.err().contains("poet.drift_validation is 'maybe'; expected false_positive or real_drift"), r.err());
            assertEquals(List.of("12"), requests.get(0).get("experiment_ids"));
            assertEquals("tags.`poet.drift_validation` LIKE '%'", requests.get(0).get("filter"));
            assertEquals("eyJvZmZzZXQiOiAxfQ==", requests.get(1).get("page_token"));
        } finally {
            server.stop(0);
        }
        ok("correlate");
        List<Map<String, Object>> verdicts = events("drift.validation");
        assertEquals(2, verdicts.size());
        for (Map<String, Object> v : verdicts) {
            Map<String, Object> d = (Map<String, Object>) v.get("data");
            assertEquals("mlflow_tags", d.get("validation_source"));
            if (Boolean.FALSE.equals(d.get("was_real_drift"))) {
                assertEquals(E1, v.get("execution_id"), "by the run id the execution recorded");
                assertEquals("carol", d.get("validator"));
                assertEquals("seasonal_pattern", d.get("reason"));
            } else {
                assertEquals(E2, v.get("execution_id"), "by the poet.execution_id tag");
            }
        }
    }

    @Test
    void mlflowSavedResponses() {
        cli.write("runs.json", enc(Maps.of("runs", List.of(run("a1b2c3d4e5f6", 1764072000000L,
                List.of(tag("poet.drift_validation", "real_drift")))))));
        Cli.Result r = ok("ingest", "mlflow", "runs.json");
        assertEquals("mlflow: accepted 1, ignored 0, rejected 0\n", r.out());
        assertEquals("mlflow: accepted 1 (1 already recorded), ignored 0, rejected 0\n", ok("ingest", "mlflow", "runs.json").out());
        ok("correlate");
        assertEquals(E1, events("drift.validation").get(0).get("execution_id"));
    }

    private static Map<String, Object> run(String id, long end, List<Object> tags) {
        Map<String, Object> info = Maps.of("run_id", id, "run_uuid", id, "experiment_id", "12", "run_name", "drift-check",
                "user_id", "carol", "status", "FINISHED", "start_time", end - 60_000, "end_time", end,
                "artifact_uri", "s3://mlflow/12/" + id + "/artifacts", "lifecycle_stage", "active");
        Map<String, Object> data = Maps.of("metrics", List.of(Maps.of("key", "ks_p_value", "value", 0.003,
                "timestamp", end, "step", 0L)), "params", List.of(Maps.of("key", "threshold", "value", "0.05")), "tags", tags);
        return Maps.of("info", info, "data", data, "inputs", Maps.of());
    }

    private static Map<String, Object> tag(String k, String v) {
        return Maps.of("key", k, "value", v);
    }

    @Test
    @SuppressWarnings("unchecked")
    void awsCostGroupedByTheExecutionTag() {
        Map<String, Object> response = Maps.of("GroupDefinitions", List.of(Maps.of("Type", "TAG", "Key", "poet:execution_id")),
                "ResultsByTime", List.of(Maps.of("TimePeriod", Maps.of("Start", "2026-11-25", "End", "2026-11-26"),
                        "Total", Maps.of(), "Groups", List.of(
                                group("poet:execution_id$", "4.20"),
                                group("poet:execution_id$" + E1, "0.0123"),
                                group("poet:execution_id$" + E2, "0.0456"),
                                Maps.of("Keys", List.of("poet:execution_id$exec-x"), "Metrics",
                                        Maps.of("UnblendedCost", Maps.of("Amount", "1.5", "Unit", "EUR")))),
                        "Estimated", true)),
                "DimensionValueAttributes", List.of());
        cli.write("cost.json", enc(response));
        Cli.Result r = cli.run("--json", "ingest", "aws-cost", "cost.json");
        assertEquals(2, r.code(), r.toString());
        Map<String, Object> report = json(r.out());
        assertEquals(2L, report.get("accepted"));
        assertEquals(4.2, report.get("untagged_cost_usd"));
        assertTrue(r.err().contains("UnblendedCost is in EUR, not USD"), r.err());
        ok("correlate");
        List<Map<String, Object>> costs = events("execution.cost_measured");
        assertEquals(2, costs.size());
        Map<String, Object> c1 = costs.stream().filter(c -> E1.equals(c.get("execution_id"))).findFirst().orElseThrow();
        assertEquals(0.0123, ((Map<String, Object>) c1.get("data")).get("cost_usd"));
        assertEquals("2026-11-25/2026-11-26", ((Map<String, Object>) c1.get("data")).get("period"));
    }

    private static Map<String, Object> group(String key, String amount) {
        return Maps.of("Keys", List.of(key), "Metrics", Maps.of("UnblendedCost", Maps.of("Amount", amount, "Unit", "USD")));
    }

    @Test
    @SuppressWarnings("unchecked")
    void businessMetricsAroundEachAlert() {
        ok("correlate");
        StringBuilder csv = new StringBuilder("timestamp,model,revenue,conversion_rate\n");
        Instant t = Instant.parse("2026-11-24T12:00:00Z");
        for (int h = 0; h < 24 * 3 + 1; h++) {
            Instant at = t.plus(Duration.ofHours(h));
            boolean afterE1 = !at.isBefore(Instant.parse("2026-11-25T12:00:00Z"));
            csv.append(at).append(",checkout,").append(afterE1 ? "90" : "100").append(',').append(afterE1 ? "0.030" : "0.035").append('\n');
            csv.append(at).append(",other,5,0.1\n");
        }
        cli.write("biz.csv", csv.toString());
        Cli.Result r = ok("--json", "ingest", "business-metrics", "biz.csv", "--function", "detect_drift", "--model", "checkout");
        Map<String, Object> report = json(r.out());
        assertEquals(2L, report.get("accepted"), r.out());
        ok("correlate");
        Map<String, Object> e1 = events("drift.business_impact_measured").stream()
                .filter(e -> E1.equals(e.get("execution_id"))).findFirst().orElseThrow();
        Map<String, Object> d = (Map<String, Object>) e1.get("data");
        assertEquals(-240.0, ((Number) d.get("revenue_impact")).doubleValue(), 1e-9, "24 hours at 90 instead of 100");
        assertEquals(-0.005, ((Number) d.get("conversion_impact")).doubleValue(), 1e-9);
        assertEquals("24h", d.get("period"));
    }

    @Test
    void retrainingAndBatchDismissal() {
        ok("ingest", "retrain", "--model", "churn", "--reason", "drift_alert_" + E1, "--before", "0.81", "--after", "0.86",
                "--metric", "auc");
        ok("dismiss", "A-1", "A-2", "--reason", "weekend noise", "--by", "alice");
        ok("record", "alert.created", "--execution-id", E1, "--set", "alert_id=A-1");
        ok("record", "alert.created", "--execution-id", E2, "--set", "alert_id=A-2");
        ok("correlate");
        assertEquals(E1, events("model.retrained").get(0).get("execution_id"));
        Map<String, Object> dismissed = events("alert.batch_dismissed").get(0);
        assertEquals(List.of("A-1", "A-2"), ((Map<?, ?>) dismissed.get("data")).get("alert_ids"));
        Cli.Result bad = cli.run("ingest", "retrain", "--reason", "x");
        assertEquals(2, bad.code());
        assertEquals("poet: --reason, --before and --after are required together\n", bad.err());
    }
}
