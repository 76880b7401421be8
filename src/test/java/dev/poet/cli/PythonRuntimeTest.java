package dev.poet.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.poet.event.Event;
import dev.poet.event.EventCodec;
import dev.poet.json.Json;
import dev.poet.testing.Cli;
import dev.poet.testing.Python3;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The Python runtime against the Java side, on a real directory with real python3. */
public class PythonRuntimeTest {
    @TempDir
    Path project;
    Cli cli;
    Path store;

    public static final String DETECT = "def detect_drift(reference, current, threshold=0.05):\n"
            + "    if threshold < 0:\n"
            + "        raise ValueError('negative threshold')\n"
            + "    shift = abs(sum(current) / len(current) - sum(reference) / len(reference))\n"
            + "    p = 0.001 if shift > 1 else 0.6\n"
            + "    return {'drift_detected': p < threshold, 'p_value': p, 'statistic': shift, 'test': 'ks',\n"
            + "            'feature': 'amount', 'feature_type': 'numerical', 'note': 'not a detection field'}\n";

    @BeforeEach
    void setUp() throws IOException {
        cli = new Cli(FileSystems.getDefault(), project);
        cli.env.put("PATH", System.getenv("PATH"));
        assertEquals(0, cli.run("init").code());
        store = project.resolve(".poet");
        cli.write("detect.py", DETECT);
        cli.write("params.json", "{\"threshold\": 0.05}");
        Cli.Result r = cli.run("enhance", "detect_drift", "--from", "detect.py", "--params", "params.json");
        assertEquals(0, r.code(), r.toString());
        assertEquals("", r.err(), "python3 was found and compiled the code");
    }

    private Python3.Run py(Path cwd, String script) {
        return Python3.run(cwd, Map.of("PYTHONPATH", store.toString(), "PYTHONDONTWRITEBYTECODE", "1"), script);
    }

    private List<Map<String, Object>> events(String... filter) {
        String[] args = new String[filter.length + 3];
        args[0] = "--json";
        args[1] = "events";
        args[2] = "list";
        System.arraycopy(filter, 0, args, 3, filter.length);
        Cli.Result r = cli.run(args);
        assertEquals(0, r.code(), r.toString());
        return r.out().lines().map(l -> Json.parseObject(l.getBytes(StandardCharsets.UTF_8), "line")).toList();
    }

    @Test
    @SuppressWarnings("unchecked")
    void callingTheLiveVersionRecordsAnExecutionThatJavaReads() throws IOException {
        Path sub = Files.createDirectories(project.resolve("jobs/nightly"));
        Python3.Run run = py(sub, "import json, poet_runtime\n"
                + "m = poet_runtime.load('detect_drift')\n"
                + "r = m.detect_drift([1, 2, 3], [5, 6, 7], threshold=poet_runtime.params('detect_drift')['threshold'])\n"
                + "print(json.dumps(r))\n"
                + "import detect_drift_current\n"
                + "assert detect_drift_current.detect_drift.poet_version == 'v1'\n");
        assertEquals(0, run.code(), run.err());
        Map<String, Object> result = Json.parseObject(run.out().getBytes(StandardCharsets.UTF_8), "result");
        String executionId = (String) result.get("execution_id");
        assertTrue(executionId.matches("[0-9a-f-]{36}"), executionId);
        assertEquals(true, result.get("drift_detected"));

        List<Map<String, Object>> evs = events("--type", "execution.completed", "--execution-id", executionId);
        assertEquals(1, evs.size());
        Map<String, Object> e = evs.get(0);
        assertEquals("detect_drift", e.get("function"));
        assertEquals("v1", e.get("version"));
        assertEquals("python", e.get("source"));
        Map<String, Object> data = (Map<String, Object>) e.get("data");
        assertEquals(true, data.get("success"));
        assertEquals(true, data.get("drift_detected"));
        assertEquals(0.001, data.get("p_value"));
        assertEquals(4.0, data.get("statistic"));
        assertEquals("ks", data.get("test"));
        assertEquals("numerical", data.get("feature_type"));
        assertTrue(((Number) data.get("duration_ms")).doubleValue() >= 0,
                "duration_ms is not negative: " + data.get("duration_ms"));
        assertTrue(!data.containsKey("note"), "only detection fields are recorded");

        Cli.Result fb = cli.run("feedback", "--execution-id", executionId, "--false-positive", "--reason", "seasonal_pattern");
        assertEquals(0, fb.code());
        assertEquals(2, events("--execution-id", executionId).size());
    }

    @Test
    @SuppressWarnings("unchecked")
    void aFailingCallIsRecordedAndStillRaises() {
        Python3.Run run = py(project, "import poet_runtime\n"
                + "m = poet_runtime.load('detect_drift')\n"
                + "try:\n"
                + "    m.detect_drift([1], [2], threshold=-1)\n"
                + "except ValueError as e:\n"
                + "    print(poet_runtime.last_execution_id())\n");
        assertEquals(0, run.code(), run.err());
        String executionId = run.out().strip();
        List<Map<String, Object>> evs = events("--execution-id", executionId);
        assertEquals(1, evs.size());
        Map<String, Object> data = (Map<String, Object>) evs.get(0).get("data");
        assertEquals(false, data.get("success"));
        assertEquals("ValueError: negative threshold", data.get("error"));
    }

    @Test
    void pythonWrittenEventsAreByteForByteWhatJavaWrites() throws IOException {
        Python3.Run run = py(project, "import poet_runtime\n"
                + "print(poet_runtime.record('drift.validation', {'was_real_drift': False, 'reason': 'tab\\t ctl\\x01 é 😀',"
                + " 'score': 1e-05, 'big': 12345678901234567890, 'ratio': 0.1, 'nested': {'a': [1, 2.5, None, True]}},"
                + " execution_id='e-1', source='cli', durable=True))\n");
        assertEquals(0, run.code(), run.err());
        String id = run.out().strip();
        Path file = store.resolve("events/pending/feedback_" + id + ".json");
        byte[] written = Files.readAllBytes(file);
        Event e = EventCodec.decode(written, file.toString());
        assertArrayEquals(written, EventCodec.encode(e), "Java re-encodes the Python event to the same bytes");
    }

    @Test
    void javaWrittenEventsAreByteForByteWhatPythonWrites() throws IOException {
        Cli.Result r = cli.run("record", "drift.validation", "--execution-id", "e-2", "--set", "was_real_drift=true",
                "--set", "reason=naïve\u0002 \"q\"", "--set", "score=2.5e-7", "--set", "n=[1,2.0,3e20]");
        assertEquals(0, r.code(), r.toString());
        Path file = store.resolve("events/pending/feedback_" + r.out().strip() + ".json");
        Python3.Run run = py(project, "import json, sys, poet_runtime\n"
                + "raw = open(sys.argv[1] if len(sys.argv) > 1 else '" + file + "', 'rb').read()\n"
                + "sys.stdout.write('same' if poet_runtime.encode_event(json.loads(raw)) == raw else 'different')\n");
        assertEquals(0, run.code(), run.err());
        assertEquals("same", run.out());
    }

    @Test
    void pythonDeliveryWithAnEventIdIsIdempotentAndLeavesNothingInTmp() throws IOException {
        Python3.Run run = py(project, "import poet_runtime\n"
                + "for _ in range(3):\n"
                + "    poet_runtime.record('alert.created', {'alert_id': 'PD7'}, execution_id='e-3', event_id='webhook-7',"
                + " durable=True)\n");
        assertEquals(0, run.code(), run.err());
        assertEquals(1, events("--execution-id", "e-3").size());
        try (Stream<Path> pending = Files.list(store.resolve("events/pending"))) {
            assertEquals(1, pending.filter(p -> p.getFileName().toString().startsWith("alert_")).count(),
                    "one file: the repeats were refused on delivery");
        }
        try (Stream<Path> tmp = Files.list(store.resolve("events/tmp"))) {
            assertEquals(List.of(), tmp.toList());
        }
    }

    @Test
    @SuppressWarnings("unchecked")
    void bufferedRepeatsOfAnEventIdAreOneEventInEveryReaderAndInTheLog() throws IOException {
        Python3.Run run = py(project, "import poet_runtime\n"
                + "for _ in range(3):\n"
                + "    poet_runtime.record('x.team.ping', {'n': 1}, event_id='webhook-8')\n");
        assertEquals(0, run.code(), run.err());
        try (Stream<Path> pending = Files.list(store.resolve("events/pending"))) {
            List<String> batches = pending.map(p -> p.getFileName().toString()).filter(n -> n.startsWith("batch_")).toList();
            assertEquals(1, batches.size(), "delivered at exit as one batch: " + batches);
            assertTrue(batches.get(0).endsWith("_3.jsonl"), batches.get(0));
        }
        assertEquals(1, events("--type", "x.team.ping").size(), "events list shows a pending event once");
        Cli.Result r = cli.run("--json", "correlate");
        assertEquals(0, r.code(), r.toString());
        Map<String, Object> report = Json.parseObject(r.out().getBytes(StandardCharsets.UTF_8), "report");
        assertEquals(2L, report.get("duplicates"), "the two repeats: " + report);
        assertEquals(1, events("--type", "x.team.ping", "--state", "processed").size());
        try (Stream<Path> tmp = Files.list(store.resolve("events/tmp"))) {
            assertEquals(List.of(), tmp.toList());
        }
    }

    @Test
    void aPythonBatchIsByteForByteWhatJavaWritesForTheSameEvents() throws IOException {
        Python3.Run run = py(project, "import poet_runtime\n"
                + "poet_runtime.record('drift.validation', {'was_real_drift': True, 'reason': 'é 😀 \\x01', 'score': 1e-05},"
                + " execution_id='e-9')\n"
                + "poet_runtime.record('x.team.ping', {'n': [1, 2.5, None]})\n"
                + "poet_runtime.flush()\n");
        assertEquals(0, run.code(), run.err());
        Path batch;
        try (Stream<Path> pending = Files.list(store.resolve("events/pending"))) {
            batch = pending.filter(p -> p.getFileName().toString().startsWith("batch_")).findFirst().orElseThrow();
        }
        byte[] written = Files.readAllBytes(batch);
        List<Event> decoded = new java.util.ArrayList<>();
        for (byte[] line : dev.poet.store.Batches.lines(written)) {
            decoded.add(EventCodec.decode(line, batch.toString()));
        }
        assertEquals(2, decoded.size());
        List<byte[]> encoded = decoded.stream().map(EventCodec::encode).toList();
        assertArrayEquals(written, dev.poet.store.Batches.content(encoded), "Java writes the same batch bytes");
    }

    @Test
    void anEnhancedFileThatDoesNotCompileIsRefused() throws IOException {
        cli.write("broken.py", "def detect_drift(:\n    pass\n");
        Cli.Result r = cli.run("enhance", "detect_drift", "--from", "broken.py");
        assertEquals(2, r.code(), r.toString());
        assertTrue(r.err().startsWith("poet: the code for detect_drift does not compile: invalid syntax"), r.err());
        assertEquals("detect_drift_v1.py", Files.readSymbolicLink(store.resolve("detect_drift_current.py")).toString());
    }

    @Test
    @SuppressWarnings("unchecked")
    void coroutineFunctionsAreInstrumentedAsCoroutines() {
        cli.write("score.py", "import asyncio\n"
                + "async def score(x):\n"
                + "    await asyncio.sleep(0)\n"
                + "    return {'drift_detected': x > 1, 'p_value': 0.2}\n");
        assertEquals(0, cli.run("enhance", "score", "--from", "score.py").code());
        Python3.Run run = py(project, "import asyncio, inspect, poet_runtime\n"
                + "m = poet_runtime.load('score')\n"
                + "assert inspect.iscoroutinefunction(m.score)\n"
                + "print(asyncio.run(m.score(2))['execution_id'])\n");
        assertEquals(0, run.code(), run.err());
        List<Map<String, Object>> evs = events("--execution-id", run.out().strip());
        assertEquals(1, evs.size());
        assertEquals("score", evs.get(0).get("function"));
        assertEquals(true, ((Map<String, Object>) evs.get(0).get("data")).get("drift_detected"));
    }
}
