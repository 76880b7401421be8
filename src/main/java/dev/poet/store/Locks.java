package dev.poet.store;

import dev.poet.PoetException;
import dev.poet.Status;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.Path;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Advisory locks in {@code locks/}. Promise: while a {@link Held} is open, no other thread of
 * this process and no other process holds the same lock. Java's {@code FileLock} is per
 * process, so each lock pairs an in-process {@link ReentrantLock} with the file lock. The lock
 * is released by the kernel when the holder dies, so a killed poet never leaves a stale lock.
 */
public final class Locks {
    private static final ConcurrentHashMap<Path, ReentrantLock> IN_PROCESS = new ConcurrentHashMap<>();

    private Locks() {
    }

    /** A held lock; closing it releases both halves. */
    public static final class Held implements AutoCloseable {
        private final ReentrantLock local;
        private final FileChannel channel;
        private final FileLock lock;

        private Held(ReentrantLock local, FileChannel channel, FileLock lock) {
            this.local = local;
            this.channel = channel;
            this.lock = lock;
        }

        @Override
        public void close() throws IOException {
            try {
                lock.release();
                channel.close();
            } finally {
                local.unlock();
            }
        }
    }

    /**
     * Takes the lock named by {@code file}, waiting at most {@code waitMillis}; fails with
     * {@link Status#BUSY} naming {@code what} when it stays held.
     */
    public static Held acquire(StoreIO io, Path file, long waitMillis, String what) throws IOException {
        ReentrantLock local = IN_PROCESS.computeIfAbsent(file.toAbsolutePath().normalize(), k -> new ReentrantLock());
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(waitMillis);
        try {
            if (!local.tryLock(waitMillis, TimeUnit.MILLISECONDS)) {
                throw busy(what);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw busy(what);
        }
        FileChannel ch = null;
        try {
            ch = io.openLockFile(file);
            while (true) {
                FileLock l;
                try {
                    l = ch.tryLock();
                } catch (OverlappingFileLockException e) {
                    l = null;
                }
                if (l != null) {
                    return new Held(local, ch, l);
                }
                if (System.nanoTime() >= deadline) {
                    throw busy(what);
                }
                try {
                    Thread.sleep(20);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw busy(what);
                }
            }
        } catch (IOException | RuntimeException e) {
            if (ch != null) {
                ch.close();
            }
            local.unlock();
            throw e;
        }
    }

    private static PoetException busy(String what) {
        return new PoetException(Status.BUSY, what + " is locked by another poet process; try again later");
    }
}
