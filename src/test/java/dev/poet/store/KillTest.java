package dev.poet.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.poet.event.Event;
import dev.poet.event.EventCodec;
import dev.poet.json.Json;
import dev.poet.testing.Cli;
import dev.poet.testing.CrashChild;
import dev.poet.testing.Jvm;
import dev.poet.testing.Lines;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Real processes, a real directory, SIGKILL at random moments: whatever is killed when, every
 * acknowledged event is complete in pending/, nothing partial is anywhere outside tmp/, and
 * every current link resolves to a complete version.
 */
class KillTest {
    static final int ROUNDS = 40;
    /** How long a child may take to start or to finish one command on a loaded machine. */
    static final Duration WAIT = Duration.ofMinutes(2);

    @TempDir
    Path project;

    record Child(String mode, Process process, Lines out) {
    }

    private Child start(String mode, String tag) throws IOException {
        List<String> cmd;
        if (mode.equals("python")) {
            String script = "import sys\n"
                    + "sys.path.insert(0, sys.argv[1])\n"
                    + "import poet_runtime\n"
                    + "print('" + Lines.READY + "', flush=True)\n"
                    + "n = 0\n"
                    + "while True:\n"
                    + "    poet_runtime.record('alert.created', {'alert_id': 'A%d' % n}, execution_id='e-%d' % n,"
                    + " event_id='%s-%d' % (sys.argv[2], n), durable=True)\n"  // acknowledged = on disk
                    + "    sys.stdout.write('%s-%d\\n' % (sys.argv[2], n))\n"
                    + "    sys.stdout.flush()\n"
                    + "    n += 1\n";
            cmd = List.of("python3", "-c", script, project.resolve(".poet").toString(), tag);
        } else {
            cmd = Jvm.command(List.of("-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC"), CrashChild.class.getName(), mode,
                    project.toString(), tag);
        }
        Process p = new ProcessBuilder(cmd).directory(project.toFile())
                .redirectError(ProcessBuilder.Redirect.DISCARD).start();
        return new Child(mode, p, Lines.of(p.getInputStream()));
    }

    /**
     * Rounds alternate: in one the kill comes a random moment after every child is up (it may land
     * in the first command), in the next a random moment after
     * every child acknowledged a first command. The waits are generous bounds, not expectations
     * of speed; what is judged is only what was lost, torn or doubled.
     */
    @Test
    void everyAcknowledgedEventSurvivesSigkillAndNothingPartialIsLeft() throws Exception {
        Cli cli = new Cli(FileSystems.getDefault(), project);
        assertEquals(0, cli.run("init").code());
        cli.write("detect.py", "def detect_drift(reference, current):\n    return {'drift_detected': False}\n");
        cli.write("params.json", "{\"threshold\": 0.05, \"window_size\": 7}");

        Random random = new Random(20261127);
        Set<String> ackedIds = new HashSet<>();
        int kills = 0;
        int deploysAcked = 0;
        int settledRounds = 0;
        for (int round = 0; round < ROUNDS; round++) {
            List<Child> children = new ArrayList<>();
            children.add(start("record", "r" + round));
            children.add(start("feedback", "f" + round));
            children.add(start("enhance", "d" + round));
            children.add(start("python", "p" + round));
            boolean settle = round % 2 == 1;
            for (Child c : children) {
                boolean up = settle ? c.out().awaitAcks(1, WAIT) : c.out().awaitReady(WAIT);
                assertTrue(up, c.mode() + " in round " + round + (settle ? " acknowledged a first command" : " started")
                        + " within " + WAIT + "; it printed " + c.out().lines());
            }
            if (settle) {
                settledRounds++;
            }
            Thread.sleep(150 + random.nextInt(900));
            for (Child c : children) {
                c.process().destroyForcibly();
            }
            for (Child c : children) {
                assertTrue(c.process().waitFor(WAIT.toSeconds(), TimeUnit.SECONDS), c.mode() + " ended after SIGKILL");
                int exit = c.process().exitValue();
                assertTrue(exit == 137 || exit == 9 || exit == -9, c.mode() + " was killed, not exited by itself: " + exit);
                kills++;
                assertTrue(c.out().awaitEnd(WAIT), c.mode() + "'s output ended");
                List<String> acks = c.out().acks();
                if (c.mode().equals("enhance")) {
                    deploysAcked += acks.size();
                } else {
                    ackedIds.addAll(acks);
                }
            }
        }
        assertEquals(4 * ROUNDS, kills, "every child of every round was killed");
        assertTrue(ackedIds.size() >= 3 * settledRounds, "events acknowledged: " + ackedIds.size() + ", at least one per"
                + " event writer in each of the " + settledRounds + " rounds that waited for one");
        assertTrue(deploysAcked >= settledRounds, "deploys acknowledged: " + deploysAcked);

        Path store = project.resolve(".poet");
        Path pending = store.resolve("events/pending");
        Map<String, Path> byId = new java.util.HashMap<>();
        try (Stream<Path> s = Files.list(pending)) {
            for (Path p : s.toList()) {
                Event e = EventCodec.decode(Files.readAllBytes(p), p.toString());
                assertTrue(p.getFileName().toString().endsWith("_" + e.id() + ".json"), "file named by its event's id: " + p);
                assertEquals(null, byId.put(e.id(), p), "one file per event id: " + e.id());
            }
        }
        for (String id : ackedIds) {
            assertTrue(byId.containsKey(id), "acknowledged event " + id + " is in pending/");
        }

        try (Stream<Path> s = Files.walk(store)) {
            for (Path p : s.toList()) {
                String name = p.getFileName().toString();
                if (!p.startsWith(store.resolve("events/tmp"))) {
                    assertFalse(name.contains(".tmp-"), "temporary file outside tmp/: " + p);
                }
            }
        }

        Path current = store.resolve("detect_drift_current.py");
        assertTrue(Files.isSymbolicLink(current), "deploys were acknowledged, so " + current + " is a link");
        String target = Files.readSymbolicLink(current).toString();
        Matcher m = Pattern.compile("detect_drift_(v[0-9]+)\\.py").matcher(target);
        assertTrue(m.matches(), "current names a version: " + target);
        assertTrue(Files.isRegularFile(current), "current resolves");
        List<Path> versions;
        try (Stream<Path> s = Files.list(store)) {
            versions = s.filter(p -> p.getFileName().toString().matches("detect_drift_v[0-9]+\\.py")).toList();
        }
        assertTrue(versions.size() >= deploysAcked, versions.size() + " versions, " + deploysAcked + " deploys acknowledged");
        for (Path v : versions) {
            String version = v.getFileName().toString().replaceAll("detect_drift_(v[0-9]+)\\.py", "$1");
            assertTrue(Files.readString(v).endsWith("version=\"" + version + "\")\n"), "complete version file " + v);
        }
        Json.parseObject(Files.readAllBytes(store.resolve("detect_drift_params.json")), "params");
        for (String line : Files.readAllLines(store.resolve("detect_drift_history.jsonl"))) {
            Map<String, Object> h = Json.parseObject(line.getBytes(StandardCharsets.UTF_8), "history");
            assertTrue(Files.exists(store.resolve("detect_drift_" + h.get("version") + ".py"), LinkOption.NOFOLLOW_LINKS),
                    "the history's version " + h.get("version") + " exists");
        }

        Cli.Result status = cli.run("--json", "status");
        assertEquals(0, status.code(), status.toString());
        assertTrue(status.out().contains("\"problems\":[]"), status.out());
    }
}
