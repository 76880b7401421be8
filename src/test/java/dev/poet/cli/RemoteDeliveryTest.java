package dev.poet.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.poet.event.EventLog;
import dev.poet.integrate.Secrets;
import dev.poet.json.Json;
import dev.poet.serve.PoetServer;
import dev.poet.store.NioStoreIO;
import dev.poet.store.Store;
import dev.poet.testing.Cli;
import dev.poet.testing.Python3;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The Python runtime on a host without the store: with POET_URL and POET_EVENTS_TOKEN it delivers
 * its events to poet serve (POST /poet/events); while the server is down it spools them on local
 * disk and sends them when a later run finds the server back; a run repeated after its answer was
 * lost delivers nothing twice (ids).
 */
class RemoteDeliveryTest {
    static final String TOKEN = "ev-token";
    static final String SCRIPT = "import poet_runtime, sys\n"
            + "for i in range(int(sys.argv[1]), int(sys.argv[2])):\n"
            + "    poet_runtime.record('drift.validation', {'was_real_drift': False}, execution_id='e-%d' % i,"
            + " event_id='ev-%04d' % i)\n";

    @TempDir
    Path project;
    @TempDir
    Path elsewhere;
    Cli cli;
    PoetServer server;
    int port;

    @BeforeEach
    void init() throws IOException {
        cli = new Cli(FileSystems.getDefault(), project);
        assertEquals(0, cli.run("init").code());
        Files.copy(project.resolve(".poet/poet_runtime.py"), elsewhere.resolve("poet_runtime.py"));
        try (java.net.ServerSocket s = new java.net.ServerSocket(0)) {
            port = s.getLocalPort();
        }
        start();
    }

    void start() throws IOException {
        server = PoetServer.start(new EventLog(Store.open(project.resolve(".poet"), NioStoreIO.INSTANCE), Clock.systemUTC()),
                Secrets.load(Map.of(Secrets.EVENTS_TOKEN, TOKEN), null), new PoetServer.Config("127.0.0.1", port, 4));
    }

    @AfterEach
    void stop() {
        if (server != null) {
            server.close();
        }
    }

    Python3.Run run(int from, int to) {
        Python3.Run r = Python3.run(elsewhere, remoteEnv(), SCRIPT, String.valueOf(from), String.valueOf(to));
        assertEquals(0, r.code(), r.err());
        return r;
    }

    /** A host without the store: no POET_STORE, the server's URL and token, a spool of its own. */
    Map<String, String> remoteEnv() {
        return Map.of("POET_URL", "http://127.0.0.1:" + port + "/", "POET_EVENTS_TOKEN", TOKEN,
                "POET_SPOOL_DIR", elsewhere.resolve("spool").toString(), "POET_POLL_SECONDS", "0.1", "POET_STORE", "");
    }

    /** A long-running python3 worker in the directory without the store, answering one line per line it is sent. */
    final class Worker implements AutoCloseable {
        final Process process;
        final java.io.BufferedReader out;
        final java.io.Writer in;

        Worker(String script) throws IOException {
            ProcessBuilder pb = new ProcessBuilder("python3", "-c", script).directory(elsewhere.toFile())
                    .redirectError(ProcessBuilder.Redirect.INHERIT);
            pb.environment().putAll(remoteEnv());
            process = pb.start();
            out = new java.io.BufferedReader(new java.io.InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
            in = new java.io.OutputStreamWriter(process.getOutputStream(), StandardCharsets.UTF_8);
        }

        String ask(String line) throws IOException {
            in.write(line + "\n");
            in.flush();
            String answer = out.readLine();
            assertTrue(answer != null, "the worker answered");
            return answer;
        }

        /** Ends its input and waits for a normal exit (its atexit delivery included). */
        int finish() throws Exception {
            in.close();
            return process.waitFor();
        }

        @Override
        public void close() {
            process.destroyForcibly();
        }
    }

    List<String> ids() {
        Cli.Result r = cli.run("--json", "events", "list", "--type", "drift.validation");
        assertEquals(0, r.code(), r.toString());
        return r.out().lines().map(l -> (String) Json.parseObject(l.getBytes(StandardCharsets.UTF_8), "e").get("id"))
                .sorted().toList();
    }

    /** Events written to pending/, counted line by line (a duplicate delivery would count twice). */
    long pendingLines() throws IOException {
        try (Stream<Path> files = Files.list(project.resolve(".poet/events/pending"))) {
            long n = 0;
            for (Path f : files.toList()) {
                n += Files.readAllLines(f).size();
            }
            return n;
        }
    }

    long spooledEvents() throws IOException {
        Path spool = elsewhere.resolve("spool");
        if (!Files.isDirectory(spool)) {
            return 0;
        }
        try (Stream<Path> files = Files.list(spool)) {
            long n = 0;
            for (Path f : files.filter(p -> p.getFileName().toString().startsWith("spool_")).toList()) {
                n += Files.readAllLines(f).size();
            }
            return n;
        }
    }

    static List<String> range(int from, int to) {
        return java.util.stream.IntStream.range(from, to).mapToObj(i -> String.format("ev-%04d", i)).toList();
    }

    @Test
    void eventsReachTheStoreOverHttpAndWaitOnDiskWhileTheServerIsDown() throws Exception {
        run(0, 100);
        assertEquals(range(0, 100), ids(), "delivered at exit, no store on this host");
        assertTrue(!Files.exists(elsewhere.resolve(".poet")), "the runtime made no store here");

        server.close();
        server = null;
        run(100, 150); // the server is down: the run still ends normally, its events spooled
        assertEquals(50, spooledEvents());
        assertEquals(range(0, 100), ids());

        start();
        run(150, 160); // the server is back: the spool goes first, then this run's events
        assertEquals(0, spooledEvents());
        assertEquals(range(0, 160), ids());

        run(100, 150); // a run repeated (say its answers were lost): the same ids, nothing doubled
        assertEquals(range(0, 160), ids());
        assertEquals(160, pendingLines(), "the server answered the repeats as duplicates and wrote nothing");
    }

    /**
     * A worker on a host without the store loads the function from poet serve, runs it, and at
     * its next call after the poll interval runs what a deploy, a parameter change and a rollback
     * made live; its executions reach the store with the version and parameters revision they ran.
     */
    @Test
    void aWorkerWithoutTheStoreFollowsDeploysAndRollbacksOverHttp() throws Exception {
        cli.write("v1.py", "def detect_drift(x, params=None):\n    return {'drift_detected': x > params['threshold'], 'v': 1}\n");
        cli.write("v2.py", "def detect_drift(x, params=None):\n    return {'drift_detected': x > params['threshold'], 'v': 2}\n");
        cli.write("params.json", "{\"threshold\": 0.5}");
        assertEquals(0, cli.run("enhance", "detect_drift", "--from", "v1.py", "--params", "params.json").code());
        String worker = "import sys, poet_runtime\n"
                + "live = poet_runtime.load('detect_drift')\n"
                + "for line in sys.stdin:\n"
                + "    r = live.detect_drift(0.7)\n"
                + "    print(live.poet_version, r['v'], r['drift_detected'], flush=True)\n"
                + "poet_runtime.flush()\n";
        try (Worker w = new Worker(worker)) {
            assertEquals("v1 1 True", w.ask("call"));
            assertEquals(0, cli.run("config", "set", "detect_drift", "threshold", "0.9", "--reason", "too many alerts").code());
            Thread.sleep(300); // past the poll interval
            assertEquals("v1 1 False", w.ask("call"), "the new threshold, served with the version");
            assertEquals(0, cli.run("enhance", "detect_drift", "--from", "v2.py").code());
            Thread.sleep(300);
            assertEquals("v2 2 False", w.ask("call"));
            assertEquals(0, cli.run("rollback", "detect_drift").code());
            Thread.sleep(300);
            assertEquals("v1 1 False", w.ask("call"));
            assertEquals(0, w.finish());
        }
        Cli.Result r = cli.run("--json", "events", "list", "--type", "execution.completed");
        List<Map<String, Object>> execs = r.out().lines().map(l -> Json.parseObject(l.getBytes(StandardCharsets.UTF_8), "e")).toList();
        assertEquals(List.of("v1", "v1", "v2", "v1"), execs.stream().map(e -> e.get("version")).toList());
        List<Object> revisions = execs.stream().map(e -> (Object) ((Map<?, ?>) e.get("data")).get("params_revision")).toList();
        assertEquals(dev.poet.analyze.ParamsRevisions.of(Map.of("threshold", 0.5)), revisions.get(0));
        assertEquals(dev.poet.analyze.ParamsRevisions.of(Map.of("threshold", 0.9)), revisions.get(1));
    }


    @Test
    void aWorkerWithoutTheStoreRunsTheShadowServedWithTheLiveVersion() throws Exception {
        cli.write("v1.py", "def detect_drift(x, params=None):\n    return {'drift_detected': x > params['threshold']}\n");
        cli.write("params.json", "{\"threshold\": 0.5}");
        assertEquals(0, cli.run("enhance", "detect_drift", "--from", "v1.py", "--params", "params.json").code());
        Cli.Result started = cli.run("--json", "shadow", "start", "detect_drift", "--set", "threshold=0.9");
        assertEquals(0, started.code(), started.toString());
        String id = (String) Json.parseObject(started.out().getBytes(StandardCharsets.UTF_8), "s").get("id");
        String script = "import poet_runtime\n"
                + "live = poet_runtime.load('detect_drift')\n"
                + "print([live.detect_drift(0.7)['drift_detected'] for _ in range(3)])\n"
                + "poet_runtime.flush()\n";
        Python3.Run r = Python3.run(elsewhere, remoteEnv(), script);
        assertEquals(0, r.code(), r.err());
        assertEquals("[True, True, True]", r.out().strip(), "the caller gets the live decisions");
        Cli.Result ev = cli.run("--json", "events", "list", "--type", "execution.shadow");
        List<Map<String, Object>> shadows = ev.out().lines().map(l -> Json.parseObject(l.getBytes(StandardCharsets.UTF_8), "e"))
                .toList();
        assertEquals(3, shadows.size(), ev.toString());
        for (Map<String, Object> s : shadows) {
            Map<?, ?> d = (Map<?, ?>) s.get("data");
            assertEquals(id, d.get("shadow"));
            assertEquals(false, d.get("drift_detected"), "decided with the served overlay: " + d);
        }

        // a shadow of new code: the code comes with the live version, the host has no store to load it from
        assertEquals(0, cli.run("shadow", "discard", "detect_drift").code());
        cli.write("v2.py", "def detect_drift(x, params=None):\n    return {'drift_detected': x > 0.6}\n");
        assertEquals(0, cli.run("shadow", "start", "detect_drift", "--from", "v2.py", "--set", "threshold=0.99").code());
        Python3.Run again = Python3.run(elsewhere, remoteEnv(), script);
        assertEquals(0, again.code(), again.err());
        assertEquals("[True, True, True]", again.out().strip());
        List<Map<?, ?>> code = new java.util.ArrayList<>();
        for (String l : cli.run("--json", "events", "list", "--type", "execution.shadow").out().lines().toList()) {
            Map<?, ?> d = (Map<?, ?>) Json.parseObject(l.getBytes(StandardCharsets.UTF_8), "e").get("data");
            if ("v2".equals(d.get("shadow_version"))) {
                code.add(d);
            }
        }
        assertEquals(3, code.size());
        for (Map<?, ?> d : code) {
            assertEquals(true, d.get("drift_detected"), "v2's code (x > 0.6), not the live rule with the overlay: " + d);
        }
    }

    /**
     * One long-running process across a server outage: what it records while the server is down
     * waits in its spool, and once the server is back (and the first retry's wait, at most 1.5 s,
     * has passed) its next delivery sends the spool first: everything arrives once.
     */
    @Test
    void aRunningProcessSendsWhatItSpooledOnceTheServerIsBack() throws Exception {
        String worker = "import sys, poet_runtime\n"
                + "n = 0\n"
                + "for line in sys.stdin:\n"
                + "    for i in range(int(line)):\n"
                + "        poet_runtime.record('drift.validation', {'was_real_drift': True}, execution_id='e-%d' % n,"
                + " event_id='ev-%04d' % n)\n"
                + "        n += 1\n"
                + "    poet_runtime.flush()\n"
                + "    print(n, flush=True)\n";
        try (Worker w = new Worker(worker)) {
            assertEquals("10", w.ask("10"));
            assertEquals(range(0, 10), ids());
            server.close();
            server = null;
            assertEquals("30", w.ask("20")); // the server is down: flush returns, the 20 are spooled
            assertEquals(20, spooledEvents());
            start();
            Thread.sleep(2_000); // past the first retry's wait (1 s with jitter, at most 1.5 s)
            assertEquals("35", w.ask("5"));
            assertEquals(0, spooledEvents());
            assertEquals(range(0, 35), ids());
            assertEquals(35, pendingLines(), "each event written once");
            assertEquals(0, w.finish());
        }
    }
}
