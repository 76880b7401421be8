package dev.poet.event;

import dev.poet.PoetException;
import dev.poet.store.AtomicFile;
import dev.poet.store.Batches;
import dev.poet.store.EventSpool;
import dev.poet.store.EventSpool.State;
import dev.poet.store.Names;
import dev.poet.store.Segments;
import dev.poet.store.Store;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.Consumer;

/** Records events into a store and reads them back. */
public final class EventLog {
    private final Store store;
    private final Clock clock;

    public EventLog(Store store, Clock clock) {
        this.store = store;
        this.clock = clock;
    }

    /** The outcome of recording one event. */
    public record Recorded(Event event, Path path, boolean duplicate) {
    }

    /**
     * An event as found on disk: in its own file, or a line of a processed segment. {@code event}
     * is null and {@code problem} says why when it cannot be read; {@code reason} is why a
     * quarantined event is in {@code failed/}.
     */
    public record Stored(State state, Path path, Event event, String problem, String reason) {
    }

    public String newId() {
        return EventId.next(clock.millis());
    }

    public Clock clock() {
        return clock;
    }

    public Store store() {
        return store;
    }

    /** Validates, encodes and delivers one event. */
    public Recorded record(Event e) throws IOException {
        EventType type = EventCodec.validate(e);
        byte[] bytes = EventCodec.encode(e);
        EventSpool.Delivery d = store.spool().deliver(EventCodec.fileName(type, e.id()), bytes);
        return new Recorded(e, d.path(), d.duplicate());
    }

    /** Validates every event first, then delivers them in order: an invalid one means none is delivered. */
    public List<Recorded> recordAll(List<Event> events) throws IOException {
        return recordAll(events, false);
    }

    /**
     * Validates every event, then delivers them: one file each, or (with {@code batch}, and more
     * than one event) as one batch file, as the Python runtime does. A batch's events are not
     * checked for duplicates on delivery: correlation counts a repeated id once.
     */
    public List<Recorded> recordAll(List<Event> events, boolean batch) throws IOException {
        List<byte[]> encoded = new ArrayList<>(events.size());
        List<String> names = new ArrayList<>(events.size());
        for (int i = 0; i < events.size(); i++) {
            Event e = events.get(i);
            try {
                EventType type = EventCodec.validate(e);
                encoded.add(EventCodec.encode(e));
                names.add(EventCodec.fileName(type, e.id()));
            } catch (PoetException ex) {
                throw new PoetException(ex.status(), (events.size() > 1 ? "event " + (i + 1) + ": " : "")
                        + ex.getMessage());
            }
        }
        List<Recorded> out = new ArrayList<>(events.size());
        if (batch && events.size() > 1) {
            Path p = store.spool().deliverBatch(newId(), encoded, null);
            for (Event e : events) {
                out.add(new Recorded(e, p, false));
            }
            return out;
        }
        for (int i = 0; i < events.size(); i++) {
            EventSpool.Delivery d = store.spool().deliver(names.get(i), encoded.get(i));
            out.add(new Recorded(events.get(i), d.path(), d.duplicate()));
        }
        return out;
    }

    /** Visits every event in the given states: files in file-name (so roughly time) order, segments in sequence. */
    public void forEach(List<State> states, Consumer<Stored> visitor) throws IOException {
        for (State s : states) {
            if (s == State.PROCESSED) {
                for (Segments.Segment seg : store.segments().list()) {
                    int n = 0;
                    for (String line : Segments.lines(seg.path())) {
                        n++;
                        visitor.accept(parseLine(seg.path(), n, line));
                    }
                }
                continue;
            }
            List<Path> files = new ArrayList<>();
            for (Path dir : dirs(s)) {
                try (DirectoryStream<Path> ds = Files.newDirectoryStream(dir, "*.json*")) {
                    for (Path p : ds) {
                        String name = p.getFileName().toString();
                        if (!AtomicFile.isTemp(p) && (name.endsWith(".json") || Batches.isBatchName(name))) {
                            files.add(p);
                        }
                    }
                }
            }
            files.sort((a, b) -> idOf(a).compareTo(idOf(b)));
            // a pending event is shown once, though a batch may repeat its id (correlation counts it once)
            java.util.Set<String> seen = s == State.PENDING ? new java.util.HashSet<>() : null;
            for (Path p : files) {
                List<Stored> items = Batches.isBatchName(p.getFileName().toString()) ? readBatch(s, p) : List.of(read(s, p));
                for (Stored st : items) {
                    if (seen == null || st.event() == null || seen.add(st.event().id())) {
                        visitor.accept(st);
                    }
                }
            }
        }
    }

    /** Finds an event by id in any state; processed segments are searched for the id's exact JSON text. */
    public List<Stored> find(String id) throws IOException {
        Names.id("event id", id);
        List<Stored> found = new ArrayList<>();
        String needle = "{\"id\":\"" + id + "\",";
        for (Segments.Segment seg : store.segments().list()) {
            int n = 0;
            for (String line : Segments.lines(seg.path())) {
                n++;
                if (line.startsWith(needle)) {
                    found.add(parseLine(seg.path(), n, line));
                }
            }
        }
        for (State s : List.of(State.PENDING, State.FAILED)) {
            for (Path dir : dirs(s)) {
                for (Path batch : batches(dir)) {
                    for (Stored st : readBatch(s, batch)) {
                        if (st.event() != null && id.equals(st.event().id())) {
                            found.add(st);
                        }
                    }
                }
                for (String prefix : EventType.prefixes()) {
                    Path p = dir.resolve(prefix + "_" + id + ".json");
                    if (Files.isRegularFile(p, java.nio.file.LinkOption.NOFOLLOW_LINKS)) { // a link is not an event
                        found.add(read(s, p));
                    }
                }
            }
        }
        return found;
    }

    /**
     * The {@code execution.completed} of an execution, pending or processed: lines and files are
     * matched as text first and only candidates are decoded, so this reads the log once, quickly.
     */
    public Optional<Event> findExecution(String executionId) throws IOException {
        Names.id("execution id", executionId);
        String idText = "\"execution_id\":\"" + executionId + "\"";
        String typeText = "\"type\":\"execution.completed\"";
        for (Path dir : dirs(State.PENDING)) {
            try (DirectoryStream<Path> ds = Files.newDirectoryStream(dir, "exec_*.json")) {
                for (Path p : ds) {
                    if (!Files.isRegularFile(p, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
                        continue; // a link is not an event: never followed
                    }
                    String text = Files.readString(p, java.nio.charset.StandardCharsets.UTF_8);
                    if (text.contains(idText)) {
                        Stored st = read(State.PENDING, p);
                        if (st.event() != null && executionId.equals(st.event().executionId())) {
                            return Optional.of(st.event());
                        }
                    }
                }
            } catch (java.nio.file.NoSuchFileException e) {
                // a claim retired meanwhile
            }
            for (Path batch : batches(dir)) {
                byte[] content;
                try {
                    content = Batches.readFile(batch);
                } catch (java.nio.file.NoSuchFileException | PoetException e) {
                    continue;
                }
                for (byte[] line : Batches.lines(content)) {
                    String text = new String(line, java.nio.charset.StandardCharsets.UTF_8);
                    if (text.contains(idText) && text.contains(typeText)) {
                        Stored st = parseLine(State.PENDING, batch, 0, text);
                        if (st.event() != null && executionId.equals(st.event().executionId())
                                && "execution.completed".equals(st.event().type())) {
                            return Optional.of(st.event());
                        }
                    }
                }
            }
        }
        for (Segments.Segment seg : store.segments().list()) {
            int n = 0;
            for (String line : Segments.lines(seg.path())) {
                n++;
                if (line.contains(idText) && line.contains(typeText)) {
                    Stored st = parseLine(seg.path(), n, line);
                    if (st.event() != null && executionId.equals(st.event().executionId())
                            && "execution.completed".equals(st.event().type())) {
                        return Optional.of(st.event());
                    }
                }
            }
        }
        return Optional.empty();
    }

    public Optional<Stored> findOne(String id) throws IOException {
        List<Stored> all = find(id);
        return all.isEmpty() ? Optional.empty() : Optional.of(all.get(0));
    }

    /** Where events of a state live: pending events are in pending/ and in claims a correlate run holds. */
    private List<Path> dirs(State s) throws IOException {
        List<Path> dirs = new ArrayList<>();
        dirs.add(store.spool().dir(s));
        if (s == State.PENDING) {
            dirs.addAll(store.claims().claimed());
        }
        return dirs;
    }

    public static Stored read(State state, Path p) {
        String reason = state == State.FAILED ? reasonOf(p) : null;
        try {
            byte[] bytes = EventCodec.readFile(p);
            return new Stored(state, p, EventCodec.decode(bytes, p.getFileName().toString()), null, reason);
        } catch (PoetException e) {
            return new Stored(state, p, null, e.getMessage(), reason);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static Stored parseLine(Path segment, int n, String line) {
        return parseLine(State.PROCESSED, segment, n, line);
    }

    private static Stored parseLine(State state, Path file, int n, String line) {
        try {
            return new Stored(state, file,
                    EventCodec.decode(line.getBytes(java.nio.charset.StandardCharsets.UTF_8), file.getFileName() + " line " + n),
                    null, null);
        } catch (PoetException e) {
            return new Stored(state, file, null, e.getMessage(), null);
        }
    }

    /** Every line of a batch file as a stored event (an unreadable file as one unreadable entry). */
    public static List<Stored> readBatch(State state, Path batch) {
        List<Stored> out = new ArrayList<>();
        byte[] content;
        try {
            content = Batches.readFile(batch);
        } catch (java.nio.file.NoSuchFileException e) {
            return out; // correlated meanwhile
        } catch (PoetException e) {
            out.add(new Stored(state, batch, null, e.getMessage(), null));
            return out;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        int n = 0;
        for (byte[] line : Batches.lines(content)) {
            n++;
            out.add(parseLine(state, batch, n, new String(line, java.nio.charset.StandardCharsets.UTF_8)));
        }
        return out;
    }

    /** The batch files in a directory. */
    private static List<Path> batches(Path dir) throws IOException {
        List<Path> out = new ArrayList<>();
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(dir, Batches.PREFIX + "*" + Batches.EXTENSION)) {
            for (Path p : ds) {
                if (Batches.isBatchName(p.getFileName().toString())) {
                    out.add(p);
                }
            }
        } catch (java.nio.file.NoSuchFileException e) {
            // a claim retired meanwhile
        }
        out.sort(null);
        return out;
    }

    /** The reason written beside a quarantined event ({@code <name>.reason}), or null. */
    private static String reasonOf(Path p) {
        Path r = p.resolveSibling(p.getFileName() + ".reason");
        try {
            if (!Files.isRegularFile(r, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
                return null;
            }
            Object reason = dev.poet.json.Json.parseObject(Files.readAllBytes(r), r.toString()).get("reason");
            return reason instanceof String ? (String) reason : null;
        } catch (IOException | PoetException e) {
            return null;
        }
    }

    private static String idOf(Path p) {
        String n = p.getFileName().toString();
        String batch = Batches.idOf(n);
        if (batch != null) {
            return batch;
        }
        int us = n.indexOf('_');
        return us >= 0 ? n.substring(us + 1) : n;
    }
}
