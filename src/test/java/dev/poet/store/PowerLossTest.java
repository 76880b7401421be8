package dev.poet.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.common.jimfs.Configuration;
import dev.poet.json.Json;
import dev.poet.testing.Cli;
import dev.poet.testing.PowerLossIO;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * A power loss at every write of a run of commands: what the disk would hold after a reboot
 * keeps every acknowledged event, a valid current link, valid parameters and a readable history,
 * and the next poet learn completes any change the loss cut short.
 */
class PowerLossTest {
    private static final String[][] SCENARIO = {
        {"record", "execution.completed", "--function", "detect_drift", "--function-version", "v1", "--execution-id", "e1",
            "--set", "success=true", "--set", "duration_ms=2", "--set", "drift_detected=true"},
        {"feedback", "--execution-id", "e1", "--false-positive", "--reason", "seasonal"},
        {"config", "set", "detect_drift", "threshold", "0.01", "--reason", "tighter"},
        {"enhance", "detect_drift", "--from", "d.py"},
        {"correlate"},
        {"rollback", "detect_drift"},
        {"record", "alert.created", "--execution-id", "e1", "--set", "alert_id=A1"},
        {"learn"},
    };

    private static Cli setup() {
        Cli cli = Cli.jimfs(Configuration.unix());
        assertEquals(0, cli.run("init").code());
        cli.write("d.py", "def detect_drift(a, b):\n    return {}\n");
        cli.write("p.json", "{\"threshold\": 0.05}");
        assertEquals(0, cli.run("enhance", "detect_drift", "--from", "d.py", "--params", "@p.json").code());
        return cli;
    }

    /** Runs the scenario until the power goes; returns the ids of the events acknowledged before. */
    private static Set<String> run(Cli cli, PowerLossIO io) {
        cli.io = io;
        Set<String> acked = new HashSet<>();
        for (String[] cmd : SCENARIO) {
            Cli.Result r;
            try {
                r = cli.run(cmd);
            } catch (PowerLossIO.PowerLost lost) {
                return acked;
            }
            assertEquals(0, r.code(), String.join(" ", cmd) + "\n" + r);
            if (cmd[0].equals("record") || cmd[0].equals("feedback")) {
                acked.add(r.out().strip());
            }
        }
        return acked;
    }

    @Test
    void aPowerLossAtAnyWriteLeavesAStoreTheNextLearnCompletes() throws Exception {
        Cli full = setup();
        PowerLossIO whole = new PowerLossIO(full.store(), 0);
        run(full, whole);
        int total = whole.operations();
        assertTrue(total > 40, "the scenario writes: " + total);
        List<String> failures = new ArrayList<>();
        for (int at = 1; at <= total; at++) {
            Cli cli = setup();
            PowerLossIO io = new PowerLossIO(cli.store(), at);
            Set<String> acked = run(cli, io);
            Cli rebooted = Cli.jimfs();
            rebooted.clock = cli.clock;
            io.reboot(rebooted.fs);
            Path store = rebooted.store();
            try {
                for (String id : acked) {
                    Cli.Result found = rebooted.run("events", "show", id);
                    if (found.code() != 0) {
                        failures.add("power lost at " + at + ": acknowledged event " + id + " is gone");
                    }
                }
                Path cur = store.resolve("detect_drift_current.py");
                if (!Files.isRegularFile(cur)) {
                    failures.add("power lost at " + at + ": current does not resolve");
                }
                Json.parseObject(Files.readAllBytes(store.resolve("detect_drift_params.json")), "params");
                for (String line : Files.readAllLines(store.resolve("detect_drift_history.jsonl"))) {
                    Json.parseObject(line.getBytes(StandardCharsets.UTF_8), "history");
                }
                try (Stream<Path> pending = Files.list(store.resolve("events/pending"))) {
                    for (Path p : pending.toList()) {
                        dev.poet.event.EventCodec.decode(Files.readAllBytes(p), p.toString());
                    }
                }
                Cli.Result learn = rebooted.run("learn");
                if (learn.code() != 0) {
                    failures.add("power lost at " + at + ": the next learn failed: " + learn.err().strip());
                }
                Cli.Result status = rebooted.run("--json", "status");
                if (!status.out().contains("\"problems\":[]") || status.out().contains("\"interrupted\"")) {
                    failures.add("power lost at " + at + ": status after learn: " + status.out().strip());
                }
            } catch (Exception | AssertionError e) {
                failures.add("power lost at " + at + ": " + e);
            }
        }
        assertTrue(failures.isEmpty(), failures.size() + " of " + total + " power-loss points:\n" + String.join("\n", failures));
    }
}
