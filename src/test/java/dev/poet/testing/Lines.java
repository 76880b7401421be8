package dev.poet.testing;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * The complete lines a child process prints, read on a thread of its own so the child never
 * blocks on a full pipe. A line counts once its newline is out: the last, unterminated line of
 * a killed process is not one. Crash children print {@value #READY} first, once they are up and
 * about to work, then one line per acknowledged command.
 */
public final class Lines {
    public static final String READY = "ready";

    private final List<String> lines = new ArrayList<>();
    private boolean ended;

    private Lines() {
    }

    public static Lines of(InputStream in) {
        Lines l = new Lines();
        Thread t = new Thread(() -> l.read(in), "lines");
        t.setDaemon(true);
        t.start();
        return l;
    }

    private void read(InputStream in) {
        ByteArrayOutputStream line = new ByteArrayOutputStream();
        byte[] buf = new byte[8192];
        try (InputStream s = in) {
            for (int n; (n = s.read(buf)) > 0; ) {
                for (int i = 0; i < n; i++) {
                    if (buf[i] == '\n') {
                        add(line.toString(StandardCharsets.UTF_8));
                        line.reset();
                    } else {
                        line.write(buf[i]);
                    }
                }
            }
        } catch (IOException e) {
            // the process is gone: what was read is what it printed
        }
        synchronized (this) {
            ended = true;
            notifyAll();
        }
    }

    private synchronized void add(String l) {
        lines.add(l);
        notifyAll();
    }

    /** The complete lines so far. */
    public synchronized List<String> lines() {
        return List.copyOf(lines);
    }

    /** The acknowledgements so far: the complete lines after {@value #READY}. */
    public synchronized List<String> acks() {
        return lines.isEmpty() || !lines.get(0).equals(READY) ? List.copyOf(lines) : List.copyOf(lines.subList(1, lines.size()));
    }

    /** Waits until the child said it is ready; false if it ended or {@code max} passed first. */
    public boolean awaitReady(Duration max) throws InterruptedException {
        return await(1, max);
    }

    /** Waits until the child acknowledged {@code n} commands; false if it ended or {@code max} passed first. */
    public boolean awaitAcks(int n, Duration max) throws InterruptedException {
        return await(n + 1, max);
    }

    private synchronized boolean await(int n, Duration max) throws InterruptedException {
        long deadline = System.nanoTime() + max.toNanos();
        while (lines.size() < n && !ended) {
            long left = deadline - System.nanoTime();
            if (left <= 0) {
                return false;
            }
            wait(Math.max(1, left / 1_000_000));
        }
        return lines.size() >= n;
    }

    /** Waits for the end of the stream (the child exited or was killed); false if {@code max} passed first. */
    public synchronized boolean awaitEnd(Duration max) throws InterruptedException {
        long deadline = System.nanoTime() + max.toNanos();
        while (!ended) {
            long left = deadline - System.nanoTime();
            if (left <= 0) {
                return false;
            }
            wait(Math.max(1, left / 1_000_000));
        }
        return true;
    }
}
