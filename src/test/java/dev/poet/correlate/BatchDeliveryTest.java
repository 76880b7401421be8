package dev.poet.correlate;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.poet.json.Json;
import dev.poet.store.Batches;
import dev.poet.testing.Cli;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Batch files in pending/ (many events per file, as the Python runtime delivers them): every
 * reader sees their events one by one, correlation processes each event once whichever file
 * carries it, quarantines a bad line alone, and sends the events that wait back as a new batch
 * that keeps the old one's arrival time.
 */
@SuppressWarnings("unchecked")
class BatchDeliveryTest {
    private Cli cli;

    @BeforeEach
    void init() {
        cli = Cli.jimfs();
        assertEquals(0, cli.run("init").code());
    }

    private static String exec(String id, String execution, String time) {
        return "{\"id\":\"" + id + "\",\"type\":\"execution.completed\",\"time\":\"" + time + "\",\"source\":\"python\","
                + "\"function\":\"detect_drift\",\"version\":\"v1\",\"execution_id\":\"" + execution + "\","
                + "\"data\":{\"success\":true,\"duration_ms\":1.5,\"drift_detected\":true,\"params_revision\":\"0123456789abcdef\"}}";
    }

    private static String verdict(String id, String execution, String time) {
        return "{\"id\":\"" + id + "\",\"type\":\"drift.validation\",\"time\":\"" + time + "\",\"source\":\"python\","
                + "\"execution_id\":\"" + execution + "\",\"data\":{\"was_real_drift\":false}}";
    }

    private Path batch(String id, String... lines) throws IOException {
        List<byte[]> bytes = new ArrayList<>();
        for (String l : lines) {
            bytes.add(l.getBytes(StandardCharsets.UTF_8));
        }
        Path p = cli.store().resolve("events/pending").resolve(Batches.name(id, lines.length));
        Files.write(p, Batches.content(bytes));
        return p;
    }

    private Map<String, Object> json(String... args) {
        Cli.Result r = cli.run(args);
        assertEquals(0, r.code(), String.join(" ", args) + "\n" + r);
        return Json.parseObject(r.out().getBytes(StandardCharsets.UTF_8), "output");
    }

    private List<Map<String, Object>> list(String state) {
        Cli.Result r = cli.run("--json", "events", "list", "--state", state);
        assertEquals(0, r.code(), r.toString());
        List<Map<String, Object>> out = new ArrayList<>();
        for (String line : r.out().lines().toList()) {
            out.add(Json.parseObject(line.getBytes(StandardCharsets.UTF_8), "line"));
        }
        return out;
    }

    private List<String> names(String dir) throws IOException {
        try (Stream<Path> s = Files.list(cli.store().resolve("events").resolve(dir))) {
            return s.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }

    @Test
    void eachEventOnceWhicheverFileCarriesItBadLinesAloneWaitingOnesAsANewBatch() throws IOException {
        String t = "2026-11-27T09:00:00.000Z";
        Path first = batch("01KBATCH0000000000000000A1", exec("01KE1", "run-1", t), verdict("01KF1", "run-1", t),
                verdict("01KF1", "run-1", t), "{\"id\":\"broken", verdict("01KF2", "run-2", t));
        batch("01KBATCH0000000000000000A2", exec("01KE1", "run-1", t),
                "{\"id\":\"01KA1\",\"type\":\"alert.created\",\"time\":\"" + t + "\",\"source\":\"python\","
                        + "\"execution_id\":\"run-1\",\"data\":{\"alert_id\":\"pd-1\"}}");
        assertEquals(7L, ((Map<String, Object>) json("--json", "status").get("events")).get("pending"),
                "status counts a batch's events by its name, without reading it");
        List<Map<String, Object>> pending = list("pending");
        assertEquals(5, pending.size(), "events list shows each pending event once (E1 and F1 are repeated) and the"
                + " unreadable line: " + pending);
        assertEquals(1, pending.stream().filter(e -> e.containsKey("problem")).count(), "the broken line is shown as unreadable");
        Map<String, Object> shown = json("--json", "events", "show", "01KF2");
        assertEquals("run-2", shown.get("execution_id"), "events show finds an event inside a pending batch");

        Map<String, Object> report = json("--json", "correlate");
        assertEquals(3L, report.get("correlated"), report.toString());
        assertEquals(2L, report.get("duplicates"), "the repeated verdict and the second copy of the execution: " + report);
        assertEquals(1L, report.get("invalid"), report.toString());
        assertEquals(1L, report.get("waiting"), report.toString());

        Map<String, Integer> seen = new HashMap<>();
        for (Map<String, Object> e : list("processed")) {
            seen.merge((String) e.get("id"), 1, Integer::sum);
        }
        assertEquals(Map.of("01KE1", 1, "01KF1", 1, "01KA1", 1), seen, "each event once in the processed log");

        List<String> failed = names("failed");
        String line = "batch_01KBATCH0000000000000000A1_5.line4.json";
        assertEquals(List.of(line, line + ".reason"), failed, "only the bad line is quarantined");
        assertEquals("{\"id\":\"broken\n", Files.readString(cli.store().resolve("events/failed").resolve(line)));

        List<String> left = names("pending");
        assertEquals(1, left.size(), "the waiting verdict went back as one new batch: " + left);
        assertTrue(left.get(0).startsWith("batch_") && left.get(0).endsWith("_1.jsonl"), left.get(0));
        Path again = cli.store().resolve("events/pending").resolve(left.get(0));
        assertEquals(verdict("01KF2", "run-2", t) + "\n", Files.readString(again), "the line's bytes unchanged");
        assertEquals(Cli.T0, Files.getLastModifiedTime(again).toInstant(), "the new batch keeps the old one's arrival time");
        assertFalse(Files.exists(first), "the first batch left pending/");

        // the execution arrives as a single file: the waiting verdict finds it
        Cli.Result rec = cli.run("record", "execution.completed", "--function", "detect_drift", "--function-version", "v1",
                "--execution-id", "run-2", "--id", "01KE2", "--set", "success=true", "--set", "duration_ms=3");
        assertEquals(0, rec.code(), rec.toString());
        report = json("--json", "correlate");
        assertEquals(2L, report.get("correlated"), report.toString());
        assertEquals(0L, report.get("waiting"), report.toString());
        assertEquals(List.of(), names("pending"));

        // sweep deletes the retired batches whose events are all in the log, and gives nothing back
        Map<String, Object> swept = json("--json", "sweep");
        assertEquals(0L, swept.get("unprocessed_files_returned"), swept + " " + names("pending"));
        assertEquals(3L, swept.get("processed_files_removed"), "the second batch, the new batch and the single file: " + swept);
        assertEquals(List.of(), names("trash"), "every retired claim was swept");
        assertEquals(0L, ((Map<String, Object>) json("--json", "status").get("events")).get("pending"));
    }

    @Test
    void aBatchLineThatWaitsPastTheTtlIsQuarantinedUnderItsOwnName() throws IOException {
        String t = "2026-11-27T09:00:00.000Z";
        batch("01KBATCH0000000000000000B1", exec("01KE1", "run-1", t), verdict("01KF9", "nobody", t));
        Map<String, Object> report = json("--json", "correlate");
        assertEquals(1L, report.get("waiting"), report.toString());
        cli.clock = Clock.fixed(Cli.T0.plus(Duration.ofDays(8)), ZoneOffset.UTC);
        report = json("--json", "correlate");
        assertEquals(1L, report.get("orphaned"), "the wait counts from the first batch's arrival: " + report);
        assertEquals(List.of(), names("pending"));
        assertEquals(List.of("feedback_01KF9.json", "feedback_01KF9.json.reason"), names("failed"));
        Map<String, Object> reason = Json.parseObject(
                Files.readAllBytes(cli.store().resolve("events/failed/feedback_01KF9.json.reason")), "reason");
        assertTrue(((String) reason.get("reason")).startsWith("orphaned"), reason.toString());
        assertEquals(1L, ((Map<String, Object>) json("--json", "status").get("events")).get("failed"));
        assertNull(report.get("error"));
    }

    @Test
    void doctorMovesAsideOnlyABatchThatCannotBeReadAtAll() throws IOException {
        String t = "2026-11-27T09:00:00.000Z";
        batch("01KBATCH0000000000000000C1", exec("01KE1", "run-1", t), "{\"id\":\"broken");
        Path empty = cli.store().resolve("events/pending").resolve(Batches.name("01KBATCH0000000000000000C2", 3));
        Files.write(empty, new byte[0]);
        Cli.Result r = cli.run("doctor");
        assertEquals(3, r.code(), r.toString());
        assertTrue(r.out().contains("events/pending/batch_01KBATCH0000000000000000C2_3.jsonl: an empty batch"), r.out());
        assertFalse(r.out().contains("C1"), "a batch with one bad line is correlate's to split, not doctor's: " + r.out());
        assertEquals(0, cli.run("doctor", "--repair").code());
        assertEquals(List.of("batch_01KBATCH0000000000000000C2_3.jsonl", "batch_01KBATCH0000000000000000C2_3.jsonl.reason"),
                names("failed"));
        assertEquals(List.of("batch_01KBATCH0000000000000000C1_2.jsonl"), names("pending"));
    }

    @Test
    void theJavaSideWritesBatchesAsTheRuntimeDoes() throws IOException {
        Path input = cli.write("events.jsonl", exec("01KE1", "run-1", "2026-11-27T09:00:00.000Z") + "\n"
                + verdict("01KF1", "run-1", "2026-11-27T09:00:00.000Z") + "\n");
        Cli.Result r = cli.run("record", "--batch", "--event", input.toString());
        assertEquals(0, r.code(), r.toString());
        List<String> left = names("pending");
        assertEquals(1, left.size(), left.toString());
        assertTrue(Batches.isBatchName(left.get(0)) && Batches.count(left.get(0)) == 2, left.get(0));
        assertEquals(Files.readString(input), Files.readString(cli.store().resolve("events/pending").resolve(left.get(0))),
                "canonical lines, byte for byte");
    }
}
