package dev.poet.integrate;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.poet.json.Json;
import dev.poet.testing.Cli;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** poet review through JLine's dumb terminal with scripted key presses. */
class ReviewCommandTest {
    Cli cli;

    private Cli.Result ok(String... args) {
        Cli.Result r = cli.run(args);
        assertEquals(0, r.code(), String.join(" ", args) + "\n" + r);
        return r;
    }

    @BeforeEach
    void alerts() {
        cli = Cli.jimfs();
        cli.env.put("USER", "dana");
        ok("init");
        for (int i = 1; i <= 4; i++) {
            ok("record", "execution.completed", "--function", "detect_drift", "--function-version", "v1",
                    "--execution-id", "e" + i, "--time", "2026-11-2" + i + "T08:00:00Z", "--set", "success=true",
                    "--set", "duration_ms=4", "--set", "drift_detected=" + (i != 3), "--set", "p_value=0.00" + i,
                    "--set", "feature=amount");
        }
        ok("feedback", "--execution-id", "e1", "--false-positive", "--reason", "seasonal_pattern");
        ok("correlate");
    }

    private List<Map<String, Object>> verdicts() {
        return cli.run("--json", "events", "list", "--type", "drift.validation").out().lines()
                .map(l -> Json.parseObject(l.getBytes(StandardCharsets.UTF_8), "e")).toList();
    }

    @Test
    @SuppressWarnings("unchecked")
    void keysRecordVerdictsNewestFirstWithReasons() {
        // e4 (newest): false positive with a reason; e2: real drift, no reason; e1 already judged, e3 did not alert
        Cli.Result r = cli.runWithStdin("fholiday_spike\nr\n", "review");
        assertEquals(0, r.code(), r.toString());
        assertTrue(r.out().contains("(1/2) detect_drift v1  2026-11-24T08:00:00.000Z  execution e4"), r.out());
        assertTrue(r.out().contains("p_value 0.004"), r.out());
        assertTrue(r.out().contains("(2/2) detect_drift v1  2026-11-22T08:00:00.000Z  execution e2"), r.out());
        assertTrue(r.out().contains("2 verdicts recorded, 0 skipped, 0 left."), r.out());
        List<Map<String, Object>> v = verdicts();
        Map<String, Object> e4 = v.stream().filter(x -> "e4".equals(x.get("execution_id"))).findFirst().orElseThrow();
        assertEquals(false, ((Map<String, Object>) e4.get("data")).get("was_real_drift"));
        assertEquals("holiday_spike", ((Map<String, Object>) e4.get("data")).get("reason"));
        assertEquals("dana", ((Map<String, Object>) e4.get("data")).get("validator"));
        assertEquals("cli_review", ((Map<String, Object>) e4.get("data")).get("validation_source"));
        Map<String, Object> e2 = v.stream().filter(x -> "e2".equals(x.get("execution_id"))).findFirst().orElseThrow();
        assertEquals(true, ((Map<String, Object>) e2.get("data")).get("was_real_drift"));
        assertEquals(null, ((Map<String, Object>) e2.get("data")).get("reason"));
        Cli.Result again = ok("review");
        assertEquals("Nothing to review: every alert has a verdict.\n", again.out(), "judged alerts leave the queue at once");
    }

    @Test
    void skipQuitAndOtherKeys() {
        Cli.Result r = cli.runWithStdin("xsq", "review", "detect_drift");
        assertEquals(0, r.code(), r.toString());
        assertTrue(r.out().contains("press r, f, s or q"), r.out());
        assertTrue(r.out().contains("0 verdicts recorded, 1 skipped, 1 left."), r.out());
        assertEquals(1, verdicts().size());
        assertEquals(2, cli.run("review", "no-such-fn!").code());
    }
}
