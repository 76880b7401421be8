package dev.poet.cli;

import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

@Command(name = "completion",
        footer = {"", "Examples:",
            "  source <(poet completion)                                   # bash, this shell",
            "  poet completion zsh > \"$${fpath[1]}/_poet\"                   # zsh", // $$: picocli's escape
            "  poet completion fish > ~/.config/fish/completions/poet.fish  # fish"},
        description = {"Print the shell completion script for bash, zsh or fish.",
            "Generated from the command model (bash by picocli); function names, versions and event types complete from"
                + " the store. install.sh installs all three; completions/ in the repository holds this output."})
final class CompletionCommand implements Callable<Integer> {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Parameters(paramLabel = "SHELL", arity = "0..1", defaultValue = "bash", description = "bash (default), zsh or fish.")
    String shell;

    @Override
    public Integer call() {
        CommandLine root = spec.root().commandLine();
        spec.commandLine().getOut().print(Completions.forShell(shell, root));
        spec.commandLine().getOut().flush();
        return 0;
    }
}
