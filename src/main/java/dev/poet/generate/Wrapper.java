package dev.poet.generate;

import java.nio.charset.StandardCharsets;

/**
 * Turns a function's source into a stored version: a header naming the version, the source
 * unchanged, and a footer that wraps the function with the Python runtime so every call
 * records {@code execution.completed}.
 */
public final class Wrapper {
    private Wrapper() {
    }

    public static byte[] wrap(String fn, String version, String source, String origin) {
        StringBuilder b = new StringBuilder();
        b.append("# poet: ").append(fn).append(' ').append(version);
        if (origin != null) {
            b.append(" from ").append(origin.replace('\n', ' ').replace('\r', ' '));
        }
        b.append(". Stored versions are immutable; make a new one with poet.\n");
        b.append(source);
        if (!source.endsWith("\n")) {
            b.append('\n');
        }
        b.append("\n\n# --- added by poet: record each call as an execution.completed event ---\n");
        b.append("try:\n");
        b.append("    import poet_runtime as _poet_runtime\n");
        b.append("except ImportError:\n");
        b.append("    import os as _os, sys as _sys\n");
        b.append("    _sys.path.insert(0, _os.path.dirname(_os.path.realpath(__file__)))\n");
        b.append("    import poet_runtime as _poet_runtime\n");
        b.append(fn).append(" = _poet_runtime.instrument(").append(fn)
                .append(", function=\"").append(fn).append("\", version=\"").append(version).append("\")\n");
        return b.toString().getBytes(StandardCharsets.UTF_8);
    }

    /** The source a stored version was made from: without poet's header line and wrapper footer. */
    public static String unwrap(String stored) {
        String s = stored.startsWith("# poet: ") && stored.indexOf('\n') >= 0 ? stored.substring(stored.indexOf('\n') + 1) : stored;
        int footer = s.indexOf(FOOTER);
        return footer >= 0 ? s.substring(0, footer) : s;
    }

    private static final String FOOTER = "\n\n# --- added by poet: record each call as an execution.completed event ---\n";
}
