package dev.poet.cli;

import dev.poet.generate.Generator;
import dev.poet.generate.Python;
import dev.poet.learn.Generators;
import dev.poet.learn.LearnSettings;
import dev.poet.learn.Regenerator;
import dev.poet.store.Settings;
import dev.poet.store.Store;
import java.util.LinkedHashMap;
import java.util.Map;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(name = "regenerate",
        description = {"Make and deploy a better version of FUNCTION.",
            "Generators: params (default; learns thresholds, tests, ensembles, seasonal adjustment and window size from"
                + " the judged executions and the quiet ones nobody reported, for the objective of the rule that fired (under"
                + " the false-positive rule: the fewest false alerts per execution without losing recall), and deploys them"
                + " as a parameter revision, the next version with the same code, only when they beat the live decisions on"
                + " executions later than those they were learned from), command (an executable given the improvement prompt on stdin, printing the code) and"
                + " openai (an OpenAI-compatible chat-completions endpoint). Generated code is checked (not empty, at most"
                + " 1 MiB, defines FUNCTION, compiles with python3 when present) and never run; a refused answer deploys"
                + " nothing, is recorded as enhancement.failed, and exits 4. Prompts and answers are kept in .poet/prompts/."
                + " With a chain in poet.json (generator.name [\"params\", \"command\"]), the next generator is asked when one"
                + " has nothing that passes its checks."},
        footer = {"", "Examples:",
            "  poet regenerate detect_drift --dry-run",
            "  poet regenerate detect_drift",
            "  poet regenerate detect_drift --generator command --generator-command 'llm -m gpt-4o'",
            "  OPENAI_API_KEY=... poet regenerate detect_drift --generator openai --model gpt-4o-mini"})
final class RegenerateCommand extends Base {
    @Parameters(paramLabel = "FUNCTION", description = "The function.")
    String function;

    @Mixin
    GeneratorOptions generatorOptions;

    @Option(names = "--dry-run", description = "Print the decision and the prompt (or what params would learn); change nothing.")
    boolean dryRun;

    @Override
    public Integer call() throws Exception {
        Store store = store();
        LearnSettings ls = LearnSettings.of(Settings.read(store), function);
        Generators.Overrides o = generatorOptions.overrides();
        Regenerator regen = new Regenerator(store, eventLog(store), Python.locate(env().environment()));
        Regenerator.Result r = null;
        Regenerator.Result params = null;
        String name = null;
        for (String next : Generators.names(ls, o)) {
            name = next;
            if (name.equals("params")) {
                r = regen.runParams(function, dryRun, null, null);
                params = r;
                if (r.deployed() != null || r.learned().changed()) {
                    break;
                }
                continue; // nothing passed its checks: the next generator, if any, is asked
            }
            Generator g = dryRun ? null : Generators.create(name, ls, o, env().environment());
            r = regen.run(function, g, name, dryRun, null, null, params);
            break;
        }
        if (json()) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("function", r.function());
            m.put("from_version", r.fromVersion());
            m.put("generator", name);
            m.put("decision", r.decision());
            m.put("dry_run", dryRun);
            if (r.learned() != null) {
                m.put("changes", r.learned().changes());
                m.put("notes", r.learned().notes());
                m.put("diagnosis", r.learned().diagnosis(function));
                m.put("held_out", r.learned().report().get("held_out"));
                m.put("params", r.learned().params());
                m.put("report", r.learned().report());
            } else {
                m.put("prompt", dryRun ? r.prompt() : r.promptFile().toString());
            }
            m.put("answer", r.answerFile() == null ? null : r.answerFile().toString());
            m.put("version", r.deployed() == null ? null : r.deployed().version());
            m.put("shadow", r.shadow());
            printJson(m);
            return 0;
        }
        if (r.learned() != null) {
            printLearned(r, dryRun);
        } else if (dryRun) {
            out().println("decision: " + r.decision());
            out().println();
            out().print(r.prompt());
        } else {
            out().println("Deployed " + r.function() + " " + r.deployed().version() + " (was " + r.fromVersion()
                    + ", generated by " + name + "): " + r.decision());
        }
        return 0;
    }

    private void printLearned(Regenerator.Result r, boolean dryRun) {
        Map<String, Object> shadow = r.shadow();
        boolean started = shadow != null && !shadow.containsKey("note");
        if (r.deployed() != null) {
            out().println("Deployed " + r.function() + " " + r.deployed().version() + ", a parameter revision of "
                    + r.fromVersion() + ":");
        } else if (dryRun && r.learned().changed()) {
            out().println("Would deploy a parameter revision of " + r.function() + " " + r.fromVersion()
                    + " (dry run; seasonal and window switches would run in shadow first):");
        } else if (started) {
            out().println("Started shadow " + shadow.get(dev.poet.store.Shadows.ID) + " beside " + r.fromVersion()
                    + ": what was learned cannot be replayed from what the executions recorded, so it runs on the same"
                    + " inputs first; 'poet shadow list' shows its score:");
        } else if (shadow != null) {
            out().println("Nothing deployed: " + shadow.get("note"));
        } else {
            out().println("Nothing learned that beats " + r.function() + " " + r.fromVersion() + "'s parameters; nothing deployed.");
            if (r.learned().diagnosis(r.function()) != null) {
                out().println("  diagnosis: " + r.learned().diagnosis(r.function()));
            }
        }
        for (String c : r.learned().changes()) {
            out().println("  " + (started && dev.poet.learn.Switches.isChange(c) ? "in shadow: " : "") + c);
        }
        for (String n : r.learned().notes()) {
            out().println("  note: " + n);
        }
        if (dryRun && r.learned().changed()) {
            out().println(dev.poet.json.Json.pretty(r.learned().params()));
        }
    }
}
