package dev.poet.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ScopeType;

/** The root {@code poet} command; its options apply to every subcommand and may be given before or after it. */
@Command(name = "poet",
        mixinStandardHelpOptions = true,
        versionProvider = VersionProvider.class,
        synopsisSubcommandLabel = "COMMAND",
        description = {
            "Closes the learning loop for functions managed by POET: records executions and their outcomes,",
            "connects them, and keeps the functions' versions, parameters and history in a .poet store."},
        footer = {"%nThe store is --store DIR, else $POET_STORE, else the nearest .poet/ in this directory or a parent.",
            "Documentation: docs/ in the poet repository."})
public final class PoetCommand implements Runnable {
    final PoetEnv env;

    @Option(names = "--store", paramLabel = "DIR", scope = ScopeType.INHERIT,
            description = "The .poet store to use (or the directory containing it).")
    String store;

    @Option(names = "--json", scope = ScopeType.INHERIT,
            description = "Print results as JSON (JSON Lines for lists), in the documented stable format.")
    boolean json;

    @Option(names = {"-q", "--quiet"}, scope = ScopeType.INHERIT,
            description = "Print no progress or notes on stderr; errors are still printed.")
    boolean quiet;

    @Option(names = {"-v", "--verbose"}, scope = ScopeType.INHERIT,
            description = "Print more detail, and the stack trace of an unexpected error.")
    boolean verbose;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    public PoetCommand(PoetEnv env) {
        this.env = env;
    }

    @Override
    public void run() {
        throw new CommandLine.ParameterException(spec.commandLine(), "a command is required");
    }
}
