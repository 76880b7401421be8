package dev.poet.correlate;

import dev.poet.PoetException;
import dev.poet.Status;
import dev.poet.event.Event;
import dev.poet.event.EventCodec;
import dev.poet.event.EventType;
import dev.poet.event.Timestamps;
import dev.poet.json.Json;
import dev.poet.event.EventId;
import dev.poet.store.AtomicFile;
import dev.poet.store.Batches;
import dev.poet.store.Claims;
import dev.poet.store.EventSpool.State;
import dev.poet.store.FileClock;
import dev.poet.store.Locks;
import dev.poet.store.Names;
import dev.poet.store.Store;
import dev.poet.store.StoreIO;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * {@code poet correlate}: moves every outcome in {@code pending/} onto the execution it is
 * about, writes it to the processed log, and quarantines what cannot be read.
 *
 * <p>Exactly once, whatever is killed: the run claims {@code pending/} with one directory
 * rename ({@link Claims}); records are written to segments atomically; only then are the files
 * that wait moved back to {@code pending/} and the claim retired. The index (rebuilt from the
 * segments) knows every processed id, so an event in a claim left by a killed run, or delivered
 * again by a retrying client, counts as a duplicate and is never processed twice. A rerun after a
 * completed run changes nothing.
 */
public final class Correlator {
    public static final int DEFAULT_BATCH = 20_000;
    /**
     * Events read and decoded at a time (a segment still holds DEFAULT_BATCH records): two chunks
     * are alive at once (one read ahead) and every young collection copies them, so smaller chunks
     * hold less memory (100,000 batched events: peak RSS about 410 MB instead of 470).
     */
    static final int READ_CHUNK = 5_000;
    /**
     * Index checkpoints during a run, so a run killed late does not leave a long replay to the next:
     * one once at least this many records were written since the last, and at least half as many as
     * the index holds (a checkpoint writes the whole index; waiting for that many keeps their total
     * cost within three times the final one, where a fixed interval made it grow with the square of
     * the run). A run killed late leaves at most that many records for the next run to replay.
     */
    static final long CHECKPOINT_RECORDS = 200_000;
    private long recordsSinceCheckpoint;
    /** Executions first, so outcomes find them in the same run; alerts next, so acknowledgements find their alert. */
    private static final List<String> ORDER = List.of("batch", "exec", "alert", "model", "feedback", "cost", "impact", "config",
            "enhance", "version", EventType.CUSTOM_PREFIX);
    private static final Set<String> FUNCTION_LEVEL = Set.of("config.changed", "config.impact_measured",
            "enhancement.requested", "enhancement.completed", "enhancement.failed", "version.deployed",
            "version.rolled_back", "version.probation_ended", "learning.diagnosed", "shadow.started", "shadow.ended");
    private static final String DERIVED_SUFFIX = ".retraining";
    /** The group of batch files: read first, as they carry most executions. */
    private static final String BATCH = "batch";

    /** How to run. {@code orphanTtl}: how long an outcome waits for its execution before it is quarantined. */
    public record Options(boolean dryRun, Duration orphanTtl, int batchSize, int threads) {
        public static Options defaults(Duration ttl) {
            return new Options(false, ttl, DEFAULT_BATCH, Math.max(1, Runtime.getRuntime().availableProcessors()));
        }
    }

    /** What a run did. */
    public static final class Report {
        public long correlated;
        public long derived;
        public long waiting;
        public long orphaned;
        public long invalid;
        public long duplicates;
        public long duplicateVerdicts;
        /** Deliveries that landed in this run's claim after it was read, given back to pending/. */
        public long lateArrivals;
        public long segments;
        public long processedTotal;
        public long millis;
        public final Map<String, Long> byKey = new java.util.TreeMap<>();

        public Map<String, Object> toMap(boolean dryRun) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("correlated", correlated);
            m.put("derived", derived);
            m.put("waiting", waiting);
            m.put("orphaned", orphaned);
            m.put("invalid", invalid);
            m.put("duplicates", duplicates);
            m.put("duplicate_verdicts", duplicateVerdicts);
            m.put("late_arrivals", lateArrivals);
            m.put("by_key", new LinkedHashMap<>(byKey));
            m.put("segments_written", segments);
            m.put("processed_total", processedTotal);
            m.put("dry_run", dryRun);
            m.put("duration_ms", millis);
            return m;
        }
    }

    /**
     * A pending event as read: its bytes and event, or why it cannot be used. {@code line} is its
     * line in a batch file (from 1), or 0 for an event in a file of its own.
     */
    private record Parsed(Path path, int line, byte[] raw, Event event, String problem) {
        Parsed(Path path, byte[] raw, Event event, String problem) {
            this(path, 0, raw, event, problem);
        }

        boolean inBatch() {
            return line > 0;
        }
    }

    private final Store store;
    private final StoreIO io;
    private final Clock clock;
    private CorrelationIndex index;
    private Resolver resolver;
    private Options options;
    private Report report;
    private long nextSeq;
    private ExecutorService pool;
    private String runTime;
    /** Records not yet written to a segment, and files to quarantine after it: see {@link #flush}. */
    private final List<byte[]> lines = new ArrayList<>();
    private final Map<Parsed, String> quarantine = new LinkedHashMap<>();
    /** Batch files some of whose lines were quarantined: removed from their claim once the rest is settled. */
    private final Set<Path> settledBatches = new java.util.LinkedHashSet<>();
    /**
     * Batch dismissals seen in the main pass, processed after everything else so that their
     * common patterns see the verdicts of the same run. Null outside the main pass.
     */
    private List<Parsed> deferred;

    private final RecordSink sink;

    public Correlator(Store store, Clock clock) {
        this(store, clock, RecordSink.NONE);
    }

    public Correlator(Store store, Clock clock, RecordSink sink) {
        this.store = store;
        this.io = store.io();
        this.clock = clock;
        this.sink = sink;
    }

    private dev.poet.Progress progress = dev.poet.Progress.NONE;

    /** Where to report how many pending events have been worked through. */
    public Correlator progress(dev.poet.Progress p) {
        this.progress = p;
        return this;
    }

    public Report run(Options opts) throws IOException {
        this.options = opts;
        this.report = new Report();
        try (Locks.Held lock = opts.dryRun() ? null
                : Locks.acquire(io, store.lockFile("correlate"), store.lockWaitMillis(), "correlate")) {
            pool = Executors.newFixedThreadPool(opts.threads(), r -> {
                Thread t = new Thread(r, "poet-correlate");
                t.setDaemon(true);
                return t;
            });
            try {
                return runLocked();
            } finally {
                pool.shutdownNow();
            }
        }
    }

    /** Where the last run's report and the processed total are kept for {@code poet status}. */
    public static final String SUMMARY = "correlate_last.json";

    private Report runLocked() throws IOException {
        long started = System.nanoTime();
        settledBatches.clear();
        recordsSinceCheckpoint = 0;
        index = CorrelationIndex.open(store);
        resolver = new Resolver(index);
        nextSeq = Math.max(store.segments().lastSeq(), index.lastSegment) + 1;
        long before = index.processedCount();

        Claims claims = store.claims();
        List<Path> sources;
        if (options.dryRun()) {
            sources = new ArrayList<>(claims.claimed());
            sources.add(store.spool().dir(State.PENDING));
        } else {
            claims.claim(EventId.next(clock.millis()));
            sources = claims.claimed();
        }
        List<Parsed> waiting = new ArrayList<>();
        deferred = new ArrayList<>();
        long total = 0;
        long done = 0;
        List<List<List<String>>> groupsByDir = new ArrayList<>();
        for (Path dir : sources) {
            List<List<String>> groups = byPrefix(dir);
            groupsByDir.add(groups);
            for (List<String> g : groups) {
                for (String name : g) {
                    total += Math.max(1, Batches.count(name));
                }
            }
        }
        record Chunk(Path dir, List<String> names, long events) {
        }
        List<Chunk> chunks = new ArrayList<>();
        for (int d = 0; d < sources.size(); d++) {
            Path dir = sources.get(d);
            for (List<String> group : groupsByDir.get(d)) {
                int from = 0;
                while (from < group.size()) {
                    // a chunk of about READ_CHUNK events: batch files count by the events their names announce
                    int to = from;
                    long events = 0;
                    long limit = Math.min(options.batchSize(), READ_CHUNK);
                    while (to < group.size() && (to == from || events < limit)) {
                        events += Math.max(1, Batches.count(group.get(to)));
                        to++;
                    }
                    chunks.add(new Chunk(dir, group.subList(from, to), events));
                    from = to;
                }
            }
        }
        // the next chunk is read and decoded (on the pool) while this one is correlated (on this thread)
        ExecutorService ahead = Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, "poet-correlate-read");
            t.setDaemon(true);
            return t;
        });
        try {
            Future<List<Parsed>> next = chunks.isEmpty() ? null : ahead.submit(() -> read(chunks.get(0).dir(), chunks.get(0).names()));
            for (int c = 0; c < chunks.size(); c++) {
                List<Parsed> items = await(next);
                Chunk following = c + 1 < chunks.size() ? chunks.get(c + 1) : null;
                next = following == null ? null : ahead.submit(() -> read(following.dir(), following.names()));
                process(items, waiting, false);
                done += chunks.get(c).events();
                progress.update("correlate", done, total);
            }
        } finally {
            ahead.shutdownNow();
        }
        List<Parsed> batches = deferred;
        deferred = null;
        process(batches, waiting, false);
        while (!waiting.isEmpty()) {
            List<Parsed> again = waiting;
            waiting = new ArrayList<>();
            process(again, waiting, false);
            if (waiting.size() == again.size()) {
                break;
            }
        }
        flush();
        // file ages are measured on the file system's clock, which stamped them
        Instant cutoff = waiting.isEmpty() ? Instant.MIN : FileClock.now(store.tmpDir(), clock).minus(options.orphanTtl());
        List<Parsed> expired = new ArrayList<>();
        List<Parsed> stillWaiting = new ArrayList<>();
        for (Parsed p : waiting) {
            (Files.getLastModifiedTime(p.path()).toInstant().isBefore(cutoff) ? expired : stillWaiting).add(p);
        }
        process(expired, stillWaiting, true);
        flush();
        if (!options.dryRun()) {
            // Everything else in the claims is in the processed log now: give back what waits, retire the claims.
            Path pending = store.spool().dir(State.PENDING);
            Map<Path, List<byte[]>> waitingLines = new LinkedHashMap<>();
            java.util.Set<String> waitingIds = new java.util.HashSet<>();
            for (Parsed p : stillWaiting) {
                if (!waitingIds.add(p.event().id())) {
                    if (p.inBatch()) {
                        settledBatches.add(p.path()); // another copy of the event waits already
                    }
                    continue;
                }
                if (p.inBatch()) {
                    waitingLines.computeIfAbsent(p.path(), k -> new ArrayList<>()).add(p.raw());
                } else if (!p.path().getParent().equals(pending)) {
                    io.publish(p.path(), pending.resolve(p.path().getFileName().toString()));
                }
            }
            // The lines of a batch that wait go back as a new batch, with the old one's arrival time (an
            // orphan's time-to-live counts from it); then the old batch leaves its claim. Killed in
            // between, both are there and the next run counts the copies once.
            for (Map.Entry<Path, List<byte[]>> w : waitingLines.entrySet()) {
                store.spool().deliverBatch(EventId.next(clock.millis()), w.getValue(), Files.getLastModifiedTime(w.getKey()));
                settledBatches.add(w.getKey());
            }
            for (Path b : settledBatches) {
                if (!b.getParent().equals(pending)) {
                    io.deleteIfExists(b);
                }
            }
            if (!settledBatches.isEmpty()) {
                for (Path claim : sources) {
                    io.forceDirectory(claim);
                }
            }
            report.waiting = waitingIds.size();
            // A delivery whose link looked up pending/ just before the claim renamed it lands in the
            // claim after this run listed it: give such late arrivals back to pending/, never to trash.
            boolean returned = false;
            for (int d = 0; d < sources.size(); d++) {
                java.util.Set<String> listed = new java.util.HashSet<>();
                groupsByDir.get(d).forEach(listed::addAll);
                List<Path> late = new ArrayList<>();
                try (DirectoryStream<Path> ds = Files.newDirectoryStream(sources.get(d), "*.json*")) {
                    for (Path p : ds) {
                        String name = p.getFileName().toString();
                        if ((name.endsWith(".json") || Batches.isBatchName(name)) && !listed.contains(name)) {
                            late.add(p);
                        }
                    }
                }
                for (Path p : late) {
                    if (!io.publish(p, pending.resolve(p.getFileName().toString()))) {
                        io.deleteIfExists(p); // the same event is pending already
                    }
                    report.lateArrivals++;
                    returned = true;
                }
            }
            if (!stillWaiting.isEmpty() || returned) {
                io.forceDirectory(pending);
            }
            for (Path claim : sources) {
                claims.retire(claim);
            }
        }
        if (options.dryRun()) {
            report.waiting = stillWaiting.stream().map(p -> p.event().id()).distinct().count();
        }
        report.processedTotal = index.processedCount();
        if (!options.dryRun() && (index.processedCount() != before || report.invalid + report.orphaned > 0)) {
            index.save(store);
            sink.checkpoint(index.lastSegment);
        }
        report.millis = (System.nanoTime() - started) / 1_000_000;
        boolean changed = report.correlated + report.duplicates + report.invalid + report.orphaned > 0;
        if (!options.dryRun() && changed) {
            Map<String, Object> summary = new LinkedHashMap<>();
            summary.put("time", now());
            summary.put("processed_total", index.processedCount());
            summary.put("last_run", report.toMap(false));
            AtomicFile.write(io, store.tmpDir(), store.indexDir().resolve(SUMMARY), Json.encodeLine(summary));
        }
        return report;
    }

    /** The event file names in a directory, grouped by prefix, groups in processing order. */
    private static List<List<String>> byPrefix(Path dir) throws IOException {
        Map<String, List<String>> groups = new HashMap<>();
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(dir)) {
            for (Path p : ds) {
                String name = p.getFileName().toString();
                if (Batches.isBatchName(name)) {
                    groups.computeIfAbsent(BATCH, k -> new ArrayList<>()).add(name);
                    continue;
                }
                if (!name.endsWith(".json")) {
                    continue;
                }
                int us = name.indexOf('_');
                groups.computeIfAbsent(us > 0 ? name.substring(0, us) : "", k -> new ArrayList<>()).add(name);
            }
        }
        List<List<String>> ordered = new ArrayList<>();
        for (String prefix : ORDER) {
            List<String> g = groups.remove(prefix);
            if (g != null) {
                ordered.add(g);
            }
        }
        ordered.addAll(groups.values());
        return ordered;
    }

    /** Reads and decodes a chunk of files, in parallel; order is kept. */
    private List<Parsed> read(Path dir, List<String> names) throws IOException {
        if (!names.isEmpty() && Batches.isBatchName(names.get(0))) {
            return readBatches(dir, names);
        }
        Parsed[] out = new Parsed[names.size()];
        parallel(names.size(), i -> {
            Path p = dir.resolve(names.get(i));
            try {
                byte[] b = EventCodec.readFile(p);
                out[i] = new Parsed(p, b, EventCodec.decode(b, p.getFileName().toString()), null);
            } catch (PoetException e) {
                out[i] = new Parsed(p, null, null, e.getMessage());
            } catch (java.nio.file.NoSuchFileException e) {
                out[i] = null;
            }
        });
        List<Parsed> list = new ArrayList<>(out.length);
        for (Parsed p : out) {
            if (p != null) {
                list.add(p);
            }
        }
        return list;
    }

    /** Reads batch files and decodes their lines, in parallel; order is kept. */
    private List<Parsed> readBatches(Path dir, List<String> names) throws IOException {
        @SuppressWarnings("unchecked")
        List<Parsed>[] out = new List[names.size()];
        parallel(names.size(), 1, i -> { // a batch holds many events: worth a thread each
            Path p = dir.resolve(names.get(i));
            List<Parsed> items = new ArrayList<>();
            try {
                List<byte[]> lines = Batches.lines(Batches.readFile(p));
                for (int n = 0; n < lines.size(); n++) {
                    byte[] b = lines.get(n);
                    try {
                        items.add(new Parsed(p, n + 1, b, EventCodec.decode(b, p.getFileName() + " line " + (n + 1)), null));
                    } catch (PoetException e) {
                        items.add(new Parsed(p, n + 1, b, null, e.getMessage()));
                    }
                }
                if (lines.isEmpty()) {
                    items.add(new Parsed(p, null, null, "an empty batch"));
                }
            } catch (PoetException e) {
                items.add(new Parsed(p, null, null, e.getMessage()));
            } catch (java.nio.file.NoSuchFileException e) {
                // gone meanwhile
            }
            out[i] = items;
        });
        List<Parsed> list = new ArrayList<>();
        for (List<Parsed> items : out) {
            list.addAll(items);
        }
        return list;
    }

    private static int rank(Parsed p) {
        if (p.event() == null) {
            return 3;
        }
        return switch (p.event().type()) {
            case "execution.completed" -> 0;
            case "alert.created" -> 1;
            default -> 2;
        };
    }

    /** Executions, then alerts, then everything else; each in event-time order, so the later verdict is the later one. */
    private static final Comparator<Parsed> ORDER_IN_BATCH = Comparator.comparingInt(Correlator::rank)
            .thenComparing(p -> p.event() == null ? Instant.EPOCH : p.event().time());

    /** Correlates a list of parsed files into the buffer; flushes whenever a segment's worth is ready. */
    private void process(List<Parsed> items, List<Parsed> waitingOut, boolean expired) throws IOException {
        List<Parsed> sorted = new ArrayList<>(items);
        sorted.sort(ORDER_IN_BATCH);
        for (Parsed p : sorted) {
            if (deferred != null && p.event() != null && p.event().type().equals("alert.batch_dismissed")) {
                deferred.add(p);
                continue;
            }
            if (p.problem() != null) {
                quarantine.put(p, "invalid: " + p.problem());
                report.invalid++;
                continue;
            }
            Event e = p.event();
            if (index.isProcessed(e.id())) {
                report.duplicates++;
                continue;
            }
            List<Event> records = correlate(e, expired);
            if (records == null) {
                if (expired) {
                    quarantine.put(p, "orphaned: no execution found for it within "
                            + options.orphanTtl().toDays() + " days (" + describeKeys(e) + ")");
                    report.orphaned++;
                } else {
                    waitingOut.add(p);
                }
                continue;
            }
            for (int i = 0; i < records.size(); i++) {
                Event r = records.get(i);
                index.apply(r);
                sink.accept(r);
                lines.add(i == 0 && r.data() == e.data() ? EventCodec.encodeReusingData(r, p.raw()) : EventCodec.encode(r));
                if (r.correlation().containsKey("duplicate_of")) {
                    report.duplicateVerdicts++;
                }
                if (i == 0) {
                    report.correlated++;
                    report.byKey.merge(String.valueOf(r.correlation().get("matched_by")), 1L, Long::sum);
                } else {
                    report.derived++;
                }
            }
            if (lines.size() >= options.batchSize()) {
                flush();
            }
        }
    }

    /**
     * Writes the buffered records as one segment, atomically, then quarantines the unreadable
     * files. The files the records came from stay in their claim until it is retired; a run
     * killed before that leaves a claim whose processed ids the next run recognises as duplicates.
     */
    private void flush() throws IOException {
        if (!options.dryRun()) {
            if (!lines.isEmpty()) {
                store.segments().write(nextSeq, lines);
                index.lastSegment = nextSeq;
                nextSeq++;
                report.segments++;
                recordsSinceCheckpoint += lines.size();
                if (recordsSinceCheckpoint >= Math.max(CHECKPOINT_RECORDS, index.processedCount() / 2)) {
                    index.save(store);
                    sink.checkpoint(index.lastSegment);
                    recordsSinceCheckpoint = 0;
                }
            }
            for (Map.Entry<Parsed, String> q : quarantine.entrySet()) {
                if (q.getKey().inBatch()) {
                    quarantineLine(q.getKey(), q.getValue());
                    settledBatches.add(q.getKey().path());
                } else {
                    quarantine(q.getKey().path(), q.getValue());
                }
            }
            if (!quarantine.isEmpty()) {
                io.forceDirectory(store.spool().dir(State.FAILED));
            }
        }
        lines.clear();
        quarantine.clear();
    }

    /** The processed records for one event (the event itself, then anything derived), or null to wait. */
    private List<Event> correlate(Event e, boolean expired) {
        String type = e.type();
        if (type.equals("execution.completed")) {
            return List.of(with(e, e.function(), e.version(), e.executionId(), e.data(),
                    corr("execution_id", e.executionId(), e.function(), e.version(), e.executionId())));
        }
        if (FUNCTION_LEVEL.contains(type)) {
            Map<String, Object> c = new LinkedHashMap<>();
            c.put("function", e.function());
            c.put("matched_by", "function");
            c.put("correlated_at", now());
            return List.of(with(e, e.function(), e.version(), e.executionId(), e.data(), c));
        }
        if (type.equals("alert.batch_dismissed")) {
            return batchDismissed(e, expired);
        }
        Resolver.Match m = resolver.resolve(e);
        if (m == null) {
            if (EventType.of(type).isCustom() && e.executionId() == null && !hasKeys(e)) {
                Map<String, Object> c = new LinkedHashMap<>();
                c.put("matched_by", "none");
                c.put("correlated_at", now());
                return List.of(with(e, e.function(), e.version(), null, e.data(), c));
            }
            return null;
        }
        CorrelationIndex.Execution x = index.execution(m.executionId());
        Map<String, Object> data = e.data();
        Map<String, Object> c = corr(m.matchedBy(), m.key(), x.function(), x.version(), m.executionId());
        List<Event> out = new ArrayList<>(2);
        switch (type) {
            case "alert.acknowledged": {
                CorrelationIndex.Alert a = alertOf(data);
                if (a != null && a.created() >= 0) {
                    data = new LinkedHashMap<>(data);
                    data.put("time_to_ack_s", Math.max(0, e.time().toEpochMilli() - a.created()) / 1000.0);
                } else if (!expired && hasAlertKey(data)) {
                    return null;
                }
                break;
            }
            case "drift.validation": {
                markDuplicateVerdict(m.executionId(), Boolean.TRUE.equals(data.get("was_real_drift")), c);
                break;
            }
            default:
                break;
        }
        out.add(with(e, x.function(), x.version(), m.executionId(), data, c));
        if (type.equals("model.retrained")) {
            Event derived = retrainingVerdict(e);
            if (derived != null) {
                out.add(derived);
            }
        }
        return out;
    }

    private void markDuplicateVerdict(String executionId, boolean real, Map<String, Object> c) {
        CorrelationIndex.Verdict v = index.verdict(executionId);
        if (v != null && v.real() == real) {
            c.put("duplicate_of", v.eventId());
        }
    }

    /** A {@code model.retrained} whose reason names a drift alert tells whether the drift was real. */
    private Event retrainingVerdict(Event e) {
        String reason = CorrelationIndex.str(e.data().get("reason"));
        if (reason == null || !reason.startsWith(Resolver.RETRAIN_PREFIX)) {
            return null;
        }
        String exec = reason.substring(Resolver.RETRAIN_PREFIX.length());
        CorrelationIndex.Execution x = index.execution(exec);
        if (x == null) {
            return null;
        }
        String id = e.id().length() + DERIVED_SUFFIX.length() <= 128 ? e.id() + DERIVED_SUFFIX
                : e.id().substring(0, 128 - DERIVED_SUFFIX.length()) + DERIVED_SUFFIX;
        if (index.isProcessed(Names.id("event id", id))) {
            return null;
        }
        double before = ((Number) e.data().get("performance_before")).doubleValue();
        double after = ((Number) e.data().get("performance_after")).doubleValue();
        boolean real = after > before;
        Map<String, Object> data = new LinkedHashMap<>();
        data.put("was_real_drift", real);
        data.put("feedback_type", real ? "real_drift" : "false_positive");
        data.put("validation_source", "retraining_outcome");
        data.put("performance_before", e.data().get("performance_before"));
        data.put("performance_after", e.data().get("performance_after"));
        data.put("performance_delta", after - before);
        data.put("derived_from", e.id());
        Map<String, Object> c = corr("retraining_reason", reason, x.function(), x.version(), exec);
        markDuplicateVerdict(exec, real, c);
        return new Event(id, "drift.validation", e.time(), "poet", x.function(), x.version(), exec, data, c);
    }

    /** Expands a batch dismissal to the executions of its alerts, with what they have in common. */
    private List<Event> batchDismissed(Event e, boolean expired) {
        @SuppressWarnings("unchecked")
        List<String> alertIds = (List<String>) e.data().get("alert_ids");
        List<String> executions = new ArrayList<>();
        List<String> unresolved = new ArrayList<>();
        for (String id : alertIds) {
            CorrelationIndex.Alert a = index.alert(id);
            String exec = a != null ? a.executionId()
                    : id.startsWith(Resolver.DEDUP_PREFIX) && index.execution(id.substring(Resolver.DEDUP_PREFIX.length())) != null
                    ? id.substring(Resolver.DEDUP_PREFIX.length()) : null;
            if (exec == null) {
                unresolved.add(id);
            } else if (!executions.contains(exec)) {
                executions.add(exec);
            }
        }
        if (executions.isEmpty() || (!unresolved.isEmpty() && !expired)) {
            return null;
        }
        Map<String, Object> data = new LinkedHashMap<>(e.data());
        data.put("common_patterns", commonPatterns(executions));
        String fn = null;
        String version = null;
        boolean sameFn = true;
        boolean sameVersion = true;
        for (String x : executions) {
            CorrelationIndex.Execution ex = index.execution(x);
            sameFn &= fn == null || fn.equals(ex.function());
            sameVersion &= version == null || version.equals(ex.version());
            fn = ex.function();
            version = ex.version();
        }
        Map<String, Object> c = new LinkedHashMap<>();
        c.put("execution_ids", executions);
        if (!unresolved.isEmpty()) {
            c.put("unresolved_alert_ids", unresolved);
        }
        c.put("matched_by", "alert_id");
        c.put("correlated_at", now());
        return List.of(with(e, sameFn ? fn : null, sameFn && sameVersion ? version : null,
                executions.size() == 1 ? executions.get(0) : null, data, c));
    }

    /** For each dimension, the most common value among the executions and its share. */
    private Map<String, Object> commonPatterns(List<String> executions) {
        Map<String, Map<String, Integer>> counts = new LinkedHashMap<>();
        for (String d : List.of("feature", "test", "hour_of_day", "version", "reason")) {
            counts.put(d, new LinkedHashMap<>());
        }
        for (String id : executions) {
            CorrelationIndex.Execution x = index.execution(id);
            CorrelationIndex.Verdict v = index.verdict(id);
            count(counts.get("feature"), x.feature());
            count(counts.get("test"), x.test());
            count(counts.get("hour_of_day"), String.valueOf(Instant.ofEpochMilli(x.time()).atZone(ZoneOffset.UTC).getHour()));
            count(counts.get("version"), x.version());
            count(counts.get("reason"), v == null ? null : v.reason());
        }
        Map<String, Object> out = new LinkedHashMap<>();
        for (Map.Entry<String, Map<String, Integer>> d : counts.entrySet()) {
            String best = null;
            int n = 0;
            for (Map.Entry<String, Integer> v : d.getValue().entrySet()) {
                if (v.getValue() > n) {
                    best = v.getKey();
                    n = v.getValue();
                }
            }
            if (best != null) {
                Map<String, Object> p = new LinkedHashMap<>();
                p.put("value", d.getKey().equals("hour_of_day") ? (Object) Long.parseLong(best) : best);
                p.put("count", (long) n);
                p.put("share", (double) n / executions.size());
                out.put(d.getKey(), p);
            }
        }
        return out;
    }

    private static void count(Map<String, Integer> m, String v) {
        if (v != null) {
            m.merge(v, 1, Integer::sum);
        }
    }

    private CorrelationIndex.Alert alertOf(Map<String, Object> data) {
        for (String k : new String[] {"alert_id", "incident_id", "dedup_key"}) {
            CorrelationIndex.Alert a = index.alert(CorrelationIndex.str(data.get(k)));
            if (a != null) {
                return a;
            }
        }
        return null;
    }

    private static boolean hasAlertKey(Map<String, Object> data) {
        return data.get("alert_id") != null || data.get("incident_id") != null || data.get("dedup_key") != null;
    }

    private static boolean hasKeys(Event e) {
        Map<String, Object> d = e.data();
        return hasAlertKey(d) || d.get("mlflow_run_id") != null || d.get("tags") != null || d.get("tag") != null
                || d.get("mlflow_tags") != null;
    }

    private static String describeKeys(Event e) {
        List<String> keys = new ArrayList<>();
        if (e.executionId() != null) {
            keys.add("execution_id " + e.executionId());
        }
        for (String k : new String[] {"alert_id", "incident_id", "dedup_key", "mlflow_run_id", "reason"}) {
            Object v = e.data().get(k);
            if (v instanceof String) {
                keys.add(k + " " + v);
            }
        }
        if (e.type().equals("alert.batch_dismissed")) {
            keys.add("alert_ids " + e.data().get("alert_ids"));
        }
        return keys.isEmpty() ? "it carries no correlation key" : "tried " + String.join(", ", keys);
    }

    private Map<String, Object> corr(String matchedBy, String key, String function, String version, String executionId) {
        Map<String, Object> c = new LinkedHashMap<>();
        c.put("execution_id", executionId);
        c.put("function", function);
        c.put("version", version);
        c.put("matched_by", matchedBy);
        c.put("key", key);
        c.put("correlated_at", now());
        return c;
    }

    private static Event with(Event e, String function, String version, String executionId, Map<String, Object> data,
                              Map<String, Object> correlation) {
        return new Event(e.id(), e.type(), e.time(), e.source(), function, version, executionId, data, correlation);
    }

    /** The run's time, the same {@code correlated_at} on every record of one run. */
    private String now() {
        if (runTime == null) {
            runTime = Timestamps.format(clock.instant());
        }
        return runTime;
    }

    /** Moves a pending file to failed/, its reason beside it; the reason is written first, so a crash repeats the move. */
    private void quarantine(Path file, String reason) throws IOException {
        Path failed = store.spool().dir(State.FAILED);
        String name = file.getFileName().toString();
        Map<String, Object> r = new LinkedHashMap<>();
        r.put("reason", reason);
        r.put("time", now());
        r.put("from", "pending");
        AtomicFile.write(io, store.tmpDir(), failed.resolve(name + ".reason"), Json.encodeLine(r));
        if (!moveAside(file, failed.resolve(name))) {
            String again = name.substring(0, name.length() - ".json".length()) + "." + Long.toHexString(clock.millis())
                    + ".json";
            AtomicFile.write(io, store.tmpDir(), failed.resolve(again + ".reason"), Json.encodeLine(r));
            moveAside(file, failed.resolve(again));
        }
    }

    /**
     * Copies one line of a batch to {@code failed/}, its reason beside it: an event that can be read
     * under its own file name, an unreadable line as {@code <batch>.line<N>.json}. The batch itself
     * leaves its claim once the run is settled; killed before that, the next run quarantines the
     * same line again, which finds the same copy and adds nothing.
     */
    private void quarantineLine(Parsed p, String reason) throws IOException {
        Path failed = store.spool().dir(State.FAILED);
        String batch = p.path().getFileName().toString();
        String name = p.event() != null ? EventCodec.fileName(EventType.of(p.event().type()), p.event().id())
                : batch.substring(0, batch.length() - Batches.EXTENSION.length()) + ".line" + p.line() + ".json";
        byte[] content = Batches.content(List.of(p.raw() == null ? new byte[0] : p.raw()));
        Map<String, Object> r = new LinkedHashMap<>();
        r.put("reason", reason);
        r.put("time", now());
        r.put("from", "pending");
        r.put("batch", batch);
        r.put("line", (long) p.line());
        for (int attempt = 0; attempt < 100; attempt++) {
            String n = attempt == 0 ? name : name.substring(0, name.length() - ".json".length()) + "." + attempt + ".json";
            Path target = failed.resolve(n);
            if (Files.exists(target, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
                if (sameContent(target, content)) {
                    return; // quarantined already, by a run killed before it settled the batch
                }
                continue; // another event under that name: take the next
            }
            // the reason first, as for a file: a crash in between leaves a reason, and the next run the copy
            AtomicFile.write(io, store.tmpDir(), failed.resolve(n + ".reason"), Json.encodeLine(r));
            if (AtomicFile.create(io, store.tmpDir(), target, content) || sameContent(target, content)) {
                return;
            }
        }
        throw new IOException("cannot quarantine line " + p.line() + " of " + batch + ": 100 names in failed/ are taken");
    }

    private static boolean sameContent(Path p, byte[] content) throws IOException {
        try {
            return Files.isRegularFile(p, java.nio.file.LinkOption.NOFOLLOW_LINKS)
                    && java.util.Arrays.equals(Files.readAllBytes(p), content);
        } catch (java.nio.file.NoSuchFileException e) {
            return false;
        }
    }

    /** A file moves by link and unlink (never over another); a directory, which cannot be linked, by rename. */
    private boolean moveAside(Path file, Path to) throws IOException {
        if (!Files.isDirectory(file, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
            return io.publish(file, to);
        }
        if (Files.exists(to, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
            return false;
        }
        io.rename(file, to);
        return true;
    }

    private interface IoTask {
        void run(int i) throws IOException;
    }

    /** The result of a read started ahead, its failure thrown as it would have been. */
    private static <T> T await(Future<T> f) throws IOException {
        try {
            return f.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new PoetException(Status.FAILURE, "interrupted");
        } catch (ExecutionException e) {
            Throwable c = e.getCause();
            if (c instanceof IOException io) {
                throw io;
            }
            if (c instanceof RuntimeException re) {
                throw re;
            }
            if (c instanceof Error err) {
                throw err;
            }
            throw new IOException(c);
        }
    }

    /** Runs task(0..n-1) on the pool, in parallel when there are at least 256 items per thread. */
    private void parallel(int n, IoTask task) throws IOException {
        parallel(n, 256, task);
    }

    private void parallel(int n, int perThread, IoTask task) throws IOException {
        if (n == 0) {
            return;
        }
        int threads = Math.min(options.threads(), Math.max(1, n / perThread));
        if (threads <= 1) {
            for (int i = 0; i < n; i++) {
                task.run(i);
            }
            return;
        }
        int chunk = (n + threads - 1) / threads;
        List<Future<?>> fs = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
            int from = t * chunk;
            int to = Math.min(n, from + chunk);
            fs.add(pool.submit(() -> {
                for (int i = from; i < to; i++) {
                    try {
                        task.run(i);
                    } catch (IOException e) {
                        throw new UncheckedIOException(e);
                    }
                }
                return null;
            }));
        }
        for (Future<?> f : fs) {
            try {
                f.get();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new PoetException(Status.FAILURE, "interrupted");
            } catch (ExecutionException e) {
                Throwable c = e.getCause();
                if (c instanceof UncheckedIOException) {
                    throw ((UncheckedIOException) c).getCause();
                }
                if (c instanceof RuntimeException) {
                    throw (RuntimeException) c;
                }
                throw new IOException(c);
            }
        }
    }
}
