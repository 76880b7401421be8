package dev.poet.event;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.poet.json.Json;
import dev.poet.store.Batches;
import dev.poet.store.NioStoreIO;
import dev.poet.store.Store;
import dev.poet.testing.Cli;
import dev.poet.testing.DelegatingStoreIO;
import java.io.IOException;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Group commit on a real directory: concurrent callers share batch files, each returns only when durable. */
class GroupCommitTest {
    @TempDir
    Path project;
    Path store;

    /** The real file system, whose directory forces can be made to fail. */
    static final class FailingForce extends DelegatingStoreIO {
        volatile boolean fail;

        @Override
        public void forceDirectory(Path dir) throws IOException {
            if (fail && dir.getFileName().toString().equals("pending")) {
                throw new IOException("Input/output error");
            }
            real.forceDirectory(dir);
        }
    }

    @BeforeEach
    void init() {
        Cli cli = new Cli(FileSystems.getDefault(), project);
        assertEquals(0, cli.run("init").code());
        store = project.resolve(".poet");
    }

    private static Event feedback(String id) {
        return new Event(id, "drift.validation", java.time.Instant.parse("2026-11-27T10:00:00Z"), "test", null, null, "e-" + id,
                Map.of("was_real_drift", false), null);
    }

    /** Event id to the number of times it is in pending/, and the number of batch files. */
    private Map<String, Integer> pending() throws IOException {
        Map<String, Integer> n = new HashMap<>();
        try (Stream<Path> s = Files.list(store.resolve("events/pending"))) {
            for (Path p : s.toList()) {
                assertTrue(Batches.isBatchName(p.getFileName().toString()), "group commit writes batches: " + p);
                List<byte[]> lines = Batches.lines(Files.readAllBytes(p));
                assertEquals(Batches.count(p.getFileName().toString()), lines.size(), "a whole batch");
                for (byte[] line : lines) {
                    n.merge((String) Json.parseObject(line, "line").get("id"), 1, Integer::sum);
                }
            }
        }
        return n;
    }

    @Test
    void concurrentCallersShareBatchesAndEachReturnsDurable() throws Exception {
        EventLog log = new EventLog(Store.open(store, NioStoreIO.INSTANCE), Clock.systemUTC());
        int callers = 48;
        try (GroupCommit gc = new GroupCommit(log, 200_000, callers)) {
            ExecutorService pool = Executors.newFixedThreadPool(callers);
            CyclicBarrier start = new CyclicBarrier(callers);
            List<Future<Boolean>> results = new ArrayList<>();
            for (int i = 0; i < callers; i++) {
                String id = "c" + i;
                results.add(pool.submit(() -> {
                    start.await();
                    List<EventLog.Recorded> r = gc.record(List.of(feedback(id)));
                    // durable when it returns: the batch it names holds the event
                    return Batches.lines(Files.readAllBytes(r.get(0).path())).stream().anyMatch(l -> Batches.startsWithId(l, id));
                }));
            }
            for (Future<Boolean> f : results) {
                assertTrue(f.get(2, TimeUnit.MINUTES), "each caller's event is in the batch it was told of");
            }
            pool.shutdown();
            Map<String, Integer> n = pending();
            assertEquals(callers, n.size());
            assertTrue(n.values().stream().allMatch(c -> c == 1), "each event once: " + n);
            long batches = gc.counts()[0];
            assertTrue(batches < callers, "callers shared batch files: " + batches + " for " + callers + " events");
        }
    }

    @Test
    void aRepeatedIdIsADuplicateOnceTheFirstIsDurable() throws IOException {
        EventLog log = new EventLog(Store.open(store, NioStoreIO.INSTANCE), Clock.systemUTC());
        try (GroupCommit gc = new GroupCommit(log, 0, 1000)) {
            assertFalse(gc.record(List.of(feedback("k1"))).get(0).duplicate());
            assertTrue(gc.record(List.of(feedback("k1"))).get(0).duplicate(), "a retry of the same id");
            List<EventLog.Recorded> both = gc.record(List.of(feedback("k2"), feedback("k2")));
            assertFalse(both.get(0).duplicate());
            assertTrue(both.get(1).duplicate(), "the same id twice in one call");
        }
        assertEquals(Map.of("k1", 1, "k2", 1), pending());
    }

    @Test
    void aBatchThatCannotBeForcedFailsEveryCallerAndLeavesNothing() throws IOException {
        FailingForce io = new FailingForce();
        EventLog log = new EventLog(Store.open(store, io), Clock.systemUTC());
        try (GroupCommit gc = new GroupCommit(log, 0, 1000)) {
            io.fail = true;
            IOException e = assertThrows(IOException.class, () -> gc.record(List.of(feedback("f1"), feedback("f2"))));
            assertTrue(e.getMessage().contains("Input/output error"), e.getMessage());
            assertEquals(Map.of(), pending(), "the linked batch was taken back: a caller told 'failed' is not delivered");
            io.fail = false;
            assertFalse(gc.record(List.of(feedback("f1"))).get(0).duplicate(), "a retry after a failure is delivered, once");
        }
        assertEquals(Map.of("f1", 1), pending());
        try (Stream<Path> tmp = Files.list(store.resolve("events/tmp"))) {
            assertEquals(List.of(), tmp.filter(p -> !p.getFileName().toString().startsWith(".clock")).toList());
        }
    }
}
