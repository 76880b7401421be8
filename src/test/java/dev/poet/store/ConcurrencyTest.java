package dev.poet.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.poet.event.Event;
import dev.poet.event.EventLog;
import dev.poet.testing.Cli;
import dev.poet.testing.CrashChild;
import dev.poet.testing.Jvm;
import dev.poet.testing.Lines;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Eight writer processes, a poet serve under load and pairs of overlapping poet learn runs, all
 * on one store at once: every event accounted for exactly once, and of two overlapping learn
 * runs one works and the other steps aside (exit 75) or runs after it. The writers run until they
 * are killed: none of their commands fails while the learn runs claim pending/.
 */
class ConcurrencyTest {
    /** How long a process may take to start, deliver once or finish a learn pass on a loaded machine: a bound. */
    static final Duration WAIT = Duration.ofMinutes(3);

    @TempDir
    Path project;

    @Test
    void writersServeAndOverlappingLearnRunsLoseNothing() throws Exception {
        Cli cli = new Cli(FileSystems.getDefault(), project);
        cli.clock = Clock.systemUTC(); // the clock of the processes this test starts
        assertEquals(0, cli.run("init").code());
        Path store = project.resolve(".poet");

        List<Process> writers = new ArrayList<>();
        List<Lines> acks = new ArrayList<>();
        for (int i = 0; i < 8; i++) {
            Process w = new ProcessBuilder(Jvm.command(List.of("-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC"),
                    CrashChild.class.getName(), "exec", project.toString(), "w" + i))
                    .redirectError(project.resolve("w" + i + ".err").toFile()).start();
            writers.add(w);
            acks.add(Lines.of(w.getInputStream()));
        }
        ProcessBuilder spb = new ProcessBuilder(Jvm.poet(List.of(), "--store", store.toString(), "-q",
                "serve", "--port", "0")).redirectError(ProcessBuilder.Redirect.DISCARD);
        spb.environment().put("POET_FEEDBACK_TOKEN", "tok");
        Process serve = spb.start();
        String url = new BufferedReader(new InputStreamReader(serve.getInputStream(), StandardCharsets.UTF_8)).readLine();
        Set<String> served = Collections.synchronizedSet(new HashSet<>());
        AtomicBoolean stop = new AtomicBoolean();
        HttpClient http = HttpClient.newHttpClient();
        List<CompletableFuture<Void>> load = new ArrayList<>();
        java.util.concurrent.ExecutorService clients = java.util.concurrent.Executors.newFixedThreadPool(4);
        for (int t = 0; t < 4; t++) {
            int thread = t;
            // verdicts about writer w0's executions, and from the last client about executions no one
            // records: those wait in pending/ for good, in the batch files poet serve delivers
            String about = thread == 3 ? "unrecorded-" : "w0-";
            load.add(CompletableFuture.runAsync(() -> {
                for (int n = 0; !stop.get(); n++) {
                    String key = "c" + thread + "-" + n;
                    try {
                        HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(url + "poet/feedback"))
                                .header("Authorization", "Bearer tok").header("Idempotency-Key", key)
                                .POST(HttpRequest.BodyPublishers.ofString("{\"execution_id\":\"" + about + n
                                        + "\",\"was_real_drift\":true}")).build(), HttpResponse.BodyHandlers.ofString());
                        assertEquals(200, r.statusCode(), r.body());
                        served.add("fb-" + key);
                    } catch (IOException | InterruptedException e) {
                        throw new AssertionError(e);
                    }
                }
            }, clients));
        }
        // everyone is at work before the learn runs start: a bound for a loaded machine, not a speed
        for (Lines a : acks) {
            assertTrue(a.awaitAcks(1, WAIT), "a writer acknowledged a first event; it printed " + a.lines());
        }
        List<String> firsts = List.of("fb-c0-0", "fb-c1-0", "fb-c2-0", "fb-c3-0");
        long waitUntil = System.nanoTime() + WAIT.toNanos();
        while (!served.containsAll(firsts) && System.nanoTime() < waitUntil) {
            Thread.sleep(10);
        }
        assertTrue(served.containsAll(firsts), "poet serve answered every client's first request");
        Map<Integer, Integer> learnExits = new HashMap<>();
        for (int pair = 0; pair < 4; pair++) {
            Process a = new ProcessBuilder(Jvm.poet(List.of(), "--store", store.toString(), "-q", "learn"))
                    .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
            Process b = new ProcessBuilder(Jvm.poet(List.of(), "--store", store.toString(), "-q", "learn"))
                    .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
            assertTrue(a.waitFor(WAIT.toSeconds(), TimeUnit.SECONDS) && b.waitFor(WAIT.toSeconds(), TimeUnit.SECONDS),
                    "both learn runs of pair " + pair + " ended");
            learnExits.merge(a.exitValue(), 1, Integer::sum);
            learnExits.merge(b.exitValue(), 1, Integer::sum);
        }
        stop.set(true);
        for (CompletableFuture<Void> l : load) {
            l.get(WAIT.toSeconds(), TimeUnit.SECONDS);
        }
        clients.shutdown();
        // a writer stops by itself only when a command failed (CrashChild exits with its code)
        List<Boolean> ranToTheEnd = new ArrayList<>();
        for (Process w : writers) {
            ranToTheEnd.add(w.isAlive());
            w.destroyForcibly();
        }
        for (Process w : writers) {
            assertTrue(w.waitFor(WAIT.toSeconds(), TimeUnit.SECONDS), "a killed writer ended");
        }
        serve.destroy();
        assertTrue(serve.waitFor(WAIT.toSeconds(), TimeUnit.SECONDS), "poet serve stopped on SIGTERM");
        for (int i = 0; i < writers.size(); i++) {
            assertTrue(ranToTheEnd.get(i), "writer w" + i + " worked until it was killed; it exited with "
                    + writers.get(i).exitValue() + " after " + acks.get(i).acks().size() + " events: "
                    + Files.readString(project.resolve("w" + i + ".err")));
        }
        assertTrue(learnExits.keySet().stream().allMatch(c -> c == 0 || c == 75), "learn exits 0 or 75: " + learnExits);
        assertTrue(learnExits.getOrDefault(0, 0) >= 4, "at least one of each pair ran: " + learnExits);

        Set<String> delivered = new HashSet<>(served);
        for (Lines a : acks) {
            assertTrue(a.awaitEnd(WAIT), "a killed writer's output ended");
            delivered.addAll(a.acks());
        }
        assertTrue(delivered.size() >= 9, "every writer and serve delivered: " + delivered.size());
        assertEquals(0, cli.run("learn").code());
        // The store as poet reads it: every record of the processed log, and every event in pending/,
        // a batch file line by line. After the last learn, what waits there is the verdicts about
        // executions never recorded: the last client's, and any about w0-n where w0 was killed
        // before its n-th execution.
        EventLog log = new EventLog(Store.open(store, NioStoreIO.INSTANCE), cli.clock);
        Map<String, Integer> seen = new HashMap<>();
        Set<String> executions = new HashSet<>();
        List<String> unreadable = new ArrayList<>();
        log.forEach(List.of(EventSpool.State.PROCESSED), st -> {
            if (st.event() == null) {
                unreadable.add(st.path() + ": " + st.problem());
                return;
            }
            seen.merge(st.event().id(), 1, Integer::sum);
            if (st.event().type().equals("execution.completed")) {
                executions.add(st.event().executionId());
            }
        });
        List<Event> waiting = new ArrayList<>();
        try (Stream<Path> s = Files.list(store.resolve("events/pending"))) {
            for (Path p : s.sorted().toList()) {
                List<EventLog.Stored> items = Batches.isBatchName(p.getFileName().toString())
                        ? EventLog.readBatch(EventSpool.State.PENDING, p) : List.of(EventLog.read(EventSpool.State.PENDING, p));
                for (EventLog.Stored st : items) {
                    if (st.event() == null) {
                        unreadable.add(st.path() + ": " + st.problem());
                    } else {
                        seen.merge(st.event().id(), 1, Integer::sum);
                        waiting.add(st.event());
                    }
                }
            }
        }
        assertEquals(List.of(), unreadable, "every processed record and pending file is an event poet reads");
        for (Event e : waiting) {
            assertTrue(e.type().equals("drift.validation") && !executions.contains(e.executionId()),
                    "only outcomes whose execution was never recorded wait after the last learn: " + e.id() + " ("
                            + e.type() + ", execution " + e.executionId() + ")");
        }
        for (String id : delivered) {
            if (seen.getOrDefault(id, 0) != 1) {
                List<String> where = new ArrayList<>();
                for (EventLog.Stored st : log.find(id)) {
                    where.add(st.state() + " " + store.relativize(st.path()));
                }
                assertEquals(1, seen.getOrDefault(id, 0), "event " + id + " exactly once in the processed log and pending/;"
                        + " found in " + where);
            }
        }
        for (Map.Entry<String, Integer> e : seen.entrySet()) {
            assertEquals(1, e.getValue(), "no event twice: " + e.getKey());
        }
    }
}
