package dev.poet.cli;

import dev.poet.PoetException;
import dev.poet.Status;
import dev.poet.event.EventLog;
import dev.poet.json.Json;
import dev.poet.store.Names;
import dev.poet.store.Store;
import dev.poet.store.StoreLocator;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine;

/** What every subcommand shares: the global options, the store, and the two output streams. */
@CommandLine.Command
abstract class Base implements Callable<Integer> {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    PoetCommand root() {
        return (PoetCommand) spec.root().userObject();
    }

    PoetEnv env() {
        return root().env;
    }

    PrintWriter out() {
        return env().out();
    }

    /** A note for the person at the terminal; silent under {@code --quiet}. */
    void note(String message) {
        if (!root().quiet()) {
            env().err().println(message);
        }
    }

    boolean json() {
        return root().json();
    }

    Path storePath() {
        return StoreLocator.locate(root().store(), env().env(StoreLocator.ENV), env().cwd());
    }

    /** The store, with the lock wait from {@code POET_LOCK_WAIT} (seconds) when set. */
    Store store() {
        Store store = Store.open(storePath(), env().io());
        String wait = env().env("POET_LOCK_WAIT");
        if (wait != null && !wait.isBlank()) {
            try {
                store.lockWait(Math.round(Double.parseDouble(wait.trim()) * 1000));
            } catch (NumberFormatException e) {
                throw PoetException.invalid("POET_LOCK_WAIT must be a number of seconds, got " + Names.quote(wait));
            }
        }
        return store;
    }

    /** Fails with {@code NOT_FOUND} unless the store holds the function (checking the name first). */
    static void requireFunction(Store store, String function) throws IOException {
        if (!store.versions().exists(Names.function(function))) {
            throw PoetException.notFound("no function " + function + " in " + store.root()
                    + "; add one with 'poet enhance " + function + " --from FILE.py'");
        }
    }

    EventLog eventLog(Store store) {
        return new EventLog(store, env().clock());
    }

    void printJson(Object value) {
        out().println(new String(Json.encode(value), StandardCharsets.UTF_8));
    }

    void printPrettyJson(Object value) {
        out().println(Json.pretty(value));
    }

    /**
     * Reads an input argument: {@code -} for standard input, {@code @FILE} (or, where
     * {@code plainIsFile}, any other text) for a file, anything else as the text itself.
     * More than {@code max} bytes is an error.
     */
    byte[] readInput(String spec, boolean plainIsFile, int max, String what) throws IOException {
        if (spec.equals("-")) {
            return readLimited(env().stdin(), max, what + " (standard input)");
        }
        if (spec.startsWith("@") || plainIsFile) {
            Path p = env().cwd().resolve(spec.startsWith("@") ? spec.substring(1) : spec);
            if (Files.isDirectory(p)) {
                throw PoetException.invalid(what + ": " + p + " is a directory");
            }
            try (InputStream in = Files.newInputStream(p)) {
                return readLimited(in, max, what + " (" + p + ")");
            } catch (NoSuchFileException e) {
                throw new PoetException(Status.INVALID, what + ": no such file " + p);
            }
        }
        byte[] b = spec.getBytes(StandardCharsets.UTF_8);
        if (b.length > max) {
            throw tooLarge(what, max);
        }
        return b;
    }

    static byte[] readLimited(InputStream in, int max, String what) throws IOException {
        byte[] b = in.readNBytes(max + 1);
        if (b.length > max) {
            throw tooLarge(what, max);
        }
        return b;
    }

    private static PoetException tooLarge(String what, int max) {
        String limit = max % (1 << 20) == 0 ? (max >> 20) + " MiB" : max + " bytes";
        return PoetException.invalid(what + " is over the " + limit + " limit");
    }
}
