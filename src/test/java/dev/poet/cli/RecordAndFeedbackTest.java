package dev.poet.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.poet.event.EventCodec;
import dev.poet.json.Json;
import dev.poet.testing.Cli;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class RecordAndFeedbackTest {
    private Cli cli;

    @BeforeEach
    void init() {
        cli = Cli.jimfs();
        assertEquals(0, cli.run("init").code());
    }

    private List<Path> pending() throws IOException {
        try (Stream<Path> s = Files.list(cli.store().resolve("events/pending"))) {
            return s.sorted().toList();
        }
    }

    private Map<String, Object> onlyPendingEvent() throws IOException {
        List<Path> files = pending();
        assertEquals(1, files.size(), files.toString());
        return Json.parseObject(Files.readAllBytes(files.get(0)), "event");
    }

    @Test
    void feedbackRecordsADriftValidationAndPrintsItsId() throws IOException {
        Cli.Result r = cli.run("feedback", "--execution-id", "6f1c0d9e-6b1f", "--false-positive",
                "--reason", "seasonal_pattern", "--context", "christmas_shopping_spike");
        assertEquals(0, r.code(), r.toString());
        String id = r.out().trim();
        assertTrue(id.matches("[0-9A-Z]{26}"), id);
        Path file = cli.store().resolve("events/pending/feedback_" + id + ".json");
        assertEquals(List.of(file), pending());
        String expected = "{\"id\":\"" + id + "\",\"type\":\"drift.validation\",\"time\":\"2026-11-27T10:00:00.000Z\","
                + "\"source\":\"cli\",\"execution_id\":\"6f1c0d9e-6b1f\",\"data\":{\"was_real_drift\":false,"
                + "\"feedback_type\":\"false_positive\",\"reason\":\"seasonal_pattern\","
                + "\"business_context\":\"christmas_shopping_spike\",\"validation_source\":\"explicit_feedback\"}}\n";
        assertEquals(expected, Files.readString(file));
        try (Stream<Path> tmp = Files.list(cli.store().resolve("events/tmp"))) {
            assertEquals(0, tmp.count(), "delivery leaves nothing in tmp/");
        }
    }

    @Test
    void feedbackNeedsExactlyOneVerdict() {
        Cli.Result none = cli.run("feedback", "--execution-id", "e1");
        assertEquals(2, none.code());
        Cli.Result both = cli.run("feedback", "--execution-id", "e1", "--real-drift", "--false-positive");
        assertEquals(2, both.code());
        assertEquals(1, both.err().strip().lines().count(), both.err());
        assertTrue(both.err().startsWith("poet feedback: "), both.err());
    }

    @Test
    void recordSetValuesAreJsonLiteralsWhereTheyParseElseStrings() throws IOException {
        Cli.Result r = cli.run("record", "execution.completed", "--function", "detect_drift", "--function-version", "v2",
                "--execution-id", "e-1", "--set", "success=true", "--set", "duration_ms=12.5", "--set", "p_value=0.04",
                "--set", "test=ks", "--set", "drift_detected=false", "--set", "window_size=7");
        assertEquals(0, r.code(), r.toString());
        Map<String, Object> ev = onlyPendingEvent();
        assertEquals("detect_drift", ev.get("function"));
        assertEquals("v2", ev.get("version"));
        assertEquals(Map.of("success", true, "duration_ms", 12.5, "p_value", 0.04, "test", "ks",
                "drift_detected", false, "window_size", 7L), ev.get("data"));
    }

    /**
     * {@code @FILE} is poet's, not picocli's argument-file expansion, on a real file system (jimfs
     * hides the difference: picocli reads argument files with java.io.File, and leaves a name it
     * cannot find as it is). picocli used to split the JSON file into arguments: exit 2.
     */
    @Test
    void anAtFileIsReadByPoetNotExpandedIntoArguments(@org.junit.jupiter.api.io.TempDir Path dir) throws IOException {
        Cli real = new Cli(java.nio.file.FileSystems.getDefault(), dir);
        assertEquals(0, real.run("init").code());
        Path data = real.write("data.json", "{\"was_real_drift\": false, \"reason\": \"weekend traffic\"}");
        Cli.Result r = real.run("--json", "record", "drift.validation", "--execution-id", "e-1", "--data",
                "@" + data.toAbsolutePath());
        assertEquals(0, r.code(), r.toString());
        Map<String, Object> printed = Json.parseObject(r.out().getBytes(StandardCharsets.UTF_8), "out");
        assertEquals(Map.of("was_real_drift", false, "reason", "weekend traffic"), printed.get("data"));
    }

    @Test
    void recordDataFromFileAndStdinWithJsonOutput() throws IOException {
        cli.write("data.json", "{\"cost_usd\": 0.42, \"service\": \"AmazonSageMaker\"}");
        Cli.Result r = cli.run("--json", "record", "execution.cost_measured", "--execution-id", "e-9", "--data", "@data.json");
        assertEquals(0, r.code(), r.toString());
        Map<String, Object> printed = Json.parseObject(r.out().getBytes(StandardCharsets.UTF_8), "out");
        assertEquals(Map.of("cost_usd", 0.42, "service", "AmazonSageMaker"), printed.get("data"));
        Cli.Result s = cli.runWithStdin("{\"was_real_drift\": true}", "record", "drift.validation", "--execution-id", "e-9",
                "--data", "-", "--json");
        assertEquals(0, s.code(), s.toString());
        assertEquals(2, pending().size());
    }

    @Test
    void aClientSuppliedIdMakesDeliveryIdempotent() throws IOException {
        String[] args = {"feedback", "--execution-id", "e1", "--real-drift", "--id", "pd-delivery-42"};
        Cli.Result first = cli.run(args);
        Cli.Result second = cli.run(args);
        assertEquals(0, first.code());
        assertEquals(0, second.code());
        assertEquals("pd-delivery-42\n", second.out());
        assertTrue(second.err().contains("delivered before; nothing changed"), second.err());
        assertEquals(List.of(cli.store().resolve("events/pending/feedback_pd-delivery-42.json")), pending());
    }

    @Test
    void recordEventTakesWholeEnvelopesAsJsonLinesAllOrNothing() throws IOException {
        String good = "{\"id\":\"A1\",\"type\":\"alert.created\",\"time\":\"2026-11-27T09:00:00Z\",\"source\":\"pagerduty\","
                + "\"execution_id\":\"e1\",\"data\":{\"alert_id\":\"PD1\"}}";
        String bad = "{\"id\":\"A2\",\"type\":\"alert.acknowledged\",\"data\":{}}";
        Cli.Result r = cli.runWithStdin(good + "\n" + bad + "\n", "record", "--event", "-");
        assertEquals(2, r.code(), r.toString());
        assertEquals("poet: event 2: alert.acknowledged: field data.alert_id is required (string)\n", r.err());
        assertEquals(List.of(), pending());
        String good2 = "{\"id\":\"A2\",\"type\":\"alert.acknowledged\",\"time\":\"2026-11-27T09:05:00Z\",\"source\":\"pagerduty\","
                + "\"data\":{\"alert_id\":\"PD1\",\"acknowledged_by\":\"alice\"}}";
        r = cli.runWithStdin(good + "\n" + good2 + "\n", "record", "--event", "-", "--id", "ONE");
        assertEquals(2, r.code(), r.toString());
        assertEquals("poet: --id names one event, but --event holds 2; give each envelope its own \"id\"\n", r.err());
        r = cli.runWithStdin(good + "\n\n" + good2 + "\n", "record", "--event", "-");
        assertEquals(0, r.code(), r.toString());
        assertEquals("A1\nA2\n", r.out());
        assertEquals(2, pending().size());
        String stored = Files.readString(cli.store().resolve("events/pending/alert_A1.json"));
        assertEquals("{\"id\":\"A1\",\"type\":\"alert.created\",\"time\":\"2026-11-27T09:00:00.000Z\",\"source\":\"pagerduty\","
                + "\"execution_id\":\"e1\",\"data\":{\"alert_id\":\"PD1\"}}\n", stored);
    }

    @Test
    void badInputGetsOneLineAndExitTwoAndChangesNothing() throws IOException {
        var before = dev.poet.testing.Trees.snapshot(cli.store());
        String[][] cases = {
            {"record", "drift.validation", "--execution-id", "e1", "--data", "{\"was_real_drift\": tru"},
            {"record", "drift.validation", "--execution-id", "e1", "--set", "was_real_drift=maybe"},
            {"record", "drift.guessed", "--execution-id", "e1"},
            {"record", "drift.validation", "--execution-id", "../../etc/passwd", "--set", "was_real_drift=true"},
            {"record", "config.changed", "--function", "../evil", "--set", "parameter=p", "--set", "new_value=1"},
            {"record", "drift.validation", "--execution-id", "e1", "--id", "../x", "--set", "was_real_drift=true"},
            {"record", "drift.validation", "--execution-id", "e1", "--data", "[1,2]"},
            {"record", "drift.validation", "--execution-id", "e1", "--data", "@missing.json"},
            {"record", "drift.validation", "--execution-id", "e1", "--set", "was_real_drift=true", "--time", "noon"},
            {"record"},
            {"record", "--event", "-", "drift.validation"},
            {"record", "drift.validation", "--execution-id", "e1", "--set", "no-equals-sign"},
            {"record", "drift.validation", "--execution-id", "", "--set", "was_real_drift=true"},
            {"feedback", "--execution-id", "a/b", "--real-drift"},
            {"feedback", "--real-drift"},
            {"events", "show", "../../x"},
            {"events", "list", "--since", "last tuesday"},
            {"status", "../x"},
            {"nonsense"},
        };
        for (String[] c : cases) {
            Cli.Result r = cli.run(c);
            assertEquals(2, r.code(), String.join(" ", c) + "\n" + r);
            assertEquals(1, r.err().lines().count(), String.join(" ", c) + "\n" + r);
            assertTrue(r.err().startsWith("poet"), r.err());
            assertFalse(r.err().contains("Exception"), r.err());
            assertEquals("", r.out(), String.join(" ", c));
        }
        assertEquals(before, dev.poet.testing.Trees.snapshot(cli.store()));
    }

    @Test
    void inputOverOneMebibyteIsRefused() throws IOException {
        String big = "{\"was_real_drift\":true,\"reason\":\"" + "x".repeat(EventCodec.MAX_EVENT_BYTES) + "\"}";
        Cli.Result r = cli.runWithStdin(big, "record", "drift.validation", "--execution-id", "e1", "--data", "-");
        assertEquals(2, r.code());
        assertEquals("poet: --data (standard input) is over the 1 MiB limit\n", r.err());
        String justUnder = "x".repeat(EventCodec.MAX_EVENT_BYTES - 20);
        r = cli.run("record", "drift.validation", "--execution-id", "e1", "--set", "was_real_drift=true", "--set",
                "reason=" + justUnder);
        assertEquals(2, r.code(), "the encoded event is over the limit even though the field is not");
        assertTrue(r.err().contains("1 MiB"), r.err());
        assertEquals(List.of(), pending());
    }

    @Test
    void customNamespacedTypesAreAccepted() throws IOException {
        Cli.Result r = cli.run("record", "x.ml_platform.model_promoted", "--set", "stage=production");
        assertEquals(0, r.code(), r.toString());
        assertTrue(pending().get(0).getFileName().toString().startsWith("custom_"),
                "a custom event is delivered under the custom_ prefix: " + pending());
    }
}
