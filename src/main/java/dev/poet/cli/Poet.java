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
    private static final List<String> COMMANDS = List.of("demo", "init", "enhance", "record", "feedback", "correlate", "sweep", "analyze", "config", "regenerate", "learn", "shadow", "rollback", "serve", "review-link", "pagerduty-event", "slack-message", "dismiss", "ingest", "review", "report", "status", "doctor", "events", "completion", "__complete");

    /**
     * A subcommand's object. A switch, not a map of constructor references: each reference is an
     * invokedynamic that would load its command's class (and what that class links to) at every start.
     */
    private static Object create(String name) {
        switch (name) {
            case "demo": return new DemoCommand();
            case "init": return new InitCommand();
            case "enhance": return new EnhanceCommand();
            case "record": return new RecordCommand().spec;
            case "feedback": return new FeedbackCommand().spec;
            case "correlate": return new CorrelateCommand();
            case "sweep": return new SweepCommand();
            case "analyze": return new AnalyzeCommand();
            case "config": return new ConfigCommand();
            case "regenerate": return new RegenerateCommand();
            case "learn": return new LearnCommand();
            case "shadow": return new ShadowCommand();
            case "rollback": return new RollbackCommand();
            case "serve": return new ServeCommand();
            case "review-link": return new ReviewLinkCommand();
            case "pagerduty-event": return new PagerDutyEventCommand();
            case "slack-message": return new SlackMessageCommand();
            case "dismiss": return new DismissCommand();
            case "ingest": return new IngestCommand();
            case "review": return new ReviewCommand();
            case "report": return new ReportCommand();
            case "status": return new StatusCommand().spec;
            case "doctor": return new DoctorCommand();
            case "events": return new EventsCommand();
            case "completion": return new CompletionCommand();
            case "__complete": return new CompleteValuesCommand();
            default: throw new IllegalArgumentException(name);
        }
    }

    /** The whole command line, every subcommand included. */
    public static CommandLine commandLine(PoetEnv env) {
        CommandLine cl = build(env, COMMANDS);
        interpolation(cl, true);
        return cl;
    }

    /**
     * The command line for these arguments. When they name a subcommand, only that one is built:
     * picocli reflects over every command it is given, and start-up time is what
     * {@code poet feedback} and {@code poet record} are judged on. Parsing is the same either way.
     */
    public static CommandLine commandLineFor(PoetEnv env, String... args) {
        String word = commandWord(args);
        CommandLine cl = word != null && COMMANDS.contains(word) && !word.equals("completion")
                ? build(env, List.of(word)) : build(env, COMMANDS);
        // Parsing runs without picocli's variable interpolation (${DEFAULT-VALUE} in descriptions and
        // the like), which only help and completion texts need: it is turned on once the arguments are
        // parsed, before help is shown or a command runs.
        interpolation(cl, false);
        return cl;
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

    /**
     * Two of picocli's documented switches (system properties), set unless the user set them:
     * skip its reflective converters for {@code java.sql} and {@code java.time} types (no poet
     * option has such a type, and registering them initialises those classes, their formatters and
     * {@code DriverManager}, in every command line built: a fifth of a short command's start-up;
     * the {@code Path} converter stays), and do not look for Groovy closures (a class that is never
     * there, looked up by exception).
     */
    static {
        if (System.getProperty("picocli.converters.excludes") == null) {
            System.setProperty("picocli.converters.excludes", "java\\.(sql|time)\\..*");
        }
        if (System.getProperty("picocli.disable.closures") == null) {
            System.setProperty("picocli.disable.closures", "true");
        }
    }

    private static CommandLine build(PoetEnv env, Collection<String> names) {
        CommandLine cl = new CommandLine(new PoetCommand(env).spec);
        for (String name : names) {
            cl.addSubcommand(name, create(name));
        }
        cl.setOut(env.out());
        cl.setErr(env.err());
        cl.setCaseInsensitiveEnumValuesAllowed(true);
        // @FILE is poet's own notation (--data @payload.json, --params @p.json), read by the command;
        // picocli's argument files would split such a file into arguments
        cl.setExpandAtFiles(false);
        Handlers handlers = new Handlers(cl);
        cl.setExecutionStrategy(handlers);
        cl.setExecutionExceptionHandler(handlers);
        cl.setParameterExceptionHandler(handlers);
        Map<String, String> codes = exitCodeList();
        applyExitCodes(cl, codes);
        if (names.size() > 1) {
            cl.getHelpSectionMap().put(CommandLine.Model.UsageMessageSpec.SECTION_KEY_COMMAND_LIST_HEADING, h -> "");
            cl.getHelpSectionMap().put(CommandLine.Model.UsageMessageSpec.SECTION_KEY_COMMAND_LIST, new CommandGroups());
        }
        return cl;
    }

    private static void interpolation(CommandLine cl, boolean on) {
        cl.getCommandSpec().interpolateVariables(on);
        for (CommandLine sub : cl.getSubcommands().values()) {
            interpolation(sub, on);
        }
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

    /**
     * The execution strategy and the two failure handlers. A class rather than lambdas or method
     * references: each of those is an invokedynamic linked at run time, which shows in start-up.
     */
    private static final class Handlers implements CommandLine.IExecutionStrategy,
            CommandLine.IExecutionExceptionHandler, CommandLine.IParameterExceptionHandler {
        private final CommandLine root;

        Handlers(CommandLine root) {
            this.root = root;
        }

        @Override
        public int execute(CommandLine.ParseResult parsed) {
            interpolation(root, true);
            return new CommandLine.RunLast().execute(parsed);
        }

        @Override
        public int handleExecutionException(Exception ex, CommandLine cl, CommandLine.ParseResult parsed) {
            return Poet.handleExecutionException(ex, cl, parsed);
        }

        @Override
        public int handleParseException(CommandLine.ParameterException ex, String[] args) {
            return Poet.handleParameterException(ex, args);
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
