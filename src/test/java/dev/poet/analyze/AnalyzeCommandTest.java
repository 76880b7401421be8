package dev.poet.analyze;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.poet.json.Json;
import dev.poet.testing.Cli;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Every formula of docs/learning.md on a small store built by hand, through the real command line. */
@SuppressWarnings("unchecked")
class AnalyzeCommandTest {
    private Cli cli;

    private void ok(String... args) {
        Cli.Result r = cli.run(args);
        assertEquals(0, r.code(), String.join(" ", args) + "\n" + r);
    }

    private void exec(String id, String version, String time, boolean alert, String... sets) {
        String[] base = {"record", "execution.completed", "--function", "f", "--function-version", version,
            "--execution-id", id, "--time", time, "--set", "success=" + !id.startsWith("ERR"),
            "--set", "duration_ms=" + (id.length() * 10), "--set", "drift_detected=" + alert, "--set", "test=ks",
            "--set", "feature_type=numerical"};
        String[] args = new String[base.length + 2 * sets.length];
        System.arraycopy(base, 0, args, 0, base.length);
        for (int i = 0; i < sets.length; i++) {
            args[base.length + 2 * i] = "--set";
            args[base.length + 2 * i + 1] = sets[i];
        }
        ok(args);
    }

    private void verdict(String exec, boolean real, String reason, String time, String source) {
        cli.clock = Clock.fixed(java.time.Instant.parse(time), ZoneOffset.UTC);
        ok("feedback", "--execution-id", exec, real ? "--real-drift" : "--false-positive", "--reason", reason, "--source", source);
        cli.clock = Clock.fixed(Cli.T0, ZoneOffset.UTC);
    }

    private Map<String, Object> analyze(String... extra) {
        String[] args = new String[extra.length + 3];
        args[0] = "--json";
        args[1] = "analyze";
        args[2] = "f";
        System.arraycopy(extra, 0, args, 3, extra.length);
        Cli.Result r = cli.run(args);
        assertEquals(0, r.code(), r.toString());
        return Json.parseObject(r.out().getBytes(StandardCharsets.UTF_8), "analysis");
    }

    private static Map<String, Object> version(Map<String, Object> a, String v) {
        return ((List<Map<String, Object>>) a.get("versions")).stream().filter(m -> v.equals(m.get("version")))
                .findFirst().orElseThrow();
    }

    private static Object value(Map<String, Object> patterns, String rate) {
        return ((Map<String, Object>) patterns.get(rate)).get("value");
    }

    private static Object n(Map<String, Object> patterns, String rate) {
        return ((Map<String, Object>) patterns.get(rate)).get("n");
    }

    @BeforeEach
    void store() throws IOException {
        cli = Cli.jimfs();
        ok("init");
        cli.write("f.py", "def f(a, b):\n    return {}\n");
        ok("enhance", "f", "--from", "f.py");
        ok("enhance", "f", "--from", "f.py");
        // v1: four alerts, two quiet executions
        exec("A1", "v1", "2026-11-20T09:00:00Z", true, "feature=amount", "cost_usd=1.0");
        exec("A2", "v1", "2026-11-20T10:00:00Z", true, "feature=amount");
        exec("A3", "v1", "2026-11-21T09:00:00Z", true, "feature=country", "cost_usd=3.0");
        exec("A4", "v1", "2026-11-21T10:00:00Z", true, "feature=country");
        exec("N1", "v1", "2026-11-22T09:00:00Z", false, "feature=amount");
        exec("ERR2", "v1", "2026-11-22T10:00:00Z", false, "feature=amount");
        verdict("A1", false, "seasonal_pattern", "2026-11-20T12:00:00Z", "cli");
        verdict("A2", false, "seasonal_pattern", "2026-11-20T12:00:00Z", "cli");
        verdict("A2", true, "confirmed", "2026-11-23T12:00:00Z", "pagerduty");
        verdict("A3", true, "confirmed", "2026-11-21T12:00:00Z", "cli");
        verdict("N1", true, "missed_shift", "2026-11-22T12:00:00Z", "cli");
        verdict("ERR2", false, "nothing_there", "2026-11-22T12:00:00Z", "cli");
        // alerts raised for A1..A4: acked at 30 min, at 90 min, dismissed in a batch, never acknowledged
        for (String a : List.of("A1", "A2", "A3", "A4")) {
            ok("record", "alert.created", "--execution-id", a, "--set", "alert_id=P" + a, "--time",
                    a.equals("A1") ? "2026-11-20T09:00:00Z" : a.equals("A2") ? "2026-11-20T10:00:00Z"
                            : a.equals("A3") ? "2026-11-21T09:00:00Z" : "2026-11-21T10:00:00Z");
        }
        ok("record", "alert.acknowledged", "--set", "alert_id=PA1", "--time", "2026-11-20T09:30:00Z");
        ok("record", "alert.acknowledged", "--set", "alert_id=PA2", "--time", "2026-11-20T11:30:00Z");
        ok("record", "alert.batch_dismissed", "--set", "alert_ids=[\"PA3\"]");
        ok("record", "drift.business_impact_measured", "--execution-id", "A3", "--set", "revenue_impact=-100.0");
        ok("record", "drift.business_impact_measured", "--execution-id", "A1", "--set", "revenue_impact=-5.0",
                "--set", "conversion_impact=-0.01");
        // v2 (current): two alerts, both false positives; one verdict repeated by a second system
        exec("B1", "v2", "2026-11-25T09:00:00Z", true, "feature=amount");
        exec("B2", "v2", "2026-11-26T09:00:00Z", true, "feature=amount");
        verdict("B1", false, "known_campaign", "2026-11-25T12:00:00Z", "cli");
        verdict("B1", false, "known_campaign", "2026-11-25T12:05:00Z", "slack");
        verdict("B2", false, "known_campaign", "2026-11-26T12:00:00Z", "cli");
        ok("correlate");
    }

    @Test
    void ratesUseLatestVerdictsPerVersionWithTheirSamples() {
        Map<String, Object> a = analyze();
        assertEquals("v2", a.get("current_version"));
        assertEquals("v2", ((List<Map<String, Object>>) a.get("versions")).get(0).get("version"), "current first");
        Map<String, Object> v1 = version(a, "v1");
        assertEquals(6L, v1.get("executions"));
        assertEquals(4L, v1.get("alerts"));
        assertEquals(1.0 / 3, (Double) value(v1, "false_positive_rate"), 1e-12, "A1 false; A2's later verdict wins; A4 unjudged");
        assertEquals(3L, n(v1, "false_positive_rate"));
        assertEquals(1.0 / 3, (Double) value(v1, "missed_drift_rate"), 1e-12, "N1 real without an alert, of A2, A3, N1");
        assertEquals(3L, n(v1, "missed_drift_rate"));
        assertEquals(0.75, (Double) value(v1, "alert_fatigue_score"), 1e-12, "A2 late, A3 dismissed, A4 never acked");
        assertEquals(0.75, (Double) value(v1, "cost_efficiency"), 1e-12, "1 - 1.0 wasted / 4.0");
        assertEquals(List.of(Map.of("reason", "seasonal_pattern", "count", 1L)), v1.get("false_positive_reasons"));
        Map<String, Object> ack = (Map<String, Object>) v1.get("time_to_ack");
        assertEquals(2L, ack.get("n"));
        assertEquals(1800.0, ack.get("median_s"));
        assertEquals(5400.0, ack.get("p90_s"));
        Map<String, Object> perf = (Map<String, Object>) v1.get("performance");
        assertEquals(1.0 / 6, (Double) value(perf, "error_rate"), 1e-12);
        assertEquals(20.0, perf.get("p50_ms"));
        assertEquals(40.0, perf.get("p95_ms"));
        Map<String, Object> cost = (Map<String, Object>) v1.get("cost");
        assertEquals(2.0, cost.get("avg_cost_usd"));
        Map<String, Object> impact = (Map<String, Object>) v1.get("business_impact");
        assertEquals(Map.of("n", 1L, "revenue_impact", -100.0, "conversion_impact", 0.0), impact.get("real_drift"));
        assertEquals(Map.of("n", 1L, "revenue_impact", -5.0, "conversion_impact", -0.01), impact.get("false_alarm"));

        Map<String, Object> v2 = version(a, "v2");
        assertEquals(1.0, value(v2, "false_positive_rate"), "a verdict repeated by a second system counts once");
        assertEquals(2L, n(v2, "false_positive_rate"));
        assertNull(value(v2, "missed_drift_rate"), "no data is null, never 0");
        assertEquals(0L, n(v2, "missed_drift_rate"));
        Map<String, Object> byFeature = (Map<String, Object>) a.get("by_feature");
        assertEquals(0.75, value((Map<String, Object>) byFeature.get("amount"), "false_positive_rate"),
                "amount: A1 false, A2 real (latest), B1 and B2 false");
    }

    @Test
    void smallSamplesNeverFireAndThresholdsComeFromPoetJsonPerFunction() throws IOException {
        Map<String, Object> verdict = (Map<String, Object>) analyze().get("verdict");
        assertEquals(false, verdict.get("needs_improvement"));
        Map<String, Object> fp = ((List<Map<String, Object>>) verdict.get("rules")).get(0);
        assertEquals("false_positive_rate", fp.get("rule"));
        assertEquals(false, fp.get("evaluated"));
        assertEquals("not enough data: n=2 < 20", fp.get("why"));

        var settings = cli.store().resolve("poet.json");
        Map<String, Object> s = Json.parseObject(Files.readAllBytes(settings), "poet.json");
        s.put("functions", Map.of("f", Map.of("learning", Map.of("min_samples", 2L))));
        Files.write(settings, Json.encode(s));
        verdict = (Map<String, Object>) analyze().get("verdict");
        assertEquals(true, verdict.get("needs_improvement"));
        fp = ((List<Map<String, Object>>) verdict.get("rules")).get(0);
        assertEquals(true, fp.get("fired"));
        assertEquals("1.000 > 0.300 and its 95% lower bound 0.342 > 0.300 (n=2)", fp.get("why"));

        s.put("functions", Map.of("f", Map.of("learning", Map.of("min_samples", 2L, "thresholds",
                Map.of("false_positive_rate", 0.4)))));
        Files.write(settings, Json.encode(s));
        fp = ((List<Map<String, Object>>) ((Map<String, Object>) analyze().get("verdict")).get("rules")).get(0);
        assertEquals(false, fp.get("fired"), "1.0 > 0.4 but the lower bound 0.342 is not");
        assertTrue(((String) fp.get("why")).contains("but its 95% lower bound 0.342 is not"),
                "the verdict explains the small sample: " + fp.get("why"));
    }

    /**
     * Incidents per version: v1's amount incident (A2 real and alerted, N1 real next to it) and
     * country's (A3): two, both caught at their first execution. v3's executions on two datasets,
     * hourly: on d1 real drift at 1, 2, (3 quiet), 4 with the first alert at 2, then real again at
     * 8 after three quiet ones; on d2 one real drift nobody alerted on. By feature they are one
     * input; with learning.incidents.key = dataset, d1 holds two incidents (the quiet 3 is within
     * the merge gap of 1, 5-7 are not), d2 one, missed.
     */
    @Test
    void incidentsAreCaughtOrMissedWithTheirDetectionDelay() throws IOException {
        Map<String, Object> v1 = (Map<String, Object>) version(analyze(), "v1").get("incidents");
        assertEquals(2L, v1.get("incidents"));
        assertEquals(2L, v1.get("caught"));
        assertEquals(0.0, ((Map<String, Object>) v1.get("detection_delay")).get("median_executions"));

        ok("enhance", "f", "--from", "f.py");
        boolean[] real = {false, true, true, false, true, false, false, false, true, false};
        boolean[] alert = {false, false, true, false, false, false, false, false, true, false};
        for (int i = 0; i < real.length; i++) {
            String id = "D1-" + i;
            exec(id, "v3", String.format("2026-11-27T%02d:00:00Z", i), alert[i], "feature=amount", "dataset=d1");
            if (real[i] || alert[i]) {
                verdict(id, real[i], real[i] ? "confirmed" : "noise", "2026-11-28T00:00:00Z", "cli");
            }
        }
        exec("D2-0", "v3", "2026-11-27T03:30:00Z", false, "feature=amount", "dataset=d2");
        verdict("D2-0", true, "missed_shift", "2026-11-28T00:00:00Z", "cli");
        ok("correlate");
        Map<String, Object> byFeature = (Map<String, Object>) version(analyze(), "v3").get("incidents");
        assertEquals("feature", byFeature.get("key"));
        assertEquals(2L, byFeature.get("incidents"), "one input: 1-4 with D2-0 inside, then 8: " + byFeature);

        var settings = cli.store().resolve("poet.json");
        Map<String, Object> s = Json.parseObject(Files.readAllBytes(settings), "poet.json");
        s.put("learning", Map.of("incidents", Map.of("key", "dataset")));
        Files.write(settings, Json.encode(s));
        Map<String, Object> a = analyze();
        Map<String, Object> v3 = (Map<String, Object>) version(a, "v3").get("incidents");
        assertEquals("dataset", v3.get("key"));
        assertEquals(3L, v3.get("incidents"), v3.toString());
        assertEquals(2L, v3.get("caught"));
        assertEquals(1L, v3.get("missed"));
        Map<String, Object> delay = (Map<String, Object>) v3.get("detection_delay");
        assertEquals(0.5, delay.get("median_executions"), "1-4 caught one execution in, 8 at once: " + delay);
        assertEquals(1800.0, delay.get("median_s"));
        assertEquals(1.0, delay.get("p90_executions"));
        Map<String, Object> recomputed = analyze("--recompute");
        assertEquals(v3, version(recomputed, "v3").get("incidents"), "the checkpoint was refolded for the new key");

        Cli.Result table = cli.run("analyze", "f");
        assertTrue(table.out().contains("incidents caught       2 of 3 (1 missed)"), table.out());
        assertTrue(table.out().contains("detection delay        median 0.5 executions (30m), p90 1 execution"), table.out());
        ok("report", "f", "-o", "report.html");
        String html = cli.read(cli.cwd.resolve("report.html"));
        assertTrue(html.contains("<td class=\"num\">2 of 3</td><td class=\"num\">0.5 executions (0.5 h)</td>"),
                "the report's versions table has v3's incidents");

        s.put("learning", Map.of("incidents", Map.of("merge_gap", -1L)));
        Files.write(settings, Json.encode(s));
        Cli.Result bad = cli.run("analyze", "f");
        assertEquals(3, bad.code(), "a bad poet.json is exit 3, as every setting: " + bad);
        assertEquals("poet: poet.json: learning.incidents.merge_gap must be a whole number of executions >= 0, got -1\n",
                bad.err());
    }

    @Test
    void lateFeedbackCountsOnceCorrelatedAndWindowsAndVersionsFilter() {
        verdict("A4", false, "seasonal_pattern", "2026-11-26T15:00:00Z", "cli");
        Map<String, Object> before = version(analyze(), "v1");
        assertEquals(3L, n(before, "false_positive_rate"), "not counted until correlated");
        ok("correlate");
        Map<String, Object> after = version(analyze(), "v1");
        assertEquals(4L, n(after, "false_positive_rate"));
        assertEquals(0.5, value(after, "false_positive_rate"));

        Map<String, Object> empty = analyze("--since", "2026-11-27T00:00:00Z");
        Map<String, Object> overall = (Map<String, Object>) empty.get("overall");
        assertEquals(0L, overall.get("executions"));
        assertNull(value(overall, "false_positive_rate"));
        assertNull(((Map<String, Object>) overall.get("time_to_ack")).get("median_s"));

        Map<String, Object> day = analyze("--since", "2026-11-21", "--until", "2026-11-22");
        assertEquals(2L, ((Map<String, Object>) day.get("overall")).get("executions"), "A3 and A4");
        Map<String, Object> onlyV2 = analyze("--version", "v2");
        assertEquals(1, ((List<?>) onlyV2.get("versions")).size());
        assertEquals(2L, ((Map<String, Object>) onlyV2.get("overall")).get("executions"));
        assertEquals(7L, ((Map<String, Object>) analyze("--last", "7d").get("overall")).get("executions"),
                "the last 7 days from 2026-11-27T10:00Z: everything but A1 (2026-11-20T09:00Z)");
    }

    /**
     * Per version, the alert receiver's load: v1 alerted on 4 of 6 executions, 1 of them judged not
     * real at the end (A2's later verdict is real, A4 has none); v2 on 2 of 2, both false. Quiet
     * executions with no verdict count as "not real" once a week old: Q1 (8 days before T0) does,
     * Q2 (2 days) does not yet; implicit negatives can be turned off per function.
     */
    @Test
    @SuppressWarnings("unchecked")
    void perExecutionRatesAndImplicitNegatives() throws IOException {
        exec("Q1", "v1", "2026-11-19T10:00:00Z", false, "feature=amount");
        exec("Q2", "v1", "2026-11-25T10:00:00Z", false, "feature=amount");
        ok("correlate");
        Map<String, Object> a = analyze();
        Map<String, Object> v1 = version(a, "v1");
        assertEquals(8L, v1.get("executions"));
        assertEquals(1L, v1.get("implicit_negatives"), "Q1 only: Q2 is within the 7-day grace period");
        assertEquals(0.5, value(v1, "alerts_per_execution"), "4 alerts of 8 executions");
        assertEquals(8L, n(v1, "alerts_per_execution"));
        assertEquals(0.125, value(v1, "false_alerts_per_execution"), "A1 of 8 executions");
        Map<String, Object> v2 = version(a, "v2");
        assertEquals(1.0, value(v2, "false_alerts_per_execution"), "both of v2's alerts were false");

        Path settings = cli.store().resolve("poet.json");
        Map<String, Object> s = Json.parseObject(Files.readAllBytes(settings), "poet.json");
        s.put("functions", Map.of("f", Map.of("learning", java.util.Collections.singletonMap("implicit_negative_after_days", null))));
        Files.writeString(settings, Json.pretty(s));
        assertEquals(0L, version(analyze(), "v1").get("implicit_negatives"), "turned off for f");
        s.put("functions", Map.of("f", Map.of("learning", Map.of("implicit_negative_after_days", -1))));
        Files.writeString(settings, Json.pretty(s));
        Cli.Result bad = cli.run("analyze", "f");
        assertEquals(3, bad.code(), bad.toString());
        assertTrue(bad.err().contains("implicit_negative_after_days must be a number of days >= 0"), bad.err());
    }

    /** Learning figures that are not what poet writes (a hand-edited history or summary) show as nothing; analysis still runs. */
    @Test
    void damagedLearningFiguresDoNotStopAnalysisOrTheReport() throws IOException {
        Files.writeString(cli.store().resolve("f_history.jsonl"), "{\"action\":\"deploy\",\"version\":\"v2\",\"held_out\":"
                + "{\"live\":1}}\n", java.nio.file.StandardOpenOption.APPEND);
        Files.writeString(cli.store().resolve("index/learn_last.json"), "{\"finished\":\"2026-11-27T10:00:00Z\",\"functions\":"
                + "[{\"function\":\"f\",\"version\":\"v2\",\"regeneration\":{\"result\":\"deployed\",\"held_out\":\"x\"}}]}");
        Cli.Result r = cli.run("analyze", "f");
        assertEquals(0, r.code(), r.toString());
        assertTrue(r.out().contains("last poet learn (2026-11-27T10:00:00Z, on v2): deployed"), r.out());
        assertFalse(r.out().contains("held out:"), r.out());
        Cli.Result report = cli.run("report", "f", "-o", "r.html");
        assertEquals(0, report.code(), report.toString());
        assertFalse(cli.read(cli.cwd.resolve("r.html")).contains("id=\"learned-rules\""), "no table of figures that are not there");
    }

    @Test
    void humanOutputShowsTheVerdictAndTheSummaryRanksFunctions() {
        Cli.Result r = cli.run("analyze", "f");
        assertEquals(0, r.code(), r.toString());
        assertTrue(r.out().lines().anyMatch(l -> l.matches("  false positives +1\\.00 \\[0\\.34, 1\\.00\\]  n=2.*")), r.out());
        assertTrue(r.out().lines().anyMatch(l -> l.matches("  alerts per execution +\\d\\.\\d\\d \\[.*")),
                "the alert receiver's load per version: " + r.out());
        assertTrue(r.out().lines().anyMatch(l -> l.matches("  false alerts per exec +\\d\\.\\d\\d \\[.*")), r.out());
        assertTrue(r.out().contains("verdict on v2: no rule fired"), r.out());
        assertTrue(r.out().contains("false_positive_rate: not enough data: n=2 < 20"), r.out());
        Cli.Result all = cli.run("analyze");
        assertEquals(0, all.code());
        assertTrue(all.out().startsWith("FUNCTION  CURRENT  EXECUTIONS"), all.out());
        Cli.Result none = cli.run("analyze", "nope");
        assertEquals(5, none.code());
        assertFalse(none.err().isBlank(), "an error line on stderr");
    }

    @Test
    void theFactsCorrelationKeepsGiveExactlyTheNumbersOfAFullRecomputation() throws IOException {
        assertTrue(Files.isRegularFile(cli.store().resolve("index/facts/f.bin")), "correlate checkpoints the facts");
        verdict("A4", true, "late", "2026-11-26T16:00:00Z", "cli");
        ok("record", "alert.acknowledged", "--set", "alert_id=PA4", "--time", "2026-11-21T13:00:00Z");
        exec("C1", "v2", "2026-11-26T20:00:00Z", false, "cost_usd=0.5");
        ok("correlate");
        exec("C2", "v2", "2026-11-26T21:00:00Z", true);
        verdict("C2", false, "seasonal_pattern", "2026-11-26T22:00:00Z", "cli");
        ok("correlate", "--batch-size", "1");
        for (String[] args : List.of(new String[] {"f"}, new String[] {"f", "--version", "v1"}, new String[] {},
                new String[] {"f", "--last", "3d"})) {
            String[] fast = new String[args.length + 2];
            fast[0] = "--json";
            fast[1] = "analyze";
            System.arraycopy(args, 0, fast, 2, args.length);
            String[] full = java.util.Arrays.copyOf(fast, fast.length + 1);
            full[fast.length] = "--recompute";
            Cli.Result a = cli.run(fast);
            Cli.Result b = cli.run(full);
            assertEquals(0, a.code(), a.toString());
            assertEquals(b.out(), a.out(), String.join(" ", args));
        }
        Files.delete(cli.store().resolve("index/facts/f.bin"));
        assertEquals(cli.run("--json", "analyze", "f", "--recompute").out(), cli.run("--json", "analyze", "f").out(),
                "without a checkpoint the facts are recomputed");
    }
}
