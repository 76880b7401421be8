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
}
