package dev.poet.cli;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import picocli.AutoComplete;
import picocli.CommandLine;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;
import picocli.CommandLine.Model.PositionalParamSpec;

/**
 * Shell completion scripts, all generated from the command model: bash by picocli's
 * {@link AutoComplete}, with a generated layer that completes function names, versions and event
 * types from the store (through the hidden {@code poet __complete}); zsh as that script under
 * bashcompinit; fish from the same model, with the same store lookups.
 */
final class Completions {
    private Completions() {
    }

    /** Where a value completes from the store: a positional or option label, and what to ask for. */
    private static String dynamic(String label) {
        return switch (label) {
            case "FUNCTION", "FN" -> "functions";
            case "vN", "VERSION" -> "versions";
            case "TYPE", "T" -> "event-types";
            default -> null;
        };
    }

    static String bash(CommandLine root) {
        StringBuilder b = new StringBuilder(AutoComplete.bash("poet", root));
        b.append("\n# Values from the store (generated from the command model): function names, versions, event types.\n");
        b.append("function _poet_store_values() {\n");
        b.append("  local cur=\"${COMP_WORDS[COMP_CWORD]}\" prev=\"${COMP_WORDS[COMP_CWORD-1]}\" line=\" ${COMP_WORDS[*]:1:COMP_CWORD-1} \"\n");
        b.append("  local what=\"\"\n");
        b.append("  case \"$prev\" in\n");
        List<String> optionCases = new ArrayList<>();
        for (CommandLine cl : all(root)) {
            for (OptionSpec o : cl.getCommandSpec().options()) {
                String d = dynamic(o.paramLabel());
                if (d != null && !o.typeInfo().isBoolean()) {
                    String c = "    " + String.join("|", o.names()) + ") what=" + d + " ;;\n";
                    if (!optionCases.contains(c)) {
                        optionCases.add(c);
                    }
                }
            }
        }
        optionCases.forEach(b::append);
        b.append("    -*) ;;\n");
        b.append("    *)\n");
        b.append("      case \"$line\" in\n");
        for (CommandLine cl : all(root)) {
            CommandSpec s = cl.getCommandSpec();
            if (s == root.getCommandSpec()) {
                continue;
            }
            for (PositionalParamSpec p : s.positionalParameters()) {
                String d = dynamic(p.paramLabel());
                if (d != null && p.index().min() == 0) {
                    String path = s.qualifiedName(" ").substring("poet ".length());
                    b.append("        *\" ").append(path).append(" \") [[ \"$cur\" != -* ]] && what=").append(d).append(" ;;\n");
                }
            }
        }
        b.append("      esac ;;\n");
        b.append("  esac\n");
        b.append("  if [[ -n \"$what\" ]]; then\n");
        b.append("    local values; values=$(poet __complete \"$what\" 2>/dev/null)\n");
        b.append("    COMPREPLY=( $(compgen -W \"$values\" -- \"$cur\") )\n");
        b.append("    return 0\n");
        b.append("  fi\n");
        b.append("  _complete_poet \"$@\"\n");
        b.append("}\n");
        b.append("complete -F _poet_store_values -o default poet poet.sh poet.bash\n");
        return b.toString();
    }

    static String zsh(CommandLine root) {
        return "#compdef poet\n# zsh completion for poet: the bash script, under zsh's bashcompinit.\n"
                + "autoload -U +X compinit && compinit\nautoload -U +X bashcompinit && bashcompinit\n\n" + bash(root);
    }

    static String fish(CommandLine root) {
        StringBuilder b = new StringBuilder("# fish completion for poet, generated from the command model.\n");
        b.append("complete -c poet -f\n");
        for (OptionSpec o : root.getCommandSpec().options()) {
            b.append(option("", o));
        }
        for (CommandLine cl : all(root)) {
            CommandSpec s = cl.getCommandSpec();
            if (s == root.getCommandSpec()) {
                continue;
            }
            List<String> path = new ArrayList<>(List.of(s.qualifiedName(" ").split(" ")));
            path.remove(0);
            String name = path.get(path.size() - 1);
            String parentCond = path.size() == 1 ? "__fish_use_subcommand"
                    : "__fish_seen_subcommand_from " + path.get(path.size() - 2) + "; and not __fish_seen_subcommand_from "
                    + String.join(" ", cl.getParent().getSubcommands().keySet());
            b.append("complete -c poet -n '").append(parentCond).append("' -a ").append(name).append(" -d ")
                    .append(quote(first(s))).append('\n');
            String cond = "__fish_seen_subcommand_from " + name;
            for (OptionSpec o : s.options()) {
                if (!o.inherited() && !o.hidden()) {
                    b.append(option(cond, o));
                }
            }
            for (PositionalParamSpec p : s.positionalParameters()) {
                String d = dynamic(p.paramLabel());
                if (d != null) {
                    b.append("complete -c poet -n '").append(cond).append("' -a '(poet __complete ").append(d)
                            .append(" 2>/dev/null)'\n");
                } else if (p.paramLabel().contains("FILE")) {
                    b.append("complete -c poet -n '").append(cond).append("' -F\n");
                }
            }
        }
        return b.toString();
    }

    private static String option(String cond, OptionSpec o) {
        StringBuilder b = new StringBuilder("complete -c poet");
        if (!cond.isEmpty()) {
            b.append(" -n '").append(cond).append('\'');
        }
        for (String n : o.names()) {
            if (n.startsWith("--")) {
                b.append(" -l ").append(n.substring(2));
            } else if (n.startsWith("-") && n.length() == 2) {
                b.append(" -s ").append(n.substring(1));
            }
        }
        if (!o.typeInfo().isBoolean() && o.arity().max() > 0) {
            String d = dynamic(o.paramLabel());
            if (d != null) {
                b.append(" -x -a '(poet __complete ").append(d).append(" 2>/dev/null)'");
            } else if (o.paramLabel().contains("FILE") || o.paramLabel().equals("DIR")) {
                b.append(" -r -F");
            } else {
                b.append(" -x"); // a value, not a file name: offer none
            }
        }
        String desc = o.description().length == 0 ? "" : o.description()[0];
        return b.append(" -d ").append(quote(desc)).append('\n').toString();
    }

    private static String first(CommandSpec s) {
        String[] d = s.usageMessage().description();
        return d.length == 0 ? "" : d[0];
    }

    private static String quote(String s) {
        String t = s.replace("%n", " ").replace("%%", "%");
        if (t.length() > 90) {
            t = t.substring(0, 87) + "...";
        }
        return "'" + t.replace("\\", "\\\\").replace("'", "\\'") + "'";
    }

    static List<CommandLine> all(CommandLine cl) {
        List<CommandLine> out = new ArrayList<>();
        if (!cl.getCommandSpec().usageMessage().hidden()) {
            out.add(cl);
        }
        for (CommandLine sub : cl.getSubcommands().values()) {
            if (!sub.getCommandSpec().usageMessage().hidden()) {
                out.addAll(all(sub));
            }
        }
        return out;
    }

    static String forShell(String shell, CommandLine root) {
        return switch (shell.toLowerCase(Locale.ROOT)) {
            case "bash" -> bash(root);
            case "zsh" -> zsh(root);
            case "fish" -> fish(root);
            default -> throw dev.poet.PoetException.invalid("no completion for shell '" + shell + "'; use bash, zsh or fish");
        };
    }
}
