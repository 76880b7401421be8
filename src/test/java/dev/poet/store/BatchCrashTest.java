package dev.poet.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.poet.cli.Main;
import dev.poet.event.EventLog;
import dev.poet.json.Json;
import dev.poet.store.EventSpool.State;
import dev.poet.testing.Cli;
import dev.poet.testing.Jvm;
import dev.poet.testing.Lines;
import dev.poet.testing.StoreGenerator;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Batch files under SIGKILL: Python writers killed at any step of delivering batches, and
 * correlate killed while it works through batches (events repeated across batches, events that
 * must wait and go back as new batches). Nothing acknowledged is lost, nothing is torn, nothing
 * is counted twice.
 */
class BatchCrashTest {
    static final int MIN_KILLS = 30;
    /** How long a process may take to start or answer on a loaded machine: a bound, not an expectation. */
    static final Duration WAIT = Duration.ofMinutes(3);

    @TempDir
    Path project;

    /** Every event line in a directory's batch files and single files, by id (a batch line that does not read fails the test). */
    private static List<String> ids(Path dir) throws IOException {
        List<String> ids = new ArrayList<>();
        try (Stream<Path> s = Files.list(dir)) {
            for (Path p : s.toList()) {
                String name = p.getFileName().toString();
                if (Batches.isBatchName(name)) {
                    List<byte[]> lines = Batches.lines(Files.readAllBytes(p));
                    assertEquals(Batches.count(name), lines.size(), "a batch is whole: " + name);
                    for (byte[] line : lines) {
                        ids.add((String) Json.parseObject(line, name).get("id"));
                    }
                } else if (name.endsWith(".json")) {
                    ids.add(name.substring(name.indexOf('_') + 1, name.length() - ".json".length()));
                }
            }
        }
        return ids;
    }

    /** Where every event is, through poet's own reader (each pending event once, as events list shows it). */
    private static Map<String, List<String>> places(Path storeDir) throws IOException {
        Store store = Store.open(storeDir, NioStoreIO.INSTANCE);
        Map<String, List<String>> where = new HashMap<>();
        new EventLog(store, Clock.systemUTC()).forEach(List.of(State.PENDING, State.PROCESSED, State.FAILED), s -> {
            assertNull(s.problem(), "nothing partial or unreadable: " + s.path() + ": " + s.problem());
            where.computeIfAbsent(s.event().id(), k -> new ArrayList<>()).add(s.state().dirName());
        });
        return where;
    }

    private static void assertNoTempOutsideTmp(Path store) throws IOException {
        try (Stream<Path> all = Files.walk(store)) {
            for (Path f : all.toList()) {
                if (!f.startsWith(store.resolve("events/tmp"))) {
                    assertTrue(!f.getFileName().toString().contains(".tmp-"), "no temporary file outside tmp/: " + f);
                }
            }
        }
    }

    private Process correlate(Path store) throws IOException {
        return new ProcessBuilder(Jvm.java(), "-XX:+UseParallelGC", "-cp", System.getProperty("java.class.path"),
                Main.class.getName(), "--store", store.toString(), "correlate", "--batch-size", "100")
                .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
    }

    private static int segments(Path store) throws IOException {
        try (Stream<Path> s = Files.list(store.resolve("events/processed"))) {
            return (int) s.count();
        }
    }

    private static Map<String, Object> correlateInProcess(Cli cli) {
        Cli.Result r = cli.run("--json", "correlate");
        assertEquals(0, r.code(), r.toString());
        return Json.parseObject(r.out().getBytes(StandardCharsets.UTF_8), "report");
    }

    @Test
    void correlatingBatchesKilledAtRandomCountsEachEventOnce() throws Exception {
        Cli cli = new Cli(FileSystems.getDefault(), project);
        cli.clock = Clock.systemUTC();
        assertEquals(0, cli.run("init").code());
        Path store = project.resolve(".poet");
        StoreGenerator generator = new StoreGenerator(store, 17, Instant.parse("2026-11-20T00:00:00Z")).batches(300);
        Random random = new Random(23);
        Set<String> delivered = new HashSet<>();
        int kills = 0;
        int completed = 0;
        for (int round = 0; kills < MIN_KILLS && round < 150; round++) {
            generator.generate(1500);
            delivered.addAll(ids(store.resolve("events/pending")));
            int before = segments(store);
            Process p = correlate(store);
            if (random.nextInt(5) == 0) {
                p.waitFor(random.nextInt(600), TimeUnit.MILLISECONDS); // start-up, the claim, the first batches
            } else {
                int k = 1 + random.nextInt(8); // mid-work: just after its k-th segment
                while (p.isAlive() && segments(store) < before + k) {
                    p.waitFor(2, TimeUnit.MILLISECONDS);
                }
                p.waitFor(random.nextInt(30), TimeUnit.MILLISECONDS);
            }
            if (p.isAlive()) {
                p.destroyForcibly();
                assertTrue(p.waitFor(WAIT.toSeconds(), TimeUnit.SECONDS), "a killed correlate ended");
                kills++;
            } else {
                assertEquals(0, p.exitValue(), "correlate finished by itself");
                completed++;
            }
        }
        assertTrue(kills >= MIN_KILLS, "kills: " + kills + ", completed runs: " + completed);

        Map<String, Object> last = correlateInProcess(cli);
        Map<String, Object> again = correlateInProcess(cli);
        assertEquals(0L, again.get("correlated"), "a run after a complete run changes nothing: " + again);
        assertEquals(0L, again.get("duplicates"), "and finds no copy left over: " + again);
        try (Stream<Path> claims = Files.list(store.resolve("events/claimed"))) {
            assertEquals(List.of(), claims.toList(), "no claim left behind");
        }
        List<String> waiting = ids(store.resolve("events/pending"));
        assertEquals(waiting.size(), new HashSet<>(waiting).size(), "each waiting event waits once: " + waiting.size());
        Map<String, List<String>> where = places(store);
        for (String id : delivered) {
            List<String> at = where.get(id);
            assertTrue(at != null && at.size() == 1, "event " + id + " is in exactly one place, found in " + at);
        }
        for (Map.Entry<String, List<String>> e : where.entrySet()) {
            assertTrue(delivered.contains(e.getKey()) || e.getKey().endsWith(".retraining"), "only delivered events: " + e.getKey());
        }
        long processed = where.values().stream().filter(l -> l.get(0).equals("processed")).count();
        assertEquals(processed, last.get("processed_total"), "the processed total counts each event once");

        assertEquals(0, cli.run("sweep").code());
        try (Stream<Path> trash = Files.list(store.resolve("events/trash"))) {
            assertEquals(List.of(), trash.toList(), "sweep emptied the trash");
        }
        assertEquals(where, places(store), "sweep moved nothing and lost nothing");
        assertNoTempOutsideTmp(store);
    }

    /** A Python process recording in a loop; after each flush() it prints the ids that are now on disk. */
    static final String WRITER = "import sys, poet_runtime\n"
            + "tag, durable = sys.argv[1], sys.argv[2] == 'durable'\n"
            + "poet_runtime.configure(durable=durable, flush_interval_ms=5, batch_events=7)\n"
            + "print('ready', flush=True)\n"
            + "i = 0\n"
            + "while True:\n"
            + "    ids = [poet_runtime.record('x.crash.tick', {'i': i + k}, event_id='%s-%d' % (tag, i + k)) for k in range(13)]\n"
            + "    i += 13\n"
            + "    if poet_runtime.flush():\n"
            + "        print('ack ' + ' '.join(ids), flush=True)\n";

    @Test
    void pythonWritersKilledMidBatchLoseNothingAcknowledged() throws Exception {
        Cli cli = new Cli(FileSystems.getDefault(), project);
        cli.clock = Clock.systemUTC();
        assertEquals(0, cli.run("init").code());
        Path store = project.resolve(".poet");
        Random random = new Random(5);
        Set<String> acked = new HashSet<>();
        int kills = 0;
        for (int round = 0; round < 16; round++) {
            List<Process> writers = new ArrayList<>();
            List<Lines> out = new ArrayList<>();
            for (int w = 0; w < 3; w++) {
                ProcessBuilder pb = new ProcessBuilder("python3", "-c", WRITER, "r" + round + "w" + w, w == 2 ? "durable" : "buffered")
                        .directory(project.toFile()).redirectError(ProcessBuilder.Redirect.DISCARD);
                pb.environment().put("PYTHONPATH", store.toString());
                pb.environment().put("PYTHONDONTWRITEBYTECODE", "1");
                Process p = pb.start();
                writers.add(p);
                out.add(Lines.of(p.getInputStream()));
            }
            for (Lines l : out) {
                assertTrue(l.awaitAcks(1, WAIT), "a writer acknowledged a first flush; it printed " + l.lines());
            }
            // a correlate run claims pending/ while the writers link batches into it
            Process c = round % 2 == 0 ? correlate(store) : null;
            Thread.sleep(random.nextInt(300));
            for (Process p : writers) {
                p.destroyForcibly();
                kills++;
            }
            for (int w = 0; w < writers.size(); w++) {
                assertTrue(writers.get(w).waitFor(WAIT.toSeconds(), TimeUnit.SECONDS));
                assertTrue(out.get(w).awaitEnd(WAIT), "the writer's output ended");
                for (String ack : out.get(w).acks()) {
                    for (String id : ack.substring("ack ".length()).split(" ")) {
                        acked.add(id);
                    }
                }
            }
            if (c != null) {
                assertTrue(c.waitFor(WAIT.toSeconds(), TimeUnit.SECONDS), "correlate ended");
                assertEquals(0, c.exitValue(), "correlate ran beside the writers");
            }
            ids(store.resolve("events/pending")); // every batch in pending/ is whole
        }
        assertTrue(kills >= 48, "kills: " + kills);
        correlateInProcess(cli);
        Map<String, List<String>> where = places(store);
        for (String id : acked) {
            assertEquals(List.of("processed"), where.get(id), "acknowledged event " + id + " is processed, once");
        }
        for (Map.Entry<String, List<String>> e : where.entrySet()) {
            if (e.getKey().matches("r\\d+w\\d-\\d+")) {
                assertEquals(1, e.getValue().size(), "an event a killed writer did not acknowledge is there once or not at all: "
                        + e.getKey() + " " + e.getValue());
            }
        }
        assertNoTempOutsideTmp(store);
    }
}
