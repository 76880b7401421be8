package dev.poet.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.poet.testing.Cli;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Arguments that name the wrong kind of thing get one clear line and exit 2, not an I/O error or a crash. */
class BadArgumentsTest {
    Cli cli;

    @BeforeEach
    void store() {
        cli = Cli.jimfs();
        assertEquals(0, cli.run("init").code());
        cli.write("d.py", "def detect_drift(a, b):\n    return {}\n");
        assertEquals(0, cli.run("enhance", "detect_drift", "--from", "d.py").code());
    }

    private void refused(String expected, String... args) {
        Cli.Result r = cli.run(args);
        assertEquals(2, r.code(), String.join(" ", args) + "\n" + r);
        assertTrue(r.err().startsWith("poet") && r.err().contains(expected), expected + " in " + r.err());
        assertEquals(1, r.err().lines().count(), r.err());
    }

    @Test
    void wrongKindsOfPathsAddressesAndNames() {
        refused("exists and is not a directory", "events", "export", "--out", "d.py");
        refused("is a directory; name the report file", "report", "detect_drift", "-o", "/");
        refused("is a directory; name the report file", "report", "detect_drift", "-o", ".poet");
        cli.env.put("POET_REVIEW_KEY", "k");
        refused("--expires must be longer than 0", "review-link", "--execution-id", "e1", "--base-url", "http://h",
                "--expires", "0s");
        refused("is not an address of this machine", "serve", "--host", "no.such.host.invalid", "--port", "0");
        refused("--commit-wait must be between 0 and 1000000, got -1", "serve", "--port", "0", "--commit-wait", "-1");
        refused("--commit-max must be between 1 and 100000, got 0", "serve", "--port", "0", "--commit-max", "0");
        refused("--committers must be between 1 and 64, got 65", "serve", "--port", "0", "--committers", "65");
        refused("--batch needs --event", "record", "x.team.ping", "--batch");
        refused("unknown generator 'bogus'", "learn", "--generator", "bogus");
    }

    /** A wrong learning setting in poet.json is one line naming the setting and exit 3, before anything is learned or asked. */
    @Test
    void wrongLearningSettingsAreNamed() throws java.io.IOException {
        java.nio.file.Path settings = cli.store().resolve("poet.json");
        String original = java.nio.file.Files.readString(settings);
        String[][] cases = {
            {"\"generator\": {\"name\": [\"params\", 7]}", "generator.name must be a name or a list of names"},
            {"\"generator\": {\"name\": []}", "generator.name must be a name or a list of names"},
            {"\"generator\": {\"name\": [\"params\", \"params\"]}", "generator.name names a generator twice"},
            {"\"learning\": {\"params\": {\"objective\": \"precision\"}}", "learning.params.objective must be one of auto,"},
            {"\"learning\": {\"params\": {\"false_alert_tolerance\": -0.1}}", "learning.params.false_alert_tolerance must be"},
            {"\"learning\": {\"params\": {\"validation_gap_hours\": \"a day\"}}", "learning.params.validation_gap_hours must be"},
            {"\"learning\": {\"implicit_negative_after_days\": \"7\"}", "learning.implicit_negative_after_days must be"},
        };
        for (String[] c : cases) {
            java.nio.file.Files.writeString(settings, "{\"format\": 1, " + c[0] + "}");
            Cli.Result r = cli.run("learn");
            assertEquals(3, r.code(), c[0] + "\n" + r);
            assertTrue(r.err().contains(c[1]), c[1] + " in " + r.err());
            assertEquals(1, r.err().lines().count(), r.err());
            assertEquals(0, cli.run("--json", "events", "list", "--type", "enhancement.*").out().lines()
                    .filter(l -> l.contains("\"version\":\"v2\"")).count(), "nothing learned or deployed: " + c[0]);
        }
        java.nio.file.Files.writeString(settings, original);
    }
}
