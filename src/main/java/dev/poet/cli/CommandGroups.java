package dev.poet.cli;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import picocli.CommandLine;
import picocli.CommandLine.Help;

/** {@code poet --help}'s command list, grouped by purpose; picocli renders each entry from the command's own spec. */
final class CommandGroups implements CommandLine.IHelpSectionRenderer {
    static final Map<String, List<String>> GROUPS = new LinkedHashMap<>();

    static {
        GROUPS.put("Start", List.of("demo", "init", "enhance"));
        GROUPS.put("Record outcomes", List.of("record", "feedback", "review", "dismiss", "ingest"));
        GROUPS.put("Learn", List.of("correlate", "analyze", "learn", "regenerate", "shadow", "rollback", "config", "sweep"));
        GROUPS.put("Inspect", List.of("status", "doctor", "events", "report"));
        GROUPS.put("Integrate", List.of("review-link", "pagerduty-event", "slack-message"));
        GROUPS.put("Serve", List.of("serve"));
        GROUPS.put("Shell", List.of("completion"));
    }

    @Override
    public String render(Help help) {
        Map<String, Help> subs = help.subcommands();
        if (subs.isEmpty()) {
            return "";
        }
        int width = 0;
        for (String name : subs.keySet()) {
            width = Math.max(width, name.length());
        }
        StringBuilder b = new StringBuilder();
        List<String> shown = new ArrayList<>();
        for (Map.Entry<String, List<String>> g : GROUPS.entrySet()) {
            StringBuilder section = new StringBuilder();
            for (String name : g.getValue()) {
                Help sub = subs.get(name);
                if (sub != null) {
                    section.append(line(name, sub, width));
                    shown.add(name);
                }
            }
            if (section.length() > 0) {
                b.append(String.format("%n%s:%n", g.getKey())).append(section);
            }
        }
        for (Map.Entry<String, Help> e : subs.entrySet()) {
            if (!shown.contains(e.getKey()) && !e.getValue().commandSpec().usageMessage().hidden()) {
                b.append(line(e.getKey(), e.getValue(), width));
            }
        }
        return b.toString();
    }

    private static String line(String name, Help sub, int width) {
        String[] d = sub.commandSpec().usageMessage().description();
        String first = d.length == 0 ? "" : sub.colorScheme().text(d[0]).plainString();
        return "  " + name + " ".repeat(width - name.length() + 2) + first + System.lineSeparator();
    }
}
