package dev.poet.testing;

import dev.poet.event.Event;
import dev.poet.event.EventCodec;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * Writes a realistic set of pending events straight into a store (no fsync: this is a fixture):
 * executions of several functions with detection fields; feedback on about 20% of them (a few
 * by alert id, a few repeated by a second system); alerts on the ones that detected drift, most
 * acknowledged and half resolved; costs on half (by tag or by id); a few retraining outcomes and
 * batch dismissals; and some outcomes whose execution never arrives. Outcomes are written before
 * their executions in file order as often as after.
 *
 * <p>Usage: {@code java -cp poet.jar:test-classes dev.poet.testing.StoreGenerator N STORE_DIR [SEED]}
 * writes about N events into STORE_DIR/events/pending.
 */
public final class StoreGenerator {
    private static final String[] FUNCTIONS = {"detect_drift", "detect_drift", "detect_drift", "detect_anomaly", "score_churn"};
    private static final String[] TESTS = {"ks", "psi", "chi2"};
    private static final String[] FEATURES = {"amount", "country", "age", "device", "basket_size"};
    private static final String[] REASONS = {"seasonal_pattern", "data_pipeline_delay", "known_campaign", "real_shift"};

    private final Random random;
    private final Path pending;
    private long clock;
    private long seq;
    private int written;

    public StoreGenerator(Path store, long seed, Instant start) {
        this.random = new Random(seed);
        this.pending = store.resolve("events/pending");
        this.clock = start.toEpochMilli();
    }

    public static void main(String[] args) throws IOException {
        int n = Integer.parseInt(args[0]);
        Path store = Paths.get(args[1]);
        long seed = args.length > 2 ? Long.parseLong(args[2]) : 42;
        Files.createDirectories(store.resolve("events/pending"));
        StoreGenerator g = new StoreGenerator(store, seed, Instant.parse("2026-11-01T00:00:00Z"));
        if (args.length > 3) {
            // batch files of 1 to N events, as the runtime delivers them; =N: N events each
            boolean fixed = args[3].startsWith("=");
            g.batches(Integer.parseInt(fixed ? args[3].substring(1) : args[3]));
            g.fixedBatches = fixed;
            g.batchTarget = fixed ? g.maxBatch : g.batchTarget;
        }
        int written = g.generate(n);
        System.out.println(written);
    }

    /** Writes about {@code n} more events; returns how many. */
    public int generate(int n) throws IOException {
        int start = written;
        List<Event> batch = new ArrayList<>();
        while (written - start < n) {
            batch.clear();
            execution(batch);
            for (Event e : batch) {
                write(e);
            }
        }
        flushBatch();
        return written - start;
    }

    private void execution(List<Event> out) {
        clock += 1000 + random.nextInt(60_000);
        String exec = uuid();
        String fn = FUNCTIONS[random.nextInt(FUNCTIONS.length)];
        String version = random.nextInt(3) == 0 ? "v2" : "v1";
        boolean drift = random.nextInt(5) == 0;
        boolean real = drift ? random.nextInt(3) > 0 : random.nextInt(20) == 0;
        Map<String, Object> d = new LinkedHashMap<>();
        d.put("success", random.nextInt(100) != 0);
        d.put("duration_ms", Math.round(random.nextDouble() * 5000) / 10.0);
        d.put("drift_detected", drift);
        d.put("p_value", drift ? random.nextDouble() * 0.05 : 0.05 + random.nextDouble() * 0.95);
        d.put("statistic", random.nextDouble());
        d.put("threshold", 0.05);
        d.put("test", TESTS[random.nextInt(TESTS.length)]);
        d.put("feature", FEATURES[random.nextInt(FEATURES.length)]);
        d.put("feature_type", random.nextBoolean() ? "numerical" : "categorical");
        d.put("window_size", 7L);
        String run = random.nextInt(10) == 0 ? "run-" + Long.toHexString(random.nextLong()) : null;
        if (run != null) {
            d.put("mlflow_run_id", run);
        }
        boolean arrives = random.nextInt(200) != 0;
        Event execution = event("execution.completed", fn, version, exec, d, clock);
        if (arrives && random.nextBoolean()) {
            out.add(execution);
        }
        String alertId = null;
        if (drift) {
            alertId = "PD" + Long.toHexString(random.nextLong() & Long.MAX_VALUE);
            Map<String, Object> a = new LinkedHashMap<>();
            a.put("alert_id", alertId);
            a.put("incident_id", "Q" + alertId.substring(2, 9).toUpperCase());
            a.put("dedup_key", "poet:" + exec);
            out.add(event("alert.created", null, null, random.nextBoolean() ? exec : null, a, clock + 2000));
            if (random.nextInt(20) < 17) {
                Map<String, Object> ack = new LinkedHashMap<>();
                ack.put("alert_id", alertId);
                ack.put("acknowledged_by", "oncall-" + random.nextInt(5));
                out.add(event("alert.acknowledged", null, null, null, ack, clock + 60_000 + random.nextInt(7_200_000)));
            }
            if (random.nextBoolean()) {
                Map<String, Object> res = new LinkedHashMap<>();
                res.put("alert_id", alertId);
                out.add(event("alert.resolved", null, null, null, res, clock + 8_000_000));
            }
        }
        if (random.nextInt(5) == 0 || (drift && random.nextBoolean())) {
            Map<String, Object> f = new LinkedHashMap<>();
            f.put("was_real_drift", real);
            f.put("feedback_type", real ? "real_drift" : "false_positive");
            if (!real) {
                f.put("reason", REASONS[random.nextInt(3)]);
            }
            boolean byAlert = alertId != null && random.nextInt(10) == 0;
            if (byAlert) {
                f.put("alert_id", alertId);
            }
            out.add(event("drift.validation", null, null, byAlert ? null : exec, f, clock + 3_600_000));
            if (random.nextInt(100) == 0) {
                out.add(event("drift.validation", null, null, exec, f, clock + 3_700_000));
            }
        }
        if (random.nextBoolean()) {
            Map<String, Object> c = new LinkedHashMap<>();
            c.put("cost_usd", Math.round(random.nextDouble() * 100) / 1000.0);
            c.put("service", "AmazonSageMaker");
            boolean byTag = random.nextBoolean();
            if (byTag) {
                c.put("tags", Map.of("poet:execution_id", exec));
            }
            out.add(event("execution.cost_measured", null, null, byTag ? null : exec, c, clock + 86_400_000));
        }
        if (drift && random.nextInt(40) == 0) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("reason", "drift_alert_" + exec);
            double before = 0.7 + random.nextDouble() * 0.2;
            m.put("performance_before", before);
            m.put("performance_after", before + (real ? 0.03 : -0.01));
            m.put("model", fn + "_model");
            out.add(event("model.retrained", null, null, null, m, clock + 172_800_000));
        }
        if (arrives && !out.contains(execution)) {
            out.add(execution);
        }
    }

    private Event event(String type, String fn, String version, String exec, Map<String, Object> data, long time) {
        seq++;
        String id = String.format("G%013d%012d", time, seq);
        return new Event(id, type, Instant.ofEpochMilli(time), "generator", fn, version, exec, data, null);
    }

    private String uuid() {
        return new java.util.UUID(random.nextLong(), random.nextLong()).toString();
    }

    private void write(Event e) throws IOException {
        dev.poet.event.EventType type = dev.poet.event.EventCodec.validate(e);
        if (maxBatch > 0) {
            byte[] line = EventCodec.encode(e);
            lines.add(line);
            if (!fixedBatches && batchRandom.nextInt(50) == 0) {
                repeats.add(line); // the same event again in the next batch: counted once
            }
            written++;
            if (lines.size() >= batchTarget) {
                flushBatch();
            }
            return;
        }
        Files.write(pending.resolve(EventCodec.fileName(type, e.id())), EventCodec.encode(e));
        written++;
    }

    /** Batch sizes and repeats draw from their own generator: the events are the same as without batches. */
    private final Random batchRandom = new Random(7);
    private int maxBatch;
    private boolean fixedBatches;
    private int batchTarget;
    private final List<byte[]> lines = new ArrayList<>();
    private final List<byte[]> repeats = new ArrayList<>();
    private final List<byte[]> carried = new ArrayList<>();

    /** From now on, events go into batch files of 1 to {@code max} events (0: back to one file each), as the runtime writes them. */
    public StoreGenerator batches(int max) throws IOException {
        flushBatch();
        maxBatch = max;
        batchTarget = max > 0 ? 1 + batchRandom.nextInt(max) : 0;
        return this;
    }

    /** Writes the events collected for the current batch, if any. */
    public void flushBatch() throws IOException {
        if (lines.isEmpty()) {
            return;
        }
        List<byte[]> all = new ArrayList<>(carried);
        carried.clear();
        carried.addAll(repeats);
        repeats.clear();
        all.addAll(lines);
        lines.clear();
        String id = String.format("B%013d%012d", clock, ++seq);
        Files.write(pending.resolve(dev.poet.store.Batches.name(id, all.size())), dev.poet.store.Batches.content(all));
        batchTarget = fixedBatches ? maxBatch : 1 + batchRandom.nextInt(maxBatch);
    }
}
