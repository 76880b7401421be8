package dev.poet.store;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.List;

/**
 * Delivers event files into the store with Maildir's protocol. Promise: when
 * {@link #deliver} returns, the event is complete in {@code pending/} and survives a crash;
 * if the process dies earlier, at most a file in {@code tmp/} is left, which nothing reads
 * and the sweeper removes. A name already delivered is never overwritten, so a client that
 * supplies its own event id can retry safely; once an event has been correlated and left
 * {@code pending/}, {@code poet correlate} recognises a repeated id. Delivery takes no lock.
 *
 * <ol>
 *   <li>create {@code tmp/<name>.<random>} exclusively, write, fsync, close;</li>
 *   <li>hard-link it to {@code pending/<name>}, which fails if that name exists, then unlink the tmp file;</li>
 *   <li>fsync {@code pending/}; only now report success.</li>
 * </ol>
 */
public final class EventSpool {
    /**
     * {@code <prefix>_<id>.json}: {@code [a-z]{1,16}_[A-Za-z0-9][A-Za-z0-9._:@+=-]{0,127}\.json}.
     * Prefix and id were validated before; this is a last guard, checked by hand because compiling a
     * regular expression on every {@code poet record} shows in its start-up time.
     */
    static boolean safeFileName(String name) {
        int underscore = name.indexOf('_');
        if (underscore < 1 || underscore > 16 || !name.endsWith(".json")) {
            return false;
        }
        for (int i = 0; i < underscore; i++) {
            char c = name.charAt(i);
            if (c < 'a' || c > 'z') {
                return false;
            }
        }
        int idStart = underscore + 1;
        int idEnd = name.length() - ".json".length();
        if (idEnd - idStart < 1 || idEnd - idStart > 128 || !alnum(name.charAt(idStart))) {
            return false;
        }
        for (int i = idStart + 1; i < idEnd; i++) {
            char c = name.charAt(i);
            if (!alnum(c) && "._:@+=-".indexOf(c) < 0) {
                return false;
            }
        }
        return true;
    }

    private static boolean alnum(char c) {
        return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9';
    }

    public enum State {
        TMP("tmp"), PENDING("pending"), PROCESSED("processed"), FAILED("failed");

        private final String dir;

        State(String dir) {
            this.dir = dir;
        }

        public String dirName() {
            return dir;
        }
    }

    /** The outcome of one delivery: where the event is and whether it was there already. */
    public record Delivery(Path path, boolean duplicate) {
    }

    private static final int MAX_ATTEMPTS = 1000;
    private final StoreIO io;
    private final Path eventsDir;

    public EventSpool(StoreIO io, Path eventsDir) {
        this.io = io;
        this.eventsDir = eventsDir;
    }

    public Path dir(State state) {
        return eventsDir.resolve(state.dirName());
    }

    public Delivery deliver(String fileName, byte[] content) throws IOException {
        if (!safeFileName(fileName)) {
            throw new IllegalArgumentException("unsafe event file name: " + fileName);
        }
        Path pending = dir(State.PENDING).resolve(fileName);
        Path quarantined = dir(State.FAILED).resolve(fileName);
        if (Files.exists(quarantined)) {
            return new Delivery(quarantined, true);
        }
        Path tmp = dir(State.TMP).resolve(fileName + "." + AtomicFile.randomHex());
        // pending/ can be missing for microseconds while a correlate claim swaps it, or for good if
        // that correlate was killed in between: wait a little, then put it back.
        boolean fresh = AtomicFile.createVia(io, tmp, pending, content, attempt -> {
            if (attempt > MAX_ATTEMPTS) {
                return false;
            }
            if (attempt % 50 == 0) {
                Claims.ensurePending(io, eventsDir);
            }
            pause();
            return true;
        });
        return new Delivery(pending, !fresh);
    }

    /**
     * Delivers many events as one batch file ({@link Batches}): {@code lines} are canonical event
     * bytes. {@code arrived}, when given, becomes the file's modification time before it is
     * published, so events that go back to wait keep the age an orphan's time-to-live counts from.
     */
    public Path deliverBatch(String batchId, List<byte[]> lines, FileTime arrived) throws IOException {
        String name = Batches.name(batchId, lines.size());
        Path pending = dir(State.PENDING).resolve(name);
        Path tmp = dir(State.TMP).resolve(name + "." + AtomicFile.randomHex());
        boolean fresh = AtomicFile.createVia(io, tmp, pending, Batches.content(lines), attempt -> {
            if (attempt > MAX_ATTEMPTS) {
                return false;
            }
            if (attempt % 50 == 0) {
                Claims.ensurePending(io, eventsDir);
            }
            pause();
            return true;
        }, arrived == null ? null : t -> Files.setLastModifiedTime(t, arrived));
        if (!fresh) {
            throw new java.nio.file.FileAlreadyExistsException(pending.toString(), null, "batch ids are fresh; this one was not");
        }
        return pending;
    }

    private static void pause() {
        try {
            Thread.sleep(1);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
