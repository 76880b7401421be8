package dev.poet.cli;

import dev.poet.store.NioStoreIO;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintWriter;
import java.io.OutputStream;
import java.io.OutputStreamWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.Map;
import org.apache.commons.io.file.PathUtils;

/**
 * The training run for the class-data-sharing archive that {@code install.sh} builds: runs the
 * short-lived commands once each against a throw-away store, so the archive holds the classes
 * their start-up needs (and, on Java 25, the lambda forms and call sites it links). Not a user
 * command: {@code install.sh} runs it with {@code -XX:DumpLoadedClassList} and dumps a static
 * archive from that list ({@code -Xshare:dump}), or with {@code -XX:AOTCacheOutput} on Java 25.
 */
public final class CdsTraining {
    private CdsTraining() {
    }

    public static void main(String[] args) throws IOException {
        System.getenv(); // the launcher reads the environment: archive its classes too
        Path dir = Files.createTempDirectory("poet-cds-");
        try {
            String store = dir.resolve(".poet").toString();
            run(dir, "init", store);
            run(dir, "--store", store, "feedback", "--execution-id", "training", "--false-positive", "--reason", "r");
            run(dir, "--store", store, "record", "execution.completed", "--function", "f", "--function-version", "v1",
                    "--execution-id", "training", "--set", "success=true", "--set", "duration_ms=1.5");
            run(dir, "--store", store, "status");
            run(dir, "--store", store, "--json", "status");
            run(dir, "--store", store, "events", "list");
        } finally {
            PathUtils.deleteDirectory(dir);
        }
    }

    private static PrintWriter discarding() {
        return new PrintWriter(new OutputStreamWriter(OutputStream.nullOutputStream(), StandardCharsets.UTF_8), true);
    }

    private static void run(Path cwd, String... args) {
        // Writers that encode like the real ones (PoetEnv.system), so the encoder's classes are archived too.
        PoetEnv env = new PoetEnv(cwd, Map.of(), Clock.systemUTC(), InputStream.nullInputStream(),
                discarding(), discarding(), NioStoreIO.INSTANCE);
        int code = Main.run(env, args);
        if (code != 0) {
            throw new IllegalStateException("training command failed with " + code + ": " + String.join(" ", args));
        }
    }
}
