package dev.poet.event;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.poet.json.Json;
import dev.poet.testing.Cli;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/** poet events export: every processed event once, in its function's and day's partition. */
class ExportTest {
    @Test
    void partitionsByFunctionAndDay() throws Exception {
        Cli cli = Cli.jimfs();
        assertEquals(0, cli.run("init").code());
        for (int i = 0; i < 6; i++) {
            String fn = i % 2 == 0 ? "detect_drift" : "check_schema";
            assertEquals(0, cli.run("record", "execution.completed", "--function", fn, "--function-version", "v1",
                    "--execution-id", "e" + i, "--time", "2026-11-2" + (i / 2) + "T10:00:00Z", "--set", "success=true",
                    "--set", "duration_ms=1").code());
            assertEquals(0, cli.run("feedback", "--execution-id", "e" + i, "--false-positive").code());
        }
        assertEquals(0, cli.run("record", "drift.validation", "--execution-id", "never", "--set", "was_real_drift=true").code());
        assertEquals(0, cli.run("correlate").code());
        Cli.Result r = cli.run("--json", "events", "export", "--out", "export");
        assertEquals(0, r.code(), r.toString());
        Map<String, Object> m = Json.parseObject(r.out().getBytes(StandardCharsets.UTF_8), "out");
        assertEquals(12L, m.get("events"), "the 12 processed events; the waiting one is not processed");
        Path out = cli.cwd.resolve("export");
        Path p = out.resolve("function=detect_drift/date=2026-11-20/events.jsonl");
        List<String> lines = Files.readAllLines(p);
        assertEquals(1, lines.stream().filter(l -> l.contains("\"execution.completed\"")).count());
        for (String l : lines) {
            Event e = EventCodec.decode(l.getBytes(StandardCharsets.UTF_8), "line");
            assertEquals("detect_drift", e.function());
        }
        try (Stream<Path> all = Files.walk(out)) {
            List<Path> files = all.filter(Files::isRegularFile).toList();
            assertTrue(files.stream().allMatch(f -> f.getFileName().toString().equals("events.jsonl")), "no partial files: " + files);
            long total = 0;
            for (Path f : files) {
                total += Files.readAllLines(f).size();
            }
            assertEquals(12, total);
        }
        assertEquals(0, cli.run("events", "export", "--out", "export").code(), "exporting again replaces the partitions");
        assertEquals(lines, Files.readAllLines(p));
        assertEquals(2, cli.run("events", "export", "--out", "x", "--format", "parquet").code());
    }
}
