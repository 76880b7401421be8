package dev.poet.store;

import java.io.IOException;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.DirectoryStream;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.LinkOption;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/**
 * How correlation takes the pending events without touching them one by one. Promise: every
 * delivered event is, at every instant, in {@code pending/} or in exactly one claim; a claim is
 * retired to {@code trash/} only after everything in it was written to the processed log or
 * moved back out (to {@code pending/} to wait, to {@code failed/}); trash is only ever deleted.
 *
 * <ol>
 *   <li>make an empty {@code events/pending.next/};</li>
 *   <li>rename {@code pending/} to {@code claimed/<id>/} (one atomic rename, however many files);</li>
 *   <li>rename {@code pending.next/} to {@code pending/}; force {@code events/} and {@code claimed/}.</li>
 * </ol>
 *
 * Between 2 and 3 a delivery finds no {@code pending/} for a moment: {@link #ensurePending}, which
 * writers call after retrying, puts it back, so a correlate killed between the two renames never
 * stops deliveries. Removing files one by one is what costs (about 50 µs each on ext4 with
 * {@code discard}, more than reading them): it is left to {@link #sweep}, off the correlate path.
 */
public final class Claims {
    public static final String CLAIMED = "claimed";
    public static final String TRASH = "trash";
    private static final String NEXT = "pending.next";

    private final StoreIO io;
    private final Path events;

    public Claims(StoreIO io, Path events) {
        this.io = io;
        this.events = events;
    }

    private Path pending() {
        return events.resolve(EventSpool.State.PENDING.dirName());
    }

    /** Makes sure {@code pending/} exists, finishing an interrupted claim if need be. Safe to call from any process. */
    public static void ensurePending(StoreIO io, Path events) throws IOException {
        Path pending = events.resolve(EventSpool.State.PENDING.dirName());
        if (Files.isDirectory(pending)) {
            return;
        }
        Path next = events.resolve(NEXT);
        if (Files.isDirectory(next)) {
            try {
                io.rename(next, pending);
                io.forceDirectory(events);
                return;
            } catch (FileAlreadyExistsException | DirectoryNotEmptyException | NoSuchFileException e) {
                // another process got there first
            }
        }
        for (int attempt = 0; ; attempt++) {
            try {
                Files.createDirectories(pending);
                return;
            } catch (FileAlreadyExistsException e) {
                // it was put back and already claimed again between the create and its check: look again
                if (Files.isDirectory(pending)) {
                    return;
                }
                if (attempt >= 100) {
                    throw e;
                }
            }
        }
    }

    /** Claims everything in {@code pending/} as {@code claimed/<id>}; returns null, claiming nothing, when it is empty. */
    public Path claim(String id) throws IOException {
        ensurePending(io, events);
        Path pending = pending();
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(pending)) {
            if (!ds.iterator().hasNext()) {
                return null;
            }
        }
        Path claimed = Files.createDirectories(events.resolve(CLAIMED));
        Path next = events.resolve(NEXT);
        Files.createDirectories(next);
        Path target = claimed.resolve(id);
        io.rename(pending, target);
        try {
            io.rename(next, pending);
        } catch (FileAlreadyExistsException | DirectoryNotEmptyException e) {
            // a writer restored pending/ first; ours is not needed
            Files.deleteIfExists(next);
        } catch (NoSuchFileException e) {
            // a writer that waited too long restored pending/ with our pending.next itself
            ensurePending(io, events);
        }
        io.forceDirectory(events);
        io.forceDirectory(claimed);
        return target;
    }

    /** Claims not yet retired, oldest first: this run's and any a killed run left. */
    public List<Path> claimed() throws IOException {
        return subdirs(events.resolve(CLAIMED));
    }

    /** Moves a fully processed claim to trash; an empty one (all of it went back to wait) is just removed. */
    public void retire(Path claim) throws IOException {
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(claim)) {
            if (!ds.iterator().hasNext()) {
                Files.delete(claim);
                io.forceDirectory(claim.getParent());
                return;
            }
        }
        Path trash = Files.createDirectories(events.resolve(TRASH));
        io.rename(claim, trash.resolve(claim.getFileName().toString()));
        io.forceDirectory(trash);
        io.forceDirectory(claim.getParent());
    }

    public List<Path> trash() throws IOException {
        return subdirs(events.resolve(TRASH));
    }

    /** What a sweep of the trash did. */
    public record Swept(long removed, long returned) {
    }

    /** Tells whether an event file's event is in the processed log. */
    public interface ProcessedLog {
        boolean holds(Path eventFile) throws IOException;
    }

    /**
     * Deletes the files of every retired claim whose event is in the processed log, and gives any
     * other back to {@code pending/} (a delivery that slipped into a claim after correlation last
     * listed it). {@code log} is opened only after the trash was listed, so every claim listed was
     * retired, and so its events written to the log, before the log was read.
     */
    public Swept sweep(IoSupplier<ProcessedLog> log) throws IOException {
        List<Path> dirs = trash();
        if (dirs.isEmpty()) {
            return new Swept(0, 0);
        }
        ProcessedLog processed = log.get();
        Path pending = pending();
        java.util.concurrent.atomic.AtomicLong removed = new java.util.concurrent.atomic.AtomicLong();
        java.util.concurrent.atomic.AtomicLong returned = new java.util.concurrent.atomic.AtomicLong();
        // Unlinking is what costs (the file system's own work per file, more with discard), and it
        // overlaps well: several threads remove files at once.
        java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newFixedThreadPool(SWEEP_THREADS, r -> {
            Thread t = new Thread(r, "poet-sweep");
            t.setDaemon(true);
            return t;
        });
        try {
            for (Path dir : dirs) {
                List<Path> files;
                try (Stream<Path> listed = Files.list(dir)) {
                    files = listed.toList();
                }
                long returnedBefore = returned.get();
                List<java.util.concurrent.Future<?>> work = new ArrayList<>();
                int chunk = Math.max(64, files.size() / (SWEEP_THREADS * 4) + 1);
                for (int from = 0; from < files.size(); from += chunk) {
                    List<Path> part = files.subList(from, Math.min(files.size(), from + chunk));
                    work.add(pool.submit(() -> {
                        for (Path f : part) {
                            sweepOne(f, processed, pending, removed, returned);
                        }
                        return null;
                    }));
                }
                for (java.util.concurrent.Future<?> w : work) {
                    try {
                        w.get();
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                        throw new IOException("interrupted", e);
                    } catch (java.util.concurrent.ExecutionException e) {
                        if (e.getCause() instanceof IOException io) {
                            throw io;
                        }
                        if (e.getCause() instanceof java.io.UncheckedIOException u) {
                            throw u.getCause();
                        }
                        throw new IOException(e.getCause());
                    }
                }
                if (returned.get() > returnedBefore) {
                    io.forceDirectory(pending);
                }
                try {
                    Files.deleteIfExists(dir);
                } catch (DirectoryNotEmptyException e) {
                    // something that is not an event file was left in it
                }
            }
        } finally {
            pool.shutdownNow();
        }
        return new Swept(removed.get(), returned.get());
    }

    /** Unlinking threads: they mostly wait on the file system (16 measured best of 4 to 32 here; docs/performance.md). */
    private static final int SWEEP_THREADS = Math.max(16, 4 * Runtime.getRuntime().availableProcessors());

    /** One retired file: removed when its events are in the processed log, else given back to pending/. */
    private void sweepOne(Path f, ProcessedLog processed, Path pending, java.util.concurrent.atomic.AtomicLong removed,
                          java.util.concurrent.atomic.AtomicLong returned) throws IOException {
        if (!Files.isRegularFile(f, LinkOption.NOFOLLOW_LINKS)) {
            // not an event file: a link is removed (never followed), anything else left alone
            if (Files.isSymbolicLink(f) && Files.deleteIfExists(f)) {
                removed.incrementAndGet();
            }
            return;
        }
        if (!processed.holds(f)) {
            ensurePending(io, events);
            if (io.publish(f, pending.resolve(f.getFileName().toString()))) {
                returned.incrementAndGet();
                return;
            }
            // the same event is pending already: this copy can go
        }
        if (Files.deleteIfExists(f)) {
            removed.incrementAndGet();
        }
    }

    /** A supplier that may fail with an I/O error. */
    public interface IoSupplier<T> {
        T get() throws IOException;
    }

    private static List<Path> subdirs(Path dir) throws IOException {
        List<Path> out = new ArrayList<>();
        if (!Files.isDirectory(dir, LinkOption.NOFOLLOW_LINKS)) {
            return out;
        }
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(dir)) {
            for (Path p : ds) {
                // a link to a directory elsewhere is not a claim: never follow it
                if (Files.isDirectory(p, LinkOption.NOFOLLOW_LINKS)) {
                    out.add(p);
                }
            }
        }
        out.sort(null);
        return out;
    }
}
