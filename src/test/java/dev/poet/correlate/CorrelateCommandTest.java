package dev.poet.correlate;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.poet.json.Json;
import dev.poet.testing.Cli;
import dev.poet.testing.Trees;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Clock;
import java.time.ZoneOffset;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** poet correlate through the real command line on jimfs: specific outcomes land on specific executions. */
@SuppressWarnings("unchecked")
class CorrelateCommandTest {
    private Cli cli;

    @BeforeEach
    void init() {
        cli = Cli.jimfs();
        assertEquals(0, cli.run("init").code());
    }

    private void ok(String... args) {
        Cli.Result r = cli.run(args);
        assertEquals(0, r.code(), String.join(" ", args) + "\n" + r);
    }

    private void exec(String id, String... sets) {
        String[] base = {"record", "execution.completed", "--function", "detect_drift", "--function-version", "v1",
            "--execution-id", id, "--id", "x-" + id, "--set", "success=true", "--set", "duration_ms=5"};
        String[] args = new String[base.length + sets.length * 2];
        System.arraycopy(base, 0, args, 0, base.length);
        for (int i = 0; i < sets.length; i++) {
            args[base.length + 2 * i] = "--set";
            args[base.length + 2 * i + 1] = sets[i];
        }
        ok(args);
    }

    private Map<String, Object> correlate(String... extra) {
        String[] args = new String[extra.length + 2];
        args[0] = "--json";
        args[1] = "correlate";
        System.arraycopy(extra, 0, args, 2, extra.length);
        Cli.Result r = cli.run(args);
        assertEquals(0, r.code(), r.toString());
        return Json.parseObject(r.out().getBytes(StandardCharsets.UTF_8), "report");
    }

    /** Every processed record by event id. */
    private Map<String, Map<String, Object>> processed() {
        Cli.Result r = cli.run("--json", "events", "list", "--state", "processed");
        assertEquals(0, r.code(), r.toString());
        Map<String, Map<String, Object>> out = new HashMap<>();
        for (String line : r.out().lines().toList()) {
            Map<String, Object> e = Json.parseObject(line.getBytes(StandardCharsets.UTF_8), "line");
            assertNull(out.put((String) e.get("id"), e), "each event once in the processed log: " + e.get("id"));
        }
        return out;
    }

    private static Map<String, Object> corr(Map<String, Object> e) {
        return (Map<String, Object>) e.get("correlation");
    }

    private static Map<String, Object> data(Map<String, Object> e) {
        return (Map<String, Object>) e.get("data");
    }

    @Test
    void everyKeyTypeLandsOnItsExecution() {
        exec("e-direct");
        exec("e-alert");
        exec("e-incident");
        exec("e-dedup");
        exec("e-mlrun", "mlflow_run_id=run-77");
        exec("e-mltag");
        exec("e-retrain", "drift_detected=true");
        exec("e-cost");
        exec("e-cost2");
        ok("feedback", "--execution-id", "e-direct", "--false-positive", "--id", "fb-direct");
        ok("record", "alert.created", "--execution-id", "e-alert", "--set", "alert_id=A-1", "--id", "ac-1");
        ok("record", "alert.acknowledged", "--set", "alert_id=A-1", "--id", "ack-1", "--time", "2026-11-27T10:45:00Z");
        ok("record", "alert.created", "--execution-id", "e-incident", "--set", "alert_id=A-2", "--set", "incident_id=PQ1",
                "--id", "ac-2");
        ok("record", "alert.resolved", "--set", "alert_id=nope", "--set", "incident_id=PQ1", "--id", "res-2");
        ok("record", "alert.created", "--set", "alert_id=PD-3", "--set", "dedup_key=poet:e-dedup", "--id", "ac-3");
        ok("record", "drift.business_impact_measured", "--set", "mlflow_run_id=run-77", "--set", "revenue_impact=-120.5",
                "--id", "imp-ml");
        ok("record", "x.mlops.model_tagged", "--data", "{\"tags\": {\"poet.execution_id\": \"e-mltag\"}}", "--id", "tag-1");
        ok("record", "model.retrained", "--set", "reason=drift_alert_e-retrain", "--set", "performance_before=0.81",
                "--set", "performance_after=0.86", "--id", "rt-1");
        ok("record", "execution.cost_measured", "--data", "{\"cost_usd\": 0.42, \"tags\": {\"poet:execution_id\": \"e-cost\"}}",
                "--id", "cost-1");
        ok("record", "cost.measured", "--data", "{\"cost_usd\": 0.1, \"tag\": \"poet:execution_id$e-cost2\"}", "--id", "cost-2");

        Map<String, Object> report = correlate();
        assertEquals(0L, report.get("waiting"), report.toString());
        assertEquals(1L, report.get("derived"));
        Map<String, Map<String, Object>> p = processed();
        record Expect(String event, String execution, String matchedBy) {
        }
        for (Expect x : List.of(new Expect("fb-direct", "e-direct", "execution_id"),
                new Expect("ack-1", "e-alert", "alert_id"),
                new Expect("res-2", "e-incident", "incident_id"),
                new Expect("ac-3", "e-dedup", "dedup_key"),
                new Expect("imp-ml", "e-mlrun", "mlflow_run_id"),
                new Expect("tag-1", "e-mltag", "mlflow_tag"),
                new Expect("rt-1", "e-retrain", "retraining_reason"),
                new Expect("cost-1", "e-cost", "aws_cost_tag"),
                new Expect("cost-2", "e-cost2", "aws_cost_tag"))) {
            Map<String, Object> e = p.get(x.event());
            assertEquals(x.execution(), e.get("execution_id"), x.event());
            assertEquals(x.execution(), corr(e).get("execution_id"), x.event());
            assertEquals(x.matchedBy(), corr(e).get("matched_by"), x.event());
            assertEquals("detect_drift", e.get("function"), "function filled in from the execution");
            assertEquals("v1", e.get("version"));
        }
        assertEquals(2700.0, data(p.get("ack-1")).get("time_to_ack_s"), "45 minutes from alert.created at T0");

        Map<String, Object> derived = p.get("rt-1.retraining");
        assertEquals("drift.validation", derived.get("type"));
        assertEquals("e-retrain", derived.get("execution_id"));
        assertEquals(true, data(derived).get("was_real_drift"));
        assertEquals("retraining_outcome", data(derived).get("validation_source"));
        assertEquals(0.86 - 0.81, (Double) data(derived).get("performance_delta"), 1e-12);

        Map<String, Object> s = Json.parseObject(cli.run("--json", "status").out().getBytes(StandardCharsets.UTF_8), "s");
        Map<String, Object> events = (Map<String, Object>) s.get("events");
        assertEquals(0L, events.get("pending"));
        assertEquals((long) p.size(), events.get("processed"));
    }

    @Test
    void outcomesWaitForTheirExecutionThenCorrelate() {
        ok("feedback", "--execution-id", "late", "--real-drift", "--id", "fb-early");
        Map<String, Object> first = correlate();
        assertEquals(1L, first.get("waiting"));
        assertEquals(0L, first.get("correlated"));
        assertTrue(Files.exists(cli.store().resolve("events/pending/feedback_fb-early.json")),
                "an early feedback waits in pending/");
        exec("late");
        Map<String, Object> second = correlate();
        assertEquals(2L, second.get("correlated"));
        assertEquals(0L, second.get("waiting"));
        assertEquals("late", processed().get("fb-early").get("execution_id"));
    }

    @Test
    void anAcknowledgementBeforeItsAlertWaitsForTheAlertAndGetsItsTimeToAck() {
        exec("e1");
        ok("record", "alert.acknowledged", "--set", "alert_id=A9", "--id", "ack-9", "--time", "2026-11-27T10:10:00Z");
        assertEquals(1L, correlate().get("waiting"));
        ok("record", "alert.created", "--execution-id", "e1", "--set", "alert_id=A9", "--id", "ac-9",
                "--time", "2026-11-27T10:00:00Z");
        correlate();
        assertEquals(600.0, data(processed().get("ack-9")).get("time_to_ack_s"));
    }

    @Test
    void orphansPastTheirTimeToLiveAndUnreadableFilesAreQuarantinedWithTheReason() throws IOException {
        ok("feedback", "--execution-id", "never-seen", "--false-positive", "--id", "orphan-1");
        ok("feedback", "--execution-id", "never-seen-2", "--false-positive", "--id", "young-1");
        Path old = cli.store().resolve("events/pending/feedback_orphan-1.json");
        Files.setLastModifiedTime(old, FileTime.from(Cli.T0.minusSeconds(8 * 86400)));
        // an hour old on the test's clock, whatever the real time (it was "now", which passed T0 on T0's day)
        Files.setLastModifiedTime(cli.store().resolve("events/pending/feedback_young-1.json"),
                FileTime.from(Cli.T0.minusSeconds(3600)));
        Path torn = cli.store().resolve("events/pending/feedback_TORN.json");
        Files.writeString(torn, "{\"id\":\"TORN\",\"type\":\"drift.va");
        byte[] tornBytes = Files.readAllBytes(torn);

        Map<String, Object> r = correlate();
        assertEquals(1L, r.get("orphaned"));
        assertEquals(1L, r.get("invalid"));
        assertEquals(1L, r.get("waiting"));
        Path failed = cli.store().resolve("events/failed");
        assertTrue(Files.exists(failed.resolve("feedback_orphan-1.json")), "the orphan is in failed/");
        assertTrue(Files.exists(cli.store().resolve("events/pending/feedback_young-1.json")),
                "the young outcome still waits in pending/");
        assertTrue(cli.read(failed.resolve("feedback_orphan-1.json.reason"))
                .contains("orphaned: no execution found for it within 7 days (tried execution_id never-seen)"), "the orphan's reason file says why");
        assertEquals(new String(tornBytes, StandardCharsets.UTF_8), cli.read(failed.resolve("feedback_TORN.json")),
                "nothing is deleted: the unreadable file is kept as it was");
        assertTrue(cli.read(failed.resolve("feedback_TORN.json.reason")).contains("invalid: feedback_TORN.json is not valid JSON"),
                "the torn file's reason file says why");

        Cli.Result shown = cli.run("--json", "events", "show", "orphan-1");
        assertTrue(shown.out().contains("\"state\":\"failed\"") && shown.out().contains("\"reason\":\"orphaned:"), shown.out());
        Map<String, Object> s = Json.parseObject(cli.run("--json", "status").out().getBytes(StandardCharsets.UTF_8), "s");
        assertEquals(2L, ((Map<String, Object>) s.get("events")).get("failed"), "reason files are not counted as events");

        Map<String, Object> ttl = correlate("--orphan-ttl", "1s");
        assertEquals(1L, ttl.get("orphaned"), "--orphan-ttl overrides poet.json");
    }

    @Test
    void repeatedIdsAndRepeatedVerdictsCountOnceAndConflictsAreKept() throws IOException {
        exec("e1");
        ok("feedback", "--execution-id", "e1", "--false-positive", "--source", "cli", "--id", "v-cli");
        correlate();
        ok("feedback", "--execution-id", "e1", "--false-positive", "--source", "cli", "--id", "v-cli");
        assertTrue(Files.exists(cli.store().resolve("events/pending/feedback_v-cli.json")), "delivered again");
        cli.clock = Clock.fixed(Cli.T0.plusSeconds(60), ZoneOffset.UTC);
        ok("feedback", "--execution-id", "e1", "--false-positive", "--source", "slack", "--id", "v-slack");
        cli.clock = Clock.fixed(Cli.T0.plusSeconds(120), ZoneOffset.UTC);
        ok("feedback", "--execution-id", "e1", "--real-drift", "--source", "pagerduty", "--id", "v-conflict");
        Map<String, Object> r = correlate();
        assertEquals(1L, r.get("duplicates"), "the same event id is dropped");
        assertEquals(2L, r.get("correlated"));
        assertEquals(1L, r.get("duplicate_verdicts"));
        Map<String, Map<String, Object>> p = processed();
        assertEquals("v-cli", corr(p.get("v-slack")).get("duplicate_of"), "the same verdict from a second system counts once");
        assertFalse(corr(p.get("v-conflict")).containsKey("duplicate_of"), "a conflicting verdict is kept");
        Cli.Result all = cli.run("--json", "events", "show", "e1");
        assertEquals(4, all.out().lines().count(), "events show with an execution id shows the execution and every verdict");
    }

    @Test
    void aBatchDismissalIsExpandedWithWhatItsAlertsHaveInCommon() {
        exec("e1", "feature=amount", "test=ks", "drift_detected=true");
        exec("e2", "feature=amount", "test=psi", "drift_detected=true");
        exec("e3", "feature=country", "test=ks", "drift_detected=true");
        for (int i = 1; i <= 3; i++) {
            ok("record", "alert.created", "--execution-id", "e" + i, "--set", "alert_id=A" + i, "--id", "ac" + i);
        }
        ok("feedback", "--execution-id", "e1", "--false-positive", "--reason", "seasonal_pattern", "--id", "f1");
        ok("feedback", "--execution-id", "e2", "--false-positive", "--reason", "seasonal_pattern", "--id", "f2");
        ok("record", "alert.batch_dismissed", "--set", "alert_ids=[\"A1\",\"A2\",\"A3\"]", "--set", "dismissed_by=bob",
                "--id", "batch-1");
        correlate();
        Map<String, Object> b = processed().get("batch-1");
        assertEquals(List.of("e1", "e2", "e3"), corr(b).get("execution_ids"));
        Map<String, Object> patterns = (Map<String, Object>) data(b).get("common_patterns");
        assertEquals(Map.of("value", "amount", "count", 2L, "share", 2.0 / 3), patterns.get("feature"));
        assertEquals(Map.of("value", "ks", "count", 2L, "share", 2.0 / 3), patterns.get("test"));
        assertEquals(Map.of("value", 10L, "count", 3L, "share", 1.0), patterns.get("hour_of_day"));
        assertEquals(Map.of("value", "v1", "count", 3L, "share", 1.0), patterns.get("version"));
        assertEquals(Map.of("value", "seasonal_pattern", "count", 2L, "share", 2.0 / 3), patterns.get("reason"));
    }

    @Test
    void aSecondRunChangesNothingAndDryRunChangesNothing() {
        exec("e1");
        ok("feedback", "--execution-id", "e1", "--real-drift");
        ok("feedback", "--execution-id", "unknown", "--real-drift");
        var before = Trees.snapshot(cli.store());
        Map<String, Object> dry = correlate("--dry-run");
        assertEquals(2L, dry.get("correlated"));
        assertEquals(before, Trees.snapshot(cli.store()), "--dry-run writes nothing");
        correlate();
        var after = Trees.snapshot(cli.store());
        Map<String, Object> again = correlate();
        assertEquals(0L, again.get("correlated"));
        assertEquals(1L, again.get("waiting"));
        assertEquals(after, Trees.snapshot(cli.store()), "a second run changes nothing");
    }

    @Test
    void theIndexIsRebuiltFromTheProcessedLogWhenItsCheckpointIsGone() throws IOException {
        exec("e1", "mlflow_run_id=r1");
        ok("record", "alert.created", "--execution-id", "e1", "--set", "alert_id=A1");
        correlate();
        Files.delete(cli.store().resolve("index/correlation.bin"));
        ok("record", "alert.acknowledged", "--set", "alert_id=A1", "--id", "ack");
        ok("record", "x.ml.note", "--set", "mlflow_run_id=r1", "--id", "note");
        Map<String, Object> r = correlate();
        assertEquals(2L, r.get("correlated"), r.toString());
        Files.writeString(cli.store().resolve("index/correlation.bin"), "garbage");
        ok("feedback", "--execution-id", "e1", "--real-drift", "--id", "fb");
        assertEquals(1L, correlate().get("correlated"), "an unreadable checkpoint is rebuilt, not trusted");
        assertEquals(5, processed().size());
    }

    @Test
    void functionLevelEventsAreProcessedWithoutAnExecution() throws IOException {
        cli.write("f.py", "def detect_drift(a, b):\n    return {}\n");
        ok("enhance", "detect_drift", "--from", "f.py");
        ok("record", "config.changed", "--function", "detect_drift", "--set", "parameter=threshold", "--set", "old_value=0.05",
                "--set", "new_value=0.01", "--id", "cfg");
        Map<String, Object> r = correlate();
        assertEquals(4L, r.get("correlated"));
        assertEquals(Map.of("function", 4L), r.get("by_key"));
        assertEquals("function", corr(processed().get("cfg")).get("matched_by"));
        try (Stream<Path> s = Files.list(cli.store().resolve("events/pending"))) {
            assertEquals(0, s.count());
        }
    }
}
