package dev.poet.testing;

import com.google.common.jimfs.Configuration;
import com.google.common.jimfs.Jimfs;
import dev.poet.cli.Poet;
import dev.poet.cli.PoetEnv;
import dev.poet.store.NioStoreIO;
import dev.poet.store.StoreIO;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileSystem;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.HashMap;
import java.util.Map;

/**
 * Runs the real poet command line, built by the same factory as {@code main}, against a file
 * system of the test's choosing (jimfs by default), a fixed clock and captured output.
 */
public final class Cli {
    public static final Instant T0 = Instant.parse("2026-11-27T10:00:00Z");

    public final FileSystem fs;
    public Path cwd;
    public final Map<String, String> env = new HashMap<>();
    public Clock clock = Clock.fixed(T0, ZoneOffset.UTC);
    public StoreIO io = NioStoreIO.INSTANCE;
    public byte[] stdin = new byte[0];

    /** The captured result of one command. */
    public record Result(int code, String out, String err) {
        @Override
        public String toString() {
            return "exit " + code + "\n--- stdout\n" + out + "--- stderr\n" + err;
        }
    }

    public Cli(FileSystem fs, Path cwd) {
        this.fs = fs;
        this.cwd = cwd;
        env.put("PATH", "");
    }

    /** A fresh in-memory Unix file system with {@code /work/project} as the working directory. */
    public static Cli jimfs() {
        return jimfs(Configuration.unix());
    }

    /**
     * A fresh jimfs whose file times come from this Cli's {@link #clock}: one clock for the
     * events a command records and the files it writes, as on a real machine.
     */
    public static Cli jimfs(Configuration config) {
        Cli[] self = new Cli[1];
        FileSystem fs = Jimfs.newFileSystem(config.toBuilder().setWorkingDirectory("/")
                .setFileTimeSource(() -> FileTime.from(self[0] == null ? T0 : self[0].clock.instant())).build());
        self[0] = new Cli(fs, fs.getPath("/work/project"));
        try {
            Files.createDirectories(self[0].cwd);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return self[0];
    }

    /** An environment like the one {@link #run} uses, for tests that inspect the command model itself. */
    public PoetEnv envForTests() {
        return new PoetEnv(cwd, env, clock, new ByteArrayInputStream(stdin), new PrintWriter(new StringWriter(), true),
                new PrintWriter(new StringWriter(), true), io);
    }

    public Result run(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        PoetEnv penv = new PoetEnv(cwd, env, clock, new ByteArrayInputStream(stdin), new PrintWriter(out, true),
                new PrintWriter(err, true), io);
        int code = Poet.commandLineFor(penv, args).execute(args);
        stdin = new byte[0];
        return new Result(code, out.toString(), err.toString());
    }

    public Result runWithStdin(String input, String... args) {
        stdin = input.getBytes(StandardCharsets.UTF_8);
        return run(args);
    }

    public Path store() {
        return cwd.resolve(".poet");
    }

    public String read(Path p) {
        try {
            return Files.readString(p);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public Path write(String name, String content) {
        try {
            Path p = cwd.resolve(name);
            Files.createDirectories(p.getParent());
            Files.writeString(p, content);
            return p;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
