package dev.poet.correlate;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.poet.json.Json;
import dev.poet.store.NioStoreIO;
import dev.poet.testing.Cli;
import dev.poet.testing.DelegatingStoreIO;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * A writer that looked pending/ up just before a correlate run renamed it into a claim links its
 * event into the claim, possibly after the run read the claim. Such an event must go back to
 * pending/ for the next run, never to trash/ with the processed ones.
 */
class LateArrivalTest {
    /** Delegates to the real file system; when the run publishes its first segment, a late event lands in the claim. */
    static final class LateLink extends DelegatingStoreIO {
        final byte[] late;
        boolean done;
        boolean writerRestoresPending;

        LateLink(byte[] late) {
            this.late = late;
        }

        @Override
        public boolean publish(Path from, Path to) throws IOException {
            if (late != null && !done && to.getParent().getFileName().toString().equals("processed")) {
                done = true;
                try (Stream<Path> claims = Files.list(to.getParent().resolveSibling("claimed"))) {
                    Path claim = claims.findFirst().orElseThrow();
                    Files.write(claim.resolve("feedback_LATE1.json"), late);
                }
            }
            return real.publish(from, to);
        }

        @Override
        public void rename(Path from, Path to) throws IOException {
            if (!Files.exists(from, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
                throw new java.nio.file.NoSuchFileException(from.toString()); // rename(2) checks its source first
            }
            real.rename(from, to);
            if (writerRestoresPending && from.getFileName().toString().equals("pending")) {
                // a writer that waited out its patience puts pending/ back with the claim's own pending.next
                Files.move(from.resolveSibling("pending.next"), from);
            }
        }
    }

    @Test
    void anEventLinkedIntoTheClaimAfterItWasReadGoesBackToPending() throws Exception {
        Cli cli = Cli.jimfs();
        assertEquals(0, cli.run("init").code());
        assertEquals(0, cli.run("record", "execution.completed", "--function", "detect_drift", "--function-version", "v1",
                "--execution-id", "e1", "--set", "success=true", "--set", "duration_ms=1").code());
        byte[] late = Json.encodeLine(Map.of("id", "LATE1", "type", "drift.validation", "time", "2026-11-27T10:00:00.000Z",
                "source", "cli", "execution_id", "e1", "data", Map.of("was_real_drift", true)));
        cli.io = new LateLink(late);
        Cli.Result r = cli.run("--json", "correlate");
        assertEquals(0, r.code(), r.toString());
        assertEquals(1L, Json.parseObject(r.out().getBytes(StandardCharsets.UTF_8), "report").get("late_arrivals"));
        assertTrue(Files.exists(cli.store().resolve("events/pending/feedback_LATE1.json")), "back in pending/");
        cli.io = NioStoreIO.INSTANCE;
        assertEquals(0, cli.run("correlate").code());
        assertEquals(0, cli.run("sweep").code());
        Cli.Result shown = cli.run("--json", "events", "show", "LATE1");
        assertEquals(0, shown.code(), "the late event is processed, not swept away: " + shown);
        assertTrue(shown.out().contains("\"state\":\"processed\""), shown.out());
    }

    /** The claim's second rename finds pending.next gone because a waiting writer used it: the run goes on. */
    @Test
    void aWriterRestoringPendingDuringTheClaimDoesNotStopTheRun() throws Exception {
        Cli cli = Cli.jimfs();
        assertEquals(0, cli.run("init").code());
        assertEquals(0, cli.run("record", "execution.completed", "--function", "detect_drift", "--function-version", "v1",
                "--execution-id", "e1", "--set", "success=true", "--set", "duration_ms=1").code());
        LateLink io = new LateLink(null);
        io.writerRestoresPending = true;
        cli.io = io;
        Cli.Result r = cli.run("correlate");
        assertEquals(0, r.code(), r.toString());
        assertTrue(Files.isDirectory(cli.store().resolve("events/pending")), "pending/ is a directory again");
        cli.io = NioStoreIO.INSTANCE;
        assertEquals(0, cli.run("record", "drift.validation", "--execution-id", "e1", "--set", "was_real_drift=true").code());
        assertEquals(0, cli.run("correlate").code());
    }
}
