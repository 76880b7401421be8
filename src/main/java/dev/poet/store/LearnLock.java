package dev.poet.store;

import dev.poet.PoetException;
import dev.poet.Status;
import dev.poet.json.Json;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

/**
 * The store-wide lock of {@code poet learn}. The lock itself is a kernel file lock on
 * {@code locks/learn.lock}, released when its holder exits or is killed; beside it,
 * {@code locks/learn.holder.json} says who holds it and since when, for the one-line message a
 * second run prints. A holder file found when the lock is free was left by a run that was
 * killed: the new run takes over and reports it.
 */
public final class LearnLock implements AutoCloseable {
    private final Store store;
    private final Locks.Held held;
    private final Map<String, Object> tookOver;

    private LearnLock(Store store, Locks.Held held, Map<String, Object> tookOver) {
        this.store = store;
        this.held = held;
        this.tookOver = tookOver;
    }

    public static Path holderFile(Store store) {
        return store.root().resolve(Store.LOCKS).resolve("learn.holder.json");
    }

    /** Takes the lock at once, or fails with {@link Status#BUSY} naming the holder. {@code me}: pid, host, since. */
    public static LearnLock acquire(Store store, Map<String, Object> me) throws IOException {
        Locks.Held held;
        try {
            held = Locks.acquire(store.io(), store.lockFile("learn"), 0, "learn");
        } catch (PoetException e) {
            if (e.status() != Status.BUSY) {
                throw e;
            }
            Map<String, Object> h = readHolder(store);
            throw new PoetException(Status.BUSY, "poet learn is already running"
                    + (h == null ? "" : " (pid " + h.get("pid") + " on " + h.get("host") + " since " + h.get("since") + ")")
                    + "; this run does nothing");
        }
        try {
            Map<String, Object> previous = readHolder(store);
            AtomicFile.write(store.io(), store.tmpDir(), holderFile(store), Json.encodeLine(me));
            return new LearnLock(store, held, previous);
        } catch (IOException | RuntimeException e) {
            held.close();
            throw e;
        }
    }

    /** The holder left behind by a killed run, or null when the last run ended cleanly. */
    public Map<String, Object> tookOver() {
        return tookOver;
    }

    private static Map<String, Object> readHolder(Store store) {
        try {
            return Json.parseObject(Files.readAllBytes(holderFile(store)), "learn.holder.json");
        } catch (IOException | RuntimeException e) {
            return null;
        }
    }

    @Override
    public void close() throws IOException {
        try {
            store.io().deleteIfExists(holderFile(store));
        } finally {
            held.close();
        }
    }
}
