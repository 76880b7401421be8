package dev.poet.testing;

import dev.poet.cli.Poet;
import dev.poet.cli.PoetEnv;
import dev.poet.store.NioStoreIO;
import java.io.InputStream;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.Clock;
import java.util.Map;

/**
 * A process for crash tests: runs one poet command in a loop, in-process through the same
 * factory as {@code main}, and prints one line to stdout after each command that succeeded
 * (what it acknowledged), after a first line {@value Lines#READY}. The test kills it at random moments.
 *
 * <p>Arguments: MODE (record | feedback | enhance | exec | rollback | config | ingest), project directory, tag for ids.
 */
public final class CrashChild {
    private CrashChild() {
    }

    public static void main(String[] args) {
        String mode = args[0];
        Path project = Paths.get(args[1]);
        String tag = args[2];
        PrintStream ack = System.out;
        ack.println(Lines.READY);
        ack.flush();
        for (long n = 0; ; n++) {
            StringWriter out = new StringWriter();
            StringWriter err = new StringWriter();
            PoetEnv env = new PoetEnv(project, Map.of("PATH", ""), Clock.systemUTC(), InputStream.nullInputStream(),
                    new PrintWriter(out), new PrintWriter(err), NioStoreIO.INSTANCE);
            String[] cmd = switch (mode) {
                case "record" -> new String[] {"record", "drift.validation", "--execution-id", "e-" + n,
                    "--set", "was_real_drift=true", "--set", "reason=r" + n, "--id", tag + "-" + n};
                case "feedback" -> new String[] {"feedback", "--execution-id", "e-" + n, "--false-positive",
                    "--reason", "seasonal_pattern"};
                case "enhance" -> new String[] {"enhance", "detect_drift", "--from", "detect.py", "--params", "params.json"};
                case "exec" -> new String[] {"record", "execution.completed", "--function", "detect_drift",
                    "--function-version", "v1", "--execution-id", tag + "-" + n, "--id", tag + "-" + n,
                    "--set", "success=true", "--set", "duration_ms=1.5"};
                case "rollback" -> new String[] {"rollback", "detect_drift", "--reason", "crash test " + n};
                case "config" -> new String[] {"config", "set", "detect_drift", "threshold", String.valueOf((n % 97 + 1) / 1000.0)};
                case "ingest" -> {
                    Path f = project.resolve("ingest-" + tag + "-" + n + ".json");
                    try {
                        java.nio.file.Files.writeString(f, "{\"event\":{\"id\":\"" + tag + "-" + n + "\",\"event_type\":"
                                + "\"incident.acknowledged\",\"occurred_at\":\"2026-11-27T10:00:00Z\",\"agent\":{\"summary\":\"x\"},"
                                + "\"data\":{\"id\":\"P" + n + "\",\"incident_key\":\"poet:e-" + n + "\"}}}");
                    } catch (java.io.IOException e) {
                        throw new java.io.UncheckedIOException(e);
                    }
                    yield new String[] {"ingest", "pagerduty", f.toString()};
                }
                default -> throw new IllegalArgumentException(mode);
            };
            int code = Poet.commandLineFor(env, cmd).execute(cmd);
            if (code != 0) {
                System.err.println("exit " + code + ": " + err.toString().strip());
                System.exit(code);
            }
            ack.println(mode.equals("ingest") ? "pd-" + tag + "-" + n : out.toString().strip());
            ack.flush();
        }
    }
}
