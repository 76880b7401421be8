package dev.poet.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.poet.event.EventLog;
import dev.poet.testing.Cli;
import dev.poet.testing.DelegatingStoreIO;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * A correlate run claims pending/ by renaming it into a claim and putting a fresh one in its
 * place (Claims). A writer that meets the moment in between must wait it out and deliver, never
 * fail: a failed {@code poet record} is an event its caller has to send again, and a writer in a
 * loop stops.
 */
class ClaimSwapTest {
    /**
     * The real file system, except that the first publish into pending/ meets a claim: pending/ is
     * renamed into the claim just before the link, and the claim's fresh pending/ is in place by the
     * time the failed link returns.
     */
    static final class SwapDuringLink extends DelegatingStoreIO {
        boolean swapped;

        @Override
        public boolean publishDurably(Path from, Path to) throws IOException {
            Path pending = to.getParent();
            if (swapped || !pending.getFileName().toString().equals("pending")) {
                return real.publishDurably(from, to);
            }
            swapped = true;
            Path next = Files.createDirectories(pending.resolveSibling("pending.next"));
            real.rename(pending, Files.createDirectories(pending.resolveSibling("claimed")).resolve("01CLAIM"));
            try {
                return real.publishDurably(from, to);
            } finally {
                real.rename(next, pending);
            }
        }
    }

    private static List<String> pendingIds(Cli cli) throws IOException {
        List<String> ids = new ArrayList<>();
        Store store = Store.open(cli.store(), dev.poet.store.NioStoreIO.INSTANCE);
        new EventLog(store, cli.clock).forEach(List.of(EventSpool.State.PENDING), s -> ids.add(s.event().id()));
        return ids;
    }

    @Test
    void aSingleDeliveryThatMeetsTheSwapIsDeliveredOnce() throws Exception {
        Cli cli = Cli.jimfs();
        assertEquals(0, cli.run("init").code());
        SwapDuringLink io = new SwapDuringLink();
        cli.io = io;
        Cli.Result r = cli.run("record", "execution.completed", "--function", "detect_drift", "--function-version", "v1",
                "--execution-id", "e1", "--id", "e1", "--set", "success=true", "--set", "duration_ms=1");
        assertTrue(io.swapped, "the delivery met the swap");
        assertEquals(0, r.code(), r.toString());
        assertEquals(List.of("e1"), pendingIds(cli));
        assertTrue(Files.exists(cli.store().resolve("events/pending/exec_e1.json")), "in the fresh pending/");
        try (Stream<Path> tmp = Files.list(cli.store().resolve("events/tmp"))) {
            assertEquals(List.of(), tmp.toList(), "nothing left in tmp/");
        }
    }

    @Test
    void aBatchThatMeetsTheSwapIsDeliveredOnce() throws Exception {
        Cli cli = Cli.jimfs();
        assertEquals(0, cli.run("init").code());
        cli.write("events.jsonl", "{\"id\":\"a1\",\"type\":\"execution.completed\",\"time\":\"2026-11-27T10:00:00.000Z\","
                + "\"source\":\"python\",\"function\":\"detect_drift\",\"version\":\"v1\",\"execution_id\":\"a1\","
                + "\"data\":{\"success\":true,\"duration_ms\":1.0}}\n"
                + "{\"id\":\"a2\",\"type\":\"drift.validation\",\"time\":\"2026-11-27T10:00:00.000Z\",\"source\":\"api\","
                + "\"execution_id\":\"a1\",\"data\":{\"was_real_drift\":true}}\n");
        SwapDuringLink io = new SwapDuringLink();
        cli.io = io;
        Cli.Result r = cli.run("record", "--batch", "--event", "events.jsonl");
        assertTrue(io.swapped, "the delivery met the swap");
        assertEquals(0, r.code(), r.toString());
        assertEquals(List.of("a1", "a2"), pendingIds(cli));
    }

    /**
     * Opening the store while a claim swaps pending/ (over and over, from another thread): never
     * "incomplete", and every delivery made lands once, in pending/ or a claim.
     */
    @Test
    void theStoreOpensAndDeliversWhileClaimsSwapPending() throws Exception {
        Cli cli = Cli.jimfs();
        assertEquals(0, cli.run("init").code());
        Path root = cli.store();
        AtomicBoolean stop = new AtomicBoolean();
        List<Throwable> claimerFailed = new ArrayList<>();
        Thread claimer = new Thread(() -> {
            Claims claims = new Claims(NioStoreIO.INSTANCE, root.resolve("events"));
            try {
                for (long n = 0; !stop.get(); n++) {
                    Path pending = root.resolve("events/pending");
                    try {
                        Files.writeString(pending.resolve("exec_c" + n + ".json"), "{}");
                    } catch (java.nio.file.NoSuchFileException e) {
                        continue; // a writer is putting pending/ back
                    }
                    claims.claim(String.format("C%012d", n));
                }
            } catch (IOException | RuntimeException e) {
                claimerFailed.add(e);
            }
        });
        claimer.start();
        int opened = 0;
        List<String> failures = new ArrayList<>();
        try {
            for (int i = 0; i < 20_000; i++) {
                try {
                    Store s = Store.open(root, NioStoreIO.INSTANCE);
                    opened++;
                    if (i % 10 == 0) {
                        s.spool().deliver("exec_w" + i + ".json", "{}".getBytes(java.nio.charset.StandardCharsets.UTF_8));
                    }
                } catch (RuntimeException | IOException e) {
                    failures.add(i + ": " + e);
                }
            }
        } finally {
            stop.set(true);
            claimer.join();
        }
        assertEquals(List.of(), claimerFailed, "the claims ran");
        assertEquals(List.of(), failures.subList(0, Math.min(5, failures.size())), failures.size() + " of 20000 failed");
        assertEquals(20_000, opened);
        List<String> delivered = new ArrayList<>();
        try (Stream<Path> all = Files.walk(root.resolve("events"))) {
            all.map(p -> p.getFileName().toString()).filter(n -> n.startsWith("exec_w")).forEach(delivered::add);
        }
        assertEquals(2_000, delivered.size(), "each delivery once");
        assertEquals(2_000, new java.util.HashSet<>(delivered).size(), "each delivery once");
    }
}
