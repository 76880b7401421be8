package dev.poet.store;

import dev.poet.PoetException;
import dev.poet.Status;
import dev.poet.json.Json;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * A function's shadow candidate: {@code <fn>_shadow.json}, read by the Python runtime (and served
 * with the live version by {@code poet serve}) to run the candidate on the same inputs after each
 * live call. At most one per function. Written and removed by an atomic replace or delete under
 * the function's lock, so a reader sees the old registration, the new one, or none.
 */
public final class Shadows {
    /** Fields of the registration. */
    public static final String ID = "id";
    public static final String KIND = "kind";
    public static final String LIVE = "live";
    public static final String SHADOW_VERSION = "shadow_version";
    public static final String OVERLAY = "overlay";
    public static final String SAMPLE = "sample";
    public static final String TIMEOUT_MS = "timeout_ms";
    public static final String REASON = "reason";
    public static final String ORIGIN = "origin";
    public static final String STARTED = "started";
    /** Kinds: the live code with changed parameters, or another stored version's code. */
    public static final String PARAMS = "params";
    public static final String CODE_KIND = "code";

    /** "{"seasonal_adjustment":true}", or "the code of v3" (with its overlay, if any): what a shadow runs. */
    public static String describe(Map<String, Object> registration) {
        Object overlay = registration.get(OVERLAY);
        String params = overlay instanceof Map && !((Map<?, ?>) overlay).isEmpty()
                ? new String(Json.encode(overlay), StandardCharsets.UTF_8) : null;
        Object v = registration.get(SHADOW_VERSION);
        if (v == null) {
            return params == null ? "{}" : params;
        }
        return "the code of " + v + (params == null ? "" : " with " + params);
    }

    private final Store store;

    public Shadows(Store store) {
        this.store = store;
    }

    public Path file(String fn) {
        return store.root().resolve(Names.function(fn) + "_shadow.json");
    }

    /** The function's shadow registration, if one runs; an unreadable file is an error that names it. */
    public Optional<Map<String, Object>> read(String fn) throws IOException {
        Path f = file(fn);
        if (!Files.exists(f)) {
            return Optional.empty();
        }
        byte[] b;
        try {
            b = Files.readAllBytes(f);
        } catch (java.nio.file.NoSuchFileException e) {
            return Optional.empty(); // removed between the check and the read
        }
        Map<String, Object> m;
        try {
            m = Json.parseObject(b, f.getFileName().toString());
        } catch (PoetException e) {
            throw new PoetException(Status.NO_STORE, e.getMessage() + "; 'poet doctor --repair' removes it");
        }
        if (!(m.get(ID) instanceof String) || !(m.get(OVERLAY) instanceof Map)) {
            throw new PoetException(Status.NO_STORE, f.getFileName() + " is not a shadow registration (no id or overlay);"
                    + " 'poet doctor --repair' removes it");
        }
        return Optional.of(m);
    }

    /** Writes the registration atomically; the caller holds the function's lock. */
    public void write(String fn, Map<String, Object> registration) throws IOException {
        Map<String, Object> m = new LinkedHashMap<>(registration);
        AtomicFile.write(store.io(), store.tmpDir(), file(fn), (Json.pretty(m) + "\n").getBytes(StandardCharsets.UTF_8));
    }

    /** Removes the registration; the caller holds the function's lock. */
    public void remove(String fn) throws IOException {
        store.io().deleteIfExists(file(fn));
        store.io().forceDirectory(store.root());
    }
}
