package dev.poet.learn;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.poet.json.Json;
import dev.poet.testing.Cli;
import dev.poet.testing.Maps;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * poet learn judging a shadow against the live version on the same executions: each execution
 * records the live decision, the runtime recorded the shadow's under the same execution id, and
 * verdicts (or the implicit-negative rule) say which decisions were right.
 */
class ShadowLearnTest {
    private static final String CODE = "def detect_drift(x, params=None):\n    return {'drift_detected': False}\n";
    private Cli cli;
    private String shadowId;

    @BeforeEach
    void store() {
        cli = Cli.jimfs();
        ok("init");
        cli.write("d.py", CODE);
        cli.write("params.json", "{\"threshold\": 0.05}");
        ok("enhance", "detect_drift", "--from", "d.py", "--params", "@params.json");
        shadowId = (String) json(ok("--json", "shadow", "start", "detect_drift", "--set", "seasonal_adjustment=true",
                "--reason", "most false positives are seasonal").out()).get("id");
    }

    private Cli.Result ok(String... args) {
        Cli.Result r = cli.run(args);
        assertEquals(0, r.code(), String.join(" ", args) + "\n" + r);
        return r;
    }

    private static Map<String, Object> json(String text) {
        return Json.parseObject(text.getBytes(StandardCharsets.UTF_8), "output");
    }

    private static Map<String, Object> map(Object... kv) {
        return Maps.of(kv);
    }

    /** One execution: live and shadow decisions, whether it was real drift, whether a verdict was given; null shadow: failed. */
    private record X(boolean live, Boolean shadow, boolean real) {
    }

    /**
     * Records executions hourly from twenty days ago (past the implicit-negative grace period): the live decision on execution.completed, the
     * shadow's on execution.shadow, and a verdict for every live alert and every real drift (a
     * quiet execution with no verdict is an implicit negative once the grace period has passed).
     */
    private void record(List<X> xs) {
        record(xs, "v1", shadowId, Cli.T0.minus(Duration.ofDays(20)), "x");
    }

    private void record(List<X> xs, String version, String shadow, Instant start, String prefix) {
        StringBuilder lines = new StringBuilder();
        for (int i = 0; i < xs.size(); i++) {
            X x = xs.get(i);
            String id = prefix + i;
            Instant t = start.plus(Duration.ofHours(i));
            lines.append(line(map("type", "execution.completed", "time", t.toString(), "source", "test",
                    "function", "detect_drift", "version", version, "execution_id", id,
                    "data", map("success", true, "duration_ms", 3.0, "drift_detected", x.live(), "p_value", 0.5,
                            "test", "ks", "feature", "amount"))));
            if (shadow != null) {
                Map<String, Object> d = x.shadow() == null
                        ? map("shadow", shadow, "success", false, "duration_ms", 1.0, "error", "RuntimeError: boom")
                        : map("shadow", shadow, "success", true, "duration_ms", 1.0, "drift_detected", x.shadow());
                lines.append(line(map("type", "execution.shadow", "time", t.plus(Duration.ofSeconds(1)).toString(),
                        "source", "test", "function", "detect_drift", "version", version, "execution_id", id, "data", d)));
            }
            if (x.live() || x.real()) {
                lines.append(line(map("type", "drift.validation", "time", t.plus(Duration.ofHours(1)).toString(),
                        "source", "test", "execution_id", id, "data", map("was_real_drift", x.real()))));
            }
        }
        cli.write("batch.jsonl", lines.toString());
        ok("record", "--event", "batch.jsonl");
    }

    private static String line(Map<String, Object> m) {
        return new String(Json.encode(m), StandardCharsets.UTF_8) + "\n";
    }

    /**
     * 200 executions: 8 incidents of 3 real-drift executions each (both catch every one, at its
     * start), 40 false alerts of the live version of which the shadow raises 8, and 2 false alerts
     * only the shadow raises, on quiet executions.
     */
    private static List<X> shadowCutsFalseAlerts(boolean shadowCatchesIncidents) {
        List<X> xs = new ArrayList<>();
        int falseLive = 0;
        int shadowOnly = 0;
        for (int i = 0; i < 200; i++) {
            boolean incident = i % 25 >= 10 && i % 25 < 13;
            if (incident) {
                xs.add(new X(true, shadowCatchesIncidents, true));
            } else if (i % 4 == 0 && falseLive < 40) {
                xs.add(new X(true, falseLive++ % 5 == 0, false));
            } else if (i % 4 == 1 && shadowOnly < 2) {
                shadowOnly++;
                xs.add(new X(false, true, false));
            } else {
                xs.add(new X(false, false, false));
            }
        }
        return xs;
    }

    private List<Map<String, Object>> history() throws IOException {
        List<Map<String, Object>> out = new ArrayList<>();
        for (String l : Files.readAllLines(cli.store().resolve("detect_drift_history.jsonl"))) {
            out.add(json(l));
        }
        return out;
    }

    @SuppressWarnings("unchecked")
    private Map<String, Object> learnShadow() {
        Map<String, Object> summary = json(ok("--json", "learn").out());
        return (Map<String, Object>) ((Map<String, Object>) ((List<Object>) summary.get("functions")).get(0)).get("shadow");
    }

    private Map<String, Object> lastHistory(String action) throws IOException {
        return history().stream().filter(h -> action.equals(h.get("action"))).reduce((a, b) -> b).orElseThrow();
    }

    @Test
    @SuppressWarnings("unchecked")
    void aShadowWithSignificantlyFewerFalseAlertsOnTheSameExecutionsIsPromoted() throws IOException {
        record(shadowCutsFalseAlerts(true));
        ok("correlate"); // the score is of the correlated executions
        Map<String, Object> listed = json("{\"l\":" + ok("--json", "shadow", "list").out() + "}");
        Map<String, Object> before = (Map<String, Object>) ((List<Object>) listed.get("l")).get(0);
        assertEquals("promote", before.get("would"), before.toString());

        Map<String, Object> s = learnShadow();
        assertEquals("promoted", s.get("state"), s.toString());
        assertEquals("v2", s.get("deployed"));
        Map<String, Object> c = (Map<String, Object>) s.get("comparison");
        assertEquals(200L, c.get("paired_executions"));
        Map<String, Object> fa = (Map<String, Object>) c.get("false_alerts");
        assertEquals(10L, fa.get("new"), "8 of live's 40, and 2 of its own");
        assertEquals(40L, fa.get("old"));
        assertEquals(2L, fa.get("new_only"));
        assertEquals(32L, fa.get("old_only"));
        Map<String, Object> inc = (Map<String, Object>) c.get("incidents");
        assertEquals(8L, inc.get("incidents"));
        assertEquals(8L, inc.get("new"));

        assertFalse(Files.exists(cli.store().resolve("detect_drift_shadow.json")), "the shadow ended");
        Map<String, Object> deploy = history().stream().filter(h -> "deploy".equals(h.get("action"))
                && "v2".equals(h.get("version"))).findFirst().orElseThrow();
        assertEquals(shadowId, deploy.get("shadow"));
        assertEquals(true, ((Map<String, Object>) deploy.get("params")).get("seasonal_adjustment"));
        assertEquals(0.05, ((Map<String, Object>) deploy.get("params")).get("threshold"));
        Map<String, Object> ended = lastHistory("shadow_ended");
        assertEquals("promoted", ended.get("result"));
        assertEquals("v2", ended.get("version"));
        assertTrue(((String) ended.get("reason")).startsWith("better than live on the same executions: false alerts shadow"
                + " 10 vs live 40 on the same 200 executions"), ended.toString());
        Map<String, Object> probation = history().stream().filter(h -> "probation".equals(h.get("action"))
                && "v2".equals(h.get("version"))).findFirst().orElseThrow();
        assertTrue(((String) probation.get("reason")).contains("judged before it went live, as shadow " + shadowId),
                probation.toString());
        Cli.Result ev = ok("--json", "events", "list", "--type", "shadow.ended");
        assertEquals(1, ev.out().lines().count(), ev.out());
    }

    @Test
    @SuppressWarnings("unchecked")
    void aShadowThatMissesIncidentsIsDiscardedAndNothingOfItGoesLive() throws IOException {
        record(shadowCutsFalseAlerts(false));
        Map<String, Object> s = learnShadow();
        assertEquals("discarded", s.get("state"), s.toString());
        assertTrue(((String) s.get("reason")).startsWith("worse than live on the same executions: incidents caught shadow 0"
                + " vs live 8 of 8"), s.get("reason").toString());
        assertFalse(Files.exists(cli.store().resolve("detect_drift_shadow.json")));
        assertEquals("discarded", lastHistory("shadow_ended").get("result"));
        for (Map<String, Object> h : history()) {
            assertNull(h.get("shadow") instanceof String && "deploy".equals(h.get("action")) ? h : null,
                    "no version made from the shadow: " + h);
            if (h.get("params") instanceof Map) {
                assertNull(((Map<String, Object>) h.get("params")).get("seasonal_adjustment"), h.toString());
            }
        }
    }

    @Test
    void aShadowThatFailsOnOneCallInTwentyIsDiscarded() throws IOException {
        List<X> xs = new ArrayList<>();
        for (int i = 0; i < 40; i++) {
            xs.add(new X(false, i % 10 == 0 ? null : Boolean.FALSE, false));
        }
        record(xs);
        Map<String, Object> s = learnShadow();
        assertEquals("discarded", s.get("state"), s.toString());
        assertEquals("the shadow failed on 4 of 40 calls (10.0%, the limit is 5%); last: RuntimeError: boom", s.get("reason"));
        assertFalse(Files.exists(cli.store().resolve("detect_drift_shadow.json")));
    }

    @Test
    @SuppressWarnings("unchecked")
    void withTooFewExecutionsTheShadowKeepsRunning() throws IOException {
        record(shadowCutsFalseAlerts(true).subList(0, 12));
        Map<String, Object> s = learnShadow();
        assertEquals("waiting", s.get("state"), s.toString());
        assertEquals("12 of 20 counted executions decided by both", s.get("reason"));
        assertTrue(Files.exists(cli.store().resolve("detect_drift_shadow.json")));
        assertTrue(ok("shadow", "list").out().contains("poet learn would keep waiting: 12 of 20"), "list says so");
        String text = ok("learn").out();
        assertTrue(text.contains("  shadow " + shadowId + ": keeps waiting (12 of 20 counted executions decided by both)"),
                text);

        // status, analyze and the report show the shadow and its score
        Map<String, Object> status = json(ok("--json", "status").out());
        Map<String, Object> fn = (Map<String, Object>) ((List<Object>) status.get("functions")).get(0);
        assertEquals(shadowId, ((Map<String, Object>) fn.get("shadow")).get("id"));
        assertEquals("waiting", ((Map<String, Object>) fn.get("shadow_score")).get("state"));
        assertTrue(ok("status").out().contains("detect_drift: shadow " + shadowId + " runs {\"seasonal_adjustment\":true}"
                + " beside the live version since "), "status names it");
        Map<String, Object> analysis = json(ok("--json", "analyze", "detect_drift").out());
        assertEquals("waiting", ((Map<String, Object>) analysis.get("shadow")).get("would"));
        assertEquals(12L, ((Map<String, Object>) ((Map<String, Object>) analysis.get("shadow")).get("comparison"))
                .get("paired_executions"));
        assertTrue(ok("analyze", "detect_drift").out().contains("poet learn would keep waiting: 12 of 20 counted executions"));
        ok("report", "detect_drift", "-o", "report.html");
        String html = Files.readString(cli.cwd.resolve("report.html"));
        assertTrue(html.contains("<section id=\"shadow\"><h2>Shadow</h2>"), "the report has a shadow section");
        assertTrue(html.contains("waiting, 12 of 20 counted executions decided by both"), "with the last pass's score");
        assertTrue(html.contains("shadow " + shadowId + " started beside v1"), "and the history row");
    }

    /**
     * New code (not replayable) deployed while a later period is harder for every rule: v1 raised
     * 10 false alerts in 100 executions before; v2 raises 28 in its 100, so before/after says worse.
     * But v1, run in shadow during v2's probation, raises 43 on those same executions: v2 stays.
     */
    @Test
    @SuppressWarnings("unchecked")
    void thePredecessorRunsInShadowDuringProbationAndTheSameExecutionsDecide() throws IOException {
        ok("shadow", "discard", "detect_drift");
        List<X> before = new ArrayList<>();
        for (int i = 0; i < 100; i++) {
            before.add(new X(i % 10 == 0 || i % 25 == 12, false, i % 25 == 12));
        }
        record(before, "v1", null, Cli.T0.minus(Duration.ofDays(30)), "a");
        ok("enhance", "detect_drift", "--from", "d.py");
        Map<String, Object> reverse = json(Files.readString(cli.store().resolve("detect_drift_shadow.json")));
        assertEquals("probation", reverse.get("origin"));
        assertEquals("v1", reverse.get("shadow_version"));
        assertEquals("v2", reverse.get("live"));
        assertEquals(0.05, ((Map<String, Object>) reverse.get("overlay")).get("threshold"), "v1's parameters");
        List<X> after = new ArrayList<>();
        for (int i = 0; i < 100; i++) {
            boolean real = i % 25 == 12;
            after.add(new X(i % 10 < 3 || real, i % 20 < 9 || real, real));
        }
        record(after, "v2", (String) reverse.get("id"), Cli.T0.minus(Duration.ofDays(20)), "b");

        Map<String, Object> summary = json(ok("--json", "learn").out());
        Map<String, Object> probation = (Map<String, Object>) ((Map<String, Object>) ((List<Object>) summary.get("functions"))
                .get(0)).get("probation");
        assertEquals("passed", probation.get("state"), probation.toString());
        String why = (String) probation.get("reason");
        assertTrue(why.startsWith("probation passed on the same executions: false alerts v2 28 vs v1 43 on the same 100"
                + " executions"), why);
        assertTrue(why.contains("before/after (different periods) it looked worse, contradicted by the paired comparison and"
                + " ignored: false alerts per execution v2 0.280 (n=100) vs v1 0.100 (n=100)"), why);
        assertEquals("v2", Files.readSymbolicLink(cli.store().resolve("detect_drift_current.py")).toString()
                .replace("detect_drift_", "").replace(".py", ""));
        assertFalse(Files.exists(cli.store().resolve("detect_drift_shadow.json")), "the predecessor's shadow ended with it");
        assertTrue(((String) lastHistory("shadow_ended").get("reason")).startsWith("the probation of v2 ended (passed)"));
    }

    @Test
    void badShadowCommandsSayWhyWithTheirExitCodesAndChangeNothing() throws IOException {
        byte[] before = Files.readAllBytes(cli.store().resolve("detect_drift_shadow.json"));
        Cli.Result again = cli.run("shadow", "start", "detect_drift", "--set", "window_size=400");
        assertEquals(2, again.code(), again.toString());
        assertEquals("poet: detect_drift already runs shadow " + shadowId + "; 'poet shadow promote' or 'poet shadow discard'"
                + " it first\n", again.err());
        ok("shadow", "discard", "detect_drift");
        Cli.Result none = cli.run("shadow", "discard", "detect_drift");
        assertEquals(5, none.code(), none.toString());
        assertEquals("poet: detect_drift runs no shadow\n", none.err());
        Cli.Result sample = cli.run("shadow", "start", "detect_drift", "--set", "window_size=400", "--sample", "2");
        assertEquals(2, sample.code(), sample.toString());
        Cli.Result nothing = cli.run("shadow", "start", "detect_drift", "--set", "threshold=0.05");
        assertEquals(2, nothing.code(), nothing.toString());
        assertTrue(nothing.err().startsWith("poet: the shadow changes nothing"), nothing.err());
        assertFalse(Files.exists(cli.store().resolve("detect_drift_shadow.json")), "nothing started: " + new String(before,
                StandardCharsets.UTF_8));
    }
}
