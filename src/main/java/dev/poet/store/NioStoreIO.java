package dev.poet.store;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;

/**
 * {@link StoreIO} over {@code java.nio.file}. Publishing uses a hard link, which the kernel
 * refuses atomically when the target exists (Maildir's rule); a file system without hard links
 * falls back to a rename that checks first. Directory fsync is done on the default file system
 * only: in-memory file systems used by tests have no durability to ask for.
 */
public final class NioStoreIO implements StoreIO {
    public static final NioStoreIO INSTANCE = new NioStoreIO();

    private NioStoreIO() {
    }

    @Override
    public void createDurably(Path file, byte[] content) throws IOException {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
            writeFully(ch, content);
            ch.force(true);
        } catch (IOException | RuntimeException e) {
            deleteQuietly(file);
            throw e;
        }
    }

    @Override
    public void createDurably(Path file, Writer writer) throws IOException {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
            java.io.OutputStream out = java.nio.channels.Channels.newOutputStream(ch);
            writer.write(out);
            out.flush();
            ch.force(true);
        } catch (IOException | RuntimeException e) {
            deleteQuietly(file);
            throw e;
        }
    }

    @Override
    public boolean publish(Path from, Path to) throws IOException {
        try {
            Files.createLink(to, from);
        } catch (FileAlreadyExistsException e) {
            return false;
        } catch (UnsupportedOperationException e) {
            if (Files.exists(to)) {
                return false;
            }
            Files.move(from, to, StandardCopyOption.ATOMIC_MOVE);
            return true;
        }
        Files.delete(from);
        return true;
    }

    @Override
    public void rename(Path from, Path to) throws IOException {
        if (Files.exists(to, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
            throw new java.nio.file.FileAlreadyExistsException(to.toString());
        }
        Files.move(from, to, StandardCopyOption.ATOMIC_MOVE);
    }

    @Override
    public void replace(Path from, Path to) throws IOException {
        Files.move(from, to, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    }

    @Override
    public void appendDurably(Path file, byte[] bytes) throws IOException {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.APPEND)) {
            writeFully(ch, bytes);
            ch.force(true);
        }
    }

    @Override
    public void createSymlink(Path link, Path target) throws IOException {
        Files.createSymbolicLink(link, target);
    }

    @Override
    public void forceDirectory(Path dir) throws IOException {
        if (dir.getFileSystem() != FileSystems.getDefault()) {
            return;
        }
        try (FileChannel ch = FileChannel.open(dir, StandardOpenOption.READ)) {
            ch.force(true);
        }
    }

    @Override
    public boolean publishDurably(Path from, Path to) throws IOException {
        if (to.getFileSystem() != FileSystems.getDefault()) {
            return publish(from, to);
        }
        // open the directory first: if it is renamed (claimed) after the link, this still forces it
        try (FileChannel dir = FileChannel.open(to.getParent(), StandardOpenOption.READ)) {
            boolean created = publish(from, to);
            if (created) {
                dir.force(true);
            }
            return created;
        }
    }

    @Override
    public FileChannel openLockFile(Path file) throws IOException {
        return FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
    }

    @Override
    public void deleteIfExists(Path file) throws IOException {
        Files.deleteIfExists(file);
    }

    private static void writeFully(FileChannel ch, byte[] content) throws IOException {
        ByteBuffer buf = ByteBuffer.wrap(content);
        while (buf.hasRemaining()) {
            ch.write(buf);
        }
    }

    private static void deleteQuietly(Path file) {
        try {
            Files.deleteIfExists(file);
        } catch (IOException ignored) {
            // the original failure is the one to report; a leftover is swept later
        }
    }
}
