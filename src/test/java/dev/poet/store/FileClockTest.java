package dev.poet.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.poet.json.Json;
import dev.poet.testing.Cli;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * On a real directory the kernel stamps files, whatever clock poet runs under (an NFS client's,
 * a test's, libfaketime's). File ages are measured on the file system's clock: a process clock
 * decades ahead neither ages a delivery in flight past the 36-hour sweep rule nor orphans an
 * outcome that arrived a moment ago; a process clock decades behind does not keep old files.
 * The clocks are deliberately two here, and far apart, so the test holds on any date until 2099.
 */
class FileClockTest {
    @TempDir
    Path project;

    private Cli cli(Instant processClock) {
        Cli cli = new Cli(FileSystems.getDefault(), project);
        cli.clock = Clock.fixed(processClock, ZoneOffset.UTC);
        return cli;
    }

    private static Map<String, Object> json(Cli cli, String... args) {
        Cli.Result r = cli.run(args);
        assertEquals(0, r.code(), String.join(" ", args) + "\n" + r);
        return Json.parseObject(r.out().getBytes(StandardCharsets.UTF_8), "output");
    }

    @Test
    void aProcessClockFarAheadAgesNothing() throws IOException {
        Cli ahead = cli(Instant.parse("2099-01-01T00:00:00Z"));
        assertEquals(0, ahead.run("init").code());
        Path tmp = ahead.store().resolve("events/tmp/feedback_inflight.json.abc");
        Files.writeString(tmp, "{\"id\":\"inflight\"");
        assertEquals(0, ahead.run("feedback", "--execution-id", "not-yet-seen", "--false-positive", "--id", "early-1").code());

        Map<String, Object> swept = json(ahead, "--json", "sweep");
        assertEquals(0L, swept.get("tmp_files_removed"), "a delivery in flight is not 36 hours old: " + swept);
        assertTrue(Files.exists(tmp), "the in-flight temporary file is kept");
        Map<String, Object> correlated = json(ahead, "--json", "correlate");
        assertEquals(0L, correlated.get("orphaned"), "an outcome that arrived just now waits: " + correlated);
        assertEquals(1L, correlated.get("waiting"));
    }

    @Test
    void aProcessClockFarBehindKeepsNothingOld() throws IOException {
        Cli behind = cli(Instant.parse("1990-01-01T00:00:00Z"));
        assertEquals(0, behind.run("init").code());
        assertEquals(0, behind.run("feedback", "--execution-id", "never-seen", "--false-positive", "--id", "old-1").code());
        Path tmp = behind.store().resolve("events/tmp/feedback_abandoned.json.abc");
        Files.writeString(tmp, "{\"id\":\"abandoned\"");
        // the file system's present, and files 40 hours and 8 days older than it
        Instant fsNow = Files.getLastModifiedTime(tmp).toInstant();
        Files.setLastModifiedTime(tmp, FileTime.from(fsNow.minus(Duration.ofHours(40))));
        Files.setLastModifiedTime(behind.store().resolve("events/pending/feedback_old-1.json"),
                FileTime.from(fsNow.minus(Duration.ofDays(8))));

        Map<String, Object> swept = json(behind, "--json", "sweep");
        assertEquals(1L, swept.get("tmp_files_removed"), "a temporary file 40 hours old is removed: " + swept);
        assertFalse(Files.exists(tmp), "the abandoned temporary file is gone");
        Map<String, Object> correlated = json(behind, "--json", "correlate");
        assertEquals(1L, correlated.get("orphaned"), "an outcome waiting 8 days is an orphan: " + correlated);
    }
}
