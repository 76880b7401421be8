package dev.poet.event;

import dev.poet.PoetException;
import dev.poet.store.Batches;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * Group commit: events recorded concurrently by many threads are delivered together, as one
 * batch file per {@code fsync} ({@link Batches}), and each caller returns only once its events
 * are durable. One committer thread takes whatever has queued while the previous batch was being
 * forced (so under load batches form by themselves, and a lone request waits for no one), and may
 * linger up to {@code maxWaitMicros} for more, up to {@code maxEvents} per batch.
 *
 * <p>A batch that cannot be delivered fails every caller in it with the I/O error; if its file
 * was linked into {@code pending/} before the failure (the directory could not be forced), it is
 * removed again first, so a caller told "failed" who retries does not deliver its event twice.
 * A repeated event id (a retried webhook) is recognised when this process delivered it recently
 * (the last {@value #REMEMBERED} ids) or it waits in {@code pending/} or {@code failed/} as a file of
 * its own: the caller gets it back as a duplicate, once the first copy is durable, and nothing
 * is written. Otherwise (say, after a restart, the first copy in a batch) it is delivered again
 * and correlation counts it once.
 */
public final class GroupCommit implements AutoCloseable {
    private record Request(List<byte[]> lines, CompletableFuture<Path> done) {
    }

    /** Told of every batch forced: its size and how long delivering it took, or that it failed. */
    public interface Observer {
        void committed(int events, long nanos);

        void failed(int events);

        Observer NONE = new Observer() {
            @Override
            public void committed(int events, long nanos) {
            }

            @Override
            public void failed(int events) {
            }
        };
    }

    static final int REMEMBERED = 100_000;
    /** Ids delivered (or being delivered) by this process, oldest first: a retry waits for the first copy. */
    private final java.util.LinkedHashMap<String, CompletableFuture<Path>> recent = new java.util.LinkedHashMap<>() {
        @Override
        protected boolean removeEldestEntry(java.util.Map.Entry<String, CompletableFuture<Path>> eldest) {
            return size() > REMEMBERED;
        }
    };
    private final EventLog log;
    private final long maxWaitNanos;
    private final int maxEvents;
    private final Observer observer;
    private final LinkedBlockingQueue<Request> queue = new LinkedBlockingQueue<>();
    private final List<Thread> committers = new ArrayList<>();
    private volatile boolean closed;
    /** Batches written and events in them, for tests and the bench. */
    private long batches;
    private long events;

    public GroupCommit(EventLog log, long maxWaitMicros, int maxEvents) {
        this(log, maxWaitMicros, maxEvents, 1);
    }

    /**
     * {@code committers} threads each take what has queued and force it as one batch: while one
     * waits for its {@code fsync}, another forms the next batch, and the file system merges their
     * journal commits, as it does for concurrent single deliveries.
     */
    public GroupCommit(EventLog log, long maxWaitMicros, int maxEvents, int committers) {
        this(log, maxWaitMicros, maxEvents, committers, Observer.NONE);
    }

    /** As {@link #GroupCommit(EventLog, long, int, int)}, telling {@code observer} of every batch. */
    public GroupCommit(EventLog log, long maxWaitMicros, int maxEvents, int committers, Observer observer) {
        if (maxWaitMicros < 0 || maxEvents < 1 || committers < 1) {
            throw new IllegalArgumentException("max wait must be >= 0, max events and committers >= 1");
        }
        this.log = log;
        this.maxWaitNanos = maxWaitMicros * 1000;
        this.maxEvents = maxEvents;
        this.observer = observer;
        for (int i = 0; i < committers; i++) {
            Thread t = new Thread(this::run, "poet-group-commit-" + i);
            t.setDaemon(true);
            t.start();
            this.committers.add(t);
        }
    }

    /**
     * An event validated and encoded, ready to deliver: its id and type (for the duplicate check) and
     * its line. Holding events this way rather than as {@link Event}s keeps a large request's memory
     * near its size on the wire, whatever shape its JSON had.
     */
    public record Encoded(String id, String type, byte[] line) {
        /** Validates and encodes the event; an invalid one throws. */
        public static Encoded of(Event e) {
            EventCodec.validate(e);
            return new Encoded(e.id(), e.type(), EventCodec.encode(e));
        }
    }

    /** Where an encoded event went: the batch it is in (or its first copy's), and whether it was a duplicate. */
    public record Delivered(Encoded event, Path path, boolean duplicate) {
    }

    private static List<Encoded> encode(List<Event> evs) {
        List<Encoded> out = new ArrayList<>(evs.size());
        for (Event e : evs) {
            out.add(Encoded.of(e));
        }
        return out;
    }

    private static List<EventLog.Recorded> recorded(List<Event> evs, List<Delivered> done) {
        List<EventLog.Recorded> out = new ArrayList<>(evs.size());
        for (int i = 0; i < evs.size(); i++) {
            out.add(new EventLog.Recorded(evs.get(i), done.get(i).path(), done.get(i).duplicate()));
        }
        return out;
    }

    /**
     * Validates and encodes the events (an invalid one fails this call, delivering none of them),
     * then waits until they are durable in {@code pending/}, in one batch with whatever other
     * callers sent meanwhile.
     */
    public List<EventLog.Recorded> record(List<Event> evs) throws IOException {
        return record(evs, true);
    }

    /**
     * As {@link #record(List)}; {@code mayRepeat} false says the ids were made fresh for these
     * events (no client chose them), so they need no duplicate check (which costs two file-system
     * lookups per event).
     */
    public List<EventLog.Recorded> record(List<Event> evs, boolean mayRepeat) throws IOException {
        return recorded(evs, recordEncoded(encode(evs), mayRepeat));
    }

    /** As {@link #record(List, boolean)}, for events already encoded. */
    public List<Delivered> recordEncoded(List<Encoded> evs, boolean mayRepeat) throws IOException {
        if (evs.isEmpty()) {
            return List.of();
        }
        if (!mayRepeat) {
            return await(fresh(evs), List.of());
        }
        for (int attempt = 0; ; attempt++) {
            if (closed) {
                throw new IOException("the server is stopping");
            }
            CompletableFuture<Path> mine = new CompletableFuture<>();
            List<byte[]> lines = new ArrayList<>(evs.size());
            List<CompletableFuture<Path>> firsts = new ArrayList<>(evs.size());
            synchronized (recent) {
                for (Encoded e : evs) {
                    CompletableFuture<Path> first = recent.get(e.id());
                    if (first == null && storedAlone(e)) {
                        first = CompletableFuture.completedFuture(null);
                    }
                    if (first == null) {
                        recent.put(e.id(), mine);
                        lines.add(e.line());
                    }
                    firsts.add(first);
                }
            }
            Path p = null;
            if (!lines.isEmpty()) {
                if (!enqueue(new Request(lines, mine))) {
                    mine.completeExceptionally(new IOException("the server is stopping"));
                }
                p = await(mine, evs);
            }
            List<Delivered> out = new ArrayList<>(evs.size());
            boolean again = false;
            for (int i = 0; i < evs.size(); i++) {
                CompletableFuture<Path> first = firsts.get(i);
                if (first == null) {
                    out.add(new Delivered(evs.get(i), p, false));
                    continue;
                }
                try {
                    out.add(new Delivered(evs.get(i), await(first, List.of()), true));
                } catch (IOException e) {
                    again = true; // the first copy failed: deliver this one ourselves
                }
            }
            if (!again || attempt >= 2) {
                if (again) {
                    throw new IOException("the first copy of a repeated event could not be delivered");
                }
                return out;
            }
            // what this attempt delivered is durable and remembered: the next one finds it as a duplicate
        }
    }

    /**
     * As {@link #record(List, boolean)} without waiting: validates and encodes now (an invalid event
     * throws here, delivering none), and completes once the events are durable, or exceptionally with
     * the I/O error. Events whose ids were made fresh ({@code mayRepeat} false) only queue; events
     * that may repeat need file-system lookups and are recorded on {@code blocking}.
     */
    public CompletableFuture<List<EventLog.Recorded>> submit(List<Event> evs, boolean mayRepeat,
                                                            java.util.concurrent.Executor blocking) {
        return submitEncoded(encode(evs), mayRepeat, blocking).thenApply(done -> recorded(evs, done));
    }

    /** As {@link #submit}, for events already encoded. */
    public CompletableFuture<List<Delivered>> submitEncoded(List<Encoded> evs, boolean mayRepeat,
                                                            java.util.concurrent.Executor blocking) {
        if (evs.isEmpty()) {
            return CompletableFuture.completedFuture(List.of());
        }
        if (!mayRepeat) {
            return fresh(evs);
        }
        return CompletableFuture.supplyAsync(() -> {
            try {
                return recordEncoded(evs, true);
            } catch (IOException e) {
                throw new java.util.concurrent.CompletionException(e);
            }
        }, blocking);
    }

    private CompletableFuture<List<Delivered>> fresh(List<Encoded> evs) {
        List<byte[]> lines = new ArrayList<>(evs.size());
        for (Encoded e : evs) {
            lines.add(e.line());
        }
        CompletableFuture<Path> done = new CompletableFuture<>();
        if (!enqueue(new Request(lines, done))) {
            return CompletableFuture.failedFuture(new IOException("the server is stopping"));
        }
        return done.thenApply(p -> {
            List<Delivered> out = new ArrayList<>(evs.size());
            for (Encoded e : evs) {
                out.add(new Delivered(e, p, false));
            }
            return out;
        });
    }

    private static IOException unwrap(Throwable c) {
        if (c instanceof java.util.concurrent.CompletionException && c.getCause() != null) {
            c = c.getCause();
        }
        if (c instanceof IOException io) {
            return io;
        }
        if (c instanceof RuntimeException re) {
            throw re;
        }
        return new IOException(c);
    }

    /** Queues a request unless closed: once closed, nothing more is queued, so the committers deliver all that was. */
    private boolean enqueue(Request r) {
        synchronized (queue) {
            if (closed) {
                return false;
            }
            queue.add(r);
            return true;
        }
    }

    /** Whether the event waits in pending/ or failed/ as a file of its own (as single deliveries write it). */
    private boolean storedAlone(Encoded e) {
        String name = EventCodec.fileName(EventType.of(e.type()), e.id());
        return Files.exists(log.store().spool().dir(dev.poet.store.EventSpool.State.PENDING).resolve(name))
                || Files.exists(log.store().spool().dir(dev.poet.store.EventSpool.State.FAILED).resolve(name));
    }

    /** The future's value; on failure the first copies it stood for are forgotten and its I/O error thrown. */
    private <T> T await(CompletableFuture<T> f, List<Encoded> forgetOnFailure) throws IOException {
        try {
            return f.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while waiting for the batch to be forced", e);
        } catch (ExecutionException e) {
            synchronized (recent) {
                for (Encoded ev : forgetOnFailure) {
                    recent.remove(ev.id(), f);
                }
            }
            throw unwrap(e.getCause());
        }
    }

    private void run() {
        List<Request> group = new ArrayList<>();
        while (!closed || !queue.isEmpty()) {
            try {
                Request first = queue.poll(100, TimeUnit.MILLISECONDS);
                if (first == null) {
                    continue;
                }
                group.clear();
                group.add(first);
                int n = first.lines().size();
                long deadline = System.nanoTime() + maxWaitNanos;
                while (n < maxEvents) {
                    Request next = queue.poll(); // what queued while the last batch was forced
                    if (next == null && maxWaitNanos > 0) {
                        long left = deadline - System.nanoTime();
                        next = left > 0 ? queue.poll(left, TimeUnit.NANOSECONDS) : null;
                    }
                    if (next == null) {
                        break;
                    }
                    group.add(next);
                    n += next.lines().size();
                }
                commit(group, n);
            } catch (InterruptedException e) {
                if (closed) {
                    break;
                }
            } catch (RuntimeException | Error e) {
                for (Request r : group) {
                    r.done().completeExceptionally(e);
                }
            }
        }
        Request left;
        while ((left = queue.poll()) != null) {
            left.done().completeExceptionally(new IOException("the server is stopping"));
        }
    }

    private void commit(List<Request> group, int n) {
        List<byte[]> lines = new ArrayList<>(n);
        for (Request r : group) {
            lines.addAll(r.lines());
        }
        String id = log.newId();
        Path pending = log.store().spool().dir(dev.poet.store.EventSpool.State.PENDING);
        Path target = pending.resolve(Batches.name(id, lines.size()));
        Path delivered;
        long started = System.nanoTime();
        try {
            delivered = log.store().spool().deliverBatch(id, lines, null);
        } catch (IOException | RuntimeException e) {
            // the link may have been made before the failure: take it back, so no caller told "failed" is delivered
            try {
                if (Files.deleteIfExists(target)) {
                    log.store().io().forceDirectory(pending);
                }
            } catch (IOException ignored) {
                // nothing more can be done; correlation counts a retried id once
            }
            IOException failure = e instanceof IOException io ? io
                    : e instanceof PoetException pe ? new IOException(pe.getMessage(), pe) : new IOException(e);
            observer.failed(lines.size());
            for (Request r : group) {
                r.done().completeExceptionally(failure);
            }
            return;
        }
        observer.committed(lines.size(), System.nanoTime() - started);
        synchronized (this) {
            batches++;
            events += lines.size();
        }
        for (Request r : group) {
            r.done().complete(delivered);
        }
    }

    /** Batches delivered so far and the events in them. */
    public synchronized long[] counts() {
        return new long[] {batches, events};
    }

    /** Stops taking events; those already queued are delivered first. */
    @Override
    public void close() {
        synchronized (queue) {
            closed = true;
        }
        try {
            for (Thread t : committers) {
                t.join(30_000);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
