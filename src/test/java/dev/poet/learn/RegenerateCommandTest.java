package dev.poet.learn;

import static org.junit.jupiter.api.Assertions.assertEquals;

import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.poet.json.Json;
import dev.poet.testing.Cli;
import dev.poet.testing.Trees;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** poet regenerate with the command generator, on a real directory with real processes and python3. */
class RegenerateCommandTest {
    @TempDir
    Path project;
    Cli cli;

    private void ok(String... args) {
        Cli.Result r = cli.run(args);
        assertEquals(0, r.code(), String.join(" ", args) + "\n" + r);
    }

    @BeforeEach
    void store() {
        cli = new Cli(FileSystems.getDefault(), project);
        cli.env.put("PATH", System.getenv("PATH"));
        ok("init");
        cli.write("d.py", "def detect_drift(reference, current, threshold=0.05):\n    return {'drift_detected': True}\n");
        ok("enhance", "detect_drift", "--from", "d.py");
        for (int i = 0; i < 4; i++) {
            ok("record", "execution.completed", "--function", "detect_drift", "--function-version", "v1",
                    "--execution-id", "e" + i, "--set", "success=true", "--set", "duration_ms=5", "--set", "drift_detected=true");
            ok("feedback", "--execution-id", "e" + i, "--false-positive", "--reason", "seasonal_pattern");
        }
        ok("correlate");
    }

    private List<Map<String, Object>> events(String type) {
        return cli.run("--json", "events", "list", "--type", type).out().lines()
                .map(l -> Json.parseObject(l.getBytes(StandardCharsets.UTF_8), "e")).toList();
    }

    private String current() throws IOException {
        return Files.readSymbolicLink(project.resolve(".poet/detect_drift_current.py")).toString();
    }

    @Test
    void aGeneratedImplementationIsCheckedAndDeployedWithItsPromptKept() throws IOException {
        Path received = project.resolve("received.txt");
        String cmd = "cat > '" + received + "'; printf '%s\\n' 'Here it is:' '```python' "
                + "'def detect_drift(reference, current, threshold=0.01):' \"    return {'drift_detected': False}\" '```'";
        Cli.Result r = cli.run("--json", "regenerate", "detect_drift", "--generator", "command", "--generator-command", cmd);
        assertEquals(0, r.code(), r.toString());
        Map<String, Object> out = Json.parseObject(r.out().getBytes(StandardCharsets.UTF_8), "out");
        assertEquals("v2", out.get("version"));
        assertEquals("detect_drift_v2.py", current());
        String v2 = Files.readString(project.resolve(".poet/detect_drift_v2.py"));
        assertTrue(v2.contains("def detect_drift(reference, current, threshold=0.01):"), v2);
        assertTrue(!v2.contains("```") && !v2.contains("Here it is"), "only the fenced code is kept: " + v2);

        String prompt = Files.readString(received);
        assertTrue(prompt.contains("- false-positive rate: 1.000 (n=4, 95% interval 0.510-1.000)"), prompt);
        assertTrue(prompt.contains("seasonal_pattern (4)"), prompt);
        assertTrue(prompt.contains("def detect_drift(reference, current, threshold=0.05):"), prompt);
        assertTrue(!prompt.contains("_poet_runtime"), "the prompt shows the function, not poet's wrapper");
        assertEquals(prompt, Files.readString(Path.of((String) out.get("prompt"))), "the prompt is kept in the store");
        assertTrue(Files.readString(Path.of((String) out.get("answer"))).startsWith("Here it is:"), "the raw answer is kept");
        Map<String, Object> requested = events("enhancement.requested").get(1);
        assertEquals("command", ((Map<String, Object>) requested.get("data")).get("generator"));
        assertEquals("v2", events("version.deployed").get(1).get("version"));
    }

    @Test
    void badAnswersDeployNothingRecordWhyAndExitFour() throws IOException {
        record Case(String command, String timeout, String error) {
        }
        for (Case c : List.of(
                new Case("cat > /dev/null; echo 'print(1)'", "30", "the code does not define detect_drift() at top level"),
                new Case("cat > /dev/null; printf 'def detect_drift(:\\n    pass\\n'", "30", "does not compile"),
                new Case("cat > /dev/null; echo 'model unavailable' >&2; exit 3", "30",
                        "the generator command exited with 3: model unavailable"),
                new Case("sleep 10", "1", "the generator command took longer than 1 s and was stopped"))) {
            Cli.Result r = cli.run("regenerate", "detect_drift", "--generator", "command", "--generator-command", c.command(),
                    "--timeout", c.timeout());
            assertEquals(4, r.code(), r.toString());
            assertTrue(r.err().startsWith("poet: ") && r.err().contains(c.error()), r.err());
            assertEquals("detect_drift_v1.py", current(), "nothing deployed");
        }
        List<Map<String, Object>> failed = events("enhancement.failed");
        assertEquals(4, failed.size());
        assertTrue(((String) ((Map<String, Object>) failed.get(0).get("data")).get("reason")).contains("does not define"),
                "the failure says the function is not defined");
        try (Stream<Path> prompts = Files.list(project.resolve(".poet/prompts"))) {
            assertEquals(4, prompts.filter(p -> p.toString().endsWith(".prompt.txt")).count(), "every prompt is kept");
        }
    }

    @Test
    void dryRunPrintsTheDecisionAndPromptAndChangesNothing() {
        var before = Trees.snapshot(project.resolve(".poet"));
        Cli.Result r = cli.run("regenerate", "detect_drift", "--generator", "command", "--dry-run");
        assertEquals(0, r.code(), r.toString());
        assertTrue(r.out().startsWith("decision: asked for; no improvement rule fired"), r.out());
        assertTrue(r.out().contains("Current implementation:"), r.out());
        assertEquals(before, Trees.snapshot(project.resolve(".poet")));
        Cli.Result params = cli.run("regenerate", "detect_drift");
        assertEquals(0, params.code(), params.toString());
        assertTrue(params.out().startsWith("Nothing learned that beats detect_drift v1's parameters; nothing deployed."),
                params.out());
        assertTrue(params.out().contains("4 counted executions (0 real, 4 not)"), params.out());
        assertEquals(before, Trees.snapshot(project.resolve(".poet")), "nothing learned, nothing recorded");
    }
}
