package dev.poet.cli;

import java.nio.file.Files;
import java.nio.file.Paths;
import java.util.Arrays;
import picocli.CommandLine.Help.Ansi;

/**
 * What the output streams are: a terminal gets colour (unless {@code NO_COLOR} is set or
 * {@code TERM} is dumb), text fitted to its width (JLine's, or {@code COLUMNS}), and progress on
 * stderr; a pipe or file gets plain text. {@code POET_TTY} (e.g. {@code 1,2}) names the streams to
 * treat as terminals, for tests and for tools that capture a terminal's output.
 */
final class Tty {
    private Tty() {
    }

    static boolean isTerminal(PoetEnv env, int fd) {
        String forced = env.env("POET_TTY");
        if (forced != null) {
            return Arrays.asList(forced.split(",")).contains(Integer.toString(fd));
        }
        if (env.stdin() != System.in) {
            return false; // embedded, or a test: its streams are not the process's
        }
        try {
            String target = Files.readSymbolicLink(Paths.get("/proc/self/fd/" + fd)).toString();
            return target.startsWith("/dev/pts/") || target.startsWith("/dev/tty");
        } catch (Exception e) {
            return fd == 1 && System.console() != null;
        }
    }

    /** picocli's ANSI styles, on for a terminal that wants colour, off otherwise. */
    static Ansi ansi(PoetEnv env) {
        String noColor = env.env("NO_COLOR");
        if (noColor != null || "dumb".equals(env.env("TERM"))) {
            return Ansi.OFF;
        }
        return isTerminal(env, 1) ? Ansi.ON : Ansi.OFF;
    }

    /** The terminal's width: COLUMNS, else what JLine reads from the terminal, else 80; 0 for a pipe (no limit). */
    static int width(PoetEnv env) {
        String columns = env.env("COLUMNS");
        if (columns != null) {
            try {
                return Math.max(20, Integer.parseInt(columns.strip()));
            } catch (NumberFormatException e) {
                // fall through
            }
        }
        if (!isTerminal(env, 1)) {
            return 0;
        }
        if (env.stdin() == System.in) {
            try (org.jline.terminal.Terminal t = org.jline.terminal.TerminalBuilder.builder().system(true).dumb(true).build()) {
                int w = t.getWidth();
                if (w > 0) {
                    return w;
                }
            } catch (Exception e) {
                // no terminal after all
            }
        }
        return 80;
    }
}
