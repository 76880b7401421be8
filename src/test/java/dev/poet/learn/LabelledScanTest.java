package dev.poet.learn;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.poet.store.NioStoreIO;
import dev.poet.store.Store;
import dev.poet.testing.Cli;
import java.io.IOException;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

/**
 * One scan of the processed log gives every function's counted executions, as one scan per
 * function does: those with a verdict, and quiet unjudged ones past the grace period.
 */
class LabelledScanTest {
    private final Cli cli = Cli.jimfs();

    private void ok(String... args) {
        Cli.Result r = cli.run(args);
        assertEquals(0, r.code(), String.join(" ", args) + "\n" + r);
    }

    private void exec(String fn, String id, double p) {
        exec(fn, id, p, Cli.T0);
    }

    private void exec(String fn, String id, double p, java.time.Instant at) {
        ok("record", "execution.completed", "--function", fn, "--function-version", "v1", "--execution-id", id,
                "--set", "success=true", "--set", "duration_ms=5", "--set", "drift_detected=" + (p < 0.05),
                "--set", "test=ks", "--set", "p_value=" + p, "--set", "feature_type=numerical", "--set", "feature=amount",
                "--set", "dataset=sales", "--time", at.toString());
    }

    @Test
    void everyFunctionsLabelledExecutionsInOneScan() throws IOException {
        ok("init");
        exec("detect_drift", "a1", 0.01);
        exec("detect_drift", "a2", 0.2);
        exec("detect_drift", "a3", 0.03); // an alert without a verdict: not counted
        exec("detect_drift", "a4", 0.4, Cli.T0.minus(java.time.Duration.ofDays(8))); // quiet, unjudged, past 7 days
        exec("detect_drift", "a5", 0.4, Cli.T0.minus(java.time.Duration.ofDays(6))); // quiet, but within the grace period
        exec("check_schema", "b1", 0.001);
        ok("feedback", "--execution-id", "a1", "--false-positive", "--id", "v-a1");
        // the later verdict counts
        ok("record", "drift.validation", "--execution-id", "a2", "--set", "was_real_drift=false", "--id", "v-a2",
                "--time", "2026-11-27T09:00:00Z");
        ok("record", "drift.validation", "--execution-id", "a2", "--set", "was_real_drift=true", "--id", "v-a2-later",
                "--time", "2026-11-27T09:30:00Z");
        ok("feedback", "--execution-id", "b1", "--real-drift", "--id", "v-b1");
        ok("correlate");

        Store store = Store.open(cli.store(), NioStoreIO.INSTANCE);
        long now = Cli.T0.toEpochMilli();
        Long week = 7 * 86_400_000L;
        Map<String, List<ParamsLearner.Labelled>> all = new TreeMap<>(LabelledScan.scanAll(store, fn -> week, now));
        assertEquals(List.of("check_schema", "detect_drift"), List.copyOf(all.keySet()));
        assertEquals(Map.of("a1", false, "a2", true, "a4", false), real(all.get("detect_drift")),
                "verdicts, and the quiet execution past the grace period; not the unjudged alert or the young quiet one");
        assertEquals(List.of("a4"), all.get("detect_drift").stream().filter(ParamsLearner.Labelled::implicit)
                .map(ParamsLearner.Labelled::id).toList(), "only a4 is an implicit negative");
        assertEquals(Map.of("b1", true), real(all.get("check_schema")));
        ParamsLearner.Labelled a1 = all.get("detect_drift").stream().filter(x -> x.id().equals("a1")).findFirst().orElseThrow();
        assertEquals(0.01, a1.scores().get("ks").value());
        assertEquals(now, a1.time(), "the execution's time");
        assertEquals("amount", a1.key(), "the monitored input: the feature, by default");
        assertEquals("v1", a1.version());
        for (String fn : all.keySet()) {
            assertEquals(real(all.get(fn)), real(LabelledScan.scan(store, fn, week, now)), fn);
        }
        assertEquals(List.of(), LabelledScan.scan(store, "no_such_function", week, now));
        assertEquals(Map.of("a1", false, "a2", true), real(LabelledScan.scan(store, "detect_drift", null, now)),
                "implicit negatives off: verdicts only");
        java.nio.file.Path settings = cli.store().resolve("poet.json");
        Map<String, Object> s = dev.poet.json.Json.parseObject(java.nio.file.Files.readAllBytes(settings), "poet.json");
        s.put("functions", Map.of("detect_drift", Map.of("learning", Map.of("incidents", Map.of("key", "dataset")))));
        java.nio.file.Files.write(settings, dev.poet.json.Json.encode(s));
        assertEquals(List.of("sales"), LabelledScan.scan(store, "detect_drift", week, now).stream()
                .map(ParamsLearner.Labelled::key).distinct().toList(), "learning.incidents.key names another field");
    }

    private static Map<String, Boolean> real(List<ParamsLearner.Labelled> xs) {
        Map<String, Boolean> m = new TreeMap<>();
        for (ParamsLearner.Labelled x : xs) {
            m.put(x.id(), x.real());
        }
        return m;
    }
}
