package dev.poet.correlate;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.poet.json.Json;
import dev.poet.testing.Cli;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A symbolic link in pending/ is not an event: correlate quarantines the link without reading
 * what it points at, and events show does not read through it either. An oversized file is
 * quarantined after reading no more than the limit; a directory or a named pipe (whose open would
 * wait for a writer for ever) without being opened.
 */
class PendingLinkTest {
    @Test
    void aLinkInPendingIsQuarantinedUnread(@TempDir Path dir) throws IOException {
        Cli cli = new Cli(FileSystems.getDefault(), Files.createDirectories(dir.resolve("project")));
        assertEquals(0, cli.run("init").code());
        assertEquals(0, cli.run("record", "execution.completed", "--function", "detect_drift", "--function-version", "v1",
                "--execution-id", "e1", "--set", "success=true", "--set", "duration_ms=5").code());
        // outside the store: a valid event someone would like poet to read in
        Path outside = Files.writeString(dir.resolve("secret.json"), "{\"id\":\"smuggled-1\",\"type\":\"drift.validation\","
                + "\"time\":\"2026-11-27T10:00:00.000Z\",\"source\":\"x\",\"execution_id\":\"e1\",\"data\":{\"was_real_drift\":true}}\n");
        Path link = cli.store().resolve("events/pending/feedback_smuggled-1.json");
        Files.createSymbolicLink(link, outside);

        Cli.Result shown = cli.run("--json", "events", "show", "smuggled-1");
        assertFalse(shown.out().contains("\"was_real_drift\":true"), "not read through the link: " + shown.out());

        Cli.Result r = cli.run("--json", "correlate");
        assertEquals(0, r.code(), r.toString());
        Map<String, Object> report = Json.parseObject(r.out().getBytes(StandardCharsets.UTF_8), "report");
        assertEquals(1L, report.get("invalid"), report.toString());
        assertEquals(1L, report.get("correlated"), "only the execution");
        Path failed = cli.store().resolve("events/failed/feedback_smuggled-1.json");
        assertTrue(Files.isSymbolicLink(failed), "the link itself is quarantined");
        assertTrue(cli.read(cli.store().resolve("events/failed/feedback_smuggled-1.json.reason")).contains("symbolic link"),
                "the link's reason names a symbolic link");
        assertTrue(Files.exists(outside, LinkOption.NOFOLLOW_LINKS), "what it points at is untouched");
        Cli.Result processed = cli.run("--json", "events", "list", "--state", "processed");
        assertFalse(processed.out().contains("smuggled-1"), processed.out());
    }

    @Test
    void anOversizedFileIsQuarantinedWithItsReason(@TempDir Path dir) throws IOException {
        Cli cli = new Cli(FileSystems.getDefault(), Files.createDirectories(dir.resolve("project")));
        assertEquals(0, cli.run("init").code());
        String padding = " ".repeat(dev.poet.event.EventCodec.MAX_EVENT_BYTES);
        Path big = Files.writeString(cli.store().resolve("events/pending/feedback_big-1.json"), "{\"id\":\"big-1\"" + padding + "}");
        Cli.Result r = cli.run("--json", "correlate");
        assertEquals(0, r.code(), r.toString());
        assertEquals(1L, Json.parseObject(r.out().getBytes(StandardCharsets.UTF_8), "report").get("invalid"));
        assertFalse(Files.exists(big), "the oversized file left pending/: " + big);
        assertTrue(cli.read(cli.store().resolve("events/failed/feedback_big-1.json.reason"))
                .contains("feedback_big-1.json is over the 1 MiB limit"), "the oversized file's reason names the limit");
    }

    @Test
    void aPipeOrADirectoryInPendingIsQuarantinedWithoutWaiting(@TempDir Path dir) throws Exception {
        Cli cli = new Cli(FileSystems.getDefault(), Files.createDirectories(dir.resolve("project")));
        assertEquals(0, cli.run("init").code());
        Path pending = cli.store().resolve("events/pending");
        Process mkfifo = new ProcessBuilder("mkfifo", pending.resolve("feedback_pipe-1.json").toString()).start();
        assertEquals(0, mkfifo.waitFor());
        Files.createDirectories(pending.resolve("feedback_dir-1.json"));
        assertEquals(0, cli.run("feedback", "--execution-id", "e1", "--false-positive", "--id", "ok-1").code());

        java.util.concurrent.CompletableFuture<Cli.Result> run = java.util.concurrent.CompletableFuture.supplyAsync(
                () -> cli.run("--json", "correlate"));
        Cli.Result r = run.get(30, java.util.concurrent.TimeUnit.SECONDS);
        assertEquals(0, r.code(), r.toString());
        Map<String, Object> report = Json.parseObject(r.out().getBytes(StandardCharsets.UTF_8), "report");
        assertEquals(2L, report.get("invalid"), report.toString());
        assertEquals(1L, report.get("waiting"), "the real event waits for its execution");
        Path failed = cli.store().resolve("events/failed");
        assertTrue(Files.isDirectory(failed.resolve("feedback_dir-1.json"), LinkOption.NOFOLLOW_LINKS),
                "the directory named like an event is quarantined as it is");
        assertTrue(Files.exists(failed.resolve("feedback_pipe-1.json"), LinkOption.NOFOLLOW_LINKS),
                "the named pipe is quarantined");
        assertTrue(cli.read(failed.resolve("feedback_pipe-1.json.reason")).contains("not a regular file"),
                "the pipe's reason says it is not a regular file");
    }
}
