package dev.poet.learn;

import dev.poet.PoetException;
import dev.poet.Status;
import dev.poet.event.Event;
import dev.poet.event.EventLog;
import dev.poet.event.Timestamps;
import dev.poet.generate.CodeCheck;
import dev.poet.generate.Wrapper;
import dev.poet.json.Json;
import dev.poet.store.Locks;
import dev.poet.store.Names;
import dev.poet.store.Shadows;
import dev.poet.store.Store;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * Shadow candidates: a change whose effect cannot be replayed from what executions recorded (a
 * seasonal or window switch) runs beside the live version before it alerts anyone. The runtime
 * calls it on the same inputs after each live call and records its decision as
 * {@code execution.shadow} under the same execution id; {@link #judge} compares the two on the
 * same executions and {@code poet learn} promotes, keeps waiting, or discards.
 *
 * <p>The registration file is the truth about what runs; the history lines
 * ({@code shadow_started}, {@code shadow_ended}) and events say what happened and why.
 */
public final class ShadowTrials {
    /** A shadow failing on this share of its calls (or more) is discarded. */
    static final double DISCARD_FAILURES = 0.05;
    /** A shadow is promoted only while it fails on less than this share of its calls. */
    static final double PROMOTE_FAILURES = 0.01;
    /** Calls before the failure share decides anything. */
    static final long FAILURE_MIN_CALLS = 20;
    /** With no significant difference after this many times the sample size, the shadow is discarded. */
    static final long GIVE_UP_FACTOR = 10;
    /** How long a shadow call may take before it counts as failed, unless the registration says otherwise. */
    public static final long DEFAULT_TIMEOUT_MS = 2_000;

    private final Store store;
    private final EventLog events;
    private final Shadows shadows;

    public ShadowTrials(Store store, EventLog events) {
        this.store = store;
        this.events = events;
        this.shadows = new Shadows(store);
    }

    public Optional<Map<String, Object>> registration(String fn) throws IOException {
        return shadows.read(fn);
    }

    /**
     * Starts a shadow that runs the live code with {@code overlay} laid over the parameters each
     * call runs with, on a {@code sample} of calls. Refused while the function has a shadow
     * already, or when the overlay changes nothing.
     */
    public Map<String, Object> start(String fn, Map<String, Object> overlay, double sample, long timeoutMs, String reason,
                                     String origin) throws IOException {
        return start(fn, null, null, overlay, sample, timeoutMs, reason, origin);
    }

    /**
     * Starts a shadow; with {@code code} (not null) it runs that code, checked as a deploy checks it
     * and written as the next version (which does not go live), with {@code overlay} laid over the
     * parameters of each call as for a parameters shadow.
     */
    public Map<String, Object> start(String fn, byte[] code, String python, Map<String, Object> overlay, double sample,
                                     long timeoutMs, String reason, String origin) throws IOException {
        return start(fn, code, python, null, overlay, sample, timeoutMs, reason, origin);
    }

    /** The predecessor of a deploy, run in shadow during the new version's probation (origin {@code probation}). */
    public static final String PROBATION = "probation";

    /**
     * Runs {@code predecessor} (a stored version) with {@code params} in shadow beside the version
     * just deployed, so its probation compares the two on the same executions. Nothing when the
     * function runs a shadow already (probation then compares periods). Null when none started.
     */
    public Map<String, Object> startPredecessor(String fn, String deployed, String predecessor, Map<String, Object> params)
            throws IOException {
        if (shadows.read(fn).isPresent()) {
            return null;
        }
        try {
            return start(fn, null, null, predecessor, params, 1.0, DEFAULT_TIMEOUT_MS, "the predecessor " + predecessor
                    + ", run beside " + deployed + " during its probation so that the two are judged on the same executions",
                    PROBATION);
        } catch (PoetException | IOException e) {
            // started by someone else meanwhile, the live version moved on, or the store refused the
            // write: the deploy stands, and its probation compares periods
            return null;
        }
    }

    private Map<String, Object> start(String fn, byte[] code, String python, String existing, Map<String, Object> overlay,
                                      double sample, long timeoutMs, String reason, String origin) throws IOException {
        Names.function(fn);
        if (overlay.isEmpty() && code == null && existing == null) {
            throw PoetException.invalid("a shadow needs at least one parameter to change, or code to run");
        }
        CodeCheck.Result checked = code == null ? null
                : CodeCheck.check(fn, code, python, "person".equals(origin) ? Status.INVALID : Status.REJECTED);
        if (!(sample > 0 && sample <= 1)) {
            throw PoetException.invalid("the shadow's sample must be a fraction of calls in (0, 1], not " + sample);
        }
        if (timeoutMs < 1 || timeoutMs > 600_000) {
            throw PoetException.invalid("the shadow's timeout must be 1 to 600000 ms, not " + timeoutMs);
        }
        try (Locks.Held lock = store.versions().lock(fn)) {
            Journal.recover(store, events, fn);
            String live = store.versions().requireCurrent(fn);
            Optional<Map<String, Object>> running = shadows.read(fn);
            if (running.isPresent()) {
                throw new PoetException(Status.INVALID, fn + " already runs shadow " + running.get().get(Shadows.ID)
                        + "; 'poet shadow promote' or 'poet shadow discard' it first");
            }
            Map<String, Object> params = ParamsChanger.read(store, fn);
            boolean changes = false;
            for (Map.Entry<String, Object> e : overlay.entrySet()) {
                changes |= !params.containsKey(e.getKey()) || !Json.sameValue(params.get(e.getKey()), e.getValue());
            }
            if (!changes && code == null && existing == null) {
                throw PoetException.invalid("the shadow changes nothing: " + fn + " already runs with "
                        + new String(Json.encode(overlay), StandardCharsets.UTF_8));
            }
            String id = events.newId();
            String kind = code == null && existing == null ? Shadows.PARAMS : Shadows.CODE_KIND;
            String shadowVersion = existing;
            if (existing != null && (existing.equals(live) || !Files.isRegularFile(store.versions().versionFile(fn, existing)))) {
                throw PoetException.invalid(fn + " " + existing + " is live, or not stored: it cannot run in shadow");
            }
            if (checked != null) {
                shadowVersion = "v" + store.versions().nextVersionNumber(fn);
                store.versions().writeVersion(fn, shadowVersion,
                        Wrapper.wrap(fn, shadowVersion, checked.source(), "shadow " + id + " (" + origin + ")"));
            }
            Map<String, Object> r = new LinkedHashMap<>();
            r.put(Shadows.ID, id);
            r.put("function", fn);
            r.put(Shadows.KIND, kind);
            if (shadowVersion != null) {
                r.put(Shadows.SHADOW_VERSION, shadowVersion);
            }
            r.put(Shadows.LIVE, live);
            r.put(Shadows.OVERLAY, overlay);
            r.put(Shadows.SAMPLE, sample);
            r.put(Shadows.TIMEOUT_MS, timeoutMs);
            r.put(Shadows.REASON, reason);
            r.put(Shadows.ORIGIN, origin);
            r.put(Shadows.STARTED, Timestamps.format(events.clock().instant()));
            shadows.write(fn, r);
            Map<String, Object> line = new LinkedHashMap<>();
            line.put("time", r.get(Shadows.STARTED));
            line.put("action", "shadow_started");
            line.put("shadow", id);
            line.put("version", live);
            line.put("kind", kind);
            if (shadowVersion != null) {
                line.put(Shadows.SHADOW_VERSION, shadowVersion);
            }
            line.put("overlay", overlay);
            line.put("sample", sample);
            line.put("reason", reason);
            line.put("origin", origin);
            store.versions().appendHistory(fn, Json.encodeLine(line));
            Map<String, Object> data = new LinkedHashMap<>();
            data.put("shadow", id);
            data.put("reason", reason);
            data.put("kind", kind);
            if (shadowVersion != null) {
                data.put(Shadows.SHADOW_VERSION, shadowVersion);
            }
            data.put("overlay", overlay);
            data.put("sample", sample);
            data.put("origin", origin);
            events.record(new Event(id + ".started", "shadow.started", events.clock().instant(), "poet", fn, live, null, data,
                    null));
            return r;
        }
    }

    /** Where a shadow stands: {@code promote}, {@code discard} or {@code waiting}, why, and the numbers. */
    public record Verdict(String function, String shadow, String state, String reason, Map<String, Object> comparison) {
        public Map<String, Object> toMap() {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("shadow", shadow);
            m.put("state", state);
            m.put("reason", reason);
            if (comparison != null) {
                m.put("comparison", comparison);
            }
            return m;
        }
    }

    /**
     * Judges a shadow on the counted executions it decided too ({@code decisions}: execution id to
     * the shadow's decision). Each pair is the live decision the execution recorded and the
     * shadow's, against the execution's label: a verdict where there is one, else the implicit
     * negative (a quiet execution past the grace period) or a reported missed drift, exactly the
     * labels the learner counts. Promoted when significantly better on false alerts or incidents
     * caught, not significantly worse on either, its median detection delay within the tolerance
     * and its failures under 1% of calls; discarded when significantly worse, failing on 5% of
     * calls, or still undecided after ten times the sample size.
     */
    public static Verdict judge(String fn, Map<String, Object> registration, List<ParamsLearner.Labelled> labelled,
                                Map<String, LabelledScan.ShadowDecision> decisions, ParamsLearner.Options options) {
        String id = String.valueOf(registration.get(Shadows.ID));
        List<ParamsLearner.Labelled> xs = new ArrayList<>();
        List<Boolean> shadow = new ArrayList<>();
        for (ParamsLearner.Labelled x : labelled) {
            LabelledScan.ShadowDecision d = decisions.get(x.id());
            if (d != null && d.success()) {
                xs.add(x);
                shadow.add(d.alerted());
            }
        }
        // failures count over every call the shadow made, counted or not
        long calls = decisions.size();
        long failed = 0;
        String lastError = null;
        for (LabelledScan.ShadowDecision d : decisions.values()) {
            if (!d.success()) {
                failed++;
                lastError = d.error();
            }
        }
        Map<String, Object> comparison = new LinkedHashMap<>();
        comparison.put("shadow_calls", calls);
        comparison.put("shadow_failures", failed);
        comparison.put("paired_executions", (long) xs.size());
        if (calls >= FAILURE_MIN_CALLS && failed >= DISCARD_FAILURES * calls) {
            return new Verdict(fn, id, "discard", String.format(Locale.ROOT, "the shadow failed on %d of %d calls (%.1f%%,"
                    + " the limit is %.0f%%); last: %s", failed, calls, 100.0 * failed / calls, 100 * DISCARD_FAILURES,
                    lastError), comparison);
        }
        long min = options.minSamples();
        if (xs.size() < min) {
            return new Verdict(fn, id, "waiting", xs.size() + " of " + min + " counted executions decided by both", comparison);
        }
        boolean[] mine = new boolean[xs.size()];
        boolean[] theirs = new boolean[xs.size()];
        for (int i = 0; i < xs.size(); i++) {
            mine[i] = shadow.get(i);
            theirs[i] = xs.get(i).alerted();
        }
        Probation.Paired p = Probation.compare(xs, mine, theirs, "shadow", "live", options);
        comparison.putAll(p.figures());
        comparison.put("method", p.method());
        comparison.put("worse", p.worse());
        comparison.put("better", p.better());
        if (!p.worse().isEmpty()) {
            return new Verdict(fn, id, "discard", "worse than live on the same executions: " + String.join("; ", p.worse()),
                    comparison);
        }
        Map<?, ?> incidents = (Map<?, ?>) p.figures().get("incidents");
        long lost = ((Number) incidents.get("old_only")).longValue();
        long gained = ((Number) incidents.get("new_only")).longValue();
        if (!p.better().isEmpty() && lost > gained && xs.size() < GIVE_UP_FACTOR * min) {
            // never promoted while it catches fewer incidents than live, significant or not
            return new Verdict(fn, id, "waiting", "better than live (" + String.join("; ", p.better()) + ") but it missed "
                    + lost + " incidents live caught and caught " + gained + " live missed: a shadow goes live only when it"
                    + " catches no fewer", comparison);
        }
        if (!p.better().isEmpty() && lost > gained) {
            return new Verdict(fn, id, "discard", "after " + xs.size() + " counted executions it still catches fewer incidents"
                    + " than live (" + lost + " missed that live caught, " + gained + " the other way): " + p.summary(),
                    comparison);
        }
        if (!p.better().isEmpty()) {
            if (failed >= PROMOTE_FAILURES * Math.max(calls, 1)) {
                return new Verdict(fn, id, "waiting", "better than live (" + String.join("; ", p.better()) + ") but it failed"
                        + " on " + failed + " of " + calls + " calls, 1% or more", comparison);
            }
            return new Verdict(fn, id, "promote", "better than live on the same executions: " + p.summary(), comparison);
        }
        if (xs.size() >= GIVE_UP_FACTOR * min) {
            return new Verdict(fn, id, "discard", "no significant difference from live after " + xs.size()
                    + " counted executions: " + p.summary(), comparison);
        }
        return new Verdict(fn, id, "waiting", "no significant difference yet: " + p.summary(), comparison);
    }

    /**
     * The function's shadow with its running score, judged now on the correlated executions as
     * {@code poet learn} would judge it: the registration's fields, {@code would} (promote,
     * discard or waiting), {@code score} (why) and {@code comparison}. Empty when it runs no shadow.
     */
    public static Optional<Map<String, Object>> score(Store store, String fn, long now) throws IOException {
        Optional<Map<String, Object>> reg = new Shadows(store).read(fn);
        if (reg.isEmpty()) {
            return Optional.empty();
        }
        String id = String.valueOf(reg.get().get(Shadows.ID));
        if (PROBATION.equals(reg.get().get(Shadows.ORIGIN))) {
            Map<String, Object> m = new LinkedHashMap<>(reg.get());
            m.put("function", fn);
            m.put("would", "probation");
            m.put("score", "the predecessor " + reg.get().get(Shadows.SHADOW_VERSION) + " runs beside "
                    + reg.get().get(Shadows.LIVE) + " for its probation, which judges the pair on the same executions");
            return Optional.of(m);
        }
        LearnSettings ls = LearnSettings.of(dev.poet.store.Settings.read(store), fn);
        Verdict v = judge(fn, reg.get(), LabelledScan.scan(store, fn, ls.thresholds().implicitNegativeAfterMillis(), now),
                LabelledScan.shadows(store, Map.of(fn, id)).getOrDefault(fn, Map.of()), ls.params());
        Map<String, Object> m = new LinkedHashMap<>(reg.get());
        m.put("function", fn);
        m.put("would", v.state());
        m.put("score", v.reason());
        m.put("comparison", v.comparison());
        return Optional.of(m);
    }

    /** What ending a shadow did; {@code deployed} is the version made live when it was promoted. */
    public record Ended(String function, String shadow, String result, String reason, Deployer.Deployed deployed) {
    }

    /**
     * Makes the shadow live: the live code with the live parameters and the shadow's overlay, as a
     * parameter revision that is not put on probation again (it was judged on the same executions).
     * Null when the function's shadow is no longer {@code expectId} (when given).
     */
    public Ended promote(String fn, String expectId, String reason, Map<String, Object> comparison, String python)
            throws IOException {
        Map<String, Object> r = shadows.read(fn).orElseThrow(() -> PoetException.notFound(fn + " runs no shadow"));
        String id = String.valueOf(r.get(Shadows.ID));
        if (expectId != null && !expectId.equals(id)) {
            return null;
        }
        @SuppressWarnings("unchecked")
        Map<String, Object> overlay = (Map<String, Object>) r.get(Shadows.OVERLAY);
        String live = store.versions().requireCurrent(fn);
        Map<String, Object> params = ParamsChanger.read(store, fn);
        List<String> changes = new ArrayList<>();
        for (Map.Entry<String, Object> e : overlay.entrySet()) {
            Object old = params.get(e.getKey());
            if (!params.containsKey(e.getKey()) || !Json.sameValue(old, e.getValue())) {
                changes.add(e.getKey() + " " + new String(Json.encode(old), StandardCharsets.UTF_8) + " -> "
                        + new String(Json.encode(e.getValue()), StandardCharsets.UTF_8) + " (shadow " + id + ")");
            }
            params.put(e.getKey(), e.getValue());
        }
        Deployer.Deployed d = null;
        if (r.get(Shadows.SHADOW_VERSION) instanceof String) {
            String v = (String) r.get(Shadows.SHADOW_VERSION);
            Map<String, Object> details = new LinkedHashMap<>();
            details.put("shadow", id);
            if (!changes.isEmpty()) {
                details.put("changes", changes);
            }
            if (comparison != null) {
                details.put("shadow_comparison", comparison);
            }
            d = new Deployer(store, events).promote(fn, v, params, "shadow promoted: " + reason, details);
        } else if (!changes.isEmpty()) {
            String source = Wrapper.unwrap(Files.readString(store.versions().versionFile(fn, live), StandardCharsets.UTF_8));
            Map<String, Object> details = new LinkedHashMap<>();
            details.put("kind", "params");
            details.put("code_from", live);
            details.put("changes", changes);
            details.put("shadow", id);
            if (comparison != null) {
                details.put("shadow_comparison", comparison);
            }
            d = new Deployer(store, events).enhance(new Deployer.EnhanceRequest(fn, source.getBytes(StandardCharsets.UTF_8),
                    "shadow " + id + " of " + live, params, null, null, python, "shadow", "shadow promoted: " + reason,
                    Status.REJECTED, false, details));
        }
        end(fn, id, "promoted", reason, comparison, d == null ? null : d.version());
        return new Ended(fn, id, "promoted", reason, d);
    }

    /** Stops the shadow without making it live. Null when the function's shadow is no longer {@code expectId}. */
    public Ended discard(String fn, String expectId, String reason, Map<String, Object> comparison) throws IOException {
        Map<String, Object> r = shadows.read(fn).orElseThrow(() -> PoetException.notFound(fn + " runs no shadow"));
        String id = String.valueOf(r.get(Shadows.ID));
        if (expectId != null && !expectId.equals(id)) {
            return null;
        }
        end(fn, id, "discarded", reason, comparison, null);
        return new Ended(fn, id, "discarded", reason, null);
    }

    private void end(String fn, String id, String result, String reason, Map<String, Object> comparison, String deployed)
            throws IOException {
        try (Locks.Held lock = store.versions().lock(fn)) {
            // a change a killed process left half done is completed first: its line must stay the last
            // one until it is, or the journal would no longer say what to finish
            Journal.recover(store, events, fn);
            Optional<Map<String, Object>> r = shadows.read(fn);
            if (r.isEmpty() || !id.equals(r.get().get(Shadows.ID))) {
                return; // ended meanwhile
            }
            shadows.remove(fn);
            Map<String, Object> line = new LinkedHashMap<>();
            line.put("time", Timestamps.format(events.clock().instant()));
            line.put("action", "shadow_ended");
            line.put("shadow", id);
            line.put("result", result);
            line.put("reason", reason);
            if (deployed != null) {
                line.put("version", deployed);
            }
            store.versions().appendHistory(fn, Json.encodeLine(line));
            Map<String, Object> data = new LinkedHashMap<>();
            data.put("shadow", id);
            data.put("result", result);
            data.put("reason", reason);
            if (comparison != null) {
                data.put("comparison", comparison);
            }
            if (deployed != null) {
                data.put("deployed", deployed);
            }
            events.record(new Event(id + ".ended", "shadow.ended", events.clock().instant(), "poet", fn, null, null, data,
                    null));
        }
    }
}
