package dev.poet.cli;

import dev.poet.store.NioStoreIO;
import dev.poet.store.StoreIO;
import java.io.InputStream;
import java.io.OutputStreamWriter;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.Clock;
import java.util.Map;

/**
 * Everything a command takes from the outside world, so that tests can run any command
 * against an in-memory file system, a fixed clock and captured output.
 */
public record PoetEnv(Path cwd, Map<String, String> environment, Clock clock, InputStream stdin,
                      PrintWriter out, PrintWriter err, StoreIO io) {

    public static PoetEnv system() {
        return new PoetEnv(Paths.get("").toAbsolutePath(), System.getenv(), Clock.systemUTC(), System.in,
                new PrintWriter(new OutputStreamWriter(System.out, StandardCharsets.UTF_8), true),
                new PrintWriter(new OutputStreamWriter(System.err, StandardCharsets.UTF_8), true),
                NioStoreIO.INSTANCE);
    }

    public String env(String name) {
        return environment.get(name);
    }
}
