package dev.poet.correlate;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.poet.json.Json;
import dev.poet.testing.Cli;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * {@code poet sweep} deletes a retired claim's file only when its event is in the processed log;
 * a delivery that linked into the claim after correlation last listed it goes back to pending/.
 */
class SweepTest {
    private final Cli cli = Cli.jimfs();

    private Map<String, Object> json(String... args) {
        Cli.Result r = cli.run(args);
        assertEquals(0, r.code(), String.join(" ", args) + "\n" + r);
        return Json.parseObject(r.out().getBytes(StandardCharsets.UTF_8), "output");
    }

    private void ok(String... args) {
        Cli.Result r = cli.run(args);
        assertEquals(0, r.code(), String.join(" ", args) + "\n" + r);
    }

    private static List<Path> list(Path dir) throws IOException {
        if (!Files.isDirectory(dir)) {
            return List.of();
        }
        try (Stream<Path> s = Files.list(dir)) {
            return s.toList();
        }
    }

    @Test
    void aFileThatSlippedIntoARetiredClaimGoesBackToPendingAndIsCorrelatedNext() throws IOException {
        ok("init");
        ok("record", "execution.completed", "--function", "detect_drift", "--function-version", "v1",
                "--execution-id", "e1", "--id", "x-e1", "--set", "success=true", "--set", "duration_ms=5");
        ok("feedback", "--execution-id", "e1", "--false-positive", "--id", "fb-1");
        assertEquals(2L, json("--json", "correlate").get("correlated"));

        Path events = cli.store().resolve("events");
        List<Path> claims = list(events.resolve("trash"));
        assertEquals(1, claims.size(), "the correlated claim was retired to trash");
        Path claim = claims.get(0);
        // what a delivery racing the claim's rename to trash leaves: a valid event nobody read
        ok("feedback", "--execution-id", "e1", "--real-drift", "--id", "late-1");
        Path late = events.resolve("pending/feedback_late-1.json");
        Files.move(late, claim.resolve(late.getFileName()));
        // a file named unlike its id, whose event (fb-1) is processed: judged by the id inside
        Files.copy(claim.resolve("feedback_fb-1.json"), claim.resolve("feedback_renamed.json"));

        Map<String, Object> swept = json("--json", "sweep");
        assertEquals(3L, swept.get("processed_files_removed"), swept.toString());
        assertEquals(1L, swept.get("unprocessed_files_returned"), swept.toString());
        assertTrue(Files.exists(late), "the late arrival is pending again");
        assertTrue(list(events.resolve("trash")).isEmpty(), "trash is empty");

        Map<String, Object> second = json("--json", "correlate");
        assertEquals(1L, second.get("correlated"), second.toString());
        assertEquals(0L, second.get("duplicates"), second.toString());
        Cli.Result shown = cli.run("--json", "events", "show", "late-1");
        assertTrue(shown.out().contains("\"state\":\"processed\""), shown.out());

        Map<String, Object> again = json("--json", "sweep");
        assertEquals(0L, again.get("unprocessed_files_returned"));
        assertFalse(Files.exists(late));
    }
}
