package dev.poet.learn;

import dev.poet.PoetException;
import dev.poet.Status;
import dev.poet.event.Event;
import dev.poet.event.EventLog;
import dev.poet.event.Timestamps;
import dev.poet.generate.CodeCheck;
import dev.poet.generate.Wrapper;
import dev.poet.json.Json;
import dev.poet.store.AtomicFile;
import dev.poet.store.Locks;
import dev.poet.store.Names;
import dev.poet.store.Store;
import dev.poet.store.Versions;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Makes a new version live. The order of steps is what keeps a crash harmless: the version
 * file is complete and durable before {@code current} can point at it, parameters are replaced
 * atomically, and history and events follow the swap, so {@code current} never names a missing
 * or partial file.
 */
public final class Deployer {
    private final Store store;
    private final EventLog events;

    public Deployer(Store store, EventLog events) {
        this.store = store;
        this.events = events;
    }

    /**
     * A version to deploy: from {@code poet enhance} (a person's code, refused as bad input) or
     * from a generator (refused as {@link Status#REJECTED}, its request already recorded).
     */
    public record EnhanceRequest(String function, byte[] code, String origin, Map<String, Object> params,
                                 Map<String, Object> config, Path sourceFile, String python, String generator,
                                 String reason, Status rejectAs, boolean recordRequest, Map<String, Object> details) {
        public static EnhanceRequest enhance(String function, byte[] code, String origin, Map<String, Object> params,
                                             Map<String, Object> config, Path sourceFile, String python) {
            return new EnhanceRequest(function, code, origin, params, config, sourceFile, python, "enhance", "enhance",
                    Status.INVALID, true, null);
        }
    }

    /** What a deploy did. */
    public record Deployed(String function, String version, String previousVersion, Path file, boolean paramsWritten,
                           boolean compiled, String sha256, List<String> eventIds) {
    }

    /** The largest source recorded in enhancement.requested as {@code dana_source}; a larger one is only copied. */
    public static final int MAX_DANA_SOURCE_BYTES = 256 * 1024;

    /** The source as text for the event, or null when it is over the limit or not UTF-8 text. */
    static String danaSource(byte[] source) {
        if (source == null || source.length > MAX_DANA_SOURCE_BYTES) {
            return null;
        }
        try {
            return java.nio.charset.StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(java.nio.charset.CodingErrorAction.REPORT)
                    .onUnmappableCharacter(java.nio.charset.CodingErrorAction.REPORT)
                    .decode(java.nio.ByteBuffer.wrap(source)).toString();
        } catch (java.nio.charset.CharacterCodingException e) {
            return null;
        }
    }

    public Deployed enhance(EnhanceRequest req) throws IOException {
        String fn = Names.function(req.function());
        CodeCheck.Result checked = CodeCheck.check(fn, req.code(), req.python(), req.rejectAs());
        byte[] sourceCopy = null;
        if (req.sourceFile() != null) {
            if (!Files.isRegularFile(req.sourceFile())) {
                throw PoetException.invalid("--source-file " + req.sourceFile() + " is not a readable file");
            }
            if (Files.size(req.sourceFile()) > CodeCheck.MAX_CODE_BYTES) {
                throw PoetException.invalid("--source-file " + req.sourceFile() + " is over the 1 MiB limit");
            }
            sourceCopy = Files.readAllBytes(req.sourceFile());
        }
        Versions versions = store.versions();
        List<String> ids = new ArrayList<>();
        Deployed deployed;
        Map<String, Object> predecessorParams;
        boolean replayable;
        try (Locks.Held lock = versions.lock(fn)) {
            Journal.recover(store, events, fn);
            String previous = versions.current(fn).version().orElse(null);
            String version = "v" + versions.nextVersionNumber(fn);

            if (req.recordRequest()) {
                Map<String, Object> requested = new LinkedHashMap<>();
                requested.put("reason", req.reason());
                requested.put("generator", req.generator());
                requested.put("function_name", fn);
                if (req.config() != null) {
                    requested.put("enhancement_config", req.config());
                }
                if (req.sourceFile() != null) {
                    requested.put("source_file", req.sourceFile().toString());
                    String text = danaSource(sourceCopy);
                    if (text != null) {
                        requested.put("dana_source", text);
                    }
                }
                ids.add(events.record(event("enhancement.requested", fn, null, requested)).event().id());
            }

            byte[] wrapped = Wrapper.wrap(fn, version, checked.source(), req.origin());
            Path file = versions.writeVersion(fn, version, wrapped);
            if (sourceCopy != null) {
                String base = req.sourceFile().getFileName().toString().replaceAll("[^A-Za-z0-9._-]", "_");
                AtomicFile.create(store.io(), store.tmpDir(), store.sourcesDir().resolve(fn + "_" + version + "_" + base), sourceCopy);
            }
            boolean paramsWritten = req.params() != null || !Files.exists(versions.paramsFile(fn));
            Map<String, Object> params = req.params() != null ? req.params()
                    : Files.exists(versions.paramsFile(fn)) ? ParamsChanger.read(store, fn) : new LinkedHashMap<>();
            String sha = sha256(wrapped);
            Map<String, Object> line = new LinkedHashMap<>();
            line.put("time", Timestamps.format(events.clock().instant()));
            line.put("action", "deploy");
            line.put("version", version);
            line.put("previous_version", previous);
            line.put("reason", req.reason());
            line.put("generator", req.generator());
            line.put("sha256", sha);
            line.put("params", params);
            if (req.details() != null) {
                line.putAll(req.details());
            }
            line.put("completed_event_id", events.newId());
            line.put("event_id", events.newId());
            Journal.apply(store, events, fn, line);
            ids.add((String) line.get("completed_event_id"));
            ids.add((String) line.get("event_id"));
            deployed = new Deployed(fn, version, previous, file, paramsWritten, checked.compiled(), sha, ids);
            predecessorParams = previous == null ? null : paramsWhenLastLive(versions.history(fn), previous);
            replayable = "params".equals(line.get("kind")) && predecessorParams != null
                    && Replay.onlyRulesDiffer(params, predecessorParams);
        }
        if (deployed.previousVersion() != null && !replayable && predecessorParams != null
                && (req.details() == null || req.details().get("shadow") == null)) {
            // the predecessor's decisions cannot be replayed from what the new version's executions
            // record: it runs in shadow during probation, so probation compares the same executions
            new ShadowTrials(store, events).startPredecessor(fn, deployed.version(), deployed.previousVersion(),
                    predecessorParams);
        }
        return deployed;
    }

    /**
     * Makes an existing version that was never live (a shadow's code) live with {@code params}: the
     * same journal as a deploy, without a new file. Refused when the version is missing or live.
     */
    public Deployed promote(String fn, String version, Map<String, Object> params, String reason,
                            Map<String, Object> details) throws IOException {
        Versions versions = store.versions();
        try (Locks.Held lock = versions.lock(fn)) {
            Journal.recover(store, events, fn);
            String previous = versions.current(fn).version().orElse(null);
            Path file = versions.versionFile(fn, version);
            if (!Files.isRegularFile(file)) {
                throw PoetException.notFound(fn + " has no version " + version);
            }
            if (version.equals(previous)) {
                throw PoetException.invalid(fn + " " + version + " is live already");
            }
            String sha = sha256(Files.readAllBytes(file));
            Map<String, Object> line = new LinkedHashMap<>();
            line.put("time", Timestamps.format(events.clock().instant()));
            line.put("action", "deploy");
            line.put("version", version);
            line.put("previous_version", previous);
            line.put("reason", reason);
            line.put("generator", "shadow");
            line.put("sha256", sha);
            line.put("params", params);
            if (details != null) {
                line.putAll(details);
            }
            line.put("completed_event_id", events.newId());
            line.put("event_id", events.newId());
            Journal.apply(store, events, fn, line);
            return new Deployed(fn, version, previous, file, true, false, sha,
                    List.of((String) line.get("completed_event_id"), (String) line.get("event_id")));
        }
    }

    private Event event(String type, String fn, String version, Map<String, Object> data) {
        return new Event(events.newId(), type, events.clock().instant(), "cli", fn, version, null, data, null);
    }

    static String sha256(byte[] b) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(b));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** What a rollback did; {@code from} is null when the target was already live. */
    public record RolledBack(String function, String version, String from, String eventId, boolean paramsRestored) {
    }

    /**
     * The parameters that were live when {@code target} was last live, folded from the history:
     * deploys and rollbacks record the parameters they leave live, {@code config} lines change one.
     * Null when the history cannot tell (lines written before poet recorded parameters on them).
     */
    @SuppressWarnings("unchecked")
    static Map<String, Object> paramsWhenLastLive(List<Map<String, Object>> history, String target) {
        Map<String, Object> params = null;
        String live = null;
        Map<String, Object> snapshot = null;
        for (Map<String, Object> h : history) {
            Object action = h.get("action");
            if ("deploy".equals(action) || "rollback".equals(action)) {
                if (target.equals(live) && !target.equals(h.get("version"))) {
                    snapshot = params == null ? null : new LinkedHashMap<>(params);
                }
                live = h.get("version") instanceof String ? (String) h.get("version") : null;
                params = h.get("params") instanceof Map ? new LinkedHashMap<>((Map<String, Object>) h.get("params")) : null;
            } else if ("config".equals(action) && params != null && h.get("parameter") instanceof String) {
                params.put((String) h.get("parameter"), h.get("new_value"));
            }
        }
        if (target.equals(live)) {
            snapshot = params;
        }
        return snapshot;
    }

    /**
     * Makes an earlier version live again: {@code to}, or by default the version that was live
     * before the current one, as the history says (not the next lower number). The swap is atomic;
     * a history line and {@code version.rolled_back} record it. With {@code current} missing or
     * broken, {@code to} must be given, and the rollback repairs it.
     */
    public RolledBack rollback(String fn, String to, String reason) throws IOException {
        return rollback(fn, to, reason, null);
    }

    /** As {@link #rollback(String, String, String)}, but only while {@code expectCurrent} (when given) is live; else null. */
    public RolledBack rollback(String fn, String to, String reason, String expectCurrent) throws IOException {
        Names.function(fn);
        Versions versions = store.versions();
        if (!versions.exists(fn)) {
            throw PoetException.notFound("no function " + fn + " in " + store.root());
        }
        if (to != null) {
            Names.version(to);
        }
        try (Locks.Held lock = versions.lock(fn)) {
            Journal.recover(store, events, fn);
            String current = versions.current(fn).version().orElse(null);
            if (expectCurrent != null && !expectCurrent.equals(current)) {
                return null;
            }
            String target = to != null ? to : previousLive(fn, current);
            List<Integer> ns = versions.versionNumbers(fn);
            if (!ns.contains(Integer.parseInt(target.substring(1)))) {
                List<String> have = new ArrayList<>();
                for (int n : ns) {
                    have.add("v" + n);
                }
                throw PoetException.notFound(fn + " has no version " + target + "; it has " + String.join(", ", have));
            }
            if (target.equals(current)) {
                return new RolledBack(fn, target, null, null, false);
            }
            List<Map<String, Object>> history = store.versions().history(fn);
            Map<String, Object> params = paramsWhenLastLive(history, target);
            Map<String, Object> live = ParamsChanger.read(store, fn);
            boolean restored = params != null && !Json.sameValue(params, live);
            String why = reason != null ? reason : "manual rollback";
            Map<String, Object> line = new LinkedHashMap<>();
            line.put("time", Timestamps.format(events.clock().instant()));
            line.put("action", "rollback");
            line.put("version", target);
            line.put("previous_version", current);
            line.put("reason", why);
            line.put("params", params != null ? params : live);
            if (restored) {
                line.put("params_restored", true);
            }
            String id = events.newId();
            line.put("event_id", id);
            Journal.apply(store, events, fn, line);
            return new RolledBack(fn, target, current, id, restored);
        }
    }

    /** The version live before {@code current} became live, from the last history line that made it live. */
    private String previousLive(String fn, String current) throws IOException {
        if (current == null) {
            throw PoetException.invalid(fn + " has no valid current version; name the one to make live with --to vN");
        }
        String previous = null;
        for (Map<String, Object> h : store.versions().history(fn)) {
            if (current.equals(h.get("version")) && ("deploy".equals(h.get("action")) || "rollback".equals(h.get("action")))) {
                previous = h.get("previous_version") instanceof String ? (String) h.get("previous_version") : null;
            }
        }
        if (previous == null) {
            throw PoetException.notFound(fn + " " + current + " has no earlier live version in its history; use --to vN");
        }
        return previous;
    }
}
