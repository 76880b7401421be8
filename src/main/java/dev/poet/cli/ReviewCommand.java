package dev.poet.cli;

import dev.poet.analyze.ExecutionFacts;
import dev.poet.event.Event;
import dev.poet.event.Timestamps;
import dev.poet.integrate.ReviewQueue;
import dev.poet.store.Names;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.apache.commons.io.output.WriterOutputStream;
import org.jline.reader.EndOfFileException;
import org.jline.reader.LineReader;
import org.jline.reader.LineReaderBuilder;
import org.jline.reader.UserInterruptException;
import org.jline.reader.impl.completer.StringsCompleter;
import org.jline.terminal.Attributes;
import org.jline.terminal.Terminal;
import org.jline.terminal.TerminalBuilder;
import org.jline.terminal.impl.DumbTerminal;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(name = "review",
        description = {"Judge the alerts that have no verdict yet, one key each.",
            "Newest first: the alert's details, then r (real drift), f (false positive), s (skip) or q (quit); after r"
                + " or f a reason prompt (Tab completes reasons given before; Enter for none). Each verdict is recorded"
                + " the moment it is given, as drift.validation (validation_source cli_review)."},
        footer = {"", "Examples:", "  poet review", "  poet review detect_drift --limit 20"})
final class ReviewCommand extends Base {
    @Parameters(paramLabel = "FUNCTION", arity = "0..1", description = "Only this function's alerts.")
    String function;

    @Option(names = "--limit", paramLabel = "N", defaultValue = "100", description = "At most N alerts (default: ${DEFAULT-VALUE}).")
    int limit;

    @Override
    public Integer call() throws Exception {
        if (function != null) {
            Names.function(function);
        }
        if (limit < 1) {
            throw dev.poet.PoetException.invalid("--limit must be at least 1");
        }
        var store = store();
        ReviewQueue queue = ReviewQueue.open(store, eventLog(store));
        List<ExecutionFacts> alerts = queue.unreviewed(function, limit);
        if (alerts.isEmpty()) {
            out().println("Nothing to review: every alert" + (function == null ? "" : " of " + function) + " has a verdict.");
            return 0;
        }
        String who = env().env("USER");
        try (Terminal terminal = terminal()) {
            PrintWriter w = terminal.writer();
            LineReader reasons = LineReaderBuilder.builder().terminal(terminal)
                    .completer(new StringsCompleter(queue.knownReasons())).build();
            int done = 0;
            int skipped = 0;
            int n = 0;
            loop:
            for (ExecutionFacts x : alerts) {
                n++;
                show(w, x, queue.execution(x), n, alerts.size());
                while (true) {
                    w.print("[r] real drift  [f] false positive  [s] skip  [q] quit > ");
                    w.flush();
                    int key = readKey(terminal);
                    w.println();
                    switch (key) {
                        case 'r', 'R', 'f', 'F' -> {
                            boolean real = key == 'r' || key == 'R';
                            String reason;
                            try {
                                reason = reasons.readLine("reason (Tab completes, Enter for none): ");
                            } catch (UserInterruptException | EndOfFileException e) {
                                break loop;
                            }
                            String id = queue.verdict(x, real, reason, who);
                            w.println("  recorded " + (real ? "real drift" : "false positive") + " (" + id + ")");
                            done++;
                            continue loop;
                        }
                        case 's', 'S' -> {
                            skipped++;
                            continue loop;
                        }
                        case 'q', 'Q', -1, 3, 4 -> {
                            break loop;
                        }
                        default -> w.println("  press r, f, s or q");
                    }
                }
            }
            w.println(done + " verdict" + (done == 1 ? "" : "s") + " recorded, " + skipped + " skipped, "
                    + (alerts.size() - done - skipped) + " left.");
            w.flush();
        }
        return 0;
    }

    private void show(PrintWriter w, ExecutionFacts x, Event e, int n, int of) {
        w.println();
        w.println("(" + n + "/" + of + ") " + x.function() + " " + (x.version() == null ? "" : x.version()) + "  "
                + Timestamps.format(Instant.ofEpochMilli(x.time())) + "  execution " + x.id);
        Map<String, Object> d = e == null ? Map.of() : e.data();
        StringBuilder b = new StringBuilder("  ");
        for (String k : List.of("feature", "feature_type", "test", "p_value", "statistic", "threshold")) {
            Object v = d.get(k) != null ? d.get(k) : k.equals("feature") ? x.feature() : k.equals("test") ? x.test() : null;
            if (v != null) {
                b.append(k).append(' ').append(v).append("  ");
            }
        }
        w.println(b.toString().stripTrailing());
    }

    /** One key press, without waiting for Enter on a real terminal. */
    private static int readKey(Terminal terminal) throws IOException {
        Attributes saved = terminal.enterRawMode();
        try {
            return terminal.reader().read();
        } finally {
            terminal.setAttributes(saved);
        }
    }

    /** The real terminal when run as poet; the command's own streams (a dumb terminal) when embedded or tested. */
    private Terminal terminal() throws IOException {
        InputStream in = env().stdin();
        if (in == System.in) {
            return TerminalBuilder.builder().system(true).build();
        }
        OutputStream out = WriterOutputStream.builder().setWriter(out()).setCharset(StandardCharsets.UTF_8).get();
        return new DumbTerminal("poet", "dumb", in, out, StandardCharsets.UTF_8);
    }
}
