package dev.poet.store;

import java.io.IOException;
import java.nio.file.Path;

/**
 * The few file-system operations the store's durability rests on. Every write to the store
 * goes through one of these, so a test can fail or drop any of them at a chosen point.
 * {@link NioStoreIO} is the real implementation.
 */
public interface StoreIO {
    /** Creates {@code file} (which must not exist), writes {@code content}, forces it to disk, closes it. */
    void createDurably(Path file, byte[] content) throws IOException;

    /** Writes what {@code writer} writes to a new file, streaming (for large files), then forces and closes it. */
    void createDurably(Path file, Writer writer) throws IOException;

    /** Writes a file's content to a stream. */
    interface Writer {
        void write(java.io.OutputStream out) throws IOException;
    }

    /**
     * Makes {@code from} visible as {@code to} only if {@code to} does not exist yet, atomically,
     * and removes {@code from}. Returns false, leaving {@code from} in place, if {@code to} exists.
     */
    boolean publish(Path from, Path to) throws IOException;

    /**
     * {@link #publish}, then forces the directory the link went into, even if that directory is
     * renamed in between (correlation claims pending/ by renaming it): the default forces by
     * path, which a rename can defeat; the real implementation forces the directory it opened.
     */
    default boolean publishDurably(Path from, Path to) throws IOException {
        boolean created = publish(from, to);
        if (created) {
            forceDirectory(to.getParent());
        }
        return created;
    }

    /** Atomically renames {@code from} (a file or directory) to {@code to}, which must not exist. */
    void rename(Path from, Path to) throws IOException;

    /** Atomically renames {@code from} over {@code to}, replacing it. */
    void replace(Path from, Path to) throws IOException;

    /** Appends {@code bytes} to {@code file} (created if missing) and forces them to disk. */
    void appendDurably(Path file, byte[] bytes) throws IOException;

    /** Creates a symbolic link {@code link} whose target is the relative path {@code target}. */
    void createSymlink(Path link, Path target) throws IOException;

    /** Forces a directory's entries (renames, links, creations) to disk. */
    void forceDirectory(Path dir) throws IOException;

    /** Opens (creating if needed) a lock file for writing, so it can be locked exclusively. */
    java.nio.channels.FileChannel openLockFile(Path file) throws IOException;

    /** Deletes a file if it exists. */
    void deleteIfExists(Path file) throws IOException;
}
