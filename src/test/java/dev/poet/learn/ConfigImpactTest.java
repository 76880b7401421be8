package dev.poet.learn;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.poet.json.Json;
import dev.poet.testing.Cli;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** A parameter change followed by a week of executions shows its measured impact. */
@SuppressWarnings("unchecked")
class ConfigImpactTest {
    private Cli cli;

    private void ok(String... args) {
        Cli.Result r = cli.run(args);
        assertEquals(0, r.code(), String.join(" ", args) + "\n" + r);
    }

    private void at(String time) {
        cli.clock = Clock.fixed(Instant.parse(time), ZoneOffset.UTC);
    }

    /** One execution a day at 10:00 on day {@code day} of November, with its verdict an hour later. */
    private void day(int day, boolean alert, Boolean real, String feature) {
        String id = "d" + day + feature;
        String t = String.format("2026-11-%02dT10:00:00Z", day);
        ok("record", "execution.completed", "--function", "detect_drift", "--function-version", "v1", "--execution-id", id,
                "--time", t, "--set", "success=true", "--set", "duration_ms=3", "--set", "drift_detected=" + alert,
                "--set", "feature=" + feature);
        if (real != null) {
            ok("record", "drift.validation", "--execution-id", id, "--set", "was_real_drift=" + real,
                    "--time", String.format("2026-11-%02dT11:00:00Z", day));
        }
    }

    @Test
    void beforeAndAfterWindowsAreComparedAndTheCompleteMeasurementIsRecordedOnce() throws Exception {
        cli = Cli.jimfs();
        ok("init");
        cli.write("d.py", "def detect_drift(a, b):\n    return {}\n");
        cli.write("p.json", "{\"threshold\": 0.05}");
        at("2026-11-01T00:00:00Z");
        ok("enhance", "detect_drift", "--from", "d.py", "--params", "p.json");
        // the week before: 4 alerts, 3 false; a real drift on "amount" alerting one day late
        day(1, true, false, "x");
        day(2, true, false, "x");
        day(3, true, false, "x");
        day(4, false, true, "amount");
        day(5, true, true, "amount");
        day(6, false, null, "x");
        at("2026-11-08T00:00:00Z");
        ok("config", "set", "detect_drift", "threshold", "0.01", "--reason", "fewer false alarms");
        String change = cli.run("--json", "config", "history", "detect_drift").out().lines()
                .map(l -> Json.parseObject(l.getBytes(StandardCharsets.UTF_8), "h")).filter(h -> "config".equals(h.get("action")))
                .map(h -> (String) h.get("change_id")).findFirst().orElseThrow();
        // the week after: 2 alerts, 1 false; a real drift on "amount" alerting at once
        day(8, true, false, "x");
        day(9, true, true, "amount");
        day(10, false, null, "x");
        ok("correlate");

        at("2026-11-12T00:00:00Z");
        Cli.Result early = cli.run("config", "impact", "detect_drift");
        assertEquals(0, early.code(), early.toString());
        assertTrue(early.out().contains("the after-window is not complete yet: 3d 0h left; nothing recorded"), early.out());
        assertTrue(early.out().lines().noneMatch(l -> l.contains("impact_measured")),
                "no impact is measured before its week is over: " + early.out());

        at("2026-11-16T00:00:00Z");
        Cli.Result r = cli.run("--json", "config", "impact", "detect_drift");
        assertEquals(0, r.code(), r.toString());
        Map<String, Object> m = Json.parseObject(r.out().getBytes(StandardCharsets.UTF_8), "impact");
        assertEquals(change, m.get("change_id"));
        assertEquals(true, m.get("complete"));
        Map<String, Object> before = (Map<String, Object>) m.get("before");
        Map<String, Object> after = (Map<String, Object>) m.get("after");
        assertEquals(0.75, ((Map<String, Object>) before.get("false_positive_rate")).get("value"));
        assertEquals(4L, ((Map<String, Object>) before.get("false_positive_rate")).get("n"));
        assertEquals(0.5, ((Map<String, Object>) after.get("false_positive_rate")).get("value"));
        assertEquals(4.0 / 7, (Double) before.get("alerts_per_day"), 1e-12);
        assertEquals(2.0 / 7, (Double) after.get("alerts_per_day"), 1e-12);
        assertEquals(86400.0, ((Map<String, Object>) before.get("detection_latency")).get("median_s"),
                "the drift on amount began on the 4th and first alerted on the 5th");
        assertEquals(0.0, ((Map<String, Object>) after.get("detection_latency")).get("median_s"));
        String eventId = (String) m.get("event_id");
        assertEquals(change + ".impact7d", eventId);
        Map<String, Object> event = Json.parseObject(Files.readAllBytes(
                cli.store().resolve("events/pending/config_" + eventId + ".json")), "event");
        assertEquals("config.impact_measured", event.get("type"));
        assertEquals("threshold", ((Map<String, Object>) event.get("data")).get("parameter"));

        Map<String, Object> again = Json.parseObject(cli.run("--json", "config", "impact", "detect_drift", "--change", change)
                .out().getBytes(StandardCharsets.UTF_8), "again");
        assertNull(again.get("event_id"), "recorded once per change and window");
        Cli.Result unknown = cli.run("config", "impact", "detect_drift", "--change", "nope");
        assertEquals(5, unknown.code());
    }
}
