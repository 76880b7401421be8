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
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
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

    @TempDir
    Path project;

    record Child(String mode, Process process, CompletableFuture<String> out) {
    }

    private Child start(String mode, String tag) throws IOException {
        List<String> cmd;
        if (mode.equals("python")) {
            String script = "import sys\n"
                    + "sys.path.insert(0, sys.argv[1])\n"
                    + "import poet_runtime\n"
                    + "n = 0\n"
                    + "while True:\n"
                    + "    poet_runtime.record('alert.created', {'alert_id': 'A%d' % n}, execution_id='e-%d' % n,"
                    + " event_id='%s-%d' % (sys.argv[2], n))\n"
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
        CompletableFuture<String> out = CompletableFuture.supplyAsync(() -> {
            try (InputStream in = p.getInputStream()) {
                return new String(in.readAllBytes(), StandardCharsets.UTF_8);
            } catch (IOException e) {
                return "";
            }
        });
        return new Child(mode, p, out);
    }

    /** Only complete lines count: a line is printed after the command returned success. */
    private static List<String> acknowledged(String out) {
        List<String> lines = new ArrayList<>(List.of(out.split("\n", -1)));
        lines.remove(lines.size() - 1);
        return lines;
    }

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
        for (int round = 0; round < ROUNDS; round++) {
            List<Child> children = new ArrayList<>();
            children.add(start("record", "r" + round));
            children.add(start("feedback", "f" + round));
            children.add(start("enhance", "d" + round));
            children.add(start("python", "p" + round));
            Thread.sleep(150 + random.nextInt(900));
            for (Child c : children) {
                c.process().destroyForcibly();
            }
            for (Child c : children) {
                assertTrue(c.process().waitFor(30, TimeUnit.SECONDS));
                if (c.process().exitValue() == 137 || c.process().exitValue() == 9 || c.process().exitValue() == -9) {
                    kills++;
                } else {
                    throw new AssertionError(c.mode() + " exited by itself with " + c.process().exitValue());
                }
                List<String> acks = acknowledged(c.out().get(30, TimeUnit.SECONDS));
                if (c.mode().equals("enhance")) {
                    deploysAcked += acks.size();
                } else {
                    ackedIds.addAll(acks);
                }
            }
        }
        assertTrue(kills >= 50, "kills: " + kills);
        assertTrue(ackedIds.size() > ROUNDS, "the children got work done between kills: " + ackedIds.size());

        Path store = project.resolve(".poet");
        Path pending = store.resolve("events/pending");
        Map<String, Path> byId = new java.util.HashMap<>();
        try (Stream<Path> s = Files.list(pending)) {
            for (Path p : s.toList()) {
                Event e = EventCodec.decode(Files.readAllBytes(p), p.toString());
                assertTrue(p.getFileName().toString().endsWith("_" + e.id() + ".json"), p.toString());
                assertEquals(null, byId.put(e.id(), p), "one file per event id");
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
        assertTrue(Files.isSymbolicLink(current));
        String target = Files.readSymbolicLink(current).toString();
        Matcher m = Pattern.compile("detect_drift_(v[0-9]+)\\.py").matcher(target);
        assertTrue(m.matches(), target);
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
            assertTrue(Files.exists(store.resolve("detect_drift_" + h.get("version") + ".py"), LinkOption.NOFOLLOW_LINKS));
        }

        Cli.Result status = cli.run("--json", "status");
        assertEquals(0, status.code(), status.toString());
        assertTrue(status.out().contains("\"problems\":[]"), status.out());
    }
}
