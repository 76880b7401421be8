package dev.poet.correlate;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.poet.cli.Main;
import dev.poet.event.EventLog;
import dev.poet.json.Json;
import dev.poet.store.EventSpool.State;
import dev.poet.store.NioStoreIO;
import dev.poet.store.Store;
import dev.poet.testing.Cli;
import dev.poet.testing.CrashChild;
import dev.poet.testing.Jvm;
import dev.poet.testing.Lines;
import dev.poet.testing.StoreGenerator;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
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
 * poet correlate as a real process on a real directory: killed with SIGKILL at random moments
 * while it works through growing batches, and run while other processes deliver events. Every
 * event must end up in exactly one place, counted once, with nothing partial anywhere.
 */
class CorrelateCrashTest {
    static final int MIN_KILLS = 55;
    /** How long a process may take to start, deliver once or finish a run on a loaded machine: a bound. */
    static final Duration WAIT = Duration.ofMinutes(3);

    @TempDir
    Path project;

    private Process correlateProcess(Path store) throws IOException {
        return new ProcessBuilder(Jvm.java(), "-XX:+UseParallelGC", "-cp", System.getProperty("java.class.path"),
                Main.class.getName(), "--store", store.toString(), "correlate", "--batch-size", "100")
                .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
    }

    private static int segments(Path store) throws IOException {
        try (Stream<Path> s = Files.list(store.resolve("events/processed"))) {
            return (int) s.count();
        }
    }

    private static Set<String> pendingIds(Path store) throws IOException {
        Set<String> ids = new HashSet<>();
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(store.resolve("events/pending"), "*.json")) {
            for (Path p : ds) {
                String n = p.getFileName().toString();
                ids.add(n.substring(n.indexOf('_') + 1, n.length() - ".json".length()));
            }
        }
        return ids;
    }

    /** Where every event is: id to the places it was found (state names), read through poet's own reader. */
    private static Map<String, List<String>> places(Path storeDir) throws IOException {
        Store store = Store.open(storeDir, NioStoreIO.INSTANCE);
        Map<String, List<String>> where = new HashMap<>();
        new EventLog(store, Clock.systemUTC()).forEach(List.of(State.PENDING, State.PROCESSED, State.FAILED), s -> {
            assertNull(s.problem(), "nothing partial or unreadable: " + s.path() + ": " + s.problem());
            where.computeIfAbsent(s.event().id(), k -> new ArrayList<>()).add(s.state().dirName());
        });
        return where;
    }

    /**
     * Every delivered event is in exactly one place, and nothing else is there but derived
     * verdicts and (when writers were killed after delivering but before saying so) events of
     * those writers.
     */
    private static void assertExactlyOnce(Set<String> delivered, Map<String, List<String>> where,
                                          String unacknowledgedPrefix) {
        for (String id : delivered) {
            List<String> at = where.get(id);
            assertTrue(at != null && at.size() == 1, "event " + id + " is in exactly one place, found in " + at);
        }
        for (Map.Entry<String, List<String>> e : where.entrySet()) {
            assertEquals(1, e.getValue().size(), e.getKey() + " " + e.getValue());
            assertTrue(delivered.contains(e.getKey()) || e.getKey().endsWith(".retraining")
                            || unacknowledgedPrefix != null && e.getKey().matches(unacknowledgedPrefix),
                    "only delivered events and derived verdicts: " + e.getKey());
        }
    }

    private static Map<String, Object> correlateInProcess(Cli cli) {
        Cli.Result r = cli.run("--json", "correlate");
        assertEquals(0, r.code(), r.toString());
        return Json.parseObject(r.out().getBytes(StandardCharsets.UTF_8), "report");
    }

    @Test
    void killedAtRandomMomentsEveryEventEndsUpInExactlyOnePlace() throws Exception {
        Cli cli = new Cli(FileSystems.getDefault(), project);
        assertEquals(0, cli.run("init").code());
        Path store = project.resolve(".poet");
        StoreGenerator generator = new StoreGenerator(store, 7, Instant.parse("2026-11-20T00:00:00Z"));
        Random random = new Random(11);
        Set<String> delivered = new HashSet<>();
        int kills = 0;
        int completed = 0;
        for (int round = 0; kills < MIN_KILLS && round < 200; round++) {
            generator.generate(1500);
            delivered.addAll(pendingIds(store));
            int segmentsBefore = segments(store);
            Process p = correlateProcess(store);
            if (random.nextInt(5) == 0) {
                // during start-up, the claim or the first batch
                p.waitFor(random.nextInt(600), TimeUnit.MILLISECONDS);
            } else {
                // mid-work: just after the run has written its k-th segment
                int k = 1 + random.nextInt(6);
                while (p.isAlive() && segments(store) < segmentsBefore + k) {
                    p.waitFor(2, TimeUnit.MILLISECONDS);
                }
                p.waitFor(random.nextInt(20), TimeUnit.MILLISECONDS);
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
        assertEquals(0L, again.get("duplicates"));
        try (Stream<Path> claims = Files.list(store.resolve("events/claimed"))) {
            assertEquals(List.of(), claims.toList(), "no claim left behind");
        }
        Map<String, List<String>> where = places(store);
        assertExactlyOnce(delivered, where, null);
        long processed = where.values().stream().filter(l -> l.get(0).equals("processed")).count();
        assertEquals(processed, last.get("processed_total"), "the processed total counts each event once");

        assertEquals(0, cli.run("sweep").code());
        assertExactlyOnce(delivered, places(store), null);
        try (Stream<Path> tmp = Files.walk(store)) {
            for (Path f : tmp.toList()) {
                String name = f.getFileName().toString();
                if (!f.startsWith(store.resolve("events/tmp"))) {
                    assertTrue(!name.contains(".tmp-"), "no temporary file outside tmp/: " + f);
                }
            }
        }
    }

    @Test
    void writersDeliveringDuringCorrelateRunsLoseNothing() throws Exception {
        Cli cli = new Cli(FileSystems.getDefault(), project);
        assertEquals(0, cli.run("init").code());
        Path store = project.resolve(".poet");
        new StoreGenerator(store, 3, Instant.parse("2026-11-20T00:00:00Z")).generate(20_000);
        Set<String> delivered = new HashSet<>(pendingIds(store));

        List<Process> writers = new ArrayList<>();
        List<Lines> acks = new ArrayList<>();
        for (String tag : List.of("w1", "w2", "w3")) {
            Process w = new ProcessBuilder(Jvm.java(), "-cp", System.getProperty("java.class.path"), CrashChild.class.getName(),
                    "exec", project.toString(), tag).redirectError(ProcessBuilder.Redirect.DISCARD).start();
            writers.add(w);
            acks.add(Lines.of(w.getInputStream()));
        }
        for (Lines a : acks) {
            assertTrue(a.awaitAcks(1, WAIT), "a writer delivered a first event; it printed " + a.lines());
        }
        // at least four runs, and more until writers have delivered while one ran (a bound, for a loaded machine)
        int duringRuns = 0;
        int runs = 0;
        for (; runs < 4 || duringRuns == 0 && runs < 40; runs++) {
            int before = acks.stream().mapToInt(l -> l.acks().size()).sum();
            Path log = project.resolve("correlate-" + runs + ".log");
            Process c = new ProcessBuilder(Jvm.java(), "-XX:+UseParallelGC", "-cp", System.getProperty("java.class.path"),
                    Main.class.getName(), "-v", "--store", store.toString(), "correlate", "--batch-size", "100")
                    .redirectErrorStream(true).redirectOutput(log.toFile()).start();
            assertTrue(c.waitFor(WAIT.toSeconds(), TimeUnit.SECONDS), "correlate run " + runs + " ended");
            assertEquals(0, c.exitValue(), Files.readString(log));
            duringRuns += acks.stream().mapToInt(l -> l.acks().size()).sum() - before;
        }
        for (Process w : writers) {
            w.destroyForcibly();
            assertTrue(w.waitFor(WAIT.toSeconds(), TimeUnit.SECONDS), "a killed writer ended");
        }
        for (Lines a : acks) {
            assertTrue(a.awaitEnd(WAIT), "a killed writer's output ended");
            delivered.addAll(a.acks());
        }
        assertTrue(duringRuns > 0, "writers delivered while correlate ran, in " + runs + " runs");
        correlateInProcess(cli);
        Map<String, List<String>> where = places(store);
        assertExactlyOnce(delivered, where, "w[123]-[0-9]+");
        for (String id : delivered) {
            if (id.startsWith("w")) {
                assertEquals(List.of("processed"), where.get(id), "a delivered execution is correlated: " + id);
            }
        }
    }
}
