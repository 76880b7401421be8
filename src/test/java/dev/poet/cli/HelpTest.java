package dev.poet.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.poet.testing.Cli;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/** Discoverability: grouped commands, a description for every option, an example for every command. */
class HelpTest {
    private static List<CommandLine> all(CommandLine cl) {
        List<CommandLine> out = new ArrayList<>();
        out.add(cl);
        for (CommandLine sub : cl.getSubcommands().values()) {
            out.addAll(all(sub));
        }
        return out;
    }

    @Test
    void theCommandListIsGroupedByPurposeAndFitsEightyColumns() {
        Cli.Result r = Cli.jimfs().run("--help");
        assertEquals(0, r.code());
        for (String heading : List.of("Start:", "Record outcomes:", "Learn:", "Inspect:", "Integrate:", "Serve:")) {
            assertTrue(r.out().contains("\n" + heading + "\n"), heading + " in\n" + r.out());
        }
        for (String line : r.out().split("\n")) {
            assertTrue(line.length() <= 80, "too long for a terminal: " + line);
        }
        CommandLine model = Poet.commandLine(Cli.jimfs().envForTests());
        for (String name : model.getSubcommands().keySet()) {
            if (model.getSubcommands().get(name).getCommandSpec().usageMessage().hidden()) {
                continue;
            }
            assertTrue(CommandGroups.GROUPS.values().stream().anyMatch(g -> g.contains(name)), name + " belongs to a group");
        }
    }

    @Test
    void everyCommandHasAnExampleAndEveryOptionADescription() {
        CommandLine model = Poet.commandLine(Cli.jimfs().envForTests());
        for (CommandLine cl : all(model)) {
            if (cl == model || cl.getCommandSpec().usageMessage().hidden()) {
                continue;
            }
            String name = cl.getCommandSpec().qualifiedName();
            String help = cl.getUsageMessage(CommandLine.Help.Ansi.OFF);
            assertTrue(help.contains("\nExamples:\n") || help.contains("\nExample:\n"), name + " has no example:\n" + help);
            assertFalse(cl.getCommandSpec().usageMessage().description().length == 0, name + " has no description");
            for (CommandLine.Model.OptionSpec o : cl.getCommandSpec().options()) {
                assertTrue(o.description().length > 0 && !o.description()[0].isBlank(), name + " " + o.longestName()
                        + " has no description");
            }
            for (CommandLine.Model.PositionalParamSpec p : cl.getCommandSpec().positionalParameters()) {
                assertTrue(p.description().length > 0 && !p.description()[0].isBlank(), name + " " + p.paramLabel()
                        + " has no description");
            }
        }
    }

    /**
     * What {@code poet ... --help} prints (parsed without picocli's interpolation, which is turned
     * on before help is shown) is the model's full help: defaults expanded, shell text as written.
     */
    @Test
    void helpAsPrintedHasItsVariablesExpandedAndShellTextAsWritten() {
        CommandLine model = Poet.commandLine(Cli.jimfs().envForTests());
        int checked = 0;
        for (CommandLine cl : all(model)) {
            if (cl.getCommandSpec().usageMessage().hidden()) {
                continue;
            }
            List<String> args = new ArrayList<>(List.of(cl.getCommandSpec().qualifiedName().split(" ")));
            args.remove(0);
            args.add("--help");
            Cli.Result r = Cli.jimfs().run(args.toArray(new String[0]));
            assertEquals(0, r.code(), String.join(" ", args) + ": " + r.err());
            assertEquals(cl.getUsageMessage(CommandLine.Help.Ansi.OFF), r.out(), String.join(" ", args));
            assertFalse(r.out().contains("${DEFAULT-VALUE}") || r.out().contains("(default: null"), r.out());
            checked++;
        }
        assertTrue(checked > 30, "commands checked: " + checked);
        Cli.Result feedback = Cli.jimfs().run("feedback", "--help");
        assertTrue(feedback.out().contains("(default: cli)"), feedback.out());
        Cli.Result completion = Cli.jimfs().run("completion", "--help");
        assertTrue(completion.out().contains("poet completion zsh > \"${fpath[1]}/_poet\""), completion.out());
    }

    /** Poet turns picocli's java.time and java.sql converters off for start-up: no option may need them. */
    @Test
    void noOptionNeedsAConverterPoetTurnsOff() {
        CommandLine model = Poet.commandLine(Cli.jimfs().envForTests());
        int options = 0;
        for (CommandLine cl : all(model)) {
            for (CommandLine.Model.ArgSpec a : cl.getCommandSpec().args()) {
                for (Class<?> t : a.typeInfo().getAuxiliaryTypes()) {
                    assertFalse(t.getName().matches(System.getProperty("picocli.converters.excludes")),
                            cl.getCommandSpec().qualifiedName() + " " + a.paramLabel() + " is a " + t.getName());
                }
                options++;
            }
        }
        assertTrue(options > 100, "arguments checked: " + options);
    }
}
