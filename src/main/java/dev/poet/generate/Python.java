package dev.poet.generate;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.Map;

/** Finds the Python interpreter poet uses to check code: {@code $POET_PYTHON}, else {@code python3} on the PATH. */
public final class Python {
    private Python() {
    }

    /** The interpreter's path, or null when there is none. */
    public static String locate(Map<String, String> env) {
        String explicit = env.get("POET_PYTHON");
        if (explicit != null && !explicit.isBlank()) {
            return explicit;
        }
        String path = env.getOrDefault("PATH", "");
        for (String dir : path.split(File.pathSeparator)) {
            if (dir.isEmpty()) {
                continue;
            }
            Path p = Paths.get(dir, "python3");
            if (Files.isExecutable(p)) {
                return p.toString();
            }
        }
        return null;
    }
}
