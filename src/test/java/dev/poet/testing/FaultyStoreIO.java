package dev.poet.testing;

import dev.poet.store.NioStoreIO;
import dev.poet.store.StoreIO;
import java.io.IOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileSystemException;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A {@link StoreIO} that fails the way a real system does: as a read-only store (every write
 * refused with {@code AccessDeniedException}) or as a full disk (writes refused with "No space
 * left on device" from the {@code n}th write on). Reads go to the real file system.
 */
public final class FaultyStoreIO implements StoreIO {
    public enum Mode { READ_ONLY, DISK_FULL }

    private final StoreIO real = NioStoreIO.INSTANCE;
    private final Mode mode;
    private final AtomicInteger writesLeft;

    public FaultyStoreIO(Mode mode, int okWrites) {
        this.mode = mode;
        this.writesLeft = new AtomicInteger(okWrites);
    }

    private void maybeFail(Path p) throws IOException {
        if (writesLeft.getAndDecrement() > 0) {
            return;
        }
        if (mode == Mode.READ_ONLY) {
            throw new AccessDeniedException(p.toString(), null, "Read-only file system");
        }
        throw new FileSystemException(p.toString(), null, "No space left on device");
    }

    @Override
    public void createDurably(Path file, byte[] content) throws IOException {
        maybeFail(file);
        real.createDurably(file, content);
    }

    @Override
    public void createDurably(Path file, Writer writer) throws IOException {
        maybeFail(file);
        real.createDurably(file, writer);
    }

    @Override
    public boolean publish(Path from, Path to) throws IOException {
        maybeFail(to);
        return real.publish(from, to);
    }

    @Override
    public void rename(Path from, Path to) throws IOException {
        maybeFail(to);
        real.rename(from, to);
    }

    @Override
    public void replace(Path from, Path to) throws IOException {
        maybeFail(to);
        real.replace(from, to);
    }

    @Override
    public void appendDurably(Path file, byte[] bytes) throws IOException {
        maybeFail(file);
        real.appendDurably(file, bytes);
    }

    @Override
    public void createSymlink(Path link, Path target) throws IOException {
        maybeFail(link);
        real.createSymlink(link, target);
    }

    @Override
    public void forceDirectory(Path dir) throws IOException {
        real.forceDirectory(dir);
    }

    @Override
    public java.nio.channels.FileChannel openLockFile(Path file) throws IOException {
        if (mode == Mode.READ_ONLY) {
            maybeFail(file);
        }
        return real.openLockFile(file);
    }

    @Override
    public void deleteIfExists(Path file) throws IOException {
        real.deleteIfExists(file);
    }
}
