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
        assertFalse(Files.exists(late), "the late file left the retired claim: " + late);
    }

    /** Links in the trash are removed, never followed: not to a directory posing as a claim, not to a file. */
    @Test
    void linksInTheTrashAreNeverFollowed(@org.junit.jupiter.api.io.TempDir Path outside) throws IOException {
        Cli real = new Cli(java.nio.file.FileSystems.getDefault(), Files.createDirectories(outside.resolve("project")));
        assertEquals(0, real.run("init").code());
        Path victims = Files.createDirectories(outside.resolve("victims"));
        Path victim = Files.writeString(victims.resolve("feedback_v-1.json"), "{\"id\":\"v-1\"}");
        Path trash = Files.createDirectories(real.store().resolve("events/trash"));
        Files.createSymbolicLink(trash.resolve("0001-evil"), victims);
        Path claim = Files.createDirectories(trash.resolve("0002-claim"));
        Files.createSymbolicLink(claim.resolve("feedback_x-1.json"), victim);
        Files.createDirectories(claim.resolve("odd-dir"));

        Cli.Result r = real.run("--json", "sweep");
        assertEquals(0, r.code(), r.toString());
        assertTrue(Files.exists(victim), "the file behind a link is untouched");
        assertEquals("{\"id\":\"v-1\"}", Files.readString(victim));
        assertFalse(Files.exists(claim.resolve("feedback_x-1.json"), java.nio.file.LinkOption.NOFOLLOW_LINKS),
                "the link is removed");
        assertTrue(Files.isDirectory(claim.resolve("odd-dir")), "a directory is left alone");
        assertTrue(Files.isSymbolicLink(trash.resolve("0001-evil")), "a link posing as a claim is not swept through");
        assertTrue(list(real.store().resolve("events/pending")).isEmpty(), "nothing was returned from outside");
    }
}
