package dev.poet.learn;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.poet.json.Json;
import dev.poet.testing.Cli;
import dev.poet.testing.Trees;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class ConfigCommandTest {
    private Cli cli;

    @BeforeEach
    void store() {
        cli = Cli.jimfs();
        assertEquals(0, cli.run("init").code());
        cli.write("d.py", "def detect_drift(a, b):\n    return {}\n");
        cli.write("p.json", "{\"threshold\": 0.05, \"window_size\": 7}");
        assertEquals(0, cli.run("enhance", "detect_drift", "--from", "d.py", "--params", "p.json").code());
    }

    private Map<String, Object> params() throws IOException {
        return Json.parseObject(Files.readAllBytes(cli.store().resolve("detect_drift_params.json")), "params");
    }

    @Test
    void setChangesTheParameterAtomicallyAndRecordsHistoryAndAnEvent() throws IOException {
        Cli.Result r = cli.run("--json", "config", "set", "detect_drift", "threshold", "0.01", "--reason", "too many false positives");
        assertEquals(0, r.code(), r.toString());
        Map<String, Object> out = Json.parseObject(r.out().getBytes(StandardCharsets.UTF_8), "out");
        String change = (String) out.get("change_id");
        assertEquals(0.05, out.get("old_value"));
        assertEquals(0.01, out.get("new_value"));
        assertEquals(Map.of("threshold", 0.01, "window_size", 7L), params());

        List<String> history = Files.readAllLines(cli.store().resolve("detect_drift_history.jsonl"));
        Map<String, Object> last = Json.parseObject(history.get(history.size() - 1).getBytes(StandardCharsets.UTF_8), "h");
        assertEquals("config", last.get("action"));
        assertEquals(change, last.get("change_id"));
        assertEquals("threshold", last.get("parameter"));
        assertEquals(0.05, last.get("old_value"));
        assertEquals(0.01, last.get("new_value"));
        assertEquals("too many false positives", last.get("reason"));
        assertEquals("v1", last.get("version"));

        Map<String, Object> event = Json.parseObject(Files.readAllBytes(cli.store().resolve("events/pending/config_" + change + ".json")), "e");
        assertEquals("config.changed", event.get("type"));
        assertEquals("detect_drift", event.get("function"));
        assertEquals(Map.of("parameter", "threshold", "old_value", 0.05, "new_value", 0.01, "change_id", change,
                "reason", "too many false positives"), event.get("data"));

        assertEquals(0, cli.run("config", "set", "detect_drift", "test", "psi").code());
        assertEquals("psi", params().get("test"), "a value that is not JSON is a string");
        assertEquals(0, cli.run("config", "set", "detect_drift", "seasonal", "true").code());
        assertEquals(true, params().get("seasonal"));

        Cli.Result h = cli.run("config", "history", "detect_drift");
        String line = h.out().lines().filter(l -> l.endsWith(change)).findFirst().orElseThrow();
        assertTrue(line.matches(".*config +threshold 0\\.05 -> 0\\.01 +too many false positives +" + change), line);
        assertTrue(h.out().lines().anyMatch(l -> l.matches(".*config +test \\(unset\\) -> \"psi\" +- +.*")), h.out());
        assertEquals(4, cli.run("--json", "config", "history", "detect_drift").out().lines().count(), "deploy and three changes");
        Cli.Result show = cli.run("--json", "config", "show", "detect_drift");
        assertEquals(params(), Json.parseObject(show.out().getBytes(StandardCharsets.UTF_8), "show"));
    }

    @Test
    void settingTheSameValueChangesNothing() {
        var before = Trees.snapshot(cli.store());
        Cli.Result r = cli.run("config", "set", "detect_drift", "threshold", "0.05");
        assertEquals(0, r.code());
        assertEquals("detect_drift: threshold is already 0.05; nothing changed\n", r.out());
        var after = Trees.snapshot(cli.store());
        after.keySet().removeIf(k -> k.startsWith("locks/"));
        before.keySet().removeIf(k -> k.startsWith("locks/"));
        assertEquals(before, after);
    }

    @Test
    void badNamesUnknownFunctionsAndCorruptParamsAreRefused() throws IOException {
        Cli.Result bad = cli.run("config", "set", "detect_drift", "../x", "1");
        assertEquals(2, bad.code());
        assertTrue(bad.err().startsWith("poet: invalid parameter name '../x'"), bad.err());
        Cli.Result none = cli.run("config", "set", "nope", "threshold", "1");
        assertEquals(5, none.code());
        Files.writeString(cli.store().resolve("detect_drift_params.json"), "{\"threshold\": ");
        Cli.Result corrupt = cli.run("config", "set", "detect_drift", "threshold", "1");
        assertEquals(3, corrupt.code());
        assertTrue(corrupt.err().contains("detect_drift_params.json is not valid JSON"), corrupt.err());
        assertEquals(3, cli.run("config", "show", "detect_drift").code());
    }
}
