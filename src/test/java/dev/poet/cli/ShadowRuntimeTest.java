package dev.poet.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.poet.json.Json;
import dev.poet.testing.Cli;
import dev.poet.testing.Python3;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileSystems;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The Python runtime running a shadow beside the live version, on a real store with real python3. */
class ShadowRuntimeTest {
    @TempDir
    Path project;
    Cli cli;
    Path store;

    static final String DETECT = "import time\n"
            + "def detect_drift(x, params=None):\n"
            + "    params = params or {}\n"
            + "    if params.get('boom'):\n"
            + "        raise RuntimeError('shadow boom')\n"
            + "    if params.get('sleep'):\n"
            + "        time.sleep(params['sleep'])\n"
            + "    return {'drift_detected': x > params.get('threshold', 0.5), 'p_value': round(1 - x, 3), 'test': 'ks',"
            + " 'feature': 'f'}\n";

    /** Calls the live version on 0.0, 0.1, ... 0.9 and prints each result's decision and execution id. */
    static final String CALLS = "import json, poet_runtime\n"
            + "m = poet_runtime.load('detect_drift')\n"
            + "out = []\n"
            + "for i in range(10):\n"
            + "    r = m.detect_drift(i / 10.0)\n"
            + "    out.append([r['execution_id'], r['drift_detected']])\n"
            + "print(json.dumps(out))\n";

    @BeforeEach
    void setUp() throws IOException {
        cli = new Cli(FileSystems.getDefault(), project);
        cli.env.put("PATH", System.getenv("PATH"));
        assertEquals(0, cli.run("init").code());
        store = project.resolve(".poet");
        cli.write("detect.py", DETECT);
        cli.write("params.json", "{\"threshold\": 0.5}");
        Cli.Result r = cli.run("enhance", "detect_drift", "--from", "detect.py", "--params", "params.json");
        assertEquals(0, r.code(), r.toString());
    }

    private Cli.Result ok(String... args) {
        Cli.Result r = cli.run(args);
        assertEquals(0, r.code(), String.join(" ", args) + "\n" + r);
        return r;
    }

    /** Runs CALLS; returns execution id to the live decision. */
    @SuppressWarnings("unchecked")
    private Map<String, Boolean> calls() {
        Python3.Run run = Python3.run(project, Map.of("PYTHONPATH", store.toString(), "PYTHONDONTWRITEBYTECODE", "1"), CALLS);
        assertEquals(0, run.code(), run.err());
        List<Object> out = (List<Object>) Json.parse(run.out().getBytes(StandardCharsets.UTF_8), "out");
        Map<String, Boolean> live = new HashMap<>();
        for (Object o : out) {
            List<Object> pair = (List<Object>) o;
            live.put((String) pair.get(0), (Boolean) pair.get(1));
        }
        assertEquals(10, live.size());
        return live;
    }

    private List<Map<String, Object>> events(String type) {
        Cli.Result r = ok("--json", "events", "list", "--type", type);
        return r.out().lines().map(l -> Json.parseObject(l.getBytes(StandardCharsets.UTF_8), "line")).toList();
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> data(Map<String, Object> e) {
        return (Map<String, Object>) e.get("data");
    }

    @Test
    void theShadowDecidesTheSameInputsAndIsRecordedUnderTheSameExecutionIds() {
        Map<String, Object> started = Json.parseObject(ok("--json", "shadow", "start", "detect_drift", "--set",
                "threshold=0.75").out().getBytes(StandardCharsets.UTF_8), "start");
        String id = (String) started.get("id");
        Map<String, Boolean> live = calls();
        assertEquals(4L, live.values().stream().filter(b -> b).count(), "the caller got the live decisions (x > 0.5)");

        List<Map<String, Object>> shadows = events("execution.shadow");
        assertEquals(10, shadows.size(), "one shadow decision per call");
        List<Map<String, Object>> execs = events("execution.completed");
        for (Map<String, Object> s : shadows) {
            String exec = (String) s.get("execution_id");
            assertTrue(live.containsKey(exec), "names an execution the caller ran: " + exec);
            Map<String, Object> d = data(s);
            assertEquals(id, d.get("shadow"));
            assertEquals(true, d.get("success"), d.toString());
            double x = 1 - ((Number) d.get("p_value")).doubleValue();
            assertEquals(x > 0.75 + 1e-9, d.get("drift_detected"), "decided with the overlaid threshold: " + d);
            Map<String, Object> liveData = data(execs.stream().filter(e -> exec.equals(e.get("execution_id"))).findFirst()
                    .orElseThrow());
            assertEquals(live.get(exec), liveData.get("drift_detected"));
            assertEquals(liveData.get("p_value"), d.get("p_value"), "the same input");
            assertEquals(dev.poet.analyze.ParamsRevisions.of(Map.of("threshold", 0.75)), d.get("params_revision"));
            assertNotEquals(liveData.get("params_revision"), d.get("params_revision"));
        }
        assertEquals(2L, shadows.stream().filter(s -> Boolean.TRUE.equals(data(s).get("drift_detected"))).count());
    }

    @Test
    void aFailingOrSlowShadowNeverReachesTheCallerAndIsRecordedAsFailed() {
        ok("shadow", "start", "detect_drift", "--set", "boom=true");
        Map<String, Boolean> live = calls();
        assertEquals(4L, live.values().stream().filter(b -> b).count(), "every call returned the live result");
        List<Map<String, Object>> shadows = events("execution.shadow");
        assertEquals(10, shadows.size());
        for (Map<String, Object> s : shadows) {
            assertEquals(false, data(s).get("success"));
            assertEquals("RuntimeError: shadow boom", data(s).get("error"));
            assertFalse(data(s).containsKey("drift_detected"));
        }

        ok("shadow", "discard", "detect_drift");
        ok("shadow", "start", "detect_drift", "--set", "sleep=0.02", "--timeout-ms", "1");
        calls();
        List<Map<String, Object>> slow = events("execution.shadow").stream()
                .filter(s -> !"RuntimeError: shadow boom".equals(data(s).get("error"))).toList();
        assertEquals(10, slow.size());
        for (Map<String, Object> s : slow) {
            assertEquals(false, data(s).get("success"));
            assertTrue(((String) data(s).get("error")).startsWith("slow: took "), data(s).toString());
        }
    }

    @Test
    void aShadowOfNewCodeRunsThatCodeOnTheSameInputsAndGoesLiveOnlyWhenPromoted() throws IOException {
        cli.write("new.py", DETECT.replace("x > params.get('threshold', 0.5)", "x > 0.25"));
        Map<String, Object> started = Json.parseObject(ok("--json", "shadow", "start", "detect_drift", "--from", "new.py")
                .out().getBytes(StandardCharsets.UTF_8), "start");
        assertEquals("v2", started.get("shadow_version"));
        assertEquals("detect_drift_v1.py", java.nio.file.Files.readSymbolicLink(store.resolve("detect_drift_current.py"))
                .toString(), "the new code is not live");
        Map<String, Boolean> live = calls();
        assertEquals(4L, live.values().stream().filter(b -> b).count(), "the caller got v1's decisions");
        List<Map<String, Object>> shadows = events("execution.shadow");
        assertEquals(10, shadows.size());
        for (Map<String, Object> s : shadows) {
            Map<String, Object> d = data(s);
            assertEquals("v2", d.get("shadow_version"));
            assertEquals("v1", s.get("version"), "the execution's version is the live one");
            double x = 1 - ((Number) d.get("p_value")).doubleValue();
            assertEquals(x > 0.25 + 1e-9, d.get("drift_detected"), "decided by v2's code: " + d);
        }
        assertEquals(10, events("execution.completed").size(), "v2's code did not record executions of its own");
        ok("shadow", "promote", "detect_drift");
        assertEquals("detect_drift_v2.py", java.nio.file.Files.readSymbolicLink(store.resolve("detect_drift_current.py"))
                .toString());
        Cli.Result bad = cli.run("shadow", "start", "detect_drift", "--from", "missing.py");
        assertEquals(2, bad.code(), bad.toString());
        cli.write("broken.py", "def detect_drift(:\n");
        Cli.Result broken = cli.run("shadow", "start", "detect_drift", "--from", "broken.py");
        assertEquals(2, broken.code(), broken.toString());
        assertTrue(broken.err().startsWith("poet: the code for detect_drift does not compile"), broken.err());
        assertFalse(java.nio.file.Files.exists(store.resolve("detect_drift_v3.py")), "nothing stored for refused code");
        assertFalse(java.nio.file.Files.exists(store.resolve("detect_drift_shadow.json")));
    }

    @Test
    void withoutAShadowOrWithShadowsOffNothingIsRecordedBesideTheExecutions() {
        calls();
        ok("shadow", "start", "detect_drift", "--set", "threshold=0.75");
        Python3.Run run = Python3.run(project, Map.of("PYTHONPATH", store.toString(), "PYTHONDONTWRITEBYTECODE", "1",
                "POET_SHADOW", "off"), CALLS);
        assertEquals(0, run.code(), run.err());
        assertEquals(20, events("execution.completed").size());
        assertEquals(List.of(), events("execution.shadow"));
    }
}
