package dev.poet.report;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.poet.testing.Cli;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/** poet report replaces its file atomically and clears the temporary files killed runs left beside it. */
class ReportFilesTest {
    @Test
    void temporaryFilesOfKilledRunsAreRemovedAndAFreshOneIsLeftAlone() throws IOException {
        Cli cli = Cli.jimfs();
        assertEquals(0, cli.run("init").code());
        cli.write("d.py", "def detect_drift(a, b):\n    return {}\n");
        assertEquals(0, cli.run("enhance", "detect_drift", "--from", "d.py").code());
        Path dir = Files.createDirectories(cli.cwd.resolve("out"));
        Path abandoned = Files.writeString(dir.resolve(".poet-report-123.tmp"), "<html>half");
        Files.setLastModifiedTime(abandoned, FileTime.from(Cli.T0.minusSeconds(2 * 3600)));
        Path inFlight = Files.writeString(dir.resolve(".poet-report-456.tmp"), "<html>being written");
        Files.setLastModifiedTime(inFlight, FileTime.from(Cli.T0.minusSeconds(60)));
        Path unrelated = Files.writeString(dir.resolve(".other-123.tmp"), "not ours");
        Files.setLastModifiedTime(unrelated, FileTime.from(Cli.T0.minusSeconds(2 * 3600)));

        Cli.Result r = cli.run("report", "detect_drift", "-o", "out/report.html");
        assertEquals(0, r.code(), r.toString());

        List<String> names;
        try (Stream<Path> s = Files.list(dir)) {
            names = s.map(p -> p.getFileName().toString()).sorted().toList();
        }
        assertEquals(List.of(".other-123.tmp", ".poet-report-456.tmp", "report.html"), names);
        assertTrue(cli.read(dir.resolve("report.html")).startsWith("<!doctype html>"), "the report is an HTML document");
        assertFalse(Files.exists(abandoned), "the abandoned temporary file is removed");
    }
}
