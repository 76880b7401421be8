package dev.poet.cli;

import picocli.CommandLine;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.ScopeType;

/**
 * The root {@code poet} command. Its options apply to every subcommand and may be given before
 * or after it. Declared with picocli's programmatic model (see {@link Specs} for why).
 */
public final class PoetCommand implements Runnable {
    final PoetEnv env;
    final CommandSpec spec;

    PoetCommand(PoetEnv env) {
        this.env = env;
        this.spec = Specs.wrap(this);
        spec.name("poet");
        spec.versionProvider(new VersionProvider());
        spec.usageMessage()
                .synopsisSubcommandLabel("COMMAND")
                .description("Closes the learning loop for functions managed by POET: records executions and their"
                        + " outcomes, connects them, and keeps the functions' versions, parameters and history in a"
                        + " .poet store.")
                .footer("%nThe store is --store DIR, else $POET_STORE, else the nearest .poet/ in this directory or"
                        + " a parent. Documentation: docs/ in the poet repository.");
        spec.addOption(Specs.option("--store", "DIR", "The .poet store to use (or the directory containing it).")
                .scopeType(ScopeType.INHERIT).build());
        spec.addOption(Specs.flag("--json", "Print results as JSON (JSON Lines for lists), in the documented stable format.")
                .scopeType(ScopeType.INHERIT).build());
        spec.addOption(Specs.flag("-q,--quiet", "Print no progress or notes on stderr; errors are still printed.")
                .scopeType(ScopeType.INHERIT).build());
        spec.addOption(Specs.flag("-v,--verbose", "Print more detail, and the stack trace of an unexpected error.")
                .scopeType(ScopeType.INHERIT).build());
        spec.addOption(Specs.flag("-h,--help", "Show this help and exit.").usageHelp(true)
                .scopeType(ScopeType.INHERIT).build());
        spec.addOption(Specs.flag("-V,--version", "Print the version and exit.").versionHelp(true).build());
    }

    String store() {
        return Specs.value(spec, "--store");
    }

    boolean json() {
        return Specs.isSet(spec, "--json");
    }

    boolean quiet() {
        return Specs.isSet(spec, "--quiet");
    }

    boolean verbose() {
        return Specs.isSet(spec, "--verbose");
    }

    @Override
    public void run() {
        throw new CommandLine.ParameterException(spec.commandLine(), "a command is required");
    }
}
