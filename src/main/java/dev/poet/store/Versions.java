package dev.poet.store;

import dev.poet.PoetException;
import dev.poet.Status;
import java.io.BufferedReader;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A function's files: immutable numbered versions, the {@code current} pointer, parameters and
 * history.
 *
 * <p>Swapping {@code current} promises: at every instant {@code <fn>_current.py} names a complete
 * version, the old one or the new one. A new relative symlink is made beside it and renamed
 * over it ({@code ln -sfn} is not atomic, rename is); the directory is then forced. The new link
 * is made in {@code events/tmp/}: its relative target resolves once it is renamed into place. Where the
 * file system has no symbolic links, {@code current} is an atomically replaced copy whose first
 * line, {@code # poet-current: vN}, names the version it copies.
 */
public final class Versions {
    private static final Pattern VERSION_FILE = Pattern.compile("([A-Za-z_][A-Za-z0-9_]{0,127})_v([1-9][0-9]{0,8})\\.py");
    private static final Pattern CURRENT_FILE = Pattern.compile("([A-Za-z_][A-Za-z0-9_]{0,127})_current\\.py");
    public static final String COPY_MARKER = "# poet-current: ";

    private final Store store;
    private final Path root;

    Versions(Store store) {
        this.store = store;
        this.root = store.root();
    }

    /** What {@code current} says, or why it says nothing usable. */
    public record Current(Optional<String> version, Optional<String> problem) {
        static Current of(String v) {
            return new Current(Optional.of(v), Optional.empty());
        }

        static Current broken(String why) {
            return new Current(Optional.empty(), Optional.of(why));
        }

        static Current none() {
            return new Current(Optional.empty(), Optional.empty());
        }
    }

    /** Every function that has a version file or a current pointer, sorted by name. */
    public List<String> functions() throws IOException {
        TreeSet<String> names = new TreeSet<>();
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(root, "*.py")) {
            for (Path p : ds) {
                String n = p.getFileName().toString();
                Matcher m = VERSION_FILE.matcher(n);
                if (m.matches()) {
                    names.add(m.group(1));
                    continue;
                }
                m = CURRENT_FILE.matcher(n);
                if (m.matches()) {
                    names.add(m.group(1));
                }
            }
        }
        return new ArrayList<>(names);
    }

    public boolean exists(String fn) throws IOException {
        return !versionNumbers(fn).isEmpty() || Files.exists(currentFile(fn), LinkOption.NOFOLLOW_LINKS);
    }

    /** Version numbers present on disk, ascending. */
    public List<Integer> versionNumbers(String fn) throws IOException {
        Names.function(fn);
        TreeSet<Integer> ns = new TreeSet<>();
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(root, fn + "_v*.py")) {
            for (Path p : ds) {
                Matcher m = VERSION_FILE.matcher(p.getFileName().toString());
                if (m.matches() && m.group(1).equals(fn)) {
                    ns.add(Integer.parseInt(m.group(2)));
                }
            }
        }
        return new ArrayList<>(ns);
    }

    public int nextVersionNumber(String fn) throws IOException {
        List<Integer> ns = versionNumbers(fn);
        return ns.isEmpty() ? 1 : ns.get(ns.size() - 1) + 1;
    }

    public Path versionFile(String fn, String version) {
        return root.resolve(Names.function(fn) + "_" + Names.version(version) + ".py");
    }

    public Path currentFile(String fn) {
        return root.resolve(Names.function(fn) + "_current.py");
    }

    public Path paramsFile(String fn) {
        return root.resolve(Names.function(fn) + "_params.json");
    }

    public Path historyFile(String fn) {
        return root.resolve(Names.function(fn) + "_history.jsonl");
    }

    /** Reads {@code current} without following it anywhere outside the store. */
    public Current current(String fn) throws IOException {
        Path cur = currentFile(fn);
        if (!Files.exists(cur, LinkOption.NOFOLLOW_LINKS)) {
            return Current.none();
        }
        if (Files.isSymbolicLink(cur)) {
            Path target = Files.readSymbolicLink(cur);
            String t = target.toString();
            Matcher m = VERSION_FILE.matcher(t);
            if (target.getNameCount() != 1 || target.isAbsolute() || !m.matches() || !m.group(1).equals(fn)) {
                return Current.broken(cur.getFileName() + " points to '" + t
                        + "', which is not a version of " + fn + " in this store");
            }
            Path resolved = root.resolve(t);
            if (!Files.isRegularFile(resolved, LinkOption.NOFOLLOW_LINKS)) {
                return Current.broken(cur.getFileName() + " points to " + t + ", which does not exist");
            }
            return Current.of("v" + m.group(2));
        }
        if (Files.isRegularFile(cur, LinkOption.NOFOLLOW_LINKS)) {
            try (BufferedReader r = Files.newBufferedReader(cur, StandardCharsets.UTF_8)) {
                String first = r.readLine();
                if (first != null && first.startsWith(COPY_MARKER)) {
                    String v = first.substring(COPY_MARKER.length()).trim();
                    if (Names.isVersion(v) && Files.isRegularFile(versionFile(fn, v))) {
                        return Current.of(v);
                    }
                }
            } catch (java.nio.charset.CharacterCodingException e) {
                // fall through: not a copy poet wrote
            }
            return Current.broken(cur.getFileName() + " is a plain file that does not name a version");
        }
        return Current.broken(cur.getFileName() + " is neither a link nor a file");
    }

    /** The live version, or an error saying why there is none. */
    public String requireCurrent(String fn) throws IOException {
        Current c = current(fn);
        if (c.version().isPresent()) {
            return c.version().get();
        }
        if (c.problem().isPresent()) {
            throw new PoetException(Status.NO_STORE, fn + ": " + c.problem().get() + "; run 'poet rollback " + fn
                    + " --to vN' to point it at a version");
        }
        throw PoetException.notFound("no function " + fn + " in " + root + "; add one with 'poet enhance " + fn
                + " --from FILE.py'");
    }

    /** Writes a new version file; versions are never rewritten, so an existing file is an error. */
    public Path writeVersion(String fn, String version, byte[] code) throws IOException {
        Path file = versionFile(fn, version);
        if (!AtomicFile.create(store.io(), store.tmpDir(), file, code)) {
            throw new PoetException(Status.FAILURE, file.getFileName() + " already exists; versions are never rewritten");
        }
        return file;
    }

    /** Points {@code current} at {@code version}, atomically. */
    public void swapCurrent(String fn, String version) throws IOException {
        Path target = versionFile(fn, version);
        if (!Files.isRegularFile(target)) {
            throw PoetException.notFound(fn + " has no version " + version);
        }
        Path cur = currentFile(fn);
        Path tmp = AtomicFile.tempFor(store.tmpDir(), cur);
        StoreIO io = store.io();
        try {
            io.createSymlink(tmp, target.getFileName());
        } catch (UnsupportedOperationException | FileSystemException e) {
            if (e instanceof java.nio.file.AccessDeniedException) {
                throw (FileSystemException) e;
            }
            byte[] code = Files.readAllBytes(target);
            byte[] marker = (COPY_MARKER + version + "\n").getBytes(StandardCharsets.UTF_8);
            byte[] copy = new byte[marker.length + code.length];
            System.arraycopy(marker, 0, copy, 0, marker.length);
            System.arraycopy(code, 0, copy, marker.length, code.length);
            AtomicFile.write(io, store.tmpDir(), cur, copy);
            return;
        }
        try {
            io.replace(tmp, cur);
        } catch (IOException | RuntimeException e) {
            io.deleteIfExists(tmp);
            throw e;
        }
        io.forceDirectory(root);
    }

    public void writeParams(String fn, byte[] json) throws IOException {
        AtomicFile.write(store.io(), store.tmpDir(), paramsFile(fn), json);
    }

    /** Adds one line to the end of the function's history, atomically: the journal holds the line whole or not at all. */
    public void appendHistory(String fn, byte[] line) throws IOException {
        Path h = historyFile(fn);
        byte[] old = Files.exists(h) ? Files.readAllBytes(h) : new byte[0];
        // a file left by an older poet may end in a line torn by a power loss: it stays, on its own line
        boolean torn = old.length > 0 && old[old.length - 1] != '\n';
        byte[] all = new byte[old.length + (torn ? 1 : 0) + line.length];
        System.arraycopy(old, 0, all, 0, old.length);
        if (torn) {
            all[old.length] = '\n';
        }
        System.arraycopy(line, 0, all, all.length - line.length, line.length);
        // the whole journal replaced at once, not appended to: an append killed where the file crosses
        // a page can leave half a line (the kernel checks for a fatal signal between pages); a rename
        // leaves the old journal or the new one. The caller holds the function's lock, so no other
        // writer can come between the read and the rename.
        AtomicFile.write(store.io(), store.tmpDir(), h, all);
    }

    /** Every readable line of the function's history, oldest first; a torn line (left by an older poet) is skipped. */
    public List<Map<String, Object>> history(String fn) throws IOException {
        Path h = historyFile(Names.function(fn));
        List<Map<String, Object>> out = new ArrayList<>();
        if (!Files.exists(h)) {
            return out;
        }
        for (String line : Files.readAllLines(h, java.nio.charset.StandardCharsets.UTF_8)) {
            if (line.isBlank()) {
                continue;
            }
            try {
                out.add(dev.poet.json.Json.parseObject(line.getBytes(java.nio.charset.StandardCharsets.UTF_8),
                        h.getFileName().toString()));
            } catch (dev.poet.PoetException e) {
                // a torn last line from a crash; status reports it
            }
        }
        return out;
    }

    /** Takes the function's lock, which serialises deploys, rollbacks and parameter changes. */
    public Locks.Held lock(String fn) throws IOException {
        return Locks.acquire(store.io(), store.lockFile("fn-" + Names.function(fn)), store.lockWaitMillis(),
                "function " + fn);
    }
}
