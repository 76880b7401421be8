package dev.poet.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.poet.json.Json;
import dev.poet.testing.Cli;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The enhancement events of the Aitomatic contract, as its services write them: function and
 * version named inside the data ({@code function_name}, {@code enhancement_version}), the Dana
 * source itself ({@code dana_source}), the config ({@code enhancement_config}); and poet's own
 * {@code poet enhance} writing the same fields.
 */
class AitomaticContractTest {
    Cli cli;

    @BeforeEach
    void init() {
        cli = Cli.jimfs();
        assertEquals(0, cli.run("init").code());
    }

    @SuppressWarnings("unchecked")
    List<Map<String, Object>> events(String type) {
        Cli.Result r = cli.run("--json", "events", "list", "--type", type);
        assertEquals(0, r.code(), r.toString());
        return r.out().lines().map(l -> Json.parseObject(l.getBytes(StandardCharsets.UTF_8), "event")).toList();
    }

    @Test
    void theContractsFieldsAreAcceptedAsWrittenAndFillTheEnvelope() {
        Cli.Result r = cli.runWithStdin("{\"dana_source\":\"def detect_drift(a, b): ...\",\"function_name\":\"detect_drift\","
                + "\"enhancement_config\":{\"goal\":\"fewer false alerts\"}}", "record", "enhancement.requested", "--data", "-");
        assertEquals(0, r.code(), r.toString());
        r = cli.runWithStdin("{\"function_name\":\"detect_drift\",\"enhancement_version\":\"v2\","
                + "\"generated_features\":[\"retry\",{\"name\":\"cache\"}]}", "record", "enhancement.completed", "--data", "-");
        assertEquals(0, r.code(), r.toString());
        r = cli.run("record", "enhancement.completed", "--function", "detect_drift", "--version", "v3");
        assertEquals(0, r.code(), "record takes --version: " + r);
        // a whole envelope as the contract writes it, without envelope function or version
        r = cli.runWithStdin("{\"type\":\"enhancement.completed\",\"data\":{\"function_name\":\"detect_drift\","
                + "\"enhancement_version\":\"v4\",\"generated_features\":[]}}", "record", "--event", "-");
        assertEquals(0, r.code(), r.toString());

        Map<String, Object> requested = events("enhancement.requested").get(0);
        assertEquals("detect_drift", requested.get("function"));
        assertEquals("def detect_drift(a, b): ...", ((Map<?, ?>) requested.get("data")).get("dana_source"));
        List<Map<String, Object>> completed = events("enhancement.completed");
        assertEquals(List.of("v2", "v3", "v4"), completed.stream().map(m -> m.get("version")).toList());
        assertTrue(completed.stream().allMatch(m -> "detect_drift".equals(m.get("function"))));
        assertEquals(List.of("retry", Map.of("name", "cache")), ((Map<?, ?>) completed.get(0).get("data")).get("generated_features"));

        // the envelope's own function wins over the data's; a bad version in the data is refused by name
        r = cli.runWithStdin("{\"function_name\":\"detect_drift\",\"enhancement_version\":\"2\"}", "record",
                "enhancement.completed", "--data", "-");
        assertEquals(2, r.code());
        assertTrue(r.err().contains("invalid version '2'"), r.err());
        r = cli.runWithStdin("{\"function_name\":\"other\"}", "record", "enhancement.requested", "--function", "detect_drift",
                "--data", "-");
        assertEquals(0, r.code());
        assertEquals("detect_drift", events("enhancement.requested").get(1).get("function"));
    }

    @Test
    void poetEnhanceRecordsTheDanaSourceAndTheConfig() {
        cli.write("d.py", "def detect_drift(a, b):\n    return {}\n");
        cli.write("detect.dana", "def detect_drift(reference: list, current: list) -> dict:\n    # drift check\n");
        cli.write("config.json", "{\"goal\":\"fewer false alerts\",\"max_alerts_per_day\":5}");
        Cli.Result r = cli.run("enhance", "detect_drift", "--from", "d.py", "--source-file", "detect.dana", "--config", "config.json");
        assertEquals(0, r.code(), r.toString());
        Map<?, ?> data = (Map<?, ?>) events("enhancement.requested").get(0).get("data");
        assertEquals("def detect_drift(reference: list, current: list) -> dict:\n    # drift check\n", data.get("dana_source"));
        assertEquals(Map.of("goal", "fewer false alerts", "max_alerts_per_day", 5L), data.get("enhancement_config"));
        assertEquals("detect_drift", data.get("function_name"));

        // a source over the limit is kept in the store but not put in the event
        cli.write("big.dana", "#".repeat(256 * 1024 + 1));
        assertEquals(0, cli.run("enhance", "detect_drift", "--from", "d.py", "--source-file", "big.dana").code());
        Map<?, ?> big = (Map<?, ?>) events("enhancement.requested").get(1).get("data");
        assertFalse(big.containsKey("dana_source"));
        assertTrue(big.get("source_file").toString().endsWith("/big.dana"), big.toString());
    }
}
