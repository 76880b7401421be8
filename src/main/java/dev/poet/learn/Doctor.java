package dev.poet.learn;

import dev.poet.PoetException;
import dev.poet.correlate.CorrelationIndex;
import dev.poet.event.EventCodec;
import dev.poet.event.EventLog;
import dev.poet.json.Json;
import dev.poet.store.AtomicFile;
import dev.poet.store.EventSpool.State;
import dev.poet.store.FileClock;
import dev.poet.store.Locks;
import dev.poet.store.Store;
import dev.poet.store.Sweeper;
import dev.poet.store.Versions;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * {@code poet doctor}: looks for what a crash, a half-finished copy or a careless hand can leave
 * in a store, explains each finding, and with {@code repair} fixes what can be fixed without
 * guessing: an interrupted change is completed from the journal; a missing or broken
 * {@code current} is pointed at the version the history last made live; an unreadable params file
 * is rewritten from the history; a torn last history line is set aside (kept beside the history);
 * unreadable or foreign files in pending/ are moved to failed/ with the reason; links in the store
 * that lead outside it are removed; stale temporary files are swept. Nothing else is touched.
 */
public final class Doctor {
    private final Store store;
    private final EventLog events;

    public Doctor(Store store, EventLog events) {
        this.store = store;
        this.events = events;
    }

    /** One finding: where, what is wrong, and what a repair does (or did). */
    public record Finding(String where, String problem, String repair, boolean repaired) {
        public Map<String, Object> toMap() {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("where", where);
            m.put("problem", problem);
            m.put("repair", repair);
            m.put("repaired", repaired);
            return m;
        }
    }

    public List<Finding> examine(boolean repair) throws IOException {
        List<Finding> out = new ArrayList<>();
        Versions versions = store.versions();
        for (String fn : versions.functions()) {
            try (Locks.Held lock = repair ? versions.lock(fn) : null) {
                function(fn, repair, out);
            }
        }
        pending(repair, out);
        links(store.root(), repair, out);
        long stale = staleTmp();
        if (stale > 0) {
            boolean done = false;
            if (repair) {
                new Sweeper(store, events.clock(), () -> CorrelationIndex.processedLog(store)).sweep();
                done = true;
            }
            out.add(new Finding("events/tmp", stale + " temporary files older than 36 hours (left by killed writers)",
                    "delete them (poet sweep does too)", done));
        }
        return out;
    }

    private void function(String fn, boolean repair, List<Finding> out) throws IOException {
        Versions versions = store.versions();
        Path history = versions.historyFile(fn);
        if (Files.exists(history)) {
            List<String> lines = Files.readAllLines(history, StandardCharsets.UTF_8);
            int bad = -1;
            for (int i = 0; i < lines.size(); i++) {
                if (lines.get(i).isBlank()) {
                    continue;
                }
                try {
                    Json.parseObject(lines.get(i).getBytes(StandardCharsets.UTF_8), "history");
                } catch (PoetException e) {
                    bad = i;
                }
            }
            if (bad >= 0) {
                boolean last = bad == lines.size() - 1;
                boolean done = false;
                if (repair && last) {
                    Path aside = history.resolveSibling(history.getFileName() + ".torn-" + events.clock().millis());
                    Files.copy(history, aside);
                    StringBuilder kept = new StringBuilder();
                    for (int i = 0; i < bad; i++) {
                        kept.append(lines.get(i)).append('\n');
                    }
                    AtomicFile.write(store.io(), store.tmpDir(), history, kept.toString().getBytes(StandardCharsets.UTF_8));
                    done = true;
                }
                out.add(new Finding(history.getFileName().toString(), "line " + (bad + 1) + " is not valid JSON"
                        + (last ? " (a torn last line: a write cut short)" : " (not the last line: edited by hand?)"),
                        last ? "set the torn line aside in " + history.getFileName() + ".torn-<time> and drop it"
                                : "none: fix or remove the line by hand", done));
            }
        }
        Path params = versions.paramsFile(fn);
        boolean paramsBad = false;
        if (Files.exists(params)) {
            try {
                Json.parseObject(Files.readAllBytes(params), params.getFileName().toString());
            } catch (PoetException e) {
                paramsBad = true;
            }
        }
        var current = versions.current(fn);
        String lastLive = null;
        for (Map<String, Object> h : store.versions().history(fn)) {
            if (("deploy".equals(h.get("action")) || "rollback".equals(h.get("action"))) && h.get("version") instanceof String
                    && Files.isRegularFile(versions.versionFile(fn, (String) h.get("version")))) {
                lastLive = (String) h.get("version");
            }
        }
        if (current.version().isEmpty()) {
            List<Integer> ns = versions.versionNumbers(fn);
            String target = lastLive != null ? lastLive : ns.isEmpty() ? null : "v" + ns.get(ns.size() - 1);
            boolean done = false;
            if (repair && target != null) {
                versions.swapCurrent(fn, target);
                done = true;
            }
            out.add(new Finding(fn + "_current.py", current.problem().orElse("missing"),
                    target == null ? "none: no version file to point at" : "point it at " + target
                            + (lastLive != null ? ", the version the history last made live" : ", the highest version"), done));
        }
        if (paramsBad) {
            Map<String, Object> known = lastLive == null ? null
                    : Deployer.paramsWhenLastLive(store.versions().history(fn), lastLive);
            boolean done = false;
            if (repair && known != null) {
                versions.writeParams(fn, (Json.pretty(known) + "\n").getBytes(StandardCharsets.UTF_8));
                done = true;
            }
            out.add(new Finding(params.getFileName().toString(), "not valid JSON",
                    known == null ? "none: the history does not say what they were; set them with poet config set"
                            : "rewrite them from the history", done));
        }
        dev.poet.store.Shadows shadows = new dev.poet.store.Shadows(store);
        if (java.nio.file.Files.exists(shadows.file(fn))) {
            String why = null;
            try {
                shadows.read(fn);
            } catch (dev.poet.PoetException e) {
                why = e.getMessage();
            }
            if (why != null) {
                if (repair) {
                    shadows.remove(fn); // the function's lock is held while it is repaired
                }
                out.add(new Finding(shadows.file(fn).getFileName().toString(), why,
                        "remove it: the shadow stops, nothing live changes", repair));
            }
        }
        if (current.version().isPresent() && !paramsBad) {
            String pendingChange = repair ? Journal.recover(store, events, fn) : null;
            if (pendingChange != null) {
                out.add(new Finding(fn + "_history.jsonl", "a change was interrupted", "completed: " + pendingChange, true));
            } else if (!repair && lastLive != null && !lastLive.equals(current.version().get())) {
                out.add(new Finding(fn + "_current.py", "the history last made " + lastLive + " live, but current is "
                        + current.version().get() + " (an interrupted change)", "complete it from the history", false));
            }
        }
    }

    /** Files in pending/ that are not readable events, or not files: moved to failed/ with the reason. */
    private void pending(boolean repair, List<Finding> out) throws IOException {
        Path pending = store.spool().dir(State.PENDING);
        Path failed = store.spool().dir(State.FAILED);
        if (!Files.isDirectory(pending)) {
            return;
        }
        List<Path> bad = new ArrayList<>();
        List<String> why = new ArrayList<>();
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(pending)) {
            for (Path p : ds) {
                String reason = null;
                if (Files.isSymbolicLink(p) || !Files.isRegularFile(p, LinkOption.NOFOLLOW_LINKS)) {
                    reason = "not a regular file";
                } else if (dev.poet.store.Batches.isBatchName(p.getFileName().toString())) {
                    // a batch is moved aside only when it cannot be read at all; correlate quarantines a
                    // bad line alone, keeping the rest
                    try {
                        List<byte[]> lines = dev.poet.store.Batches.lines(dev.poet.store.Batches.readFile(p));
                        if (lines.isEmpty()) {
                            reason = "an empty batch";
                        }
                    } catch (PoetException e) {
                        reason = e.getMessage();
                    }
                } else {
                    try {
                        EventCodec.decode(Files.readAllBytes(p), p.getFileName().toString());
                    } catch (PoetException e) {
                        reason = e.getMessage();
                    }
                }
                if (reason != null) {
                    bad.add(p);
                    why.add(reason);
                }
            }
        }
        for (int i = 0; i < bad.size(); i++) {
            Path p = bad.get(i);
            boolean link = Files.isSymbolicLink(p);
            boolean done = false;
            if (repair) {
                if (link) {
                    Files.delete(p);
                } else {
                    Path to = failed.resolve(p.getFileName());
                    AtomicFile.create(store.io(), store.tmpDir(), failed.resolve(p.getFileName() + ".reason"),
                            ("doctor: " + why.get(i) + "\n").getBytes(StandardCharsets.UTF_8));
                    store.io().rename(p, to);
                }
                done = true;
            }
            out.add(new Finding("events/pending/" + p.getFileName(), why.get(i),
                    link ? "remove the link" : "move it to failed/ with the reason",
                    done));
        }
    }

    /** Symbolic links anywhere in the store that lead outside it (current links are checked above). */
    private void links(Path root, boolean repair, List<Finding> out) throws IOException {
        Path real = root.toRealPath();
        List<Path> all = new ArrayList<>();
        try (var s = Files.walk(root)) {
            s.filter(Files::isSymbolicLink).forEach(all::add);
        }
        for (Path link : all) {
            if (link.getFileName().toString().endsWith("_current.py") && link.getParent().equals(root)
                    || link.getParent().equals(store.spool().dir(State.PENDING))) {
                continue; // current links and pending/ are examined above
            }
            Path target = link.getParent().resolve(Files.readSymbolicLink(link)).normalize();
            Path resolved = target.toAbsolutePath().normalize();
            if (!resolved.startsWith(real) && !resolved.startsWith(root.toAbsolutePath().normalize())) {
                boolean done = false;
                if (repair) {
                    Files.delete(link);
                    done = true;
                }
                out.add(new Finding(root.relativize(link).toString(), "a link leading outside the store, to " + target,
                        "remove the link (poet never follows it)", done));
            }
        }
    }

    private long staleTmp() throws IOException {
        long n = 0;
        Instant cutoff = FileClock.now(store.tmpDir(), events.clock()).minus(Sweeper.TMP_TTL);
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(store.tmpDir())) {
            for (Path p : ds) {
                if (Files.getLastModifiedTime(p, LinkOption.NOFOLLOW_LINKS).toInstant().isBefore(cutoff)) {
                    n++;
                }
            }
        }
        return n;
    }
}
