package dev.poet.learn;

import dev.poet.PoetException;
import dev.poet.Status;
import dev.poet.event.EventLog;
import dev.poet.event.Timestamps;
import dev.poet.json.Json;
import dev.poet.store.Locks;
import dev.poet.store.Names;
import dev.poet.store.Store;
import dev.poet.store.Versions;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * Changes one live parameter of a function: replaces {@code <fn>_params.json} atomically under
 * the function's lock, appends the change to {@code <fn>_history.jsonl} and records
 * {@code config.changed} (old value, new value, reason), whose event id is the change's id, so
 * that {@code poet config impact} can measure it.
 */
public final class ParamsChanger {
    private static final Pattern PARAM = Pattern.compile("[A-Za-z_][A-Za-z0-9_.-]{0,63}");

    private final Store store;
    private final EventLog events;

    public ParamsChanger(Store store, EventLog events) {
        this.store = store;
        this.events = events;
    }

    /** A change made; {@code changeId} is null when the value was already the one asked for. */
    public record Change(String function, String parameter, Object oldValue, Object newValue, String changeId, String reason) {
    }

    /** The function's live parameters; a missing file is {@code {}}, an invalid one an error naming it. */
    public static Map<String, Object> read(Store store, String fn) throws IOException {
        Path p = store.versions().paramsFile(Names.function(fn));
        if (!Files.exists(p)) {
            return new LinkedHashMap<>();
        }
        try {
            return Json.parseObject(Files.readAllBytes(p), p.getFileName().toString());
        } catch (PoetException e) {
            throw new PoetException(Status.NO_STORE, e.getMessage() + "; fix it, or set every parameter again");
        }
    }

    public Change set(String fn, String parameter, Object value, String reason) throws IOException {
        Names.function(fn);
        if (!PARAM.matcher(parameter).matches()) {
            throw PoetException.invalid("invalid parameter name " + Names.quote(parameter)
                    + ": use 1-64 characters from A-Z a-z 0-9 _ . -, starting with a letter or _");
        }
        Versions versions = store.versions();
        if (!versions.exists(fn)) {
            throw PoetException.notFound("no function " + fn + " in " + store.root() + "; add one with 'poet enhance'");
        }
        try (Locks.Held lock = versions.lock(fn)) {
            Journal.recover(store, events, fn);
            Map<String, Object> params = read(store, fn);
            Object old = params.get(parameter);
            if (params.containsKey(parameter) && Objects.equals(old, value)) {
                return new Change(fn, parameter, old, value, null, reason);
            }
            String id = events.newId();
            Map<String, Object> line = new LinkedHashMap<>();
            line.put("time", Timestamps.format(events.clock().instant()));
            line.put("action", "config");
            line.put("change_id", id);
            line.put("parameter", parameter);
            line.put("old_value", old);
            line.put("new_value", value);
            line.put("reason", reason);
            line.put("version", versions.current(fn).version().orElse(null));
            Journal.apply(store, events, fn, line);
            return new Change(fn, parameter, old, value, id, reason);
        }
    }
}
