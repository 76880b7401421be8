package dev.poet.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.poet.json.Json;
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
 * runs one works and the other steps aside (exit 75) or runs after it.
 */
class ConcurrencyTest {
    /** How long a process may take to start, deliver once or finish a learn pass on a loaded machine: a bound. */
    static final Duration WAIT = Duration.ofMinutes(3);

    @TempDir
    Path project;

    @Test
    void writersServeAndOverlappingLearnRunsLoseNothing() throws Exception {
        Cli cli = new Cli(FileSystems.getDefault(), project);
        assertEquals(0, cli.run("init").code());
        Path store = project.resolve(".poet");

        List<Process> writers = new ArrayList<>();
        List<Lines> acks = new ArrayList<>();
        for (int i = 0; i < 8; i++) {
            Process w = new ProcessBuilder(Jvm.command(List.of("-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC"),
                    CrashChild.class.getName(), "exec", project.toString(), "w" + i))
                    .redirectError(ProcessBuilder.Redirect.DISCARD).start();
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
            load.add(CompletableFuture.runAsync(() -> {
                for (int n = 0; !stop.get(); n++) {
                    String key = "c" + thread + "-" + n;
                    try {
                        HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(url + "poet/feedback"))
                                .header("Authorization", "Bearer tok").header("Idempotency-Key", key)
                                .POST(HttpRequest.BodyPublishers.ofString("{\"execution_id\":\"w0-" + n
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
        long waitUntil = System.nanoTime() + WAIT.toNanos();
        while (served.isEmpty() && System.nanoTime() < waitUntil) {
            Thread.sleep(10);
        }
        assertFalse(served.isEmpty(), "poet serve answered a first request");
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
        for (Process w : writers) {
            w.destroyForcibly();
            assertTrue(w.waitFor(WAIT.toSeconds(), TimeUnit.SECONDS), "a killed writer ended");
        }
        serve.destroy();
        assertTrue(serve.waitFor(WAIT.toSeconds(), TimeUnit.SECONDS), "poet serve stopped on SIGTERM");
        assertTrue(learnExits.keySet().stream().allMatch(c -> c == 0 || c == 75), "learn exits 0 or 75: " + learnExits);
        assertTrue(learnExits.getOrDefault(0, 0) >= 4, "at least one of each pair ran: " + learnExits);

        Set<String> delivered = new HashSet<>(served);
        for (Lines a : acks) {
            assertTrue(a.awaitEnd(WAIT), "a killed writer's output ended");
            delivered.addAll(a.acks());
        }
        assertTrue(delivered.size() >= 9, "every writer and serve delivered: " + delivered.size());
        assertEquals(0, cli.run("learn").code());
        Map<String, Integer> seen = new HashMap<>();
        try (Stream<Path> s = Files.list(store.resolve("events/processed"))) {
            for (Path seg : s.toList()) {
                for (String line : Files.readAllLines(seg)) {
                    seen.merge((String) Json.parseObject(line.getBytes(StandardCharsets.UTF_8), "seg").get("id"), 1, Integer::sum);
                }
            }
        }
        try (Stream<Path> s = Files.list(store.resolve("events/pending"))) {
            for (Path p : s.toList()) {
                String n = p.getFileName().toString();
                seen.merge(n.substring(n.indexOf('_') + 1, n.length() - 5), 1, Integer::sum);
            }
        }
        for (String id : delivered) {
            assertEquals(1, seen.getOrDefault(id, 0), "event " + id + " exactly once");
        }
        for (Map.Entry<String, Integer> e : seen.entrySet()) {
            assertEquals(1, e.getValue(), "no event twice: " + e.getKey());
        }
    }
}
