package dev.poet.learn;

import dev.poet.PoetException;
import dev.poet.Status;
import dev.poet.analyze.Analyzer;
import dev.poet.analyze.Facts;
import dev.poet.event.Event;
import dev.poet.event.EventLog;
import dev.poet.analyze.ConfigImpact;
import dev.poet.generate.Generator;
import dev.poet.json.Json;
import dev.poet.store.Settings;
import dev.poet.generate.Prompt;
import dev.poet.generate.Wrapper;
import dev.poet.store.AtomicFile;
import dev.poet.store.Names;
import dev.poet.store.Store;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * {@code poet regenerate}: builds the improvement prompt from the live version's patterns and
 * source, asks a generator for a new implementation, checks it, and deploys it as the next
 * version. Every prompt and raw answer is kept in {@code prompts/}; a refused answer deploys
 * nothing and is recorded as {@code enhancement.failed}.
 */
public final class Regenerator {
    private final Store store;
    private final EventLog events;
    private final String python;
    private final LabelledSource labelled;

    /** Where the params generator gets a function's labelled executions. */
    public interface LabelledSource {
        List<ParamsLearner.Labelled> of(String fn) throws IOException;
    }

    public Regenerator(Store store, EventLog events, String python) {
        this(store, events, python, fn -> LabelledScan.scan(store, fn,
                LearnSettings.of(Settings.read(store), fn).thresholds().implicitNegativeAfterMillis(), events.clock().millis()));
    }

    /** With a source of labelled executions, e.g. one scan shared by a whole {@code poet learn} pass. */
    public Regenerator(Store store, EventLog events, String python, LabelledSource labelled) {
        this.store = store;
        this.events = events;
        this.python = python;
        this.labelled = labelled;
    }

    /** What was decided and done; {@code learned} is set by the params generator, {@code deployed} when a version went live. */
    public record Result(String function, String fromVersion, String decision, String prompt, Path promptFile,
                         Path answerFile, Deployer.Deployed deployed, ParamsLearner.Learned learned,
                         Map<String, Object> shadow) {
        Result(String function, String fromVersion, String decision, String prompt, Path promptFile, Path answerFile,
               Deployer.Deployed deployed, ParamsLearner.Learned learned) {
            this(function, fromVersion, decision, prompt, promptFile, answerFile, deployed, learned, null);
        }
    }

    /** Regenerates with a code generator ({@code command}, {@code openai}); null when dry-running. */
    public Result run(String fn, Generator generator, String generatorName, boolean dryRun) throws IOException {
        return run(fn, generator, generatorName, dryRun, null, null, null);
    }

    /**
     * With {@code facts} and the live version's {@code analysis} when the caller has them already
     * (null: computed here), and what the params generator found when it was asked first and had
     * nothing that passed its gates ({@code params}, null when it was not): its diagnosis, held-out
     * numbers and examples go into the prompt.
     */
    public Result run(String fn, Generator generator, String generatorName, boolean dryRun, Facts facts,
                      Map<String, Object> analysis, Result params) throws IOException {
        return run(fn, generator, generatorName, dryRun, facts, analysis, params, false);
    }

    /**
     * As above; with {@code shadow} the generated code does not go live: it starts a shadow (the
     * next version, run beside the live one on the same inputs, judged by {@code poet learn}).
     */
    public Result run(String fn, Generator generator, String generatorName, boolean dryRun, Facts facts,
                      Map<String, Object> analysis, Result params, boolean shadow) throws IOException {
        Context c = context(fn, facts, analysis);
        String source = Wrapper.unwrap(Files.readString(store.versions().versionFile(fn, c.current), StandardCharsets.UTF_8));
        String prompt = Prompt.build(fn, c.current, c.patterns, c.fired, source,
                params == null || params.learned() == null ? null : learningSection(fn, params, c.facts));
        if (dryRun) {
            return new Result(fn, c.current, c.decision, prompt, null, null, null, null);
        }
        String requestId = requested(fn, c, generatorName);
        Path promptFile = keep(fn, requestId, "prompt.txt", prompt);
        Path answerFile = null;
        try {
            String answer = generator.generate(prompt);
            answerFile = keep(fn, requestId, "answer.txt", answer);
            byte[] code = Prompt.code(answer).getBytes(StandardCharsets.UTF_8);
            if (shadow) {
                Map<String, Object> started = new ShadowTrials(store, events).start(fn, code, python, Map.of(), 1.0,
                        ShadowTrials.DEFAULT_TIMEOUT_MS, "generated by " + generatorName + "; " + c.decision, generatorName);
                return new Result(fn, c.current, c.decision, prompt, promptFile, answerFile, null, null, started);
            }
            Deployer.Deployed d = new Deployer(store, events).enhance(new Deployer.EnhanceRequest(fn, code,
                    "generator " + generatorName, null, null, null, python, generatorName, c.decision, Status.REJECTED, false,
                    Map.of("patterns", c.patterns)));
            return new Result(fn, c.current, c.decision, prompt, promptFile, answerFile, d, null);
        } catch (PoetException e) {
            if (e.status() == Status.REJECTED) {
                Map<String, Object> failed = new LinkedHashMap<>();
                failed.put("reason", e.getMessage());
                failed.put("generator", generatorName);
                failed.put("request_id", requestId);
                events.record(event("enhancement.failed", fn, c.current, failed));
            }
            throw e;
        }
    }

    /**
     * The {@code params} generator: learns parameters from the function's labelled executions and,
     * when something was learned, deploys them as a parameter revision: the next version, with the
     * live code unchanged and the learned parameters. Nothing learned means nothing recorded.
     */
    @SuppressWarnings("unchecked")
    public Result runParams(String fn, boolean dryRun, Facts facts, Map<String, Object> analysis) throws IOException {
        Context c = context(fn, facts, analysis);
        LearnSettings ls = LearnSettings.of(Settings.read(store), fn);
        Map<String, Object> live = ParamsChanger.read(store, fn);
        Map<String, Long> reasons = new LinkedHashMap<>();
        Object rs = c.patterns.get("false_positive_reasons");
        if (rs instanceof List) {
            for (Object o : (List<Object>) rs) {
                Map<String, Object> r = (Map<String, Object>) o;
                reasons.put(String.valueOf(r.get("reason")), ((Number) r.get("count")).longValue());
            }
        }
        Map<String, Object> fpRate = (Map<String, Object>) c.patterns.get("false_positive_rate");
        long fps = fpRate.get("value") == null ? 0
                : Math.round((Double) fpRate.get("value") * ((Number) fpRate.get("n")).longValue());
        List<ParamsLearner.Labelled> labelled = withCosts(this.labelled.of(fn), c.facts.of(fn));
        List<ParamsLearner.WindowMeasure> windows = windowMeasures(fn, c.facts, ls);
        ParamsLearner.Learned learned = new ParamsLearner(ls.params()).learn(live, labelled, c.firedNames, fps, reasons,
                windows);

        StringBuilder prompt = new StringBuilder();
        prompt.append("params generator for ").append(fn).append(' ').append(c.current).append('\n')
                .append("decision: ").append(c.decision).append('\n')
                .append("counted executions: ").append(labelled.size()).append('\n')
                .append("live parameters: ").append(new String(Json.encode(live), StandardCharsets.UTF_8)).append('\n');
        Map<String, Object> answer = new LinkedHashMap<>();
        answer.put("changes", learned.changes());
        answer.put("notes", learned.notes());
        answer.put("diagnosis", learned.diagnosis(fn));
        answer.put("params", learned.params());
        answer.put("report", learned.report());
        String decision = c.decision;
        if (!learned.changed() || dryRun) {
            String diagnosis = learned.diagnosis(fn);
            if (diagnosis != null && !dryRun) {
                diagnosed(fn, c.current, diagnosis, learned);
            }
            return new Result(fn, c.current, decision, prompt.toString(), null, null, null, learned);
        }
        String requestId = requested(fn, c, "params");
        Path promptFile = keep(fn, requestId, "prompt.txt", prompt.toString());
        Path answerFile = keep(fn, requestId, "answer.json", Json.pretty(answer) + "\n");
        // what the executions cannot replay (a seasonal or window switch) runs in shadow first
        Map<String, Object> overlay = new LinkedHashMap<>();
        Map<String, Object> deployParams = new LinkedHashMap<>(learned.params());
        for (Map.Entry<String, Object> e : learned.params().entrySet()) {
            if (!Replay.RULE_KEYS.contains(e.getKey()) && (!live.containsKey(e.getKey())
                    || !Json.sameValue(live.get(e.getKey()), e.getValue()))) {
                overlay.put(e.getKey(), e.getValue());
                if (live.containsKey(e.getKey())) {
                    deployParams.put(e.getKey(), live.get(e.getKey()));
                } else {
                    deployParams.remove(e.getKey());
                }
            }
        }
        List<String> deployChanges = new ArrayList<>();
        List<String> shadowChanges = new ArrayList<>();
        for (String ch : learned.changes()) {
            (Switches.isChange(ch) ? shadowChanges : deployChanges).add(ch);
        }
        Map<String, Object> shadow = null;
        if (!overlay.isEmpty()) {
            ShadowTrials trials = new ShadowTrials(store, events);
            java.util.Optional<Map<String, Object>> running = trials.registration(fn);
            if (running.isPresent()) {
                shadow = new LinkedHashMap<>(running.get());
                shadow.put("note", "not started: shadow " + running.get().get(dev.poet.store.Shadows.ID)
                        + " is still being judged (" + String.join("; ", shadowChanges) + ")");
            } else {
                shadow = trials.start(fn, overlay, 1.0, ShadowTrials.DEFAULT_TIMEOUT_MS,
                        "learned, but not replayable from what executions recorded: " + String.join("; ", shadowChanges),
                        "params");
            }
        }
        if (Json.sameValue(deployParams, live) || deployChanges.isEmpty()) {
            return new Result(fn, c.current, decision, prompt.toString(), promptFile, answerFile, null, learned, shadow);
        }
        String source = Wrapper.unwrap(Files.readString(store.versions().versionFile(fn, c.current), StandardCharsets.UTF_8));
        Map<String, Object> details = new LinkedHashMap<>();
        details.put("kind", "params");
        details.put("code_from", c.current);
        details.put("changes", deployChanges);
        details.put("held_out", learned.report().get("held_out"));
        details.put("replay", learned.report().get("replay"));
        details.put("patterns", c.patterns);
        String reason = decision + "; learned: " + String.join("; ", deployChanges);
        Deployer.Deployed d = new Deployer(store, events).enhance(new Deployer.EnhanceRequest(fn,
                source.getBytes(StandardCharsets.UTF_8), "params revision of " + c.current, deployParams, null, null,
                python, "params", reason, Status.REJECTED, false, details));
        return new Result(fn, c.current, reason, prompt.toString(), promptFile, answerFile, d, learned, shadow);
    }

    /**
     * Records that new parameters cannot fix the live version, once per live version (the event id
     * is derived from it, so the hourly pass repeating the finding records nothing new).
     */
    private void diagnosed(String fn, String version, String diagnosis, ParamsLearner.Learned learned) throws IOException {
        Map<String, Object> data = new LinkedHashMap<>();
        data.put("diagnosis", diagnosis);
        data.put("kind", "no_skill");
        data.put("groups", learned.noSkill());
        events.record(new Event(fn + "-" + version + ".no-skill", "learning.diagnosed", events.clock().instant(), "poet", fn,
                version, null, data, null));
    }

    /** Counted executions with the cost analysis folded for them (cost events and their own cost_usd). */
    private static List<ParamsLearner.Labelled> withCosts(List<ParamsLearner.Labelled> xs,
                                                          List<dev.poet.analyze.ExecutionFacts> facts) {
        Map<String, Double> cost = new java.util.HashMap<>();
        for (dev.poet.analyze.ExecutionFacts f : facts) {
            if (f.cost() != null) {
                cost.put(f.id, f.cost());
            }
        }
        if (cost.isEmpty()) {
            return xs;
        }
        List<ParamsLearner.Labelled> out = new ArrayList<>(xs.size());
        for (ParamsLearner.Labelled x : xs) {
            Double c = cost.get(x.id());
            out.add(c == null ? x : x.withCost(c));
        }
        return out;
    }

    /** Examples of each kind a code generator is shown. */
    static final int EXAMPLES = 5;

    /**
     * What the params generator found, for a code generator asked after it: the diagnosis, the
     * held-out numbers and notes, and the latest false alerts and missed drifts with their test
     * results, features, times and reasons.
     */
    @SuppressWarnings("unchecked")
    private String learningSection(String fn, Result params, Facts facts) throws IOException {
        ParamsLearner.Learned l = params.learned();
        StringBuilder b = new StringBuilder();
        String diagnosis = l.diagnosis(fn);
        b.append(diagnosis != null ? "Diagnosis: " + diagnosis + ".\n"
                : "New parameters were tried first and none passed the checks.\n");
        for (Object o : (List<Object>) l.report().get("feature_types")) {
            Map<String, Object> g = (Map<String, Object>) o;
            Map<String, Object> live = (Map<String, Object>) g.get("live");
            if (live == null) {
                continue;
            }
            b.append("- ").append(g.get("feature_type") == null ? "all executions" : "feature type " + g.get("feature_type"))
                    .append(": on ").append(live.get("executions")).append(" counted executions the live decisions alert on ")
                    .append(ParamsLearner.fmt((Double) live.get("alerts_per_execution"))).append(" per execution, ")
                    .append(ParamsLearner.fmt((Double) live.get("false_alerts_per_execution")))
                    .append(" of them false, with recall ").append(ParamsLearner.fmt((Double) live.get("recall")));
            Map<String, Object> sep = (Map<String, Object>) g.get("separation");
            if (sep != null) {
                b.append("; judged on later executions than it learned from, the best cut of any reported test (")
                        .append(sep.get("test")).append(") has precision ").append(ParamsLearner.fmt((Double) sep.get("precision")))
                        .append(" against a base rate of real drift of ").append(ParamsLearner.fmt((Double) sep.get("base_rate")));
            }
            Map<String, Object> held = (Map<String, Object>) g.get("held_out");
            if (held != null) {
                Map<String, Object> learned = (Map<String, Object>) held.get("learned");
                b.append("; the best rule for the objective, on ").append(learned.get("executions"))
                        .append(" later executions, would alert on ")
                        .append(ParamsLearner.fmt((Double) learned.get("alerts_per_execution"))).append(" per execution, ")
                        .append(ParamsLearner.fmt((Double) learned.get("false_alerts_per_execution")))
                        .append(" of them false, with recall ").append(ParamsLearner.fmt((Double) learned.get("recall")));
            }
            b.append('\n');
        }
        for (String n : l.notes()) {
            b.append("- ").append(n).append('\n');
        }
        Map<String, dev.poet.analyze.ExecutionFacts> byId = new java.util.HashMap<>();
        for (dev.poet.analyze.ExecutionFacts f : facts.of(fn)) {
            byId.put(f.id, f);
        }
        List<ParamsLearner.Labelled> xs = new ArrayList<>(labelled.of(fn));
        xs.sort(java.util.Comparator.comparingLong(ParamsLearner.Labelled::time).reversed());
        for (boolean falseAlerts : new boolean[] {true, false}) {
            List<String> rows = new ArrayList<>();
            for (ParamsLearner.Labelled x : xs) {
                boolean match = falseAlerts ? x.alerted() && !x.real() : !x.alerted() && x.real();
                if (match && rows.size() < EXAMPLES) {
                    dev.poet.analyze.ExecutionFacts f = byId.get(x.id());
                    rows.add("  - " + java.time.Instant.ofEpochMilli(x.time()) + " execution " + x.id()
                            + (f != null && f.feature() != null ? ", feature " + f.feature() : "")
                            + (x.featureType() != null ? " (" + x.featureType() + ")" : "") + ", tests " + scores(x)
                            + (f != null && f.verdictReason() != null ? ", reason: " + f.verdictReason() : ""));
                }
            }
            if (!rows.isEmpty()) {
                b.append(falseAlerts ? "Latest false alerts (alerted, judged not real):\n"
                        : "Latest missed drifts (did not alert, judged real):\n");
                b.append(String.join("\n", rows)).append('\n');
            }
        }
        return b.toString();
    }

    private static String scores(ParamsLearner.Labelled x) {
        List<String> parts = new ArrayList<>();
        for (Map.Entry<String, ParamsLearner.Score> s : x.scores().entrySet()) {
            parts.add(s.getKey() + (s.getValue().pValue() ? " p=" : " statistic=") + ParamsLearner.fmt(s.getValue().value()));
        }
        return parts.isEmpty() ? "none reported" : String.join(", ", parts);
    }

    /** Both sides of every completed window_size change: the old value's window before, the new one's after. */
    @SuppressWarnings("unchecked")
    private List<ParamsLearner.WindowMeasure> windowMeasures(String fn, Facts facts, LearnSettings ls) throws IOException {
        List<ParamsLearner.WindowMeasure> out = new ArrayList<>();
        long now = events.clock().millis();
        List<Map<String, Object>> history = store.versions().history(fn);
        for (Map<String, Object> h : history) {
            if (!"config".equals(h.get("action")) || !"window_size".equals(h.get("parameter")) || !(h.get("time") instanceof String)) {
                continue;
            }
            Map<String, Object> m = ConfigImpact.measure(facts.of(fn), h, history, ls.impactDays(),
                    ls.thresholds().ackTargetMinutes() * 60_000L, now);
            if (!Boolean.TRUE.equals(m.get("complete"))) {
                continue;
            }
            String id = (String) h.get("change_id");
            for (String[] side : new String[][] {{"old_value", "before"}, {"new_value", "after"}}) {
                if (!(h.get(side[0]) instanceof Number)) {
                    continue;
                }
                Map<String, Object> w = (Map<String, Object>) m.get(side[1]);
                Map<String, Object> fp = (Map<String, Object>) w.get("false_positive_rate");
                Map<String, Object> lat = (Map<String, Object>) w.get("detection_latency");
                out.add(new ParamsLearner.WindowMeasure(((Number) h.get(side[0])).doubleValue(), (Double) fp.get("value"),
                        ((Number) fp.get("n")).longValue(), (Double) lat.get("median_s"),
                        ((Number) lat.get("detected")).longValue(), id));
            }
        }
        return out;
    }

    private record Context(String current, Facts facts, Map<String, Object> patterns, List<String> fired,
                           java.util.Set<String> firedNames, String decision) {
    }

    private Context context(String fn, Facts preloaded, Map<String, Object> analyzed) throws IOException {
        Names.function(fn);
        String current = store.versions().requireCurrent(fn);
        Facts facts = preloaded != null ? preloaded : Facts.load(store, List.of(fn));
        Map<String, Object> analysis = analyzed != null ? analyzed
                : new Analyzer(store, facts, events.clock().millis()).analyze(fn, null, new Analyzer.Window(null, null));
        Map<String, Object> patterns = Analyzer.currentPatterns(analysis);
        List<String> fired = new ArrayList<>();
        java.util.Set<String> names = new java.util.LinkedHashSet<>();
        for (Map<String, Object> rule : Analyzer.firedRules(analysis)) {
            fired.add(rule.get("rule") + ": " + rule.get("why"));
            names.add(String.valueOf(rule.get("rule")));
        }
        String decision = fired.isEmpty() ? "asked for; no improvement rule fired" : "rules fired: " + String.join("; ", fired);
        return new Context(current, facts, patterns, fired, names, decision);
    }

    private String requested(String fn, Context c, String generatorName) throws IOException {
        Map<String, Object> requested = new LinkedHashMap<>();
        requested.put("reason", c.decision);
        requested.put("generator", generatorName);
        requested.put("patterns", c.patterns);
        return events.record(event("enhancement.requested", fn, c.current, requested)).event().id();
    }

    private Path keep(String fn, String requestId, String what, String text) throws IOException {
        Path dir = Files.createDirectories(store.root().resolve(Store.PROMPTS));
        Path file = dir.resolve(fn + "_" + requestId + "." + what);
        AtomicFile.create(store.io(), store.tmpDir(), file, text.getBytes(StandardCharsets.UTF_8));
        return file;
    }

    private Event event(String type, String fn, String version, Map<String, Object> data) {
        return new Event(events.newId(), type, events.clock().instant(), "poet", fn, version, null, data, null);
    }
}
