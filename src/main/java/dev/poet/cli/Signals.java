package dev.poet.cli;

/**
 * SIGTERM and SIGINT as a request to stop, for the long-running commands: the command finishes
 * what is in flight and exits 0, as a supervisor (systemd, Kubernetes) expects of a clean stop. The
 * JVM's own handling (shutdown hooks, exit 143) stays where the signals cannot be caught (-Xrs).
 */
final class Signals {
    private Signals() {
    }

    static void onTerminate(Runnable stop) {
        for (String name : new String[] {"TERM", "INT"}) {
            try {
                sun.misc.Signal.handle(new sun.misc.Signal(name), s -> stop.run());
            } catch (IllegalArgumentException | UnsupportedOperationException e) {
                // the JVM keeps this signal (e.g. under -Xrs): its shutdown hooks stop the command instead
            }
        }
    }
}
