package dev.poet.event;

import dev.poet.store.EventSpool.State;
import dev.poet.store.Store;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * {@code poet events export}: the store's events as JSON Lines partitioned by function and day,
 * {@code <out>/function=<fn>/date=<yyyy-mm-dd>/events.jsonl}, the Hive-style layout Spark, Trino
 * and DuckDB read directly. Each line is the event's canonical encoding (with its correlation).
 * Every partition file is written beside its final name and renamed into place at the end, so a
 * reader never sees half an export; an earlier export in {@code out} is replaced partition by partition.
 */
public final class Exporter {
    private static final int MAX_OPEN = 64;

    private final Store store;

    public Exporter(Store store) {
        this.store = store;
    }

    /** What an export wrote. */
    public record Result(long events, int partitions, Map<String, Long> perPartition) {
    }

    public Result export(Path out, List<State> states, EventFilter filter) throws IOException {
        if (Files.exists(out) && !Files.isDirectory(out)) {
            throw dev.poet.PoetException.invalid("--out " + out + " exists and is not a directory");
        }
        Files.createDirectories(out);
        Map<String, Path> temps = new TreeMap<>();
        Map<String, Long> counts = new TreeMap<>();
        LinkedHashMap<String, OutputStream> open = new LinkedHashMap<>(16, 0.75f, true);
        long[] total = {0};
        IOException[] failure = {null};
        try {
            new EventLog(store, java.time.Clock.systemUTC()).forEach(states, s -> {
                if (failure[0] != null || s.event() == null || (filter != null && !filter.matches(s.event()))) {
                    return;
                }
                Event e = s.event();
                String fn = e.function() == null ? "_none" : e.function();
                String day = Instant.ofEpochMilli(e.time().toEpochMilli()).toString().substring(0, 10);
                String key = "function=" + fn + "/date=" + day;
                try {
                    OutputStream os = open.get(key);
                    if (os == null) {
                        Path dir = Files.createDirectories(out.resolve("function=" + fn).resolve("date=" + day));
                        Path tmp = temps.computeIfAbsent(key, k -> dir.resolve(".events.jsonl.part"));
                        os = new BufferedOutputStream(Files.newOutputStream(tmp, StandardOpenOption.CREATE,
                                counts.containsKey(key) ? StandardOpenOption.APPEND : StandardOpenOption.TRUNCATE_EXISTING,
                                StandardOpenOption.WRITE), 1 << 16);
                        open.put(key, os);
                        if (open.size() > MAX_OPEN) {
                            String eldest = open.keySet().iterator().next();
                            open.remove(eldest).close();
                        }
                    }
                    os.write(EventCodec.encode(e));
                    counts.merge(key, 1L, Long::sum);
                    total[0]++;
                } catch (IOException ex) {
                    failure[0] = ex;
                }
            });
        } finally {
            for (OutputStream os : open.values()) {
                os.close();
            }
        }
        if (failure[0] != null) {
            for (Path t : temps.values()) {
                Files.deleteIfExists(t);
            }
            throw failure[0];
        }
        List<String> keys = new ArrayList<>(temps.keySet());
        for (String key : keys) {
            Path tmp = temps.get(key);
            try (var ch = java.nio.channels.FileChannel.open(tmp, StandardOpenOption.WRITE)) {
                ch.force(true);
            }
            Files.move(tmp, tmp.resolveSibling("events.jsonl"), StandardCopyOption.REPLACE_EXISTING,
                    StandardCopyOption.ATOMIC_MOVE);
        }
        return new Result(total[0], keys.size(), counts);
    }
}
