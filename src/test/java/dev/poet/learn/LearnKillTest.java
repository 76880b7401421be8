package dev.poet.learn;

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
import dev.poet.testing.Jvm;
import dev.poet.testing.Maps;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * poet learn as a real process on a real directory, killed with SIGKILL at random moments and
 * right in the middle of deploying a version. After every kill the store is consistent (a valid
 * current link, valid parameters, a readable history, nothing partial outside tmp/), the next
 * pass completes the interrupted change, and every deploy in the history has its events once.
 */
class LearnKillTest {
    static final int MIN_KILLS = 30;
    /** How long a learn pass may take to reach a step on a loaded machine: a bound, not an expectation. */
    static final long WAIT_SECONDS = 180;

    @TempDir
    Path project;
    private Cli cli;
    private Path store;
    private int seq;

    private Process learnProcess() throws IOException {
        return new ProcessBuilder(Jvm.java(), "-XX:TieredStopAtLevel=1", "-cp", System.getProperty("java.class.path"),
                Main.class.getName(), "--store", store.toString(), "-q", "learn")
                .redirectErrorStream(true).redirectOutput(project.resolve("learn.log").toFile()).start();
    }

    private String current() throws IOException {
        return Files.readSymbolicLink(store.resolve("detect_drift_current.py")).toString()
                .replace("detect_drift_", "").replace(".py", "");
    }

    private static Map<String, Object> map(Object... kv) {
        return Maps.of(kv);
    }

    /** 24 validated alerts of the live version, 20 of them false: the false-positive rule fires. */
    private void outcomesForTheLiveVersion(Instant at) throws IOException {
        String version = current();
        StringBuilder lines = new StringBuilder();
        for (int i = 0; i < 24; i++) {
            String id = "k" + (seq++);
            boolean real = i < 4;
            lines.append(new String(Json.encode(map("type", "execution.completed", "time", at.plusSeconds(i).toString(),
                    "source", "test", "function", "detect_drift", "version", version, "execution_id", id,
                    "data", map("success", true, "duration_ms", 3.0, "drift_detected", true, "p_value", real ? 0.001 : 0.03,
                            "test", "ks", "feature_type", "numerical"))), StandardCharsets.UTF_8)).append('\n');
            lines.append(new String(Json.encode(map("type", "drift.validation", "time", at.plusSeconds(i + 30).toString(),
                    "source", "test", "execution_id", id, "data", map("was_real_drift", real, "reason", "seasonal_pattern"))),
                    StandardCharsets.UTF_8)).append('\n');
        }
        Files.writeString(project.resolve("batch.jsonl"), lines.toString());
        Cli.Result r = cli.run("record", "--event", "batch.jsonl");
        assertEquals(0, r.code(), r.toString());
    }

    /** What must hold after any kill, before anything repairs the store. */
    private void assertConsistentAfterKill() throws IOException {
        Path cur = store.resolve("detect_drift_current.py");
        assertTrue(Files.isSymbolicLink(cur), cur + " is a link");
        Path target = store.resolve(Files.readSymbolicLink(cur));
        assertTrue(Files.isRegularFile(target), "current names an existing version: " + target);
        assertTrue(Files.readString(target).contains("def detect_drift("), "a complete version");
        Json.parseObject(Files.readAllBytes(store.resolve("detect_drift_params.json")), "params");
        for (String line : Files.readAllLines(store.resolve("detect_drift_history.jsonl"))) {
            Json.parseObject(line.getBytes(StandardCharsets.UTF_8), "history line");
        }
        try (Stream<Path> all = Files.walk(store)) {
            for (Path f : all.toList()) {
                if (!f.startsWith(store.resolve("events/tmp"))) {
                    assertTrue(!f.getFileName().toString().contains(".tmp-"), "no temporary file outside tmp/: " + f);
                }
                if (f.getFileName().toString().matches("detect_drift_v[0-9]+\\.py")) {
                    assertTrue(Files.readString(f).contains("def detect_drift("), "every version file is complete: " + f);
                }
            }
        }
    }

    private boolean historyAgrees() {
        try {
            assertHistoryAgrees();
            return true;
        } catch (AssertionError | IOException e) {
            return false;
        }
    }

    /** The history agrees with the store: the last live version is current, its parameters are live, its events exist once. */
    @SuppressWarnings("unchecked")
    private void assertHistoryAgrees() throws IOException {
        List<Map<String, Object>> history = new ArrayList<>();
        for (String line : Files.readAllLines(store.resolve("detect_drift_history.jsonl"))) {
            history.add(Json.parseObject(line.getBytes(StandardCharsets.UTF_8), "history"));
        }
        String live = null;
        Map<String, Object> params = null;
        List<String> eventIds = new ArrayList<>();
        for (Map<String, Object> h : history) {
            Object action = h.get("action");
            if ("deploy".equals(action) || "rollback".equals(action)) {
                live = (String) h.get("version");
                params = new LinkedHashMap<>((Map<String, Object>) h.get("params"));
                eventIds.add((String) h.get("event_id"));
                if (h.get("completed_event_id") != null) {
                    eventIds.add((String) h.get("completed_event_id"));
                }
            }
        }
        assertEquals(live, current(), "current is the version the history last made live");
        assertTrue(Json.sameValue(params, Json.parseObject(Files.readAllBytes(store.resolve("detect_drift_params.json")), "p")),
                "the live parameters are the history's");
        Map<String, Integer> seen = new HashMap<>();
        new EventLog(Store.open(store, NioStoreIO.INSTANCE), Clock.systemUTC())
                .forEach(List.of(State.PENDING, State.PROCESSED, State.FAILED), s -> {
                    assertNull(s.problem(), s.path() + ": " + s.problem());
                    seen.merge(s.event().id(), 1, Integer::sum);
                });
        for (String id : eventIds) {
            if (id != null) {
                assertEquals(1, seen.getOrDefault(id, 0), "event " + id + " of the history is recorded exactly once");
            }
        }
    }

    @Test
    void killedAtRandomMomentsAndDuringDeployTheStoreStaysConsistent() throws Exception {
        cli = new Cli(FileSystems.getDefault(), project);
        cli.env.put("PATH", System.getenv("PATH"));
        store = project.resolve(".poet");
        assertEquals(0, cli.run("init").code());
        Files.writeString(project.resolve("d.py"), "def detect_drift(reference, current, params=None):\n"
                + "    return {'drift_detected': True}\n");
        Files.writeString(project.resolve("params.json"), "{\"threshold\": 0.05}");
        assertEquals(0, cli.run("enhance", "detect_drift", "--from", "d.py", "--params", "@params.json").code());
        Path settings = store.resolve("poet.json");
        Map<String, Object> s = Json.parseObject(Files.readAllBytes(settings), "poet.json");
        s.put("generator", map("name", "command", "command", "cat > /dev/null; sleep 0.05; cat '" + project.resolve("d.py") + "'"));
        ((Map<String, Object>) s.get("learning")).put("regenerate_cooldown_hours", 0L);
        // generated code deploys at once (its probation runs the predecessor in shadow): kills land mid-deploy
        ((Map<String, Object>) s.get("learning")).put("shadow_first", false);
        Files.writeString(settings, Json.pretty(s));

        Random random = new Random(5);
        int kills = 0;
        int duringDeploy = 0;
        int completed = 0;
        int interrupted = 0;
        Instant t = Instant.now().minusSeconds(86_400);
        for (int round = 0; kills < MIN_KILLS && round < 150; round++) {
            cli.clock = Clock.fixed(Instant.now(), ZoneOffset.UTC);
            outcomesForTheLiveVersion(t);
            t = t.plusSeconds(600);
            int next = Store.open(store, NioStoreIO.INSTANCE).versions().nextVersionNumber("detect_drift");
            Process p = learnProcess();
            int mode = random.nextInt(3);
            boolean deployKill = mode > 0;
            if (mode == 1) {
                // the new version file is written: kill before or while the history line goes in
                Path nextFile = store.resolve("detect_drift_v" + next + ".py");
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(WAIT_SECONDS);
                while (p.isAlive() && !Files.exists(nextFile) && System.nanoTime() < deadline) {
                    p.waitFor(1, TimeUnit.MILLISECONDS);
                }
                p.waitFor(random.nextInt(8), TimeUnit.MILLISECONDS);
            } else if (mode == 2) {
                // the history line is in: kill while events, parameters and current follow it
                Path history = store.resolve("detect_drift_history.jsonl");
                long size = Files.size(history);
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(WAIT_SECONDS);
                while (p.isAlive() && Files.size(history) == size && System.nanoTime() < deadline) {
                    Thread.onSpinWait();
                }
                p.waitFor(random.nextInt(3), TimeUnit.MILLISECONDS);
            } else {
                p.waitFor(random.nextInt(1500), TimeUnit.MILLISECONDS);
            }
            if (p.isAlive()) {
                p.destroyForcibly();
                assertTrue(p.waitFor(WAIT_SECONDS, TimeUnit.SECONDS), "a killed learn ended");
                kills++;
                if (deployKill) {
                    duringDeploy++;
                }
                assertConsistentAfterKill();
                if (!historyAgrees()) {
                    interrupted++;
                }
            } else {
                assertEquals(0, p.exitValue(), "a pass that was not killed succeeds; it printed: "
                        + Files.readString(project.resolve("learn.log")));
                completed++;
                assertConsistentAfterKill();
                assertHistoryAgrees();
            }
        }
        System.out.println("learn kill test: " + kills + " kills (" + duringDeploy + " while deploying), " + completed
                + " passes completed, " + interrupted + " kills left a change for the next pass to complete");
        assertTrue(kills >= MIN_KILLS, "kills: " + kills + ", completed: " + completed);
        assertTrue(interrupted >= 1, "some kills landed between a history line and the swap it announces");
        assertTrue(duringDeploy >= 10, "kills while deploying: " + duringDeploy);

        cli.clock = Clock.fixed(Instant.now(), ZoneOffset.UTC);
        Cli.Result last = cli.run("learn");
        assertEquals(0, last.code(), last.toString());
        assertConsistentAfterKill();
        assertHistoryAgrees();
        Cli.Result status = cli.run("--json", "status");
        assertTrue(status.out().contains("\"problems\":[]"), status.out());
    }
}
