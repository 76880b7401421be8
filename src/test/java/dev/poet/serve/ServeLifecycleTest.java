package dev.poet.serve;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.poet.integrate.Secrets;
import dev.poet.json.Json;
import dev.poet.testing.Cli;
import dev.poet.testing.ServeProcess;
import java.io.IOException;
import java.net.Socket;
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
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code poet serve} as an operator runs it, each case a real process: stopped with SIGTERM while
 * requests are in flight, out of memory, many connections from one address, HTTPS from a
 * keystore, readiness, metrics behind a token, and JSON logs.
 */
class ServeLifecycleTest {
    static final String TOKEN = "fb-life-1";

    @TempDir
    Path project;
    Path store;
    Cli cli;

    @BeforeEach
    void init() {
        cli = new Cli(FileSystems.getDefault(), project);
        assertEquals(0, cli.run("init").code());
        store = project.resolve(".poet");
    }

    /** The ids of the events in the store (pending and processed), each with how often it is there. */
    Map<String, Integer> storedIds(String type) {
        Map<String, Integer> seen = new HashMap<>();
        Cli.Result r = cli.run("--json", "events", "list", "--type", type);
        assertEquals(0, r.code(), r.toString());
        r.out().lines().forEach(l -> seen.merge((String) Json.parseObject(l.getBytes(StandardCharsets.UTF_8), "line").get("id"),
                1, Integer::sum));
        return seen;
    }

    /**
     * SIGTERM with feedback requests in flight from eight clients: poet serve stops accepting, answers
     * what it took (each batch forced), and exits 0; every request answered 200 is on disk exactly once.
     */
    @Test
    void sigtermWithRequestsInFlightLosesNothingAndExitsZero() throws Exception {
        ServeProcess serve = ServeProcess.start(store, List.of(), Map.of(Secrets.FEEDBACK_TOKEN, TOKEN), "-q");
        HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(30)).build();
        Set<String> acked = ConcurrentHashMap.newKeySet();
        CountDownLatch enough = new CountDownLatch(40);
        ExecutorService clients = Executors.newFixedThreadPool(8);
        for (int t = 0; t < 8; t++) {
            int thread = t;
            clients.submit(() -> {
                for (int n = 0; ; n++) {
                    String key = "k" + thread + "-" + n;
                    try {
                        HttpResponse<String> r = http.send(HttpRequest.newBuilder(serve.url.resolve("/poet/feedback"))
                                .header("Authorization", "Bearer " + TOKEN).header("Idempotency-Key", key)
                                .POST(HttpRequest.BodyPublishers.ofString("{\"execution_id\":\"e-" + key
                                        + "\",\"was_real_drift\":false}")).build(), HttpResponse.BodyHandlers.ofString());
                        if (r.statusCode() == 200) {
                            acked.add("fb-" + key);
                            enough.countDown();
                        }
                    } catch (IOException | InterruptedException e) {
                        return; // the server has gone: what it answered is what counts
                    }
                }
            });
        }
        assertTrue(enough.await(ServeProcess.WAIT_SECONDS, TimeUnit.SECONDS), "the clients were answered");
        int exit = serve.stop();
        clients.shutdown();
        assertTrue(clients.awaitTermination(ServeProcess.WAIT_SECONDS, TimeUnit.SECONDS), "the clients ended");
        assertEquals(0, exit, "SIGTERM is a clean stop: " + serve.stderr());
        Map<String, Integer> stored = storedIds("drift.validation");
        for (String id : acked) {
            assertEquals(1, stored.getOrDefault(id, 0), "acknowledged " + id + " is on disk exactly once");
        }
        assertTrue(acked.size() >= 40, "answered requests: " + acked.size());
        try (var tmp = Files.list(store.resolve("events/tmp"))) {
            assertEquals(List.of(), tmp.toList(), "no half-written file left behind");
        }
    }

    /**
     * A server that runs out of memory exits at once, non-zero, for its supervisor to restart: a
     * 24 MiB heap and bursts of large event batches until it does (a bound, not a speed).
     */
    @Test
    void outOfMemoryEndsTheProcess() throws Exception {
        ServeProcess serve = ServeProcess.start(store, List.of("-Xmx24m", "-XX:+ExitOnOutOfMemoryError"),
                Map.of(Secrets.EVENTS_TOKEN, "ev"), "-q");
        StringBuilder body = new StringBuilder();
        for (int i = 0; body.length() < (1 << 20); i++) {
            body.append(HostileClientTest.eventLine("oom-" + i)).append('\n');
        }
        String request = HostileClientTest.post("/poet/events", "ev", body.toString());
        ExecutorService pool = Executors.newFixedThreadPool(8);
        long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(ServeProcess.WAIT_SECONDS);
        try {
            while (serve.process.isAlive() && System.nanoTime() < until) {
                List<java.util.concurrent.Future<?>> burst = new ArrayList<>();
                for (int i = 0; i < 8; i++) {
                    burst.add(pool.submit(() -> {
                        try {
                            return serve.exchange(request).status();
                        } catch (IOException e) {
                            return -1;
                        }
                    }));
                }
                for (java.util.concurrent.Future<?> f : burst) {
                    f.get();
                }
            }
        } finally {
            pool.shutdownNow();
        }
        assertTrue(serve.process.waitFor(ServeProcess.WAIT_SECONDS, TimeUnit.SECONDS), "the process ended");
        assertEquals(3, serve.process.exitValue(), "ExitOnOutOfMemoryError's exit code: " + serve.stderr());
    }

    /** One address may hold only so many connections: one more is closed as it opens; a freed slot is usable again. */
    @Test
    void oneAddressHoldsOnlySoManyConnections() throws Exception {
        try (ServeProcess serve = ServeProcess.start(store, List.of(), Map.of(), "-q", "--max-connections-per-address", "4")) {
            List<Socket> held = new ArrayList<>();
            try {
                for (int i = 0; i < 4; i++) {
                    held.add(serve.connect());
                }
                // the four are open: ask on one of them, so the server has surely registered them all
                for (Socket s : held) {
                    s.getOutputStream().write("GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
                    assertEquals(200, ServeProcess.read(s.getInputStream(), false).status());
                }
                try (Socket fifth = serve.connect()) {
                    fifth.getOutputStream().write("GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
                    assertTrue(ServeProcess.closedByServer(fifth), "the fifth connection is closed unanswered");
                }
                held.remove(0).close();
                long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(ServeProcess.WAIT_SECONDS);
                int status = -1;
                while (status != 200 && System.nanoTime() < until) {
                    try {
                        status = serve.exchange("GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n").status();
                    } catch (IOException e) {
                        Thread.sleep(50); // the freed slot is counted once the server has seen the close
                    }
                }
                assertEquals(200, status, "a freed slot can be used again");
                for (Socket s : held) {
                    s.close();
                }
                ServeProcess.Answer m = null;
                while (m == null && System.nanoTime() < until) {
                    try {
                        m = serve.exchange("GET /metrics HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
                    } catch (IOException e) {
                        Thread.sleep(50); // the last exchange's connection is counted until the server has closed it
                    }
                }
                assertTrue(HostileClientTest.value(m.text(), "poet_serve_refusals_total{cause=\"connection_limit\"}") >= 1,
                        m.text());
            } finally {
                for (Socket s : held) {
                    s.close();
                }
            }
        }
    }

    /** HTTPS from a PKCS#12 keystore, its password from the environment: curl trusts it through --cacert. */
    @Test
    void httpsFromAKeystore() throws Exception {
        Path ks = project.resolve("poet.p12");
        Path cert = project.resolve("poet.pem");
        String keytool = Path.of(System.getProperty("java.home"), "bin", "keytool").toString();
        run(keytool, "-genkeypair", "-alias", "poet", "-keyalg", "EC", "-groupname", "secp256r1", "-dname", "CN=localhost",
                "-ext", "SAN=ip:127.0.0.1,dns:localhost", "-validity", "30", "-storetype", "PKCS12", "-keystore", ks.toString(),
                "-storepass", "s3cret-pw", "-keypass", "s3cret-pw");
        run(keytool, "-exportcert", "-rfc", "-alias", "poet", "-keystore", ks.toString(), "-storepass", "s3cret-pw",
                "-file", cert.toString());
        // a wrong password: one line on stderr, exit 2, nothing served
        Process bad = new ProcessBuilder(dev.poet.testing.Jvm.poet(List.of(), "--store", store.toString(), "serve", "--port", "0",
                "--tls-keystore", ks.toString())).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
        String badErr = new String(bad.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(bad.waitFor(ServeProcess.WAIT_SECONDS, TimeUnit.SECONDS));
        assertEquals(2, bad.exitValue(), badErr);
        assertTrue(badErr.contains(Secrets.TLS_KEYSTORE_PASSWORD), badErr);
        try (ServeProcess serve = ServeProcess.start(store, List.of(), Map.of(Secrets.TLS_KEYSTORE_PASSWORD, "s3cret-pw"),
                "-q", "--tls-keystore", ks.toString())) {
            assertTrue(serve.url.toString().startsWith("https://127.0.0.1:"), serve.url.toString());
            Process curl = new ProcessBuilder("curl", "-sS", "--cacert", cert.toString(), "-w", "\n%{http_code}",
                    serve.url.resolve("/healthz").toString()).redirectErrorStream(true).start();
            String out = new String(curl.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertTrue(curl.waitFor(ServeProcess.WAIT_SECONDS, TimeUnit.SECONDS));
            assertEquals(0, curl.exitValue(), out);
            assertTrue(out.endsWith("\n200") && out.contains("\"status\":\"ok\""), out);
            Process untrusted = new ProcessBuilder("curl", "-sS", serve.url.resolve("/healthz").toString())
                    .redirectErrorStream(true).start();
            untrusted.getInputStream().readAllBytes();
            assertTrue(untrusted.waitFor(ServeProcess.WAIT_SECONDS, TimeUnit.SECONDS));
            assertEquals(60, untrusted.exitValue(), "curl refuses a certificate it was not told to trust");
            assertNotEquals(200, plainHttpStatus(serve.port()), "no plain HTTP on the HTTPS port");
        }
    }

    private static int plainHttpStatus(int port) {
        try (Socket s = new Socket("127.0.0.1", port)) {
            s.setSoTimeout((int) TimeUnit.SECONDS.toMillis(ServeProcess.WAIT_SECONDS));
            s.getOutputStream().write("GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
            return ServeProcess.read(s.getInputStream(), false).status();
        } catch (IOException | RuntimeException e) {
            return -1;
        }
    }

    private static void run(String... cmd) throws Exception {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(ServeProcess.WAIT_SECONDS, TimeUnit.SECONDS));
        assertEquals(0, p.exitValue(), String.join(" ", cmd) + ": " + out);
    }

    /** /readyz says whether events can be delivered; /metrics wants its token when one is set. */
    @Test
    void readinessAndMetricsBehindTheirToken() throws Exception {
        try (ServeProcess serve = ServeProcess.start(store, List.of(), Map.of(Secrets.METRICS_TOKEN, "m-tok",
                Secrets.FEEDBACK_TOKEN, TOKEN), "-q")) {
            HttpClient http = HttpClient.newHttpClient();
            URI u = serve.url;
            assertEquals(200, http.send(HttpRequest.newBuilder(u.resolve("/readyz")).build(), HttpResponse.BodyHandlers.ofString())
                    .statusCode());
            assertEquals(401, http.send(HttpRequest.newBuilder(u.resolve("/metrics")).build(), HttpResponse.BodyHandlers.ofString())
                    .statusCode(), "with a token set, loopback is not enough");
            HttpResponse<String> fb = http.send(HttpRequest.newBuilder(u.resolve("/poet/feedback"))
                    .header("Authorization", "Bearer " + TOKEN)
                    .POST(HttpRequest.BodyPublishers.ofString("{\"execution_id\":\"e1\",\"was_real_drift\":true}")).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertEquals(200, fb.statusCode(), fb.body());
            HttpResponse<String> m = http.send(HttpRequest.newBuilder(u.resolve("/metrics")).header("Authorization", "Bearer m-tok")
                    .build(), HttpResponse.BodyHandlers.ofString());
            assertEquals(200, m.statusCode());
            assertEquals(1.0, HostileClientTest.value(m.body(), "poet_serve_events_committed_total"), m.body());
            assertEquals(1.0, HostileClientTest.value(m.body(), "poet_serve_batch_events_count"), m.body());
            assertEquals(1.0, HostileClientTest.value(m.body(), "poet_serve_pending_files"), m.body());
            assertTrue(HostileClientTest.value(m.body(), "poet_serve_requests_total{route=\"feedback\",status=\"200\"}") >= 1,
                    m.body());
            Path pending = store.resolve("events/pending");
            Path aside = store.resolve("events/pending-aside");
            Files.move(pending, aside);
            try {
                HttpResponse<String> notReady = http.send(HttpRequest.newBuilder(u.resolve("/readyz")).build(),
                        HttpResponse.BodyHandlers.ofString());
                assertEquals(503, notReady.statusCode());
                assertTrue(notReady.body().contains("pending"), notReady.body());
            } finally {
                Files.move(aside, pending);
            }
            assertEquals(200, http.send(HttpRequest.newBuilder(u.resolve("/readyz")).build(), HttpResponse.BodyHandlers.ofString())
                    .statusCode());
        }
    }

    /** --log-format json: every log line is one JSON object, the access line with its fields. */
    @Test
    void jsonLogsAreOneObjectPerLine() throws Exception {
        ServeProcess serve = ServeProcess.start(store, List.of("-XX:+ExitOnOutOfMemoryError"), Map.of(), "--log-format", "json");
        assertEquals(200, serve.exchange("GET /healthz?a=%0a HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n").status());
        // the access line is written once the answer is complete, which the client may see first
        long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(ServeProcess.WAIT_SECONDS);
        while (!serve.stderrSoFar().contains("healthz?a=%0a") && System.nanoTime() < until) {
            Thread.sleep(20);
        }
        assertEquals(0, serve.stop());
        List<Map<String, Object>> access = new ArrayList<>();
        for (String line : serve.stderr().split("\n")) {
            if (line.startsWith("poet serve: not serving")) {
                continue; // the command's own notes before the server runs
            }
            Map<String, Object> o = Json.parseObject(line.getBytes(StandardCharsets.UTF_8), "log line");
            if (Logging.ACCESS.equals(o.get("loggerName"))) {
                access.add(o);
            }
        }
        assertEquals(1, access.size(), serve.stderr());
        String message = (String) access.get(0).get("formattedMessage");
        assertTrue(message.contains("\"GET /healthz?a=%0a\" 200"), message);
        assertFalse(serve.stderr().contains("warning"), "the JVM exits on out of memory, so no warning: " + serve.stderr());
    }
}
