package dev.poet.cli;

import dev.poet.integrate.Secrets;
import dev.poet.integrate.ServeSettings;
import dev.poet.serve.Logging;
import dev.poet.serve.PoetServer;
import dev.poet.store.Store;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(name = "serve",
        description = {"Receive feedback, PagerDuty and Slack webhooks over HTTP.",
            "Endpoints: POST /poet/feedback (bearer POET_FEEDBACK_TOKEN, or a review link's token), GET"
                + " /poet/review/<execution id>?token=... (the review page; POET_REVIEW_KEY), POST /webhooks/pagerduty"
                + " (V3 webhooks, X-PagerDuty-Signature; POET_PAGERDUTY_WEBHOOK_SECRET), POST /webhooks/slack"
                + " (interactivity, X-Slack-Signature; POET_SLACK_SIGNING_SECRET), POST /poet/events (event envelopes,"
                + " JSON Lines; bearer POET_EVENTS_TOKEN), GET /poet/functions/<fn> (the live version, code and"
                + " parameters, with an ETag; POET_FUNCTIONS_TOKEN or the events token), GET /healthz (alive), GET /readyz (the"
                + " store can be written), GET /metrics (Prometheus; POET_METRICS_TOKEN, or loopback clients). Secrets come from the"
                + " environment or the store's secrets.json (owner-only). An endpoint whose secret is missing is not"
                + " served, and stderr says which. Every accepted request is durable before the response. The first"
                + " line on stdout is the URL it listens on; stderr has the access log. It runs until SIGTERM or Ctrl-C, which"
                + " stop it cleanly (requests in flight answered, every batch forced, exit 0). HTTP is Jetty in its strict"
                + " RFC 9110 mode; tokens and signature headers are checked before a body is read (docs/security.md)."},
        footer = {"", "Examples:",
            "  POET_FEEDBACK_TOKEN=s3cret poet serve --port 8787",
            "  poet serve --port 0          # any free port; read the URL from the first line",
            "  POET_TLS_KEYSTORE_PASSWORD=... poet serve --host 0.0.0.0 --port 8443 --tls-keystore poet.p12 --log-format json",
            "  curl -H 'Authorization: Bearer s3cret' -d '{\"execution_id\":\"6f1c...\",\"was_real_drift\":false}' \\",
            "       http://127.0.0.1:8787/poet/feedback"})
final class ServeCommand extends Base {
    @Option(names = "--host", paramLabel = "ADDRESS", defaultValue = "127.0.0.1",
            description = "Address to bind (default: ${DEFAULT-VALUE}; 0.0.0.0 for every interface).")
    String host;

    @Option(names = "--port", paramLabel = "PORT", defaultValue = "8787",
            description = "Port (default: ${DEFAULT-VALUE}; 0 picks a free one).")
    int port;

    @Option(names = "--threads", paramLabel = "N", defaultValue = "16",
            description = "Worker threads for requests that read the store: review pages, and the duplicate check of"
                    + " events whose ids a client chose (default: ${DEFAULT-VALUE}). Requests are read and answered by one"
                    + " loop per core, whatever the number of clients.")
    int threads;

    @Option(names = "--commit-wait", paramLabel = "MICROSECONDS", defaultValue = "0",
            description = "Group commit: how long a batch of accepted events waits for more before it is forced"
                    + " (default: ${DEFAULT-VALUE}; requests that arrive while one batch is forced join the next anyway).")
    long commitWait;

    @Option(names = "--commit-max", paramLabel = "N", defaultValue = "1000",
            description = "Group commit: at most N events per batch file (default: ${DEFAULT-VALUE}).")
    int commitMax;

    @Option(names = "--committers", paramLabel = "N", defaultValue = "2",
            description = "Group commit: batches forced at once (default: ${DEFAULT-VALUE}); while one waits for the disk,"
                    + " the next forms.")
    int committers;

    @Option(names = "--max-connections-per-address", paramLabel = "N", defaultValue = "256",
            description = "Connections one client address may hold open; one more is closed as it opens"
                    + " (default: ${DEFAULT-VALUE}). Behind a reverse proxy every request comes from the proxy's address.")
    int maxConnectionsPerAddress;

    @Option(names = "--tls-keystore", paramLabel = "FILE",
            description = "Serve HTTPS with the key and certificate chain of this PKCS#12 keystore; its password from"
                    + " POET_TLS_KEYSTORE_PASSWORD (environment or secrets file). Without it, plain HTTP (put a TLS proxy in front).")
    java.nio.file.Path tlsKeystore;

    @Option(names = "--log-level", paramLabel = "LEVEL", defaultValue = "info",
            completionCandidates = LogLevels.class,
            description = "Level of the logs on stderr: ${COMPLETION-CANDIDATES} (default: ${DEFAULT-VALUE}; info has"
                    + " one access-log line per request; -q means warn).")
    String logLevel;

    @Option(names = "--log-format", paramLabel = "FORMAT", defaultValue = "text",
            description = "text, or json (one JSON object per line, for a log shipper) (default: ${DEFAULT-VALUE}).")
    LogFormat logFormat;

    enum LogFormat {
        text, json
    }

    static final class LogLevels extends java.util.ArrayList<String> {
        LogLevels() {
            super(java.util.List.of("error", "warn", "info", "debug", "trace", "off"));
        }
    }

    private static void within(String option, long value, long min, long max) {
        if (value < min || value > max) {
            throw dev.poet.PoetException.invalid(option + " must be between " + min + " and " + max + ", got " + value);
        }
    }

    private static boolean exitsOnOutOfMemory() {
        try {
            return Boolean.parseBoolean(java.lang.management.ManagementFactory.getPlatformMXBean(
                    com.sun.management.HotSpotDiagnosticMXBean.class).getVMOption("ExitOnOutOfMemoryError").getValue());
        } catch (RuntimeException e) {
            return true; // not a HotSpot JVM: nothing to say
        }
    }

    @Override
    public Integer call() throws Exception {
        within("--port", port, 0, 65535);
        within("--threads", threads, 1, 1024);
        within("--commit-wait", commitWait, 0, 1_000_000);
        within("--commit-max", commitMax, 1, 100_000);
        within("--committers", committers, 1, 64);
        within("--max-connections-per-address", maxConnectionsPerAddress, 1, PoetServer.MAX_CONNECTIONS);
        if (!new LogLevels().contains(logLevel)) {
            throw dev.poet.PoetException.invalid("--log-level must be one of " + String.join(", ", new LogLevels())
                    + ", got " + dev.poet.store.Names.quote(logLevel));
        }
        if (new java.net.InetSocketAddress(host, port).isUnresolved()) {
            throw dev.poet.PoetException.invalid("--host " + dev.poet.store.Names.quote(host) + " is not an address of this machine");
        }
        Store store = store();
        ServeSettings settings = ServeSettings.of(store, env().environment());
        PoetServer.Tls tls = null;
        if (tlsKeystore != null) {
            if (!java.nio.file.Files.isReadable(tlsKeystore)) {
                throw dev.poet.PoetException.invalid("--tls-keystore " + tlsKeystore + " is not a readable file");
            }
            tls = new PoetServer.Tls(tlsKeystore, settings.secrets().require(Secrets.TLS_KEYSTORE_PASSWORD, "--tls-keystore"));
        }
        Logging.configure(root().quiet() && logLevel.equals("info") ? "warn" : logLevel,
                logFormat == LogFormat.json ? Logging.Format.JSON : Logging.Format.TEXT);
        PoetServer server;
        try {
            server = PoetServer.start(eventLog(store), settings.secrets(), new PoetServer.Config(host, port, threads,
                    commitWait, commitMax, committers, maxConnectionsPerAddress, tls));
        } catch (java.io.IOException e) {
            Throwable c = e.getCause() != null ? e.getCause() : e;
            if (e instanceof java.net.BindException || c instanceof java.net.BindException) {
                throw dev.poet.PoetException.invalid("cannot listen on " + host + ":" + port + ": " + c.getMessage());
            }
            throw e;
        } catch (RuntimeException e) {
            if (tls != null) {
                throw dev.poet.PoetException.invalid("cannot serve HTTPS from " + tlsKeystore + ": " + e.getMessage());
            }
            throw e;
        }
        out().println(server.url());
        out().flush();
        if (!exitsOnOutOfMemory()) {
            env().err().println("poet serve: warning: the JVM runs without -XX:+ExitOnOutOfMemoryError (the installed"
                    + " launcher sets it): out of memory would not end the process for its supervisor to restart");
        }
        for (String d : server.disabled()) {
            env().err().println("poet serve: not serving " + d);
        }
        env().err().flush();
        // SIGTERM and Ctrl-C stop it gracefully (in-flight requests answered, every batch forced) with exit 0;
        // the shutdown hook covers any other way the JVM is asked to exit.
        CountDownLatch stop = new CountDownLatch(1);
        Signals.onTerminate(stop::countDown);
        java.util.concurrent.atomic.AtomicBoolean closed = new java.util.concurrent.atomic.AtomicBoolean();
        Runnable close = () -> {
            if (closed.compareAndSet(false, true)) {
                server.close();
            }
        };
        Thread hook = new Thread(close, "poet-serve-stop");
        Runtime.getRuntime().addShutdownHook(hook);
        stop.await();
        close.run();
        return 0;
    }
}
