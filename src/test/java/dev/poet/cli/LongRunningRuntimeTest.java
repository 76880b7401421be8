package dev.poet.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.poet.analyze.ParamsRevisions;
import dev.poet.json.Json;
import dev.poet.store.Batches;
import dev.poet.testing.Cli;
import dev.poet.testing.Python3;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStreamWriter;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The Python runtime in a process that outlives deploys, as a service or worker does: it runs
 * and records whatever version and parameters are live at each call, without a restart; its
 * buffered events are all delivered, once, at exit and from forked children.
 */
@SuppressWarnings("unchecked")
class LongRunningRuntimeTest {
    @TempDir
    Path project;
    Cli cli;
    Path store;

    static final String V1 = "def detect_drift(x, params=None):\n"
            + "    t = params['threshold']\n"
            + "    return {'drift_detected': x > t, 'p_value': 0.01 if x > t else 0.9, 'threshold': t, 'code': 'one'}\n";

    @BeforeEach
    void setUp() throws IOException {
        cli = new Cli(FileSystems.getDefault(), project);
        cli.clock = java.time.Clock.systemUTC(); // one clock: the Python processes stamp events with the real one
        cli.env.put("PATH", System.getenv("PATH"));
        ok("init");
        store = project.resolve(".poet");
        cli.write("v1.py", V1);
        cli.write("params.json", "{\"threshold\": 0.5}");
        ok("enhance", "detect_drift", "--from", "v1.py", "--params", "params.json");
    }

    private Cli.Result ok(String... args) {
        Cli.Result r = cli.run(args);
        assertEquals(0, r.code(), String.join(" ", args) + "\n" + r);
        return r;
    }

    private Map<String, Object> json(String... args) {
        String[] all = new String[args.length + 1];
        all[0] = "--json";
        System.arraycopy(args, 0, all, 1, args.length);
        return Json.parseObject(ok(all).out().getBytes(StandardCharsets.UTF_8), "output");
    }

    private List<Map<String, Object>> events(String... filter) {
        String[] args = new String[filter.length + 3];
        args[0] = "--json";
        args[1] = "events";
        args[2] = "list";
        System.arraycopy(filter, 0, args, 3, filter.length);
        return ok(args).out().lines().map(l -> Json.parseObject(l.getBytes(StandardCharsets.UTF_8), "line")).toList();
    }

    /** A Python worker that loads the function once and calls it on each command from stdin. */
    static final String WORKER = "import json, sys, poet_runtime\n"
            + "m = poet_runtime.load('detect_drift')\n"
            + "f = m.detect_drift\n"
            + "held = poet_runtime.params('detect_drift')\n"
            + "print('ready', flush=True)\n"
            + "for line in sys.stdin:\n"
            + "    cmd = line.strip()\n"
            + "    if cmd == 'exit':\n"
            + "        break\n"
            + "    r = f(0.7, params=held) if cmd == 'call-held' else f(0.7)\n"
            + "    print(json.dumps({'execution_id': r['execution_id'], 'code': r['code'], 'threshold': r['threshold'],"
            + " 'next': m.poet_version}), flush=True)\n";

    /** The worker: commands in, one JSON line out per call. */
    final class Worker implements AutoCloseable {
        final Process p;
        final Writer in;
        final BufferedReader out;

        Worker() throws IOException {
            ProcessBuilder pb = new ProcessBuilder("python3", "-c", WORKER).directory(project.toFile())
                    .redirectError(project.resolve("worker.err").toFile());
            pb.environment().put("PYTHONPATH", store.toString());
            pb.environment().put("PYTHONDONTWRITEBYTECODE", "1");
            p = pb.start();
            in = new OutputStreamWriter(p.getOutputStream(), StandardCharsets.UTF_8);
            out = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
            assertEquals("ready", out.readLine(), "the worker started: " + stderr());
        }

        Map<String, Object> call(String cmd) throws IOException {
            in.write(cmd + "\n");
            in.flush();
            String line = out.readLine();
            assertNotNull(line, "the worker answered " + cmd + ": " + stderr());
            return Json.parseObject(line.getBytes(StandardCharsets.UTF_8), "worker");
        }

        int exit() throws IOException, InterruptedException {
            in.write("exit\n");
            in.close();
            assertTrue(p.waitFor(120, TimeUnit.SECONDS), "the worker exits");
            return p.exitValue();
        }

        String stderr() {
            try {
                return Files.readString(project.resolve("worker.err"));
            } catch (IOException e) {
                return "";
            }
        }

        @Override
        public void close() {
            p.destroyForcibly();
        }
    }

    @Test
    void aWorkerStartedBeforeADeployRunsAndRecordsWhatIsLiveAtEachCall() throws Exception {
        // what regenerate's command generator answers: v1's logic, marked as new code
        cli.write("answer.md", "```python\n" + V1.replace("'one'", "'two'") + "```\n");
        List<Map<String, Object>> calls = new ArrayList<>();
        List<String> expectedVersion = new ArrayList<>();
        String configChange;
        try (Worker w = new Worker()) {
            calls.add(w.call("call"));
            expectedVersion.add("v1");
            assertEquals("one", calls.get(0).get("code"));

            Map<String, Object> regen = json("regenerate", "detect_drift", "--generator", "command", "--generator-command",
                    "cat > /dev/null; cat '" + project.resolve("answer.md") + "'");
            assertEquals("v2", regen.get("version"), regen.toString());
            calls.add(w.call("call"));
            expectedVersion.add("v2");
            assertEquals("two", calls.get(1).get("code"), "the next call after the deploy runs v2's code, no restart");

            ok("config", "set", "detect_drift", "threshold", "0.9", "--reason", "too many alerts");
            configChange = (String) ((Map<String, Object>) events("--type", "config.changed").get(0)).get("id");
            calls.add(w.call("call"));
            expectedVersion.add("v2");
            assertEquals(0.9, calls.get(2).get("threshold"), "the next call runs with the new parameters");
            calls.add(w.call("call-held"));
            expectedVersion.add("v2");
            assertEquals(0.5, calls.get(3).get("threshold"), "a caller's own copy of the old parameters is what ran");

            Map<String, Object> back = json("rollback", "detect_drift");
            assertEquals("v1", back.get("version"), back.toString());
            calls.add(w.call("call"));
            expectedVersion.add("v1");
            assertEquals("one", calls.get(4).get("code"), "after the rollback the next call runs v1 again");
            assertEquals("v1", calls.get(4).get("next"));
            assertEquals(0, w.exit(), w.stderr());
        }

        ok("correlate");
        Map<String, Map<String, Object>> byExecution = new HashMap<>();
        for (Map<String, Object> e : events("--type", "execution.completed", "--state", "processed")) {
            byExecution.put((String) e.get("execution_id"), e);
        }
        String old = ParamsRevisions.of(Map.of("threshold", 0.5));
        String fresh = ParamsRevisions.of(Map.of("threshold", 0.9));
        for (int i = 0; i < calls.size(); i++) {
            Map<String, Object> e = byExecution.get((String) calls.get(i).get("execution_id"));
            assertNotNull(e, "call " + i + " was recorded and delivered at exit");
            assertEquals(expectedVersion.get(i), e.get("version"), "call " + i + " names the version whose code ran");
            String expected = ((Number) calls.get(i).get("threshold")).doubleValue() == 0.9 ? fresh : old;
            assertEquals(expected, ((Map<String, Object>) e.get("data")).get("params_revision"),
                    "call " + i + " names the parameters it ran with");
        }
        assertNotEquals(old, fresh);

        // analysis keeps versions apart and shows the config set inside v2
        Map<String, Object> analysis = json("analyze", "detect_drift");
        Map<String, Object> v2 = ((List<Map<String, Object>>) analysis.get("versions")).stream()
                .filter(v -> "v2".equals(v.get("version"))).findFirst().orElseThrow();
        assertEquals(3L, v2.get("executions"));
        List<Map<String, Object>> revs = (List<Map<String, Object>>) v2.get("params_revisions");
        assertEquals(List.of(old, fresh), revs.stream().map(r -> r.get("revision")).toList(), revs.toString());
        assertEquals(List.of(2L, 1L), revs.stream().map(r -> r.get("executions")).toList());
        assertEquals("config", revs.get(1).get("made_by"));
        assertEquals("config set threshold 0.5 -> 0.9", revs.get(1).get("description"));
        assertEquals(configChange, revs.get(1).get("change_id"));
        assertTrue(ok("analyze", "detect_drift").out().contains("v2 ran with 2 parameter revisions:"),
                "the table's reader sees the config set too");

        Map<String, Object> impact = json("config", "impact", "detect_drift");
        assertEquals(old, impact.get("old_params_revision"));
        assertEquals(fresh, impact.get("new_params_revision"));
        long stale = calls.subList(3, calls.size()).stream().filter(c -> ((Number) c.get("threshold")).doubleValue() == 0.5).count();
        assertEquals(stale, impact.get("after_ran_old_params"), "after the change, executions with the old parameters: " + impact);
        assertEquals(1L, ((Map<String, Object>) impact.get("after")).get("executions"), impact.toString());
        assertEquals(2L, ((Map<String, Object>) impact.get("before")).get("executions"), impact.toString());
        assertTrue(ok("config", "impact", "detect_drift").out().contains(
                stale + " executions after the change still ran the old parameters"), "and says so in words");
    }

    private Python3.Run py(String script, String... env) {
        Map<String, String> e = new HashMap<>(Map.of("PYTHONPATH", store.toString(), "PYTHONDONTWRITEBYTECODE", "1"));
        for (int i = 0; i < env.length; i += 2) {
            e.put(env[i], env[i + 1]);
        }
        return Python3.run(project, e, script);
    }

    /** Every event line in pending/, whichever file holds it: ids in delivery order. */
    private List<String> pendingIds() throws IOException {
        List<String> ids = new ArrayList<>();
        try (Stream<Path> s = Files.list(store.resolve("events/pending"))) {
            for (Path p : s.sorted().toList()) {
                if (Batches.isBatchName(p.getFileName().toString())) {
                    for (byte[] line : Batches.lines(Files.readAllBytes(p))) {
                        ids.add((String) Json.parseObject(line, "line").get("id"));
                    }
                }
            }
        }
        return ids;
    }

    @Test
    void everythingBufferedBeforeANormalExitIsDelivered() throws IOException {
        Python3.Run run = py("import atexit\n"
                + "atexit.register(lambda: poet_runtime.record('x.team.tick', {'i': 'late'}))\n" // runs after poet's own handler
                + "import poet_runtime\n"
                + "for i in range(2500):\n"
                + "    poet_runtime.record('x.team.tick', {'i': i})\n",
                "POET_FLUSH_INTERVAL_MS", "3600000", "POET_BATCH_EVENTS", "100000");
        assertEquals(0, run.code(), run.err());
        List<String> ids = pendingIds();
        assertEquals(2501, ids.size(), "every event, and one an exit handler recorded after poet's had run");
        assertEquals(2501, new HashSet<>(ids).size());
        try (Stream<Path> tmp = Files.list(store.resolve("events/tmp"))) {
            assertEquals(List.of(), tmp.toList(), "nothing left half-delivered");
        }
    }

    @Test
    void aForkedChildNeverDeliversItsParentsBufferAgain() throws IOException {
        Python3.Run run = py("import os, sys, multiprocessing, poet_runtime\n"
                + "for i in range(5):\n"
                + "    poet_runtime.record('x.team.tick', {'who': 'parent-before', 'i': i})\n"
                + "pid = os.fork()\n"
                + "if pid == 0:\n"
                + "    for i in range(2):\n"
                + "        poet_runtime.record('x.team.tick', {'who': 'child', 'i': i})\n"
                + "    sys.exit(0)\n"
                + "os.waitpid(pid, 0)\n"
                + "def work(n):\n"
                + "    for i in range(n):\n"
                + "        poet_runtime.record('x.team.tick', {'who': 'mp-child', 'i': i})\n"
                + "p = multiprocessing.get_context('fork').Process(target=work, args=(3,))\n"
                + "p.start(); p.join()\n"
                + "assert p.exitcode == 0\n"
                + "poet_runtime.record('x.team.tick', {'who': 'parent-after', 'i': 0})\n",
                "POET_FLUSH_INTERVAL_MS", "3600000");
        assertEquals(0, run.code(), run.err());
        List<String> ids = pendingIds();
        assertEquals(ids.size(), new HashSet<>(ids).size(), "no event twice: " + ids);
        Map<String, Integer> who = new HashMap<>();
        for (Map<String, Object> e : events("--type", "x.team.tick")) {
            who.merge((String) ((Map<String, Object>) e.get("data")).get("who"), 1, Integer::sum);
        }
        assertEquals(Map.of("parent-before", 5, "child", 2, "mp-child", 3, "parent-after", 1), who,
                "each process delivered its own events, once");
    }

    @Test
    void anUnwritableStoreNeverBreaksTheCallAndTheEventsWaitInMemory() throws IOException {
        Python3.Run run = py("import os, shutil, logging, poet_runtime\n"
                + "logging.basicConfig()\n"
                + "tmp = os.path.join(poet_runtime.store_path(), 'events', 'tmp')\n"
                + "os.rename(tmp, tmp + '.away')\n"
                + "open(tmp, 'w').close()\n"   // a file where the directory was: every delivery fails
                + "f = poet_runtime.load('detect_drift').detect_drift\n"
                + "ids = [f(0.7)['execution_id'] for _ in range(3)]\n"
                + "assert poet_runtime.flush() is False\n"
                + "os.remove(tmp)\n"
                + "os.rename(tmp + '.away', tmp)\n"
                + "assert poet_runtime.flush() is True\n"
                + "print(' '.join(ids))\n");
        assertEquals(0, run.code(), run.err());
        assertTrue(run.err().contains("poet: could not deliver 3 events"), run.err());
        Set<String> recorded = new HashSet<>();
        for (Map<String, Object> e : events("--type", "execution.completed")) {
            recorded.add((String) e.get("execution_id"));
        }
        assertEquals(Set.of(run.out().strip().split(" ")), recorded, "the three executions were delivered once the store came back");
    }
}
