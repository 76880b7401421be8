package dev.poet.learn;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.poet.json.Json;
import dev.poet.testing.Cli;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Damage a crash, a half-finished copy or a careless hand leaves: status reports each clearly,
 * learn neither crashes nor makes it worse, doctor explains it and --repair fixes what is safe.
 */
class DoctorTest {
    @TempDir
    Path project;
    Cli cli;
    Path store;

    private Cli.Result ok(String... args) {
        Cli.Result r = cli.run(args);
        assertEquals(0, r.code(), String.join(" ", args) + "\n" + r);
        return r;
    }

    @BeforeEach
    void healthyStore() {
        cli = new Cli(FileSystems.getDefault(), project);
        ok("init");
        store = project.resolve(".poet");
        cli.write("d.py", "def detect_drift(a, b):\n    return {}\n");
        cli.write("p.json", "{\"threshold\": 0.05}");
        ok("enhance", "detect_drift", "--from", "d.py", "--params", "@p.json");
        ok("config", "set", "detect_drift", "threshold", "0.02", "--reason", "tighter");
        ok("enhance", "detect_drift", "--from", "d.py");
        ok("record", "execution.completed", "--function", "detect_drift", "--function-version", "v2", "--execution-id", "e1",
                "--set", "success=true", "--set", "duration_ms=2");
        assertEquals("The store is healthy: " + store + "\n", ok("doctor").out());
    }

    @Test
    void everyKindOfDamageIsReportedAndRepaired() throws Exception {
        // a dangling current link, params that are not JSON, a torn last history line (after v1, the config
        // change, v2 and the shadow of v1 that v2's probation runs)
        Path cur = store.resolve("detect_drift_current.py");
        Files.delete(cur);
        Files.createSymbolicLink(cur, Paths.get("detect_drift_v9.py"));
        Files.writeString(store.resolve("detect_drift_params.json"), "{\"threshold\": 0.0");
        Files.writeString(store.resolve("detect_drift_shadow.json"), "{\"id\": ");
        Files.writeString(store.resolve("detect_drift_history.jsonl"), "{\"time\":\"2026-11-27T10:00:00Z\",\"act",
                java.nio.file.StandardOpenOption.APPEND);
        // a store copied in the middle of a write: a truncated event, a stray temporary file; and a link outside
        Files.writeString(store.resolve("events/pending/feedback_01TRUNCATED.json"), "{\"id\":\"01TRUNCATED\",\"type\":\"dri");
        Files.createSymbolicLink(store.resolve("sources/evil"), Paths.get("/etc/passwd"));

        Cli.Result status = cli.run("status");
        assertEquals(0, status.code(), status.toString());
        for (String expected : new String[] {"detect_drift_current.py points to detect_drift_v9.py, which does not exist",
            "detect_drift_params.json is not valid JSON", "detect_drift_history.jsonl line 5 is torn or invalid"}) {
            assertTrue(status.out().contains(expected), expected + " in\n" + status.out());
        }

        Cli.Result learn = cli.run("learn");
        assertEquals(3, learn.code(), "learn reports the damage and goes on: " + learn);
        assertTrue(learn.err().contains("poet learn: detect_drift:"), learn.err());
        assertFalse(Files.exists(store.resolve("detect_drift_v3.py")), "learn made nothing worse");

        assertTrue(Files.exists(store.resolve("events/failed/feedback_01TRUNCATED.json")),
                "correlate quarantined the truncated event, with its reason");
        Files.writeString(store.resolve("events/pending/feedback_01TRUNC2.json"), "{\"id\":\"01TRUNC2\",\"ty");
        Files.writeString(store.resolve("events/tmp/feedback_x.json.abc"), "{");
        Files.setLastModifiedTime(store.resolve("events/tmp/feedback_x.json.abc"),
                java.nio.file.attribute.FileTime.fromMillis(0));
        // what a current swap killed between its two steps leaves: a temporary link whose relative target is not here
        Path tmpLink = store.resolve("events/tmp/.detect_drift_current.py.tmp-0123456789abcdef");
        Files.createSymbolicLink(tmpLink, Paths.get("detect_drift_v2.py"));

        Cli.Result diagnose = cli.run("doctor");
        assertEquals(3, diagnose.code(), diagnose.toString());
        for (String expected : new String[] {"detect_drift_current.py: detect_drift_current.py points to detect_drift_v9.py",
            "point it at v2, the version the history last made live", "detect_drift_params.json: not valid JSON",
            "rewrite them from the history", "line 5 is not valid JSON (a torn last line", "events/pending/feedback_01TRUNC2.json",
            "sources/evil: a link leading outside the store", "temporary files older than 36 hours",
            "detect_drift_shadow.json: detect_drift_shadow.json", "remove it: the shadow stops, nothing live changes"}) {
            assertTrue(diagnose.out().contains(expected), expected + " in\n" + diagnose.out());
        }

        Cli.Result repair = cli.run("doctor", "--repair");
        assertEquals(0, repair.code(), repair.toString());
        assertEquals("detect_drift_v2.py", Files.readSymbolicLink(cur).toString());
        Map<String, Object> params = Json.parseObject(Files.readAllBytes(store.resolve("detect_drift_params.json")), "p");
        assertEquals(0.02, params.get("threshold"), "the parameters the history says were live with v2");
        for (String line : Files.readAllLines(store.resolve("detect_drift_history.jsonl"), StandardCharsets.UTF_8)) {
            Json.parseObject(line.getBytes(StandardCharsets.UTF_8), "history line");
        }
        assertTrue(Files.exists(store.resolve("events/failed/feedback_01TRUNC2.json")), "the truncated event is quarantined");
        assertTrue(Files.readString(store.resolve("events/failed/feedback_01TRUNC2.json.reason")).startsWith("doctor: "),
                "its reason says doctor moved it");
        assertFalse(Files.exists(store.resolve("sources/evil"), java.nio.file.LinkOption.NOFOLLOW_LINKS),
                "the link leading outside the store is removed");
        assertTrue(Files.exists(Paths.get("/etc/passwd")), "the link's target is untouched");
        assertFalse(Files.exists(store.resolve("detect_drift_shadow.json")), "the unreadable shadow registration is removed");
        assertEquals("The store is healthy: " + store + "\n", ok("doctor").out());
        Cli.Result statusAfter = ok("--json", "status");
        assertTrue(statusAfter.out().contains("\"problems\":[]"), statusAfter.out());
        ok("learn");
    }
}
