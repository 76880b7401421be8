package dev.poet.store;

import dev.poet.PoetException;
import dev.poet.Status;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;

/**
 * The {@code .poet} directory: its layout and the objects that own each part of it. Opening a
 * store checks the layout and nothing more, so the hot path ({@code poet record},
 * {@code poet feedback}) stays cheap.
 */
public final class Store {
    public static final String DIR_NAME = ".poet";
    public static final String SETTINGS = "poet.json";
    public static final String RUNTIME = "poet_runtime.py";
    public static final String SOURCES = "sources";
    public static final String LOCKS = "locks";
    public static final String PROMPTS = "prompts";
    public static final String EVENTS = "events";
    public static final String INDEX = "index";
    /** By default a lock is waited for this long, at most, before the command gives up with {@code BUSY}. */
    public static final long DEFAULT_LOCK_WAIT_MILLIS = 10_000;

    private final Path root;
    private final StoreIO io;
    private final EventSpool spool;
    private long lockWaitMillis = DEFAULT_LOCK_WAIT_MILLIS;

    private Store(Path root, StoreIO io) {
        this.root = root;
        this.io = io;
        this.spool = new EventSpool(io, root.resolve(EVENTS));
    }

    /** Opens an existing store, checking that its layout is complete. */
    public static Store open(Path root, StoreIO io) {
        if (!Files.isDirectory(root)) {
            throw new PoetException(Status.NO_STORE, "no store at " + root + "; create one with 'poet init'");
        }
        Store store = new Store(root, io);
        Path pending = store.spool.dir(EventSpool.State.PENDING);
        for (Path p : store.requiredPaths()) {
            if (Files.exists(p)) {
                continue;
            }
            if (p.equals(pending) && Files.isDirectory(root.resolve(EVENTS))) {
                // a correlate claim renames pending/ away and then puts a fresh one in its place: missing
                // now is that moment (or a claim killed in between), not an incomplete store
                try {
                    Claims.ensurePending(io, root.resolve(EVENTS));
                } catch (IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
                continue;
            }
            throw new PoetException(Status.NO_STORE, "store " + root + " is incomplete: "
                    + root.relativize(p) + " is missing; run 'poet init " + root + "' to repair it");
        }
        return store;
    }

    /**
     * Creates the layout, {@code poet.json} (kept if present) and {@code poet_runtime.py}
     * (rewritten only when it differs from this version's runtime). Harmless to run twice.
     */
    public static Store init(Path root, StoreIO io) throws IOException {
        Files.createDirectories(root);
        Store store = new Store(root, io);
        Files.createDirectories(root.resolve(LOCKS));
        Files.createDirectories(root.resolve(SOURCES));
        Files.createDirectories(root.resolve(PROMPTS));
        Files.createDirectories(root.resolve(INDEX));
        for (EventSpool.State s : EventSpool.State.values()) {
            Files.createDirectories(store.spool.dir(s));
        }
        Path settings = store.settingsFile();
        if (!Files.exists(settings)) {
            AtomicFile.create(io, store.tmpDir(), settings, Settings.defaultBytes());
        }
        byte[] runtime = runtimeSource();
        Path rt = root.resolve(RUNTIME);
        if (!Files.exists(rt) || !Arrays.equals(Files.readAllBytes(rt), runtime)) {
            AtomicFile.write(io, store.tmpDir(), rt, runtime);
        }
        io.forceDirectory(root);
        return store;
    }

    /** The Python runtime shipped with this build of poet. */
    public static byte[] runtimeSource() {
        try (InputStream in = Store.class.getResourceAsStream(RUNTIME)) {
            if (in == null) {
                throw new IllegalStateException("poet_runtime.py missing from the poet jar");
            }
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private List<Path> requiredPaths() {
        return List.of(settingsFile(), spool.dir(EventSpool.State.TMP), spool.dir(EventSpool.State.PENDING),
                spool.dir(EventSpool.State.PROCESSED), spool.dir(EventSpool.State.FAILED), root.resolve(LOCKS));
    }

    public Path root() {
        return root;
    }

    public StoreIO io() {
        return io;
    }

    public EventSpool spool() {
        return spool;
    }

    /** Where every temporary file of the store lives: event deliveries and atomic replacements alike. */
    public Path tmpDir() {
        return spool.dir(EventSpool.State.TMP);
    }

    /** Derived, rebuildable state (the correlation index); created on demand for stores made before it existed. */
    public Path indexDir() throws IOException {
        return Files.createDirectories(root.resolve(INDEX));
    }

    public Claims claims() {
        return new Claims(io, root.resolve(EVENTS));
    }

    public Segments segments() {
        return new Segments(io, spool.dir(EventSpool.State.PROCESSED), tmpDir());
    }

    public Path settingsFile() {
        return root.resolve(SETTINGS);
    }

    public Path lockFile(String name) {
        return root.resolve(LOCKS).resolve(name + ".lock");
    }

    public Path sourcesDir() {
        return root.resolve(SOURCES);
    }

    /** How long to wait for a lock held by another process before failing with {@code BUSY}. */
    public Store lockWait(long millis) {
        this.lockWaitMillis = Math.max(0, millis);
        return this;
    }

    public long lockWaitMillis() {
        return lockWaitMillis;
    }

    public Versions versions() {
        return new Versions(this);
    }
}
