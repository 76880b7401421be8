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
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(name = "regenerate",
        description = {"Make a better version of FUNCTION from its measured patterns and deploy it.",
            "Generators: params (default; learns thresholds, tests, ensembles, seasonal adjustment and window size from"
                + " labelled executions and deploys them as a parameter revision: the next version, same code, new"
                + " parameters), command (an executable given the improvement prompt on stdin, printing the code) and"
                + " openai (an OpenAI-compatible chat-completions endpoint). Generated code is checked (not empty, at most"
                + " 1 MiB, defines FUNCTION, compiles with python3 when present) and never run; a refused answer deploys"
                + " nothing, is recorded as enhancement.failed, and exits 4. Prompts and answers are kept in .poet/prompts/."},
        footer = {"", "Examples:",
            "  poet regenerate detect_drift --dry-run",
            "  poet regenerate detect_drift",
            "  poet regenerate detect_drift --generator command --generator-command 'llm -m gpt-4o'",
            "  OPENAI_API_KEY=... poet regenerate detect_drift --generator openai --model gpt-4o-mini"})
final class RegenerateCommand extends Base {
    @Parameters(paramLabel = "FUNCTION", description = "The function.")
    String function;

    @Option(names = "--generator", paramLabel = "NAME",
            description = "params, command or openai (default: poet.json generator.name, else params).")
    String generator;

    @Option(names = "--generator-command", paramLabel = "CMD",
            description = "For the command generator: the command line, run with sh -c (default: poet.json generator.command).")
    String command;

    @Option(names = "--model", paramLabel = "MODEL", description = "For openai: the model (default: poet.json generator.model).")
    String model;

    @Option(names = "--base-url", paramLabel = "URL",
            description = "For openai: the API base URL (default: poet.json generator.base_url, else https://api.openai.com/v1).")
    String baseUrl;

    @Option(names = "--api-key-env", paramLabel = "VAR",
            description = "For openai: the environment variable holding the API key (default: generator.api_key_env,"
                    + " else OPENAI_API_KEY).")
    String apiKeyEnv;

    @Option(names = "--timeout", paramLabel = "SECONDS",
            description = "How long the generator may take (default: poet.json generator.timeout_seconds, else 300).")
    Long timeout;

    @Option(names = "--dry-run", description = "Print the decision and the prompt (or what params would learn); change nothing.")
    boolean dryRun;

    @Override
    public Integer call() throws Exception {
        Store store = store();
        LearnSettings ls = LearnSettings.of(Settings.read(store), function);
        Generators.Overrides o = new Generators.Overrides(generator, command, model, baseUrl, apiKeyEnv, timeout);
        String name = Generators.name(ls, o);
        Regenerator regen = new Regenerator(store, eventLog(store), Python.locate(env().environment()));
        Regenerator.Result r;
        if (name.equals("params")) {
            r = regen.runParams(function, dryRun, null);
        } else {
            Generator g = dryRun ? null : Generators.create(name, ls, o, env().environment());
            r = regen.run(function, g, name, dryRun);
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
                m.put("params", r.learned().params());
                m.put("report", r.learned().report());
            } else {
                m.put("prompt", dryRun ? r.prompt() : r.promptFile().toString());
            }
            m.put("answer", r.answerFile() == null ? null : r.answerFile().toString());
            m.put("version", r.deployed() == null ? null : r.deployed().version());
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
        if (r.deployed() != null) {
            out().println("Deployed " + r.function() + " " + r.deployed().version() + ", a parameter revision of "
                    + r.fromVersion() + ":");
        } else if (r.learned().changed()) {
            out().println("Would deploy a parameter revision of " + r.function() + " " + r.fromVersion() + " (dry run):");
        } else {
            out().println("Nothing learned that beats " + r.function() + " " + r.fromVersion() + "'s parameters; nothing deployed.");
        }
        for (String c : r.learned().changes()) {
            out().println("  " + c);
        }
        for (String n : r.learned().notes()) {
            out().println("  note: " + n);
        }
        if (dryRun && r.learned().changed()) {
            out().println(dev.poet.json.Json.pretty(r.learned().params()));
        }
    }
}
