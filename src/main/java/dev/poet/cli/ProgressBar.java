package dev.poet.cli;

import dev.poet.Progress;
import java.io.PrintWriter;

/**
 * A one-line progress bar on stderr, redrawn in place, at most ten times a second; only when
 * stderr is a terminal and not under {@code -q}. {@link #done()} clears the line.
 */
final class ProgressBar implements Progress, AutoCloseable {
    private final PrintWriter err;
    private final boolean on;
    private long lastDraw;
    private int lastLength;

    ProgressBar(PoetEnv env, boolean quiet) {
        this.err = env.err();
        this.on = !quiet && Tty.isTerminal(env, 2);
    }

    boolean on() {
        return on;
    }

    @Override
    public synchronized void update(String phase, long done, long total) {
        if (!on) {
            return;
        }
        long now = System.nanoTime();
        if (now - lastDraw < 100_000_000L && done != total) {
            return;
        }
        lastDraw = now;
        String line;
        if (total > 0) {
            int width = 30;
            int filled = (int) Math.min(width, width * done / total);
            line = String.format("%-22s [%s%s] %3d%%  %d/%d", phase.length() > 22 ? phase.substring(0, 22) : phase,
                    "#".repeat(filled), ".".repeat(width - filled), 100 * done / total, done, total);
        } else {
            line = String.format("%-22s %d", phase.length() > 22 ? phase.substring(0, 22) : phase, done);
        }
        err.print("\r" + line + " ".repeat(Math.max(0, lastLength - line.length())));
        err.flush();
        lastLength = line.length();
    }

    /** Clears the bar, so what follows starts on a clean line. */
    @Override
    public synchronized void close() {
        if (on && lastLength > 0) {
            err.print("\r" + " ".repeat(lastLength) + "\r");
            err.flush();
            lastLength = 0;
        }
    }
}
