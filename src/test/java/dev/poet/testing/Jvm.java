package dev.poet.testing;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/** Fresh JVM processes for the tests that need real ones: this JVM's {@code java} and class path. */
public final class Jvm {
    private Jvm() {
    }

    public static String java() {
        return Paths.get(System.getProperty("java.home"), "bin", "java").toString();
    }

    /** {@code java [jvmOptions] -cp <this class path> mainClass args...} */
    public static List<String> command(List<String> jvmOptions, String mainClass, String... args) {
        List<String> cmd = new ArrayList<>();
        cmd.add(java());
        cmd.addAll(jvmOptions);
        cmd.addAll(List.of("-cp", System.getProperty("java.class.path"), mainClass));
        cmd.addAll(List.of(args));
        return cmd;
    }

    /** {@code poet args...} in a fresh JVM, as the launcher runs it but from this build's classes. */
    public static List<String> poet(List<String> jvmOptions, String... args) {
        return command(jvmOptions, "dev.poet.cli.Main", args);
    }

    /**
     * Reads a process's stream to its end on a thread of its own (so the process never blocks on
     * a full pipe, however many processes a test runs and however few cores the pool has).
     */
    public static CompletableFuture<String> drain(InputStream in) {
        CompletableFuture<String> all = new CompletableFuture<>();
        Thread t = new Thread(() -> {
            try (InputStream s = in) {
                all.complete(new String(s.readAllBytes(), StandardCharsets.UTF_8));
            } catch (IOException e) {
                all.complete("");
            }
        }, "drain");
        t.setDaemon(true);
        t.start();
        return all;
    }
}
