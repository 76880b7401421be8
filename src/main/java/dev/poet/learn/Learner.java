package dev.poet.learn;

import dev.poet.PoetException;
import dev.poet.Status;
import dev.poet.analyze.Analyzer;
import dev.poet.analyze.Facts;
import dev.poet.analyze.FactsSink;
import dev.poet.correlate.CorrelationIndex;
import dev.poet.correlate.Correlator;
import dev.poet.event.EventId;
import dev.poet.event.EventLog;
import dev.poet.event.Timestamps;
import dev.poet.generate.Generator;
import dev.poet.json.Json;
import dev.poet.store.AtomicFile;
import dev.poet.store.LearnLock;
import dev.poet.store.Settings;
import dev.poet.store.Store;
import dev.poet.store.Sweeper;
import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * One pass of {@code poet learn}, the cron job: under the store-wide lock, sweep what nothing
 * needs, correlate, then per function measure the parameter changes whose after-window completed
 * since the last pass, judge the version on probation, analyse the live version, and regenerate
 * where a rule fires. Each step is safe to kill on its own, so a killed pass leaves a consistent
 * store and the next pass finishes the work. The pass is summarised in {@code index/learn_last.json}.
 */
public final class Learner {
    public static final String LAST = Analyzer.LEARN_LAST;

    private final Store store;
    private final EventLog events;
    /** Every function's labelled executions, scanned once per pass when the first function needs them. */
    private Map<String, List<ParamsLearner.Labelled>> labelled;

    public Learner(Store store, EventLog events) {
        this.store = store;
        this.events = events;
    }

    /** How to run: {@code holder} (pid, host) identifies this run in the lock; {@code env} holds API keys. */
    public record Options(boolean dryRun, Generators.Overrides overrides, Map<String, String> env, String python,
                          Map<String, Object> holder, dev.poet.Progress progress) {
        public Options(boolean dryRun, Generators.Overrides overrides, Map<String, String> env, String python,
                       Map<String, Object> holder) {
            this(dryRun, overrides, env, python, holder, dev.poet.Progress.NONE);
        }
    }

    /** The pass's summary and the exit status: the first problem's, or OK. */
    public record Pass(Map<String, Object> summary, Status status, List<String> problems) {
    }

    /** A function's labelled executions, from the one scan of the processed log this pass makes. */
    private List<ParamsLearner.Labelled> labelled(String fn) throws IOException {
        if (labelled == null) {
            Map<String, Object> settings = Settings.read(store);
            labelled = LabelledScan.scanAll(store,
                    f -> LearnSettings.of(settings, f).thresholds().implicitNegativeAfterMillis(), events.clock().millis());
        }
        return labelled.getOrDefault(fn, List.of());
    }

    public Pass run(Options o) throws IOException {
        long started = events.clock().millis();
        Map<String, Object> me = new LinkedHashMap<>(o.holder());
        me.put("since", Timestamps.format(Instant.ofEpochMilli(started)));
        if (o.dryRun()) {
            return pass(o, started, null); // reads only: no lock, nothing written
        }
        try (LearnLock lock = LearnLock.acquire(store, me)) {
            return pass(o, started, lock.tookOver());
        }
    }

    @SuppressWarnings("unchecked")
    private Pass pass(Options o, long started, Map<String, Object> tookOver) throws IOException {
        labelled = null;
        Map<String, Object> summary = new LinkedHashMap<>();
        List<String> problems = new ArrayList<>();
        Status[] status = {Status.OK};
        summary.put("started", Timestamps.format(Instant.ofEpochMilli(started)));
        summary.put("dry_run", o.dryRun());
        summary.put("took_over", tookOver);
        Map<String, Object> settings = Settings.read(store);
        Generators.names(LearnSettings.of(settings, null), o.overrides()); // a wrong name is an error now, not when a rule fires
        Map<String, Object> last = readLast();
        Long lastStarted = null;
        if (last != null && last.get("started") instanceof String) {
            try {
                lastStarted = Timestamps.parse((String) last.get("started"), LAST).toEpochMilli();
            } catch (RuntimeException e) {
                lastStarted = null;
            }
        }

        if (!o.dryRun()) {
            Sweeper.Result swept = new Sweeper(store, events.clock(), () -> CorrelationIndex.processedLog(store)).sweep();
            Map<String, Object> s = new LinkedHashMap<>();
            s.put("processed_batches", swept.processedFiles());
            s.put("tmp_files", swept.tmpFiles());
            s.put("returned_to_pending", swept.returnedFiles());
            summary.put("swept", s);
        }

        // a dry run correlates in memory only: the sink sees the records, nothing is checkpointed
        FactsSink sink = FactsSink.open(store);
        Correlator.Report cr = new Correlator(store, events.clock(), sink).progress(o.progress())
                .run(new Correlator.Options(o.dryRun(), Settings.orphanTtl(store), Correlator.DEFAULT_BATCH,
                        Correlator.Options.defaults(Settings.orphanTtl(store)).threads()));
        summary.put("correlated", cr.toMap(o.dryRun()));
        Facts facts = sink.facts();

        List<Object> fns = new ArrayList<>();
        List<String> names = store.versions().functions();
        int done = 0;
        for (String fn : names) {
            o.progress().update("learn " + fn, done++, names.size());
            Map<String, Object> f = new LinkedHashMap<>();
            f.put("function", fn);
            fns.add(f);
            try {
                function(fn, facts, settings, lastStarted, o, f);
            } catch (PoetException e) {
                f.put("problem", e.getMessage());
                problems.add(fn + ": " + e.getMessage());
                if (status[0] == Status.OK) {
                    status[0] = e.status();
                }
            }
        }
        summary.put("functions", fns);
        long finished = events.clock().millis();
        summary.put("finished", Timestamps.format(Instant.ofEpochMilli(finished)));
        summary.put("duration_ms", finished - started);
        summary.put("problems", problems);
        summary.put("exit_code", (long) status[0].code());
        if (!o.dryRun()) {
            AtomicFile.write(store.io(), store.tmpDir(), store.indexDir().resolve(LAST),
                    (Json.pretty(summary) + "\n").getBytes(java.nio.charset.StandardCharsets.UTF_8));
        }
        return new Pass(summary, status[0], problems);
    }

    private void function(String fn, Facts facts, Map<String, Object> settings, Long lastStarted, Options o,
                          Map<String, Object> f) throws IOException {
        LearnSettings ls = LearnSettings.of(settings, fn);
        long now = events.clock().millis();
        if (!o.dryRun()) {
            try (dev.poet.store.Locks.Held lock = store.versions().lock(fn)) {
                String recovered = Journal.recover(store, events, fn);
                if (recovered != null) {
                    f.put("recovered", recovered);
                }
            }
        }

        List<Object> impacts = new ArrayList<>();
        List<Map<String, Object>> history = store.versions().history(fn);
        for (Map<String, Object> change : Impacts.completedSince(history, lastStarted, now, ls.impactDays())) {
            Map<String, Object> m = Impacts.measure(events, fn, facts.of(fn), change, history, ls.impactDays(),
                    ls.thresholds().ackTargetMinutes() * 60_000L, !o.dryRun());
            Map<String, Object> i = new LinkedHashMap<>();
            i.put("change_id", m.get("change_id"));
            i.put("parameter", m.get("parameter"));
            i.put("recorded", m.get("event_id") != null);
            impacts.add(i);
        }
        f.put("impacts_measured", impacts);

        f.put("shadow", shadow(fn, ls, o));

        Probation.Judgement j = new Probation(store, events).judge(fn, facts.of(fn), () -> labelled(fn), ls.params(),
                !o.dryRun());
        f.put("probation", j.toMap());

        String current = store.versions().current(fn).version().orElse(null);
        f.put("version", current);
        if (current == null) {
            throw new PoetException(Status.NO_STORE, fn + "_current.py does not name a valid version; 'poet rollback "
                    + fn + " --to vN' repairs it");
        }
        Map<String, Object> analysis = new Analyzer(store, facts, now).analyze(fn, null, new Analyzer.Window(null, null));
        List<String> fired = new ArrayList<>();
        for (Map<String, Object> rule : Analyzer.firedRules(analysis)) {
            fired.add(rule.get("rule") + ": " + rule.get("why"));
        }
        f.put("rules_fired", fired);
        Map<String, Object> patterns = Analyzer.currentPatterns(analysis);
        Map<String, Object> burden = new LinkedHashMap<>();
        burden.put("alerts_per_execution", patterns.get("alerts_per_execution"));
        burden.put("false_alerts_per_execution", patterns.get("false_alerts_per_execution"));
        burden.put("implicit_negatives", patterns.get("implicit_negatives"));
        f.put("burden", burden);
        Map<String, Object> regen = new LinkedHashMap<>();
        f.put("regeneration", regen);
        if (fired.isEmpty()) {
            regen.put("result", "not needed");
            return;
        }
        if ("waiting".equals(j.state())) {
            regen.put("result", "skipped: " + current + " is on probation (" + j.reason() + ")");
            return;
        }
        long cooldownMs = (long) (ls.regenerateCooldownHours() * 3_600_000L);
        Long failedAt = lastFailedProbation(fn);
        if (failedAt != null && now - failedAt < cooldownMs) {
            regen.put("result", "skipped: a version failed probation at " + Timestamps.format(Instant.ofEpochMilli(failedAt))
                    + "; waiting learning.regenerate_cooldown_hours before regenerating");
            return;
        }
        List<String> chain = Generators.names(ls, o.overrides());
        Regenerator regenerator = new Regenerator(store, events, o.python(), this::labelled);
        List<Object> attempts = new ArrayList<>();
        Regenerator.Result params = null;
        for (String name : chain) {
            Map<String, Object> a = new LinkedHashMap<>();
            a.put("generator", name);
            attempts.add(a);
            if (name.equals("params")) {
                params = regenerator.runParams(fn, o.dryRun(), facts, analysis);
                ParamsLearner.Learned l = params.learned();
                a.put("changes", l.changes());
                a.put("notes", l.notes());
                a.put("held_out", l.report().get("held_out"));
                if (params.shadow() != null) {
                    a.put("shadow", params.shadow());
                }
                if (params.deployed() != null) {
                    a.put("result", "deployed");
                    a.put("version", params.deployed().version());
                    a.put("reason", params.decision());
                    break;
                }
                if (params.shadow() != null && !params.shadow().containsKey("note")) {
                    a.put("result", "shadow started");
                    break;
                }
                a.put("result", l.changed() ? "would deploy (dry run)" : "nothing learned");
                if (l.diagnosis(fn) != null) {
                    a.put("diagnosis", l.diagnosis(fn));
                }
                if (l.changed()) {
                    break;
                }
                continue;
            }
            Long asked = lastRequest(fn);
            if (asked != null && now - asked < cooldownMs) {
                a.put("result", "skipped: last asked " + Timestamps.format(Instant.ofEpochMilli(asked))
                        + ", within learning.regenerate_cooldown_hours");
                continue;
            }
            Map<String, Object> running = ls.shadowFirst() ? new ShadowTrials(store, events).registration(fn).orElse(null)
                    : null;
            if (running != null) {
                a.put("result", "skipped: shadow " + running.get(dev.poet.store.Shadows.ID)
                        + " is still being judged; new code waits for its verdict");
                break;
            }
            if (o.dryRun()) {
                a.put("result", "would ask " + name + (ls.shadowFirst() ? " and run its code in shadow" : "") + " (dry run)");
                break;
            }
            Generator g = Generators.create(name, ls, o.overrides(), o.env());
            // generated code cannot be replayed on recorded executions: it runs in shadow first, unless
            // learning.shadow_first is false (then it deploys, and its probation runs the predecessor in shadow)
            Regenerator.Result r = regenerator.run(fn, g, name, false, facts, analysis, params, ls.shadowFirst());
            if (r.shadow() != null) {
                a.put("result", "shadow started");
                a.put("version", r.shadow().get(dev.poet.store.Shadows.SHADOW_VERSION));
                a.put("shadow", r.shadow());
            } else {
                a.put("result", "deployed");
                a.put("version", r.deployed().version());
            }
            a.put("reason", r.decision());
            break;
        }
        // the summary's regeneration is the last generator asked, and what each one before it said
        @SuppressWarnings("unchecked")
        Map<String, Object> lastAttempt = (Map<String, Object>) attempts.get(attempts.size() - 1);
        regen.putAll(lastAttempt);
        for (Object at : attempts) {
            Object d = ((Map<?, ?>) at).get("diagnosis");
            if (d != null) {
                regen.put("diagnosis", d);
            }
        }
        if (attempts.size() > 1) {
            regen.put("attempts", attempts);
        }
    }

    /**
     * Judges the function's shadow, if one runs, on the executions both decided, and promotes or
     * discards it (only says so in a dry run). Null when it runs no shadow.
     */
    private Map<String, Object> shadow(String fn, LearnSettings ls, Options o) throws IOException {
        ShadowTrials trials = new ShadowTrials(store, events);
        Map<String, Object> r = trials.registration(fn).orElse(null);
        if (r == null) {
            return null;
        }
        String id = String.valueOf(r.get(dev.poet.store.Shadows.ID));
        if (ShadowTrials.PROBATION.equals(r.get(dev.poet.store.Shadows.ORIGIN))) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("shadow", id);
            m.put("state", "probation");
            m.put("reason", "the predecessor " + r.get(dev.poet.store.Shadows.SHADOW_VERSION) + " runs beside "
                    + r.get(dev.poet.store.Shadows.LIVE) + " for its probation, which judges the pair");
            return m;
        }
        Map<String, LabelledScan.ShadowDecision> decisions = LabelledScan.shadows(store, Map.of(fn, id))
                .getOrDefault(fn, Map.of());
        ShadowTrials.Verdict v = ShadowTrials.judge(fn, r, labelled(fn), decisions, ls.params());
        Map<String, Object> m = v.toMap();
        m.put("overlay", r.get(dev.poet.store.Shadows.OVERLAY));
        if (o.dryRun() || "waiting".equals(v.state())) {
            return m;
        }
        if ("promote".equals(v.state())) {
            ShadowTrials.Ended e = trials.promote(fn, id, v.reason(), v.comparison(), o.python());
            if (e != null && e.deployed() != null) {
                m.put("deployed", e.deployed().version());
            }
            m.put("state", e == null ? "ended meanwhile" : "promoted");
        } else {
            ShadowTrials.Ended e = trials.discard(fn, id, v.reason(), v.comparison());
            m.put("state", e == null ? "ended meanwhile" : "discarded");
        }
        return m;
    }

    /** When the last automatic rollback after a failed probation happened, from the history. */
    private Long lastFailedProbation(String fn) throws IOException {
        Long at = null;
        for (Map<String, Object> h : store.versions().history(fn)) {
            if ("rollback".equals(h.get("action")) && h.get("reason") instanceof String
                    && ((String) h.get("reason")).startsWith("probation failed") && h.get("time") instanceof String) {
                try {
                    at = Timestamps.parse((String) h.get("time"), "history time").toEpochMilli();
                } catch (RuntimeException e) {
                    // an unreadable time: ignore the line
                }
            }
        }
        return at;
    }

    /** When a code generator was last asked for this function: the newest request id (a ULID) of its prompts in prompts/. */
    private Long lastRequest(String fn) throws IOException {
        Path dir = store.root().resolve(Store.PROMPTS);
        if (!Files.isDirectory(dir)) {
            return null;
        }
        Long newest = null;
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(dir, fn + "_*.prompt.txt")) {
            for (Path p : ds) {
                String n = p.getFileName().toString();
                String id = n.substring(fn.length() + 1, n.length() - ".prompt.txt".length());
                if (Files.exists(dir.resolve(fn + "_" + id + ".answer.json"))) {
                    continue; // the params generator's: no model was asked
                }
                Long t = EventId.timeOf(id);
                if (t != null && (newest == null || t > newest)) {
                    newest = t;
                }
            }
        }
        return newest;
    }

    private Map<String, Object> readLast() {
        try {
            return Json.parseObject(Files.readAllBytes(store.indexDir().resolve(LAST)), LAST);
        } catch (IOException | RuntimeException e) {
            return null;
        }
    }
}
