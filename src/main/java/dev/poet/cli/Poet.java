package dev.poet.cli;

import dev.poet.PoetException;
import dev.poet.Status;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileSystemException;
import java.nio.file.NoSuchFileException;
import java.nio.file.ReadOnlyFileSystemException;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Supplier;
import picocli.CommandLine;

/**
 * The one factory for the command line, used by {@link Main} and by the tests: it wires the
 * environment into the commands, the output writers, the exit-code list shown by
 * {@code --help}, and the single place where failures become a one-line message and an exit
 * code.
 */
public final class Poet {
    private Poet() {
    }

    /** The subcommands, in the order {@code --help} lists them. */
    private static final Map<String, Supplier<Object>> COMMANDS = new LinkedHashMap<>();

    static {
        COMMANDS.put("demo", () -> new DemoCommand());
        COMMANDS.put("init", () -> new InitCommand());
        COMMANDS.put("enhance", () -> new EnhanceCommand());
        COMMANDS.put("record", () -> new RecordCommand().spec);
        COMMANDS.put("feedback", () -> new FeedbackCommand().spec);
        COMMANDS.put("correlate", () -> new CorrelateCommand());
        COMMANDS.put("sweep", () -> new SweepCommand());
        COMMANDS.put("analyze", () -> new AnalyzeCommand());
        COMMANDS.put("config", () -> new ConfigCommand());
        COMMANDS.put("regenerate", () -> new RegenerateCommand());
        COMMANDS.put("learn", () -> new LearnCommand());
        COMMANDS.put("rollback", () -> new RollbackCommand());
        COMMANDS.put("serve", () -> new ServeCommand());
        COMMANDS.put("review-link", () -> new ReviewLinkCommand());
        COMMANDS.put("pagerduty-event", () -> new PagerDutyEventCommand());
        COMMANDS.put("slack-message", () -> new SlackMessageCommand());
        COMMANDS.put("dismiss", () -> new DismissCommand());
        COMMANDS.put("ingest", () -> new IngestCommand());
        COMMANDS.put("review", () -> new ReviewCommand());
        COMMANDS.put("report", () -> new ReportCommand());
        COMMANDS.put("status", () -> new StatusCommand());
        COMMANDS.put("events", () -> new EventsCommand());
        COMMANDS.put("completion", () -> new CompletionCommand());
        COMMANDS.put("__complete", () -> new CompleteValuesCommand());
    }

    /** The whole command line, every subcommand included. */
    public static CommandLine commandLine(PoetEnv env) {
        return build(env, COMMANDS.keySet());
    }

    /**
     * The command line for these arguments. When they name a subcommand, only that one is built:
     * picocli reflects over every command it is given, and start-up time is what
     * {@code poet feedback} and {@code poet record} are judged on. Parsing is the same either way.
     */
    public static CommandLine commandLineFor(PoetEnv env, String... args) {
        String word = commandWord(args);
        if (word != null && COMMANDS.containsKey(word) && !word.equals("completion")) {
            return build(env, List.of(word));
        }
        return commandLine(env);
    }

    /** The first argument that is not a global option or its value. */
    static String commandWord(String[] args) {
        for (int i = 0; i < args.length; i++) {
            String a = args[i];
            if (a.equals("--store")) {
                i++;
            } else if (!a.startsWith("-")) {
                return a;
            } else if (a.equals("--")) {
                return null;
            }
        }
        return null;
    }

    private static CommandLine build(PoetEnv env, Collection<String> names) {
        CommandLine cl = new CommandLine(new PoetCommand(env).spec);
        for (String name : names) {
            cl.addSubcommand(name, COMMANDS.get(name).get());
        }
        cl.setOut(env.out());
        cl.setErr(env.err());
        cl.setCaseInsensitiveEnumValuesAllowed(true);
        cl.setExecutionExceptionHandler(Poet::handleExecutionException);
        cl.setParameterExceptionHandler(Poet::handleParameterException);
        Map<String, String> codes = exitCodeList();
        applyExitCodes(cl, codes);
        if (names.size() > 1) {
            cl.getHelpSectionMap().put(CommandLine.Model.UsageMessageSpec.SECTION_KEY_COMMAND_LIST_HEADING, h -> "");
            cl.getHelpSectionMap().put(CommandLine.Model.UsageMessageSpec.SECTION_KEY_COMMAND_LIST, new CommandGroups());
        }
        return cl;
    }

    /** The exit codes as shown in {@code --help}: taken from {@link Status}, the one place they are defined. */
    public static Map<String, String> exitCodeList() {
        Map<String, String> codes = new LinkedHashMap<>();
        for (Status s : Status.values()) {
            // padded by hand: String.format loads the locale providers, which shows in start-up time
            String code = Integer.toString(s.code());
            codes.put("   ".substring(code.length()) + code, s.meaning());
        }
        return codes;
    }

    private static void applyExitCodes(CommandLine cl, Map<String, String> codes) {
        cl.getCommandSpec().usageMessage().exitCodeListHeading("%nExit codes:%n").exitCodeList(codes);
        for (CommandLine sub : cl.getSubcommands().values()) {
            applyExitCodes(sub, codes);
        }
    }

    private static int handleParameterException(CommandLine.ParameterException ex, String[] args) {
        CommandLine cl = ex.getCommandLine();
        String name = cl.getCommandSpec().qualifiedName();
        String msg = ex.getMessage().replace('\n', ' ').trim();
        cl.getErr().println(name + ": " + msg + " (see '" + name + " --help')");
        cl.getErr().flush();
        return Status.INVALID.code();
    }

    private static int handleExecutionException(Exception ex, CommandLine cl, CommandLine.ParseResult parsed) {
        PoetCommand root = (PoetCommand) cl.getCommandSpec().root().userObject();
        Failure f = classify(ex);
        cl.getErr().println("poet: " + f.message);
        if (root.verbose()) {
            ex.printStackTrace(cl.getErr());
        }
        cl.getErr().flush();
        return f.status.code();
    }

    private record Failure(Status status, String message) {
    }

    private static Failure classify(Throwable ex) {
        if (ex instanceof UncheckedIOException && ex.getCause() != null) {
            ex = ex.getCause();
        }
        if (ex instanceof PoetException) {
            return new Failure(((PoetException) ex).status(), oneLine(ex.getMessage()));
        }
        if (ex instanceof AccessDeniedException || ex instanceof ReadOnlyFileSystemException) {
            String file = ex instanceof FileSystemException ? ((FileSystemException) ex).getFile() : null;
            return new Failure(Status.NOT_WRITABLE, "cannot write to the store"
                    + (file != null ? " (" + file + ")" : "") + ": permission denied or read-only file system;"
                    + " nothing was changed");
        }
        if (ex instanceof FileSystemException) {
            FileSystemException fse = (FileSystemException) ex;
            String reason = String.valueOf(fse.getReason()).toLowerCase(Locale.ROOT);
            if (reason.contains("read-only")) {
                return new Failure(Status.NOT_WRITABLE, "cannot write to the store (" + fse.getFile()
                        + "): read-only file system; nothing was changed");
            }
            if (ex instanceof NoSuchFileException) {
                return new Failure(Status.NO_STORE, "the store changed underneath poet: " + fse.getFile()
                        + " is missing; run 'poet status' to check it");
            }
            return new Failure(Status.IO_ERROR, describeIo(fse.getFile(), fse.getReason()));
        }
        if (ex instanceof IOException) {
            return new Failure(Status.IO_ERROR, describeIo(null, ex.getMessage()));
        }
        return new Failure(Status.FAILURE, ex.getClass().getSimpleName() + ": " + oneLine(String.valueOf(ex.getMessage()))
                + " (run with -v for details)");
    }

    private static String describeIo(String file, String reason) {
        String r = String.valueOf(reason);
        String lower = r.toLowerCase(Locale.ROOT);
        String what = lower.contains("no space") || lower.contains("out of disk") || lower.contains("quota")
                ? "the disk is full" : "I/O error: " + oneLine(r);
        return (file != null ? file + ": " : "") + what + "; nothing was delivered or changed";
    }

    private static String oneLine(String s) {
        return s == null ? "" : s.replace('\n', ' ').replace('\r', ' ');
    }
}
