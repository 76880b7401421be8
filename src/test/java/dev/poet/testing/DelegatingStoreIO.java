package dev.poet.testing;

import dev.poet.store.NioStoreIO;
import dev.poet.store.StoreIO;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Path;

/** The real file system's operations, for a test to override the one it interferes with. */
public class DelegatingStoreIO implements StoreIO {
    protected final StoreIO real = NioStoreIO.INSTANCE;

    @Override
    public void createDurably(Path file, byte[] content) throws IOException {
        real.createDurably(file, content);
    }

    @Override
    public void createDurably(Path file, Writer writer) throws IOException {
        real.createDurably(file, writer);
    }

    @Override
    public boolean publish(Path from, Path to) throws IOException {
        return real.publish(from, to);
    }

    @Override
    public void rename(Path from, Path to) throws IOException {
        real.rename(from, to);
    }

    @Override
    public void replace(Path from, Path to) throws IOException {
        real.replace(from, to);
    }

    @Override
    public void appendDurably(Path file, byte[] bytes) throws IOException {
        real.appendDurably(file, bytes);
    }

    @Override
    public void createSymlink(Path link, Path target) throws IOException {
        real.createSymlink(link, target);
    }

    @Override
    public void forceDirectory(Path dir) throws IOException {
        real.forceDirectory(dir);
    }

    @Override
    public FileChannel openLockFile(Path file) throws IOException {
        return real.openLockFile(file);
    }

    @Override
    public void deleteIfExists(Path file) throws IOException {
        real.deleteIfExists(file);
    }
}
