package dev.poet.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.poet.testing.Cli;
import dev.poet.testing.Jvm;
import java.io.IOException;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What a short command's JVM loads: none of what start-up work took off the path comes back
 * (docs/performance.md). Checked by the JVM's own class-load log in a real process, not by time.
 */
class StartupClassesTest {
    @TempDir
    Path dir;

    /** Classes that each cost start-up and that feedback, record and status do without. */
    private static final List<String> FORBIDDEN = List.of(
            "com.fasterxml.jackson.databind.", // the streaming core is enough
            "java.sql.DriverManager", "java.time.MonthDay", // picocli's reflective converters
            "java.time.format.DateTimeFormatter", // event times are formatted from fields
            "java.util.Formatter", // String.format: the locale providers
            "java.security.SecureRandom", // event ids come from /dev/urandom
            "jdk.proxy", "com.sun.proxy.", // annotation proxies: these commands are declared programmatically
            "org.jline.", "dev.poet.serve.", "dev.poet.learn.", "dev.poet.report.HtmlReport",
            // poet serve's HTTP server, logging and metrics
            "org.eclipse.jetty.", "org.slf4j.", "ch.qos.logback.", "io.prometheus.");

    private List<String> loaded(String... args) throws IOException, InterruptedException {
        Path log = dir.resolve("classes-" + args[0] + ".log");
        List<String> cmd = new ArrayList<>(Jvm.poet(List.of("-Xshare:off", "-Xlog:class+load:file=" + log),
                "--store", dir.resolve("project/.poet").toString()));
        cmd.addAll(List.of(args));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
        assertTrue(p.waitFor(60, TimeUnit.SECONDS), "the JVM ended within 60 s");
        assertEquals(0, p.exitValue(), String.join(" ", args));
        List<String> names = new ArrayList<>();
        Pattern line = Pattern.compile("\\] (\\S+) source:");
        for (String l : Files.readAllLines(log)) {
            Matcher m = line.matcher(l);
            if (m.find()) {
                names.add(m.group(1));
            }
        }
        assertTrue(names.size() > 300, "the log was read: " + names.size() + " classes");
        return names;
    }

    private static void assertLean(String command, List<String> names, String ownClass) {
        for (String n : names) {
            for (String f : FORBIDDEN) {
                assertTrue(!n.startsWith(f), command + " loads " + n + " (docs/performance.md says why it should not)");
            }
            if (n.startsWith("dev.poet.cli.") && n.endsWith("Command") && !n.equals("dev.poet.cli.PoetCommand")) {
                assertEquals(ownClass, n, command + " loads another command's class");
            }
        }
        assertTrue(names.contains(ownClass), command + " ran as " + ownClass);
    }

    @Test
    void feedbackRecordAndStatusLoadNothingTheirStartUpDoesWithout() throws Exception {
        assertEquals(0, new Cli(FileSystems.getDefault(), Files.createDirectories(dir.resolve("project"))).run("init").code());
        assertLean("feedback", loaded("feedback", "--execution-id", "e1", "--false-positive", "--reason", "weekend"),
                "dev.poet.cli.FeedbackCommand");
        assertLean("record", loaded("record", "drift.validation", "--execution-id", "e1", "--set", "was_real_drift=false",
                "--set", "reason=weekend"), "dev.poet.cli.RecordCommand");
        assertLean("status", loaded("status"), "dev.poet.cli.StatusCommand");
    }
}
