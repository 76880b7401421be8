package dev.poet.analyze;

import dev.poet.event.Event;
import dev.poet.event.EventLog;
import dev.poet.store.EventSpool.State;
import dev.poet.store.Store;
import java.io.BufferedInputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Builds {@link ExecutionFacts} for every execution from the processed log. Only correlated
 * events count: an outcome still waiting in {@code pending/} is not analysed yet.
 *
 * <p>Two ways give the same facts: {@link #recompute} folds the whole processed log;
 * {@link #load} reads the per-function checkpoint that correlation keeps
 * ({@code index/facts/<function>.bin}, written with the correlation index) and folds only the
 * segments written after it.
 */
public final class Facts {
    private static final long MAGIC = 0x504f455446435453L; // "POETFCTS"
    private static final int FORMAT = 4;
    private static final String DIR = "facts";

    private final Map<String, ExecutionFacts> byId = new HashMap<>();
    /** poet.json, for each function's incident key (the field naming an execution's monitored input). */
    private final Map<String, Object> settings;
    private final Map<String, String> keys = new HashMap<>();

    private Facts(Map<String, Object> settings) {
        this.settings = settings;
    }

    /** The field of {@code fn}'s execution data that names its monitored input ({@code learning.incidents.key}). */
    String keyOf(String fn) {
        return keys.computeIfAbsent(fn == null ? "" : fn, f -> IncidentSettings.of(settings, f.isEmpty() ? null : f).key());
    }

    /** Reads the whole processed log. */
    public static Facts recompute(Store store) throws IOException {
        Facts f = new Facts(dev.poet.store.Settings.read(store));
        new EventLog(store, Clock.systemUTC()).forEach(List.of(State.PROCESSED), s -> {
            if (s.event() != null) {
                f.add(s.event());
            }
        });
        return f;
    }

    /**
     * The facts of these functions (all when null) from their checkpoints, plus every segment written
     * after the oldest of them. A missing or unreadable checkpoint means a full recompute.
     */
    public static Facts load(Store store, List<String> functions) throws IOException {
        Path dir = store.indexDir().resolve(DIR);
        List<String> fns = functions;
        if (fns == null) {
            fns = new ArrayList<>();
            if (Files.isDirectory(dir)) {
                try (java.nio.file.DirectoryStream<Path> ds = Files.newDirectoryStream(dir, "*.bin")) {
                    for (Path p : ds) {
                        String n = p.getFileName().toString();
                        fns.add(n.substring(0, n.length() - ".bin".length()));
                    }
                }
            }
        }
        Facts f = new Facts(dev.poet.store.Settings.read(store));
        long covered = Long.MAX_VALUE;
        Map<String, Long> coveredBy = new HashMap<>();
        for (String fn : fns) {
            Long seg = f.read(dir.resolve(fn + ".bin"), f.keyOf(fn));
            if (seg == null) {
                return recompute(store);
            }
            coveredBy.put(fn, seg);
            covered = Math.min(covered, seg);
        }
        if (fns.isEmpty()) {
            return recompute(store);
        }
        for (dev.poet.store.Segments.Segment s : store.segments().list()) {
            if (s.seq() <= covered) {
                continue;
            }
            int n = 0;
            for (String line : dev.poet.store.Segments.lines(s.path())) {
                n++;
                Event e = dev.poet.event.EventCodec.decode(line.getBytes(java.nio.charset.StandardCharsets.UTF_8),
                        s.path().getFileName() + " line " + n);
                Long own = e.function() == null ? null : coveredBy.get(e.function());
                if (own == null || s.seq() > own) {
                    f.add(e);
                }
            }
        }
        return f;
    }

    /** Writes one checkpoint per function, each covering the processed log up to {@code lastSegment}. */
    public void save(Store store, long lastSegment) throws IOException {
        Path dir = Files.createDirectories(store.indexDir().resolve(DIR));
        Map<String, List<ExecutionFacts>> byFunction = new HashMap<>();
        for (ExecutionFacts x : byId.values()) {
            if (x.known) {
                byFunction.computeIfAbsent(x.function, k -> new ArrayList<>()).add(x);
            }
        }
        for (Map.Entry<String, List<ExecutionFacts>> e : byFunction.entrySet()) {
            if (!dev.poet.store.Names.isFunction(e.getKey())) {
                continue;
            }
            Map<String, Integer> dict = new java.util.LinkedHashMap<>();
            for (ExecutionFacts x : e.getValue()) {
                for (String v : new String[] {x.function, x.version, x.feature, x.featureType, x.test, x.verdictReason,
                    x.paramsRevision, x.subject}) {
                    if (v != null) {
                        dict.putIfAbsent(v, dict.size());
                    }
                }
            }
            dev.poet.store.AtomicFile.write(store.io(), store.tmpDir(), dir.resolve(e.getKey() + ".bin"), raw -> {
                DataOutputStream out = new DataOutputStream(new dev.poet.store.UnsyncBufferedOutputStream(raw, 1 << 16));
                out.writeLong(MAGIC);
                out.writeInt(FORMAT);
                str(out, keyOf(e.getKey()));
                out.writeLong(lastSegment);
                out.writeInt(dict.size());
                for (String v : dict.keySet()) {
                    str(out, v);
                }
                out.writeInt(e.getValue().size());
                for (ExecutionFacts x : e.getValue()) {
                    write(out, x, dict);
                }
                out.writeLong(MAGIC);
                out.flush();
            });
        }
    }

    /**
     * Reads a checkpoint into this; returns the last segment it covers, or null when it is missing,
     * unreadable, or folded the monitored input from another field than {@code key} (the setting changed).
     */
    private Long read(Path file, String key) throws IOException {
        if (!Files.isRegularFile(file)) {
            return null;
        }
        try (DataInputStream in = new DataInputStream(new BufferedInputStream(Files.newInputStream(file), 1 << 16))) {
            if (in.readLong() != MAGIC || in.readInt() != FORMAT || !key.equals(str(in))) {
                return null;
            }
            long seg = in.readLong();
            String[] dict = new String[in.readInt()];
            for (int i = 0; i < dict.length; i++) {
                dict[i] = str(in);
            }
            List<ExecutionFacts> read = new ArrayList<>();
            for (int i = in.readInt(); i > 0; i--) {
                read.add(readOne(in, dict));
            }
            if (in.readLong() != MAGIC) {
                return null;
            }
            for (ExecutionFacts x : read) {
                byId.put(x.id, x);
            }
            return seg;
        } catch (java.io.EOFException | IllegalArgumentException e) {
            return null;
        }
    }

    /** An execution id: a canonical lower-case UUID as two longs, anything else as a string. */
    private static void id(DataOutputStream out, String id) throws IOException {
        if (id.length() == 36 && id.equals(id.toLowerCase(java.util.Locale.ROOT))) {
            try {
                java.util.UUID u = java.util.UUID.fromString(id);
                if (u.toString().equals(id)) {
                    out.writeByte(1);
                    out.writeLong(u.getMostSignificantBits());
                    out.writeLong(u.getLeastSignificantBits());
                    return;
                }
            } catch (IllegalArgumentException e) {
                // not a UUID
            }
        }
        out.writeByte(0);
        str(out, id);
    }

    private static String id(DataInputStream in) throws IOException {
        if (in.readByte() == 1) {
            return new java.util.UUID(in.readLong(), in.readLong()).toString();
        }
        return str(in);
    }

    private static void ref(DataOutputStream out, String v, Map<String, Integer> dict) throws IOException {
        out.writeInt(v == null ? -1 : dict.get(v));
    }

    private static String ref(DataInputStream in, String[] dict) throws IOException {
        int i = in.readInt();
        if (i < -1 || i >= dict.length) {
            throw new IllegalArgumentException("bad reference");
        }
        return i < 0 ? null : dict[i];
    }

    private static void write(DataOutputStream out, ExecutionFacts x, Map<String, Integer> dict) throws IOException {
        id(out, x.id);
        ref(out, x.function, dict);
        ref(out, x.version, dict);
        out.writeLong(x.time);
        out.writeBoolean(x.alert);
        out.writeByte(x.success == null ? -1 : x.success ? 1 : 0);
        dbl(out, x.durationMs);
        ref(out, x.feature, dict);
        ref(out, x.featureType, dict);
        ref(out, x.test, dict);
        out.writeByte(x.verdictReal == null ? -1 : x.verdictReal ? 1 : 0);
        ref(out, x.verdictReason, dict);
        out.writeLong(x.verdictTime);
        out.writeBoolean(x.alertRaised);
        dbl(out, x.timeToAckS);
        out.writeBoolean(x.batchDismissed);
        out.writeDouble(x.cost);
        out.writeBoolean(x.hasCost);
        out.writeDouble(x.revenueImpact);
        out.writeDouble(x.conversionImpact);
        out.writeBoolean(x.hasImpact);
        ref(out, x.paramsRevision, dict);
        ref(out, x.subject, dict);
    }

    private ExecutionFacts readOne(DataInputStream in, String[] dict) throws IOException {
        ExecutionFacts x = new ExecutionFacts(id(in));
        x.known = true;
        x.function = ref(in, dict);
        x.version = ref(in, dict);
        x.time = in.readLong();
        x.alert = in.readBoolean();
        byte s = in.readByte();
        x.success = s < 0 ? null : s == 1;
        x.durationMs = dbl(in);
        x.feature = ref(in, dict);
        x.featureType = ref(in, dict);
        x.test = ref(in, dict);
        byte v = in.readByte();
        x.verdictReal = v < 0 ? null : v == 1;
        x.verdictReason = ref(in, dict);
        x.verdictTime = in.readLong();
        x.alertRaised = in.readBoolean();
        x.timeToAckS = dbl(in);
        x.batchDismissed = in.readBoolean();
        x.cost = in.readDouble();
        x.hasCost = in.readBoolean();
        x.revenueImpact = in.readDouble();
        x.conversionImpact = in.readDouble();
        x.hasImpact = in.readBoolean();
        x.paramsRevision = ref(in, dict);
        x.subject = ref(in, dict);
        return x;
    }

    private static void str(DataOutputStream out, String s) throws IOException {
        if (s == null) {
            out.writeShort(-1);
            return;
        }
        byte[] b = s.getBytes(java.nio.charset.StandardCharsets.UTF_8);
        if (b.length > Short.MAX_VALUE) {
            b = java.util.Arrays.copyOf(b, Short.MAX_VALUE);
        }
        out.writeShort(b.length);
        out.write(b);
    }

    private static String str(DataInputStream in) throws IOException {
        int n = in.readShort();
        if (n < 0) {
            if (n != -1) {
                throw new IllegalArgumentException("bad length");
            }
            return null;
        }
        byte[] b = new byte[n];
        in.readFully(b);
        return new String(b, java.nio.charset.StandardCharsets.UTF_8);
    }

    private static void dbl(DataOutputStream out, Double d) throws IOException {
        out.writeBoolean(d != null);
        out.writeDouble(d == null ? 0 : d);
    }

    private static Double dbl(DataInputStream in) throws IOException {
        boolean present = in.readBoolean();
        double d = in.readDouble();
        return present ? d : null;
    }

    /** Executions of one function that are known (their execution.completed was processed). */
    public List<ExecutionFacts> of(String function) {
        List<ExecutionFacts> out = new ArrayList<>();
        for (ExecutionFacts x : byId.values()) {
            if (x.known && function.equals(x.function)) {
                out.add(x);
            }
        }
        return out;
    }

    /** Functions with at least one known execution. */
    public List<String> functions() {
        List<String> out = new ArrayList<>();
        for (ExecutionFacts x : byId.values()) {
            if (x.known && !out.contains(x.function)) {
                out.add(x.function);
            }
        }
        out.sort(null);
        return out;
    }

    /**
     * One instance per distinct value of the few-valued fields (function, version, feature, test,
     * reason...): a million executions would otherwise hold millions of copies of the same names.
     */
    private final Map<String, String> canonical = new HashMap<>();
    private static final int CANONICAL_MAX = 100_000;

    private String canon(String s) {
        if (s == null) {
            return null;
        }
        String had = canonical.get(s);
        if (had != null) {
            return had;
        }
        if (canonical.size() < CANONICAL_MAX) {
            canonical.put(s, s);
        }
        return s;
    }

    /** A monitored input's name: a string, or a number or boolean as text; else null. */
    private static String input(Object v) {
        return v instanceof String ? (String) v : v instanceof Number || v instanceof Boolean ? String.valueOf(v) : null;
    }

    private ExecutionFacts facts(String id) {
        return byId.computeIfAbsent(id, ExecutionFacts::new);
    }

    public void add(Event e) {
        Map<String, Object> d = e.data();
        Map<String, Object> c = e.correlation() == null ? Map.of() : e.correlation();
        switch (e.type()) {
            case "execution.completed": {
                ExecutionFacts x = facts(e.executionId());
                x.known = true;
                x.function = canon(e.function());
                x.version = canon(e.version());
                x.time = e.time().toEpochMilli();
                x.alert = Boolean.TRUE.equals(d.get("drift_detected"));
                x.success = d.get("success") instanceof Boolean ? (Boolean) d.get("success") : null;
                x.durationMs = num(d.get("duration_ms"));
                x.feature = canon(str(d.get("feature")));
                x.featureType = canon(str(d.get("feature_type")));
                x.test = canon(str(d.get("test")));
                x.paramsRevision = canon(str(d.get("params_revision")));
                String key = keyOf(x.function);
                x.subject = key.equals("feature") ? x.feature : canon(input(d.get(key)));
                Double cost = num(d.get("cost_usd"));
                if (cost != null) {
                    x.cost += cost;
                    x.hasCost = true;
                }
                break;
            }
            case "drift.validation": {
                if (e.executionId() == null || c.containsKey("duplicate_of")) {
                    break;
                }
                ExecutionFacts x = facts(e.executionId());
                long t = e.time().toEpochMilli();
                if (t >= x.verdictTime) {
                    x.verdictTime = t;
                    x.verdictReal = Boolean.TRUE.equals(d.get("was_real_drift"));
                    x.verdictReason = canon(str(d.get("reason")));
                }
                break;
            }
            case "alert.created":
                if (e.executionId() != null) {
                    facts(e.executionId()).alertRaised = true;
                }
                break;
            case "alert.acknowledged": {
                Double tta = num(d.get("time_to_ack_s"));
                if (e.executionId() != null) {
                    ExecutionFacts x = facts(e.executionId());
                    x.alertRaised = true;
                    if (tta != null && (x.timeToAckS == null || tta < x.timeToAckS)) {
                        x.timeToAckS = tta;
                    }
                }
                break;
            }
            case "alert.batch_dismissed": {
                Object ids = c.get("execution_ids");
                if (ids instanceof List) {
                    for (Object id : (List<?>) ids) {
                        if (id instanceof String) {
                            ExecutionFacts x = facts((String) id);
                            x.batchDismissed = true;
                            x.alertRaised = true;
                        }
                    }
                }
                break;
            }
            case "execution.cost_measured":
            case "cost.measured": {
                Double cost = num(d.get("cost_usd"));
                if (e.executionId() != null && cost != null) {
                    ExecutionFacts x = facts(e.executionId());
                    x.cost += cost;
                    x.hasCost = true;
                }
                break;
            }
            case "drift.business_impact_measured": {
                if (e.executionId() != null) {
                    ExecutionFacts x = facts(e.executionId());
                    Double r = num(d.get("revenue_impact"));
                    Double cv = num(d.get("conversion_impact"));
                    x.revenueImpact += r == null ? 0 : r;
                    x.conversionImpact += cv == null ? 0 : cv;
                    x.hasImpact = true;
                }
                break;
            }
            default:
                break;
        }
    }

    private static Double num(Object o) {
        return o instanceof Number ? ((Number) o).doubleValue() : null;
    }

    private static String str(Object o) {
        return o instanceof String ? (String) o : null;
    }
}
