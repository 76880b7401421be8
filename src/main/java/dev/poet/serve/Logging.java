package dev.poet.serve;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.encoder.JsonEncoder;
import ch.qos.logback.classic.encoder.PatternLayoutEncoder;
import ch.qos.logback.classic.spi.Configurator;
import ch.qos.logback.classic.spi.ConfiguratorRank;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.ConsoleAppender;
import ch.qos.logback.core.encoder.Encoder;
import ch.qos.logback.core.spi.ContextAwareBase;
import java.util.Locale;
import org.slf4j.LoggerFactory;

/**
 * The logs of {@code poet serve} (its access log, one line per request, and its own and Jetty's
 * messages), through SLF4J with Logback: on stderr, as text or JSON Lines, at a level set by
 * {@code --log-level}. Found by Logback as its configurator (META-INF/services), so the defaults
 * hold before {@link #configure} runs, and in tests; {@code -Dlogback.configurationFile=...} hands
 * the whole set-up to a Logback file of the user's instead.
 */
@ConfiguratorRank(ConfiguratorRank.CUSTOM_HIGH_PRIORITY)
public final class Logging extends ContextAwareBase implements Configurator {
    /** The access log's logger: one INFO line per request. */
    public static final String ACCESS = "poet.access";

    /**
     * Text lines: time, level, logger, message. A control character in any message (one of Jetty's
     * quoting a request's Host, say) becomes '?': no request can start a line of its own.
     */
    static final String PATTERN = "%d{yyyy-MM-dd'T'HH:mm:ss.SSSX,UTC} %-5level %logger{0} "
            + "%replace(%msg){'[\\x00-\\x1f\\x7f-\\x9f\\u2028\\u2029]', '?'}%n%ex";

    public enum Format {
        TEXT, JSON
    }

    @Override
    public ExecutionStatus configure(LoggerContext context) {
        if (System.getProperty("logback.configurationFile") != null) {
            return ExecutionStatus.INVOKE_NEXT_IF_ANY;
        }
        apply(context, Level.INFO, Format.TEXT);
        return ExecutionStatus.DO_NOT_INVOKE_NEXT_IF_ANY;
    }

    /**
     * Sets the level ({@code error}, {@code warn}, {@code info}, {@code debug}, {@code trace} or
     * {@code off}) and the format. Jetty's own messages stay at WARN unless the level is debug or trace.
     */
    public static void configure(String level, Format format) {
        if (System.getProperty("logback.configurationFile") != null) {
            return;
        }
        if (!(LoggerFactory.getILoggerFactory() instanceof LoggerContext context)) {
            return;
        }
        apply(context, Level.toLevel(level.toUpperCase(Locale.ROOT), Level.INFO), format);
    }

    private static void apply(LoggerContext context, Level level, Format format) {
        context.reset();
        Encoder<ILoggingEvent> encoder;
        if (format == Format.JSON) {
            JsonEncoder json = new JsonEncoder();
            json.setWithSequenceNumber(false);
            json.setWithContext(false);
            json.setWithNanoseconds(false);
            json.setWithArguments(false);
            json.setWithFormattedMessage(true);
            json.setWithMessage(false);
            encoder = json;
        } else {
            PatternLayoutEncoder text = new PatternLayoutEncoder();
            text.setPattern(PATTERN);
            encoder = text;
        }
        encoder.setContext(context);
        encoder.start();
        ConsoleAppender<ILoggingEvent> console = new ConsoleAppender<>();
        console.setContext(context);
        console.setName("stderr");
        console.setTarget("System.err");
        console.setEncoder(encoder);
        console.start();
        Logger root = context.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
        root.addAppender(console);
        root.setLevel(level);
        boolean verbose = !level.isGreaterOrEqual(Level.INFO);
        context.getLogger("org.eclipse.jetty").setLevel(verbose || level.isGreaterOrEqual(Level.WARN) ? level : Level.WARN);
    }
}
