package dev.poet.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.poet.testing.Cli;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Colour and width on a terminal, plain text in a pipe, never colour under NO_COLOR; progress only on a terminal. */
class TerminalOutputTest {
    Cli cli;

    @BeforeEach
    void store() {
        cli = Cli.jimfs();
        assertEquals(0, cli.run("init").code());
        cli.write("d.py", "def detect_drift(a, b):\n    return {}\n");
        assertEquals(0, cli.run("enhance", "detect_drift", "--from", "d.py").code());
        for (int i = 0; i < 25; i++) {
            assertEquals(0, cli.run("record", "execution.completed", "--function", "detect_drift", "--function-version", "v1",
                    "--execution-id", "e" + i, "--set", "success=true", "--set", "duration_ms=1", "--set", "drift_detected=true")
                    .code());
            assertEquals(0, cli.run("feedback", "--execution-id", "e" + i, "--false-positive", "--reason", "seasonal").code());
        }
    }

    @Test
    void colourOnATerminalOnly() {
        assertEquals(0, cli.run("correlate").code());
        Cli.Result piped = cli.run("analyze", "detect_drift");
        assertFalse(piped.out().contains("\u001b["), "plain when piped");
        cli.env.put("POET_TTY", "1");
        Cli.Result tty = cli.run("analyze", "detect_drift");
        assertTrue(tty.out().contains("\u001b[31m\u001b[1mFIRED"), "the fired rule in red on a terminal:\n" + tty.out());
        assertTrue(tty.out().contains("NEEDS IMPROVEMENT"), tty.out());
        String plain = tty.out().replaceAll("\u001b\\[[0-9;]*m", "");
        assertEquals(piped.out(), plain, "colour changes nothing else, alignment included");
        cli.env.put("NO_COLOR", "1");
        assertFalse(cli.run("analyze", "detect_drift").out().contains("\u001b["), "NO_COLOR wins");
        cli.env.remove("NO_COLOR");
        cli.env.put("COLUMNS", "60");
        int rows = 0;
        for (String line : cli.run("status").out().split("\n")) {
            if (line.contains("FUNCTION") || line.contains("detect_drift ")) {
                rows++;
                assertTrue(line.replaceAll("\u001b\\[[0-9;]*m", "").length() <= 60, "the table fits 60 columns: " + line);
            }
        }
        assertEquals(2, rows);
    }

    @Test
    void progressOnlyWhenStderrIsATerminal() {
        Cli.Result quiet = cli.run("correlate", "--batch-size", "10");
        assertFalse(quiet.err().contains("\r"), quiet.err());
        cli.run("record", "drift.validation", "--execution-id", "late", "--set", "was_real_drift=true");
        cli.env.put("POET_TTY", "2");
        Cli.Result bar = cli.run("correlate", "--batch-size", "10");
        assertTrue(bar.err().contains("\rcorrelate") && bar.err().contains("100%"), bar.err());
        assertTrue(bar.err().matches("(?s).*100%  [0-9]+/[0-9]+\r +\r.*"), "the bar is cleared when done: " + bar.err());
        Cli.Result ingest = cli.run("ingest", "retrain", "--reason", "drift_alert_e1", "--before", "0.8", "--after", "0.9");
        assertEquals(0, ingest.code(), ingest.toString());
        assertTrue(ingest.err().contains("\ringest retrain"), ingest.err());
        Cli.Result q = cli.run("-q", "correlate");
        assertFalse(q.err().contains("\r"), "-q: no progress");
    }
}
