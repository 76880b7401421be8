package dev.poet.learn;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.poet.json.Json;
import dev.poet.testing.Cli;
import dev.poet.testing.Trees;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class RollbackCommandTest {
    private Cli cli;

    private void ok(String... args) {
        Cli.Result r = cli.run(args);
        assertEquals(0, r.code(), String.join(" ", args) + "\n" + r);
    }

    private String current() throws IOException {
        return Files.readSymbolicLink(cli.store().resolve("detect_drift_current.py")).toString();
    }

    private Map<String, Object> lastHistory() throws IOException {
        List<String> h = Files.readAllLines(cli.store().resolve("detect_drift_history.jsonl"));
        return Json.parseObject(h.get(h.size() - 1).getBytes(StandardCharsets.UTF_8), "history");
    }

    @BeforeEach
    void threeVersions() {
        cli = Cli.jimfs();
        ok("init");
        cli.write("d.py", "def detect_drift(a, b):\n    return {}\n");
        ok("enhance", "detect_drift", "--from", "d.py");
        ok("enhance", "detect_drift", "--from", "d.py");
        ok("enhance", "detect_drift", "--from", "d.py");
    }

    @Test
    void rollbackGoesToTheVersionLiveBeforeByHistoryAndRecordsIt() throws IOException {
        ok("rollback", "detect_drift", "--to", "v1", "--reason", "v2 and v3 regress");
        assertEquals("detect_drift_v1.py", current());
        Map<String, Object> h = lastHistory();
        assertEquals("rollback", h.get("action"));
        assertEquals("v1", h.get("version"));
        assertEquals("v3", h.get("previous_version"));
        assertEquals("v2 and v3 regress", h.get("reason"));

        Cli.Result back = cli.run("--json", "rollback", "detect_drift");
        assertEquals(0, back.code(), back.toString());
        Map<String, Object> out = Json.parseObject(back.out().getBytes(StandardCharsets.UTF_8), "out");
        assertEquals("v3", out.get("version"), "by history: v3 was live before v1, not v0 or v2");
        assertEquals("v1", out.get("from_version"));
        assertEquals("detect_drift_v3.py", current());
        Path event = cli.store().resolve("events/pending/version_" + out.get("event") + ".json");
        Map<String, Object> e = Json.parseObject(Files.readAllBytes(event), "event");
        assertEquals("version.rolled_back", e.get("type"));
        assertEquals("v3", e.get("version"));
        assertEquals(Map.of("from_version", "v1", "reason", "manual rollback"), e.get("data"));

        ok("rollback", "detect_drift");
        assertEquals("detect_drift_v1.py", current(), "rolling back twice undoes the rollback");
    }

    @Test
    void aMissingVersionIsRefusedWithTheListAndNothingChanges() {
        var before = Trees.snapshot(cli.store());
        Cli.Result r = cli.run("rollback", "detect_drift", "--to", "v9");
        assertEquals(5, r.code());
        assertEquals("poet: detect_drift has no version v9; it has v1, v2, v3\n", r.err());
        Cli.Result same = cli.run("rollback", "detect_drift", "--to", "v3");
        assertEquals(0, same.code());
        assertEquals("detect_drift v3 is already live; nothing changed\n", same.out());
        var after = Trees.snapshot(cli.store());
        before.keySet().removeIf(k -> k.startsWith("locks/"));
        after.keySet().removeIf(k -> k.startsWith("locks/"));
        assertEquals(before, after);
        assertEquals(2, cli.run("rollback", "detect_drift", "--to", "../v1").code());
        assertEquals(5, cli.run("rollback", "nope").code());
    }

    @Test
    void aBrokenCurrentLinkIsRepairedByRollingBackToANamedVersion() throws IOException {
        Path cur = cli.store().resolve("detect_drift_current.py");
        Files.delete(cur);
        Files.createSymbolicLink(cur, cli.fs.getPath("/etc/passwd"));
        Cli.Result noTarget = cli.run("rollback", "detect_drift");
        assertEquals(2, noTarget.code());
        assertTrue(noTarget.err().contains("has no valid current version; name the one to make live with --to vN"),
                "rollback without a valid current asks for --to: " + noTarget.err());
        ok("rollback", "detect_drift", "--to", "v2", "--reason", "repair");
        assertEquals("detect_drift_v2.py", current());
        Cli.Result status = cli.run("--json", "status");
        assertTrue(status.out().contains("\"problems\":[]"), status.out());
    }
}
