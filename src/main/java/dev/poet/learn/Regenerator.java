package dev.poet.learn;

import dev.poet.PoetException;
import dev.poet.Status;
import dev.poet.analyze.Analyzer;
import dev.poet.analyze.Facts;
import dev.poet.event.Event;
import dev.poet.event.EventLog;
import dev.poet.generate.CommandGenerator;
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

    public Regenerator(Store store, EventLog events, String python) {
        this.store = store;
        this.events = events;
        this.python = python;
    }

    /** What was decided and done. */
    public record Result(String function, String fromVersion, String decision, String prompt, Path promptFile,
                         Path answerFile, Deployer.Deployed deployed) {
    }

    @SuppressWarnings("unchecked")
    public Result run(String fn, CommandGenerator generator, String generatorName, boolean dryRun) throws IOException {
        Names.function(fn);
        String current = store.versions().requireCurrent(fn);
        Map<String, Object> analysis = new Analyzer(store, Facts.load(store, List.of(fn)), events.clock().millis())
                .analyze(fn, null, new Analyzer.Window(null, null));
        Map<String, Object> patterns = Analyzer.currentPatterns(analysis);
        List<String> fired = new ArrayList<>();
        for (Map<String, Object> rule : Analyzer.firedRules(analysis)) {
            fired.add(rule.get("rule") + ": " + rule.get("why"));
        }
        String decision = fired.isEmpty() ? "asked for; no improvement rule fired" : "rules fired: " + String.join("; ", fired);
        String source = Wrapper.unwrap(Files.readString(store.versions().versionFile(fn, current), StandardCharsets.UTF_8));
        String prompt = Prompt.build(fn, current, patterns, fired, source);
        if (dryRun) {
            return new Result(fn, current, decision, prompt, null, null, null);
        }
        Map<String, Object> requested = new LinkedHashMap<>();
        requested.put("reason", decision);
        requested.put("generator", generatorName);
        requested.put("patterns", patterns);
        String requestId = events.record(event("enhancement.requested", fn, current, requested)).event().id();
        Path promptFile = keep(fn, requestId, "prompt.txt", prompt);
        Path answerFile = null;
        try {
            String answer = generator.generate(prompt);
            answerFile = keep(fn, requestId, "answer.txt", answer);
            byte[] code = Prompt.code(answer).getBytes(StandardCharsets.UTF_8);
            Deployer.Deployed d = new Deployer(store, events).enhance(new Deployer.EnhanceRequest(fn, code,
                    "generator " + generatorName, null, null, null, python, generatorName, decision, Status.REJECTED, false));
            return new Result(fn, current, decision, prompt, promptFile, answerFile, d);
        } catch (PoetException e) {
            if (e.status() == Status.REJECTED) {
                Map<String, Object> failed = new LinkedHashMap<>();
                failed.put("reason", e.getMessage());
                failed.put("generator", generatorName);
                failed.put("request_id", requestId);
                events.record(event("enhancement.failed", fn, current, failed));
            }
            throw e;
        }
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
