package dev.poet.store;

import dev.poet.PoetException;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.SeekableByteChannel;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.OpenOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Set;

/**
 * Batch files: many events delivered as one file in {@code pending/}, named
 * {@code batch_<batch id>_<count>.jsonl} and holding {@code count} canonical events, one per
 * line, each line ending in a newline. The Python runtime writes them from its in-process
 * buffer; correlation writes them for the events of a batch that must wait for their execution.
 * Delivered with the same protocol as single events; an event's identity stays its id, whichever
 * file carries it. The count in the name lets {@code poet status} count pending events without
 * reading them.
 */
public final class Batches {
    public static final String PREFIX = "batch_";
    public static final String EXTENSION = ".jsonl";
    /** The largest batch file poet reads: 64 MiB (writers stay far below: the runtime starts a new batch at 4 MiB). */
    public static final int MAX_BATCH_BYTES = 64 << 20;
    private static final Set<OpenOption> READ_NO_LINK = Set.of(StandardOpenOption.READ, LinkOption.NOFOLLOW_LINKS);

    private Batches() {
    }

    /** Whether a file name is a batch's: {@code batch_<id>_<count>.jsonl}, the id without {@code _}, the count 1 to 9,999,999. */
    public static boolean isBatchName(String name) {
        return count(name) > 0;
    }

    /** The number of events a batch's name announces, or -1 when the name is not a batch's. */
    public static long count(String name) {
        if (!name.startsWith(PREFIX) || !name.endsWith(EXTENSION)) {
            return -1;
        }
        String middle = name.substring(PREFIX.length(), name.length() - EXTENSION.length());
        int us = middle.lastIndexOf('_');
        if (us < 1 || us != middle.indexOf('_') || middle.length() - us - 1 > 7 || middle.length() - us - 1 < 1) {
            return -1;
        }
        String id = middle.substring(0, us);
        if (!Names.isId(id)) {
            return -1;
        }
        long n = 0;
        for (int i = us + 1; i < middle.length(); i++) {
            char c = middle.charAt(i);
            if (c < '0' || c > '9' || (i == us + 1 && c == '0')) {
                return -1;
            }
            n = n * 10 + (c - '0');
        }
        return n;
    }

    /** The id a batch's name carries (its delivery's), or null. */
    public static String idOf(String name) {
        if (!isBatchName(name)) {
            return null;
        }
        String middle = name.substring(PREFIX.length(), name.length() - EXTENSION.length());
        return middle.substring(0, middle.indexOf('_'));
    }

    public static String name(String id, int count) {
        String n = PREFIX + Names.id("batch id", id) + "_" + count + EXTENSION;
        if (count < 1 || !isBatchName(n)) {
            throw new IllegalArgumentException("invalid batch: " + n);
        }
        return n;
    }

    /** The file content of a batch: each line (canonical event bytes, with or without their newline) and a newline. */
    public static byte[] content(List<byte[]> lines) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (byte[] line : lines) {
            int len = line.length > 0 && line[line.length - 1] == '\n' ? line.length - 1 : line.length;
            out.write(line, 0, len);
            out.write('\n');
        }
        return out.toByteArray();
    }

    /** A batch file's bytes, never through a link and never over {@link #MAX_BATCH_BYTES}; as {@code EventCodec.readFile}. */
    public static byte[] readFile(Path p) throws IOException {
        BasicFileAttributes a = Files.readAttributes(p, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
        if (!a.isRegularFile() || a.isSymbolicLink()) {
            throw PoetException.invalid(p.getFileName() + " is not a regular file, not a batch of events; poet does not"
                    + " follow it");
        }
        try (SeekableByteChannel ch = Files.newByteChannel(p, READ_NO_LINK)) {
            ByteBuffer buf = ByteBuffer.allocate((int) Math.min(a.size(), MAX_BATCH_BYTES) + 1);
            while (buf.hasRemaining() && ch.read(buf) >= 0) {
                // until the end, or one byte past the limit
            }
            if (buf.position() > MAX_BATCH_BYTES) {
                throw PoetException.invalid(p.getFileName() + " is over the 64 MiB batch limit");
            }
            return Arrays.copyOf(buf.array(), buf.position());
        }
    }

    /** The lines of a batch, without their newlines; empty lines are skipped, a last line without a newline is kept. */
    public static List<byte[]> lines(byte[] content) {
        List<byte[]> out = new ArrayList<>();
        int start = 0;
        for (int i = 0; i <= content.length; i++) {
            if (i == content.length || content[i] == '\n') {
                if (i > start) {
                    out.add(Arrays.copyOfRange(content, start, i));
                }
                start = i + 1;
            }
        }
        return out;
    }

    /** Whether a line is a line of the given event: canonical events begin with their id. */
    public static boolean startsWithId(byte[] line, String id) {
        byte[] needle = ("{\"id\":\"" + id + "\",").getBytes(java.nio.charset.StandardCharsets.UTF_8);
        if (line.length < needle.length) {
            return false;
        }
        for (int i = 0; i < needle.length; i++) {
            if (line[i] != needle[i]) {
                return false;
            }
        }
        return true;
    }
}
