package dev.poet.store;

import java.io.IOException;
import java.nio.file.Path;
import java.util.HexFormat;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Writes a whole file atomically. Promise: a reader sees the old content or the new content,
 * never a mix and never a truncated file, whenever the writer is killed; after {@link #write}
 * returns, the new content survives a crash. How: write a temporary file in the store's
 * {@code events/tmp/} (same file system, so the rename is atomic; nothing partial is ever
 * outside {@code tmp/}), force it, rename it over the target, force the target's directory.
 */
public final class AtomicFile {
    private AtomicFile() {
    }

    public static void write(StoreIO io, Path tmpDir, Path target, byte[] content) throws IOException {
        write(io, tmpDir, target, out -> out.write(content));
    }

    /** Like {@link #write(StoreIO, Path, Path, byte[])}, streaming the content (for large files). */
    public static void write(StoreIO io, Path tmpDir, Path target, StoreIO.Writer content) throws IOException {
        Path tmp = tempFor(tmpDir, target);
        io.createDurably(tmp, content);
        try {
            io.replace(tmp, target);
        } catch (IOException | RuntimeException e) {
            io.deleteIfExists(tmp);
            throw e;
        }
        io.forceDirectory(target.getParent());
    }

    /** Creates {@code target} with {@code content}, durably; returns false if it already exists. */
    public static boolean create(StoreIO io, Path tmpDir, Path target, byte[] content) throws IOException {
        return createVia(io, tempFor(tmpDir, target), target, content, null);
    }

    /**
     * What to do when the target's directory was missing at publish time: repair it if need be and
     * return true to retry, false to give up.
     */
    interface MissingDirectory {
        boolean repair(int attempt) throws IOException;
    }

    /**
     * Writes {@code content} to the new file {@code tmp}, forces it, and publishes it as
     * {@code target} only if that name is free, then forces the target's directory. Returns
     * false, leaving nothing behind, when {@code target} exists. Event delivery is this with
     * Maildir's names.
     */
    static boolean createVia(StoreIO io, Path tmp, Path target, byte[] content, MissingDirectory missing)
            throws IOException {
        return createVia(io, tmp, target, content, missing, null);
    }

    /** What to do to the finished temporary file before it is published (such as setting its time). */
    interface BeforePublish {
        void apply(Path tmp) throws IOException;
    }

    static boolean createVia(StoreIO io, Path tmp, Path target, byte[] content, MissingDirectory missing,
                             BeforePublish before) throws IOException {
        io.createDurably(tmp, content);
        boolean created;
        try {
            if (before != null) {
                before.apply(tmp);
            }
            for (int attempt = 1; ; attempt++) {
                try {
                    created = io.publishDurably(tmp, target);
                    break;
                } catch (java.nio.file.NoSuchFileException e) {
                    // With the file to publish still there, what was missing is the target's directory: a
                    // correlate claim renames pending/ away and puts a fresh one in its place, so it may be
                    // back already (whether it is now says nothing about the failed attempt), or the link
                    // went into a claim's directory removed meanwhile. Either way the next attempt looks
                    // the directory up again.
                    if (missing == null || !java.nio.file.Files.exists(tmp, java.nio.file.LinkOption.NOFOLLOW_LINKS)
                            || !missing.repair(attempt)) {
                        throw e;
                    }
                }
            }
        } catch (IOException | RuntimeException e) {
            io.deleteIfExists(tmp);
            throw e;
        }
        if (!created) {
            io.deleteIfExists(tmp);
            return false;
        }
        return true;
    }

    /** A fresh temporary name for {@code target} in {@code tmpDir}; the name says what it was for. */
    public static Path tempFor(Path tmpDir, Path target) {
        return tmpDir.resolve("." + target.getFileName() + TMP_MARK + randomHex());
    }

    public static final String TMP_MARK = ".tmp-";

    public static boolean isTemp(Path p) {
        String name = p.getFileName().toString();
        return name.startsWith(".") && name.contains(TMP_MARK);
    }

    static String randomHex() {
        byte[] b = new byte[8];
        ThreadLocalRandom.current().nextBytes(b);
        return HexFormat.of().formatHex(b);
    }
}
