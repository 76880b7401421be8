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
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The rest of the crash suite (with KillTest, CorrelateCrashTest and LearnKillTest over 500 kills
 * in all): rollbacks, parameter changes, ingests and a poet serve under load, all at once on one
 * store, killed with SIGKILL at random moments. After every round: every acknowledged event is
 * in pending/ exactly once, nothing partial is outside tmp/, current is valid, the params file is
 * JSON, the history reads; at the end the next poet learn completes and the history agrees with
 * the store.
 */
class CrashSuiteTest {
    static final int ROUNDS = 66;

    @TempDir
    Path project;

    /** How long a process may take to start, or to answer once, on a loaded machine: a bound, not an expectation. */
    static final Duration WAIT = Duration.ofMinutes(2);

    private Process child(String mode, String tag) throws IOException {
        return new ProcessBuilder(Jvm.command(List.of("-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC"), CrashChild.class.getName(),
                mode, project.toString(), tag)).directory(project.toFile())
                .redirectError(ProcessBuilder.Redirect.DISCARD).start();
    }

    /**
     * Each round starts the writers and a poet serve under load, waits until all are up and serve
     * has answered (in every other round, until each writer has also acknowledged a command),
     * then kills everything at a random moment after that.
     */
    @Test
    void killedAtRandomEverythingAcknowledgedSurvives() throws Exception {
        Cli cli = new Cli(FileSystems.getDefault(), project);
        assertEquals(0, cli.run("init").code());
        cli.write("detect.py", "def detect_drift(reference, current):\n    return {'drift_detected': False}\n");
        cli.write("params.json", "{\"threshold\": 0.05}");
        assertEquals(0, cli.run("enhance", "detect_drift", "--from", "detect.py", "--params", "params.json").code());
        assertEquals(0, cli.run("enhance", "detect_drift", "--from", "detect.py").code());
        Path store = project.resolve(".poet");
        HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(30)).build();

        Random random = new Random(8);
        Set<String> acked = Collections.synchronizedSet(new HashSet<>());
        int kills = 0;
        int served = 0;
        for (int round = 0; round < ROUNDS; round++) {
            List<Process> children = new ArrayList<>();
            Map<String, Lines> outs = new java.util.LinkedHashMap<>();
            for (String mode : List.of("rollback", "config", "ingest")) {
                Process p = child(mode, mode.charAt(0) + "" + round);
                children.add(p);
                outs.put(mode, Lines.of(p.getInputStream()));
            }
            ProcessBuilder pb = new ProcessBuilder(Jvm.poet(List.of("-XX:TieredStopAtLevel=1"), "--store", store.toString(), "-q",
                    "serve", "--port", "0"))
                    .redirectError(ProcessBuilder.Redirect.DISCARD);
            pb.environment().put("POET_FEEDBACK_TOKEN", "tok");
            Process serve = pb.start();
            children.add(serve);
            BufferedReader serveOut = new BufferedReader(new InputStreamReader(serve.getInputStream(), StandardCharsets.UTF_8));
            AtomicBoolean stop = new AtomicBoolean();
            AtomicInteger answered = new AtomicInteger();
            CountDownLatch first = new CountDownLatch(1);
            int r = round;
            Thread load = new Thread(() -> {
                try {
                    String url = serveOut.readLine();
                    for (int n = 0; url != null && !stop.get(); n++) {
                        String key = "s" + r + "-" + n;
                        HttpResponse<String> resp = http.send(HttpRequest.newBuilder(URI.create(url + "poet/feedback"))
                                .timeout(WAIT).header("Authorization", "Bearer tok")
                                .header("Idempotency-Key", key).header("Content-Type", "application/json")
                                .POST(HttpRequest.BodyPublishers.ofString("{\"execution_id\":\"e-" + n
                                        + "\",\"was_real_drift\":false}")).build(), HttpResponse.BodyHandlers.ofString());
                        if (resp.statusCode() == 200) {
                            acked.add("fb-" + key);
                            answered.incrementAndGet();
                            first.countDown();
                        }
                    }
                } catch (IOException | InterruptedException e) {
                    // the server was killed
                }
            }, "load");
            load.start();
            assertTrue(first.await(WAIT.toSeconds(), TimeUnit.SECONDS), "poet serve answered a first request in round " + round);
            boolean settle = round % 2 == 1;
            for (Map.Entry<String, Lines> o : outs.entrySet()) {
                boolean up = settle ? o.getValue().awaitAcks(1, WAIT) : o.getValue().awaitReady(WAIT);
                assertTrue(up, o.getKey() + " in round " + round + (settle ? " acknowledged a first command" : " started")
                        + "; it printed " + o.getValue().lines());
            }
            Thread.sleep(400 + random.nextInt(900));
            for (Process p : children) {
                p.destroyForcibly();
            }
            stop.set(true);
            for (Process p : children) {
                assertTrue(p.waitFor(WAIT.toSeconds(), TimeUnit.SECONDS), "a killed process ended");
                assertTrue(p.exitValue() == 137 || p.exitValue() == 9, "killed, not exited by itself: " + p.exitValue());
                kills++;
            }
            load.join(WAIT.toMillis());
            assertFalse(load.isAlive(), "the load ended with the server");
            served += answered.get();
            for (Lines o : outs.values()) {
                assertTrue(o.awaitEnd(WAIT), "a killed child's output ended");
            }
            acked.addAll(outs.get("ingest").acks());
            assertConsistent(store, acked);
        }
        assertEquals(4 * ROUNDS, kills, "every process of every round was killed");
        assertTrue(served >= ROUNDS, "poet serve answered in every round: " + served + " answers in " + ROUNDS + " rounds");

        Cli.Result learn = cli.run("learn");
        assertEquals(0, learn.code(), learn.toString());
        assertConsistent(store, acked);
        Cli.Result status = cli.run("--json", "status");
        assertTrue(status.out().contains("\"problems\":[]"), status.out());
        assertFalse(status.out().contains("\"interrupted\""), "learn completed every interrupted change: " + status.out());
        Cli.Result doctor = cli.run("doctor");
        assertEquals("The store is healthy: " + store + "\n", doctor.out(), doctor.toString());
    }

    /** Acknowledged events are in the store exactly once; files, links, params and history are whole. */
    private static void assertConsistent(Path store, Set<String> acked) throws IOException {
        Set<String> ids = new HashSet<>();
        for (String dir : List.of("events/pending", "events/failed")) {
            try (Stream<Path> s = Files.list(store.resolve(dir))) {
                for (Path p : s.toList()) {
                    String n = p.getFileName().toString();
                    if (n.endsWith(".json")) {
                        assertTrue(ids.add(n.substring(n.indexOf('_') + 1, n.length() - 5)), "one file per event: " + n);
                        Json.parseObject(Files.readAllBytes(p), n);
                    } else if (Batches.isBatchName(n)) {
                        // poet serve's group commits: whole, and no event in two of them
                        List<byte[]> lines = Batches.lines(Files.readAllBytes(p));
                        assertEquals(Batches.count(n), lines.size(), "a whole batch: " + n);
                        for (byte[] line : lines) {
                            String id = (String) Json.parseObject(line, n).get("id");
                            assertTrue(ids.add(id), "event " + id + " delivered once: " + n);
                        }
                    }
                }
            }
        }
        try (Stream<Path> s = Files.list(store.resolve("events/processed"))) {
            for (Path seg : s.toList()) {
                for (String line : Files.readAllLines(seg)) {
                    ids.add((String) Json.parseObject(line.getBytes(StandardCharsets.UTF_8), "segment").get("id"));
                }
            }
        }
        synchronized (acked) {
            for (String id : acked) {
                assertTrue(ids.contains(id), "acknowledged event " + id + " is in the store");
            }
        }
        try (Stream<Path> all = Files.walk(store)) {
            for (Path p : all.toList()) {
                if (!p.startsWith(store.resolve("events/tmp"))) {
                    assertFalse(p.getFileName().toString().contains(".tmp-"), "temporary file outside tmp/: " + p);
                }
            }
        }
        Path cur = store.resolve("detect_drift_current.py");
        assertTrue(Files.isRegularFile(cur), "current resolves");
        assertTrue(Files.readSymbolicLink(cur).toString().matches("detect_drift_v[12]\\.py"), "current names v1 or v2: "
                + Files.readSymbolicLink(cur));
        Map<String, Object> params = Json.parseObject(Files.readAllBytes(store.resolve("detect_drift_params.json")), "params");
        assertTrue(params.get("threshold") instanceof Number, "the live parameters have a numeric threshold: " + params);
        for (String line : Files.readAllLines(store.resolve("detect_drift_history.jsonl"))) {
            Json.parseObject(line.getBytes(StandardCharsets.UTF_8), "history line");
        }
    }
}
