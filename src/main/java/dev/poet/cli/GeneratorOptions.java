package dev.poet.cli;

import dev.poet.learn.Generators;
import picocli.CommandLine.Option;

/** The generator options that {@code regenerate} and {@code learn} share; each overrides poet.json's {@code generator}. */
final class GeneratorOptions {
    @Option(names = "--generator", paramLabel = "NAME",
            description = "params, command or openai (default: poet.json generator.name, one name or a chain such as"
                + " [\"params\", \"command\"], else params).")
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

    Generators.Overrides overrides() {
        return new Generators.Overrides(generator, command, model, baseUrl, apiKeyEnv, timeout);
    }
}
