package dev.poet.testing;

import dev.poet.store.NioStoreIO;
import dev.poet.store.StoreIO;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Consumer;
import java.util.stream.Stream;

/**
 * A power loss, approximated as SQLite's crash tests do: every write goes to the real (jimfs)
 * file system, and beside it this keeps what a disk would still hold after the power went: a
 * file's content once it was forced, a directory entry (a new name, a link, a rename, a deletion)
 * once its directory was forced. At the chosen operation the power goes ({@link PowerLost});
 * {@link #reboot} builds the file system as it would come back.
 */
public final class PowerLossIO implements StoreIO {
    /** Thrown at the chosen operation: nothing after it happens. */
    public static final class PowerLost extends Error {
        PowerLost(int op) {
            super("power lost at operation " + op, null, false, false);
        }
    }

    private final StoreIO real = NioStoreIO.INSTANCE;
    private final Map<String, byte[]> files = new TreeMap<>();
    private final Map<String, String> links = new TreeMap<>();
    private final Map<String, List<Consumer<PowerLossIO>>> unforced = new HashMap<>();
    private final Map<String, byte[]> contentOf = new HashMap<>();
    private final List<String> directories = new ArrayList<>();
    private final int crashAt;
    private int ops;

    /** Starts from {@code root} as it is now, all of it durable; the power goes at operation {@code crashAt} (0: never). */
    public PowerLossIO(Path root, int crashAt) throws IOException {
        this.crashAt = crashAt;
        try (Stream<Path> all = Files.walk(root)) {
            for (Path p : all.toList()) {
                if (Files.isDirectory(p, LinkOption.NOFOLLOW_LINKS)) {
                    directories.add(p.toString());
                } else if (Files.isSymbolicLink(p)) {
                    links.put(p.toString(), Files.readSymbolicLink(p).toString());
                } else if (Files.isRegularFile(p, LinkOption.NOFOLLOW_LINKS)) {
                    byte[] b = Files.readAllBytes(p);
                    files.put(p.toString(), b);
                    contentOf.put(p.toString(), b);
                }
            }
        }
    }

    public int operations() {
        return ops;
    }

    private void step() {
        ops++;
        if (ops == crashAt) {
            throw new PowerLost(ops);
        }
    }

    private void later(Path entry, Consumer<PowerLossIO> effect) {
        unforced.computeIfAbsent(entry.getParent().toString(), k -> new ArrayList<>()).add(effect);
    }

    @Override
    public void createDurably(Path file, byte[] content) throws IOException {
        step();
        real.createDurably(file, content);
        contentOf.put(file.toString(), content);
        later(file, d -> d.files.put(file.toString(), content));
    }

    @Override
    public void createDurably(Path file, Writer writer) throws IOException {
        step();
        real.createDurably(file, writer);
        byte[] content = Files.readAllBytes(file);
        contentOf.put(file.toString(), content);
        later(file, d -> d.files.put(file.toString(), content));
    }

    @Override
    public boolean publish(Path from, Path to) throws IOException {
        step();
        boolean created = real.publish(from, to);
        if (created) {
            byte[] content = contentOf.get(from.toString());
            contentOf.put(to.toString(), content);
            later(to, d -> d.files.put(to.toString(), content));
            later(from, d -> d.files.remove(from.toString()));
        }
        return created;
    }

    @Override
    public void rename(Path from, Path to) throws IOException {
        step();
        boolean dir = Files.isDirectory(from, LinkOption.NOFOLLOW_LINKS);
        real.rename(from, to);
        String f = from.toString();
        String t = to.toString();
        if (!dir) {
            byte[] content = contentOf.remove(f);
            contentOf.put(t, content);
            later(to, d -> {
                d.files.remove(f);
                d.files.put(t, content);
            });
            return;
        }
        for (String k : new ArrayList<>(contentOf.keySet())) {
            if (k.startsWith(f + "/")) {
                contentOf.put(t + k.substring(f.length()), contentOf.remove(k));
            }
        }
        later(to, d -> {
            Map<String, byte[]> moved = new LinkedHashMap<>();
            for (String k : new ArrayList<>(d.files.keySet())) {
                if (k.startsWith(f + "/")) {
                    moved.put(t + k.substring(f.length()), d.files.remove(k));
                }
            }
            d.files.putAll(moved);
        });
    }

    @Override
    public void replace(Path from, Path to) throws IOException {
        step();
        boolean link = Files.isSymbolicLink(from);
        String target = link ? Files.readSymbolicLink(from).toString() : null;
        real.replace(from, to);
        String f = from.toString();
        String t = to.toString();
        if (link) {
            later(to, d -> {
                d.links.remove(f);
                d.files.remove(t);
                d.links.put(t, target);
            });
            return;
        }
        byte[] content = contentOf.remove(f);
        contentOf.put(t, content);
        later(to, d -> {
            d.files.remove(f);
            d.links.remove(t);
            d.files.put(t, content);
        });
    }

    @Override
    public void appendDurably(Path file, byte[] bytes) throws IOException {
        step();
        real.appendDurably(file, bytes);
        byte[] content = Files.readAllBytes(file);
        contentOf.put(file.toString(), content);
        if (files.containsKey(file.toString())) {
            files.put(file.toString(), content); // the data is forced and the name already durable
        } else {
            later(file, d -> d.files.put(file.toString(), content));
        }
    }

    @Override
    public void createSymlink(Path link, Path target) throws IOException {
        step();
        real.createSymlink(link, target);
        later(link, d -> d.links.put(link.toString(), target.toString()));
    }

    @Override
    public void forceDirectory(Path dir) throws IOException {
        step();
        real.forceDirectory(dir);
        List<Consumer<PowerLossIO>> effects = unforced.remove(dir.toString());
        if (effects != null) {
            for (Consumer<PowerLossIO> e : effects) {
                e.accept(this);
            }
        }
    }

    @Override
    public FileChannel openLockFile(Path file) throws IOException {
        return real.openLockFile(file);
    }

    @Override
    public void deleteIfExists(Path file) throws IOException {
        step();
        real.deleteIfExists(file);
        contentOf.remove(file.toString());
        later(file, d -> d.files.remove(file.toString()));
    }

    /** The file system as it comes back after the power loss, in {@code fresh} (an empty jimfs). */
    public void reboot(java.nio.file.FileSystem fresh) throws IOException {
        for (String d : directories) {
            Files.createDirectories(fresh.getPath(d));
        }
        for (Map.Entry<String, byte[]> e : files.entrySet()) {
            Path p = fresh.getPath(e.getKey());
            Files.createDirectories(p.getParent());
            Files.write(p, e.getValue() == null ? new byte[0] : e.getValue());
        }
        for (Map.Entry<String, String> e : links.entrySet()) {
            Path p = fresh.getPath(e.getKey());
            Files.createDirectories(p.getParent());
            Files.deleteIfExists(p);
            Files.createSymbolicLink(p, fresh.getPath(e.getValue()));
        }
    }
}
