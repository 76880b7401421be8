package dev.poet.correlate;

import dev.poet.PoetException;
import dev.poet.event.Event;
import dev.poet.event.EventCodec;
import dev.poet.store.AtomicFile;
import dev.poet.store.Segments;
import dev.poet.store.Store;
import java.io.BufferedInputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * What correlation needs to know about everything already processed: the ids of processed
 * events (so a repeated id is recognised), every execution (so later outcomes find it), the
 * keys that lead to an execution (alert ids, PagerDuty incident ids and dedup keys, MLflow run
 * ids), and each execution's latest verdict (so the same verdict from a second system counts
 * once).
 *
 * <p>It is derived state: {@link #apply} folds one processed record into it, and replaying the
 * processed segments in order rebuilds it exactly. {@code index/correlation.bin} is a checkpoint
 * of it (with the last segment it covers), written atomically; a missing, stale or unreadable
 * checkpoint only costs a longer replay.
 */
public final class CorrelationIndex {
    private static final String FILE = "correlation.bin";
    private static final long MAGIC = 0x504f4554494458L; // "POETIDX"
    private static final int FORMAT = 1;

    /** An execution, with the fields correlation and its derived events use. */
    public record Execution(String function, String version, long time, boolean alert, String feature,
                            String featureType, String test) {
    }

    /** Where an alert key leads, and when the alert was created (-1 when not known). */
    public record Alert(String executionId, long created, String alertId) {
    }

    /** An execution's latest verdict. */
    public record Verdict(String eventId, boolean real, long time, String reason) {
    }

    final IdSet processedIds = new IdSet();
    final Map<String, Execution> executions = new HashMap<>();
    final Map<String, Alert> alerts = new HashMap<>();
    final Map<String, String> mlflowRuns = new HashMap<>();
    final Map<String, Verdict> verdicts = new HashMap<>();
    private final Map<String, String> pool = new HashMap<>();
    long lastSegment;
    long processedCount;

    /** The index of a store: the checkpoint if valid, plus every segment written after it. */
    public static CorrelationIndex open(Store store) throws IOException {
        Segments segments = store.segments();
        List<Segments.Segment> all = segments.list();
        CorrelationIndex index = load(store.indexDir().resolve(FILE));
        if (index == null || (!all.isEmpty() && index.lastSegment > all.get(all.size() - 1).seq())
                || (all.isEmpty() && index.lastSegment > 0)) {
            index = new CorrelationIndex();
        }
        for (Segments.Segment s : all) {
            if (s.seq() > index.lastSegment) {
                index.replay(s);
            }
        }
        return index;
    }

    private void replay(Segments.Segment s) throws IOException {
        int n = 0;
        for (String line : Segments.lines(s.path())) {
            n++;
            Event e;
            try {
                e = EventCodec.decode(line.getBytes(StandardCharsets.UTF_8), s.path().getFileName() + " line " + n);
            } catch (PoetException ex) {
                throw new PoetException(dev.poet.Status.NO_STORE, "processed segment " + s.path().getFileName()
                        + " is corrupt at line " + n + ": " + ex.getMessage());
            }
            apply(e);
        }
        lastSegment = s.seq();
    }

    public boolean isProcessed(String eventId) {
        return processedIds.contains(eventId);
    }

    /** The processed log as {@code poet sweep} asks it (see {@link dev.poet.store.Claims#sweep}). */
    public static dev.poet.store.Claims.ProcessedLog processedLog(Store store) throws IOException {
        return open(store)::holds;
    }

    /**
     * Whether an event file's event is processed: by the id in its name ({@code <prefix>_<id>.json},
     * how every writer names them), else by the id inside it. An unreadable file is not.
     */
    boolean holds(Path eventFile) {
        String name = eventFile.getFileName().toString();
        if (dev.poet.store.Batches.isBatchName(name)) {
            // a batch is in the log when every one of its events is (a line that cannot be read is not)
            try {
                for (byte[] line : dev.poet.store.Batches.lines(dev.poet.store.Batches.readFile(eventFile))) {
                    Object parsed = dev.poet.json.Json.parse(line, name);
                    if (!(parsed instanceof Map<?, ?> m && m.get("id") instanceof String id && isProcessed(id))) {
                        return false;
                    }
                }
                return true;
            } catch (IOException | RuntimeException e) {
                return false;
            }
        }
        int underscore = name.indexOf('_');
        if (underscore > 0 && name.endsWith(".json") && isProcessed(name.substring(underscore + 1, name.length() - 5))) {
            return true;
        }
        try {
            Object parsed = dev.poet.json.Json.parse(EventCodec.readFile(eventFile), name);
            return parsed instanceof Map<?, ?> m && m.get("id") instanceof String id && isProcessed(id);
        } catch (IOException | RuntimeException e) {
            return false;
        }
    }

    public Execution execution(String executionId) {
        return executionId == null ? null : executions.get(executionId);
    }

    public Alert alert(String key) {
        return key == null ? null : alerts.get(key);
    }

    public String executionOfMlflowRun(String runId) {
        return runId == null ? null : mlflowRuns.get(runId);
    }

    public Verdict verdict(String executionId) {
        return verdicts.get(executionId);
    }

    public long processedCount() {
        return processedCount;
    }

    public int executionCount() {
        return executions.size();
    }

    /** Folds one processed (correlated) record into the index. Live correlation and replay both use this. */
    public void apply(Event e) {
        processedIds.add(e.id());
        processedCount++;
        Map<String, Object> d = e.data();
        Map<String, Object> c = e.correlation() == null ? Map.of() : e.correlation();
        switch (e.type()) {
            case "execution.completed": {
                executions.put(e.executionId(), new Execution(intern(e.function()), intern(e.version()),
                        e.time().toEpochMilli(), Boolean.TRUE.equals(d.get("drift_detected")),
                        intern(str(d.get("feature"))), intern(str(d.get("feature_type"))), intern(str(d.get("test")))));
                String run = str(d.get("mlflow_run_id"));
                if (run != null) {
                    mlflowRuns.put(run, e.executionId());
                }
                break;
            }
            case "alert.created": {
                String exec = e.executionId();
                if (exec != null) {
                    String alertId = str(d.get("alert_id"));
                    Alert a = new Alert(exec, e.time().toEpochMilli(), alertId);
                    for (String key : new String[] {alertId, str(d.get("incident_id")), str(d.get("dedup_key"))}) {
                        if (key != null) {
                            alerts.put(key, a);
                        }
                    }
                }
                break;
            }
            case "drift.validation": {
                if (e.executionId() != null && !c.containsKey("duplicate_of")) {
                    Verdict v = verdicts.get(e.executionId());
                    long t = e.time().toEpochMilli();
                    if (v == null || t >= v.time()) {
                        verdicts.put(e.executionId(), new Verdict(e.id(), Boolean.TRUE.equals(d.get("was_real_drift")), t,
                                intern(str(d.get("reason")))));
                    }
                }
                break;
            }
            default:
                break;
        }
    }

    private String intern(String s) {
        if (s == null) {
            return null;
        }
        String had = pool.putIfAbsent(s, s);
        return had == null ? s : had;
    }

    static String str(Object o) {
        return o instanceof String ? (String) o : null;
    }

    /** Writes the checkpoint atomically; it covers every segment up to {@code lastSegment}. */
    public void save(Store store) throws IOException {
        AtomicFile.write(store.io(), store.tmpDir(), store.indexDir().resolve(FILE), raw -> {
            DataOutputStream out = new DataOutputStream(new dev.poet.store.UnsyncBufferedOutputStream(raw, 1 << 16));
            out.writeLong(MAGIC);
            out.writeInt(FORMAT);
            out.writeLong(lastSegment);
            out.writeLong(processedCount);
            out.writeInt(processedIds.size());
            for (String id : processedIds) {
                writeString(out, id);
            }
            out.writeInt(executions.size());
            for (Map.Entry<String, Execution> en : executions.entrySet()) {
                Execution x = en.getValue();
                writeString(out, en.getKey());
                writeString(out, x.function());
                writeString(out, x.version());
                out.writeLong(x.time());
                out.writeBoolean(x.alert());
                writeString(out, x.feature());
                writeString(out, x.featureType());
                writeString(out, x.test());
            }
            out.writeInt(alerts.size());
            for (Map.Entry<String, Alert> en : alerts.entrySet()) {
                writeString(out, en.getKey());
                writeString(out, en.getValue().executionId());
                out.writeLong(en.getValue().created());
                writeString(out, en.getValue().alertId());
            }
            out.writeInt(mlflowRuns.size());
            for (Map.Entry<String, String> en : mlflowRuns.entrySet()) {
                writeString(out, en.getKey());
                writeString(out, en.getValue());
            }
            out.writeInt(verdicts.size());
            for (Map.Entry<String, Verdict> en : verdicts.entrySet()) {
                writeString(out, en.getKey());
                writeString(out, en.getValue().eventId());
                out.writeBoolean(en.getValue().real());
                out.writeLong(en.getValue().time());
                writeString(out, en.getValue().reason());
            }
            out.writeLong(MAGIC);
            out.flush();
        });
    }

    /** The checkpoint, or null when it is missing or unreadable (then the index is rebuilt). */
    static CorrelationIndex load(Path file) throws IOException {
        if (!Files.isRegularFile(file)) {
            return null;
        }
        try (InputStream raw = Files.newInputStream(file);
             DataInputStream in = new DataInputStream(new BufferedInputStream(raw, 1 << 16))) {
            if (in.readLong() != MAGIC || in.readInt() != FORMAT) {
                return null;
            }
            CorrelationIndex x = new CorrelationIndex();
            x.lastSegment = in.readLong();
            x.processedCount = in.readLong();
            for (int i = in.readInt(); i > 0; i--) {
                x.processedIds.add(readString(in));
            }
            for (int i = in.readInt(); i > 0; i--) {
                String id = readString(in);
                x.executions.put(id, new Execution(x.intern(readString(in)), x.intern(readString(in)), in.readLong(),
                        in.readBoolean(), x.intern(readString(in)), x.intern(readString(in)), x.intern(readString(in))));
            }
            for (int i = in.readInt(); i > 0; i--) {
                String key = readString(in);
                x.alerts.put(key, new Alert(readString(in), in.readLong(), readString(in)));
            }
            for (int i = in.readInt(); i > 0; i--) {
                x.mlflowRuns.put(readString(in), readString(in));
            }
            for (int i = in.readInt(); i > 0; i--) {
                String exec = readString(in);
                x.verdicts.put(exec, new Verdict(readString(in), in.readBoolean(), in.readLong(), x.intern(readString(in))));
            }
            return in.readLong() == MAGIC ? x : null;
        } catch (EOFException | IllegalArgumentException e) {
            return null;
        }
    }

    private static void writeString(DataOutputStream out, String s) throws IOException {
        if (s == null) {
            out.writeInt(-1);
            return;
        }
        byte[] b = s.getBytes(StandardCharsets.UTF_8);
        out.writeInt(b.length);
        out.write(b);
    }

    private static String readString(DataInputStream in) throws IOException {
        int n = in.readInt();
        if (n < 0) {
            if (n != -1) {
                throw new IllegalArgumentException("bad length");
            }
            return null;
        }
        if (n > (1 << 20)) {
            throw new IllegalArgumentException("bad length");
        }
        byte[] b = new byte[n];
        in.readFully(b);
        return new String(b, StandardCharsets.UTF_8);
    }
}
