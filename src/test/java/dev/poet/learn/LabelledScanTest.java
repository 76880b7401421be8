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

/** One scan of the processed log gives every function's labelled executions, as one scan per function does. */
class LabelledScanTest {
    private final Cli cli = Cli.jimfs();

    private void ok(String... args) {
        Cli.Result r = cli.run(args);
        assertEquals(0, r.code(), String.join(" ", args) + "\n" + r);
    }

    private void exec(String fn, String id, double p) {
        ok("record", "execution.completed", "--function", fn, "--function-version", "v1", "--execution-id", id,
                "--set", "success=true", "--set", "duration_ms=5", "--set", "drift_detected=" + (p < 0.05),
                "--set", "test=ks", "--set", "p_value=" + p, "--set", "feature_type=numerical");
    }

    @Test
    void everyFunctionsLabelledExecutionsInOneScan() throws IOException {
        ok("init");
        exec("detect_drift", "a1", 0.01);
        exec("detect_drift", "a2", 0.2);
        exec("detect_drift", "a3", 0.03); // no verdict: not labelled
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
        Map<String, List<ParamsLearner.Labelled>> all = new TreeMap<>(LabelledScan.scanAll(store));
        assertEquals(List.of("check_schema", "detect_drift"), List.copyOf(all.keySet()));
        assertEquals(Map.of("a1", false, "a2", true), real(all.get("detect_drift")));
        assertEquals(Map.of("b1", true), real(all.get("check_schema")));
        assertEquals(0.01, all.get("detect_drift").stream().filter(x -> x.id().equals("a1")).findFirst().orElseThrow()
                .scores().get("ks").value());
        for (String fn : all.keySet()) {
            assertEquals(real(all.get(fn)), real(LabelledScan.scan(store, fn)), fn);
        }
        assertEquals(List.of(), LabelledScan.scan(store, "no_such_function"));
    }

    private static Map<String, Boolean> real(List<ParamsLearner.Labelled> xs) {
        Map<String, Boolean> m = new TreeMap<>();
        for (ParamsLearner.Labelled x : xs) {
            m.put(x.id(), x.real());
        }
        return m;
    }
}
