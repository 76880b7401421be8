package dev.poet.store;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The processed log: {@code events/processed/seg-<12 digits>.jsonl}, each a batch of
 * correlated events, one JSON object per line. Promise: a segment is complete or absent (it is
 * created with {@link AtomicFile#create}: written in tmp/, forced, linked into place, directory
 * forced), and never changed once written. Sequence numbers only grow, so replaying segments
 * in order replays history in order.
 */
public final class Segments {
    private static final Pattern NAME = Pattern.compile("seg-([0-9]{12})\\.jsonl");

    private final StoreIO io;
    private final Path dir;
    private final Path tmpDir;

    public Segments(StoreIO io, Path dir, Path tmpDir) {
        this.io = io;
        this.dir = dir;
        this.tmpDir = tmpDir;
    }

    /** One segment on disk. */
    public record Segment(long seq, Path path) {
    }

    public Path dir() {
        return dir;
    }

    /** Every segment, in sequence order. */
    public List<Segment> list() throws IOException {
        List<Segment> out = new ArrayList<>();
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(dir, "seg-*.jsonl")) {
            for (Path p : ds) {
                Matcher m = NAME.matcher(p.getFileName().toString());
                if (m.matches()) {
                    out.add(new Segment(Long.parseLong(m.group(1)), p));
                }
            }
        }
        out.sort((a, b) -> Long.compare(a.seq(), b.seq()));
        return out;
    }

    public long lastSeq() throws IOException {
        List<Segment> all = list();
        return all.isEmpty() ? 0 : all.get(all.size() - 1).seq();
    }

    public Path path(long seq) {
        return dir.resolve(String.format("seg-%012d.jsonl", seq));
    }

    /** Writes segment {@code seq} with these lines (each ending in a newline); fails if it exists. */
    public Path write(long seq, List<byte[]> lines) throws IOException {
        int size = 0;
        for (byte[] l : lines) {
            size += l.length;
        }
        byte[] all = new byte[size];
        int at = 0;
        for (byte[] l : lines) {
            System.arraycopy(l, 0, all, at, l.length);
            at += l.length;
        }
        Path target = path(seq);
        if (!AtomicFile.create(io, tmpDir, target, all)) {
            throw new IOException(target + " already exists; is another correlate running without the lock?");
        }
        return target;
    }

    /** Reads a segment's lines. */
    public static List<String> lines(Path segment) throws IOException {
        try (InputStream in = Files.newInputStream(segment);
             BufferedReader r = new BufferedReader(new java.io.InputStreamReader(in, StandardCharsets.UTF_8), 1 << 16)) {
            List<String> out = new ArrayList<>();
            for (String line = r.readLine(); line != null; line = r.readLine()) {
                if (!line.isEmpty()) {
                    out.add(line);
                }
            }
            return Collections.unmodifiableList(out);
        }
    }
}
