package dev.poet.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.poet.testing.Jvm;
import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The committed fish completion script in a real fish, against a real store, with a {@code poet}
 * on the PATH: function names where a function goes, files where a file goes, and no file names
 * for values that are not files. Skipped without fish, except in CI (POET_REQUIRE_BROWSER=1,
 * which .ci/run sets after installing the tools the tests use).
 */
class FishCompletionTest {
    @TempDir
    static Path dir;
    static Path fish;

    @BeforeAll
    static void setUp() throws Exception {
        fish = Paths.get("/usr/bin/fish");
        if (!Files.isExecutable(fish)) {
            if ("1".equals(System.getenv("POET_REQUIRE_BROWSER"))) {
                fail("fish is not installed (.ci/run installs it)");
            }
            Assumptions.assumeTrue(false, "fish is not installed");
        }
        Path bin = Files.createDirectories(dir.resolve("bin"));
        Path poet = bin.resolve("poet");
        StringBuilder exec = new StringBuilder("#!/bin/sh\nexec");
        for (String word : Jvm.poet(List.of())) {
            exec.append(" '").append(word).append('\'');
        }
        Files.writeString(poet, exec.append(" \"$@\"\n").toString());
        Files.setPosixFilePermissions(poet, PosixFilePermissions.fromString("rwxr-xr-x"));
        Path project = Files.createDirectories(dir.resolve("project"));
        Files.writeString(project.resolve("detect.py"), "def detect_drift(a, b):\n    return {}\n");
        run(project, List.of(poet.toString(), "init"));
        run(project, List.of(poet.toString(), "enhance", "detect_drift", "--from", "detect.py"));
    }

    private static String run(Path cwd, List<String> command) throws IOException, InterruptedException {
        ProcessBuilder pb = new ProcessBuilder(command).directory(cwd.toFile()).redirectErrorStream(true);
        pb.environment().put("PATH", dir.resolve("bin") + File.pathSeparator + System.getenv("PATH"));
        pb.environment().remove("POET_STORE");
        Process p = pb.start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(60, TimeUnit.SECONDS), "finished: " + command);
        assertEquals(0, p.exitValue(), command + "\n" + out);
        return out;
    }

    /** What fish offers for this command line, one candidate per line (descriptions dropped). */
    private static List<String> complete(String line) throws Exception {
        String script = "source " + Paths.get("completions/poet.fish").toAbsolutePath() + "; complete -C '" + line + "'";
        return run(dir.resolve("project"), List.of(fish.toString(), "--no-config", "-c", script)).lines()
                .map(l -> l.split("\t")[0]).toList();
    }

    @Test
    void aFunctionArgumentOffersTheStoresFunctionsAndNoFiles() throws Exception {
        assertEquals(List.of("detect_drift"), complete("poet analyze "));
    }

    @Test
    void aValueThatIsNotAFileOffersNoFileNames() throws Exception {
        assertEquals(List.of(), complete("poet analyze --since "));
        assertEquals(List.of("v1"), complete("poet rollback detect_drift --to "));
    }

    @Test
    void aFileArgumentOffersFiles() throws Exception {
        List<String> offered = complete("poet enhance detect_drift --from ");
        assertTrue(offered.contains("detect.py"), offered.toString());
        assertFalse(complete("poet ").isEmpty(), "subcommands");
        assertTrue(complete("poet ").contains("feedback"), "fish completes the command feedback");
    }
}
