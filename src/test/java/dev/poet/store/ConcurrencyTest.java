package dev.poet.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.poet.json.Json;
import dev.poet.testing.Cli;
import dev.poet.testing.CrashChild;
import dev.poet.testing.Jvm;
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
    @TempDir
    Path project;

    @Test
    void writersServeAndOverlappingLearnRunsLoseNothing() throws Exception {
        Cli cli = new Cli(FileSystems.getDefault(), project);
        assertEquals(0, cli.run("init").code());
        Path store = project.resolve(".poet");

        List<Process> writers = new ArrayList<>();
        List<CompletableFuture<String>> acks = new ArrayList<>();
        for (int i = 0; i < 8; i++) {
            Process w = new ProcessBuilder(Jvm.command(List.of("-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC"),
                    CrashChild.class.getName(), "exec", project.toString(), "w" + i))
                    .redirectError(ProcessBuilder.Redirect.DISCARD).start();
            writers.add(w);
            acks.add(Jvm.drain(w.getInputStream()));
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
            }));
        }
        Map<Integer, Integer> learnExits = new HashMap<>();
        for (int pair = 0; pair < 4; pair++) {
            Process a = new ProcessBuilder(Jvm.poet(List.of(), "--store", store.toString(), "-q", "learn"))
                    .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
            Process b = new ProcessBuilder(Jvm.poet(List.of(), "--store", store.toString(), "-q", "learn"))
                    .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
            assertTrue(a.waitFor(120, TimeUnit.SECONDS) && b.waitFor(120, TimeUnit.SECONDS));
            learnExits.merge(a.exitValue(), 1, Integer::sum);
            learnExits.merge(b.exitValue(), 1, Integer::sum);
        }
        stop.set(true);
        for (CompletableFuture<Void> l : load) {
            l.get(60, TimeUnit.SECONDS);
        }
        for (Process w : writers) {
            w.destroyForcibly();
            assertTrue(w.waitFor(30, TimeUnit.SECONDS));
        }
        serve.destroy();
        assertTrue(serve.waitFor(30, TimeUnit.SECONDS));
        assertTrue(learnExits.keySet().stream().allMatch(c -> c == 0 || c == 75), "learn exits 0 or 75: " + learnExits);
        assertTrue(learnExits.getOrDefault(0, 0) >= 4, "at least one of each pair ran: " + learnExits);

        Set<String> delivered = new HashSet<>(served);
        for (CompletableFuture<String> a : acks) {
            List<String> lines = new ArrayList<>(List.of(a.get(30, TimeUnit.SECONDS).split("\n", -1)));
            lines.remove(lines.size() - 1);
            delivered.addAll(lines);
        }
        assertTrue(delivered.size() > 200, "work was done: " + delivered.size());
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
