package dev.poet.cli;

import dev.poet.integrate.ServeSettings;
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
                + " parameters, with an ETag; POET_FUNCTIONS_TOKEN or the events token), GET /healthz. Secrets come from the"
                + " environment or the store's secrets.json (owner-only). An endpoint whose secret is missing is not"
                + " served, and stderr says which. Every accepted request is durable before the response. The first"
                + " line on stdout is the URL it listens on; it runs until stopped (SIGTERM, Ctrl-C)."},
        footer = {"", "Examples:",
            "  POET_FEEDBACK_TOKEN=s3cret poet serve --port 8787",
            "  poet serve --port 0          # any free port; read the URL from the first line",
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

    private static void within(String option, long value, long min, long max) {
        if (value < min || value > max) {
            throw dev.poet.PoetException.invalid(option + " must be between " + min + " and " + max + ", got " + value);
        }
    }

    @Override
    public Integer call() throws Exception {
        within("--port", port, 0, 65535);
        within("--threads", threads, 1, 1024);
        within("--commit-wait", commitWait, 0, 1_000_000);
        within("--commit-max", commitMax, 1, 100_000);
        within("--committers", committers, 1, 64);
        if (new java.net.InetSocketAddress(host, port).isUnresolved()) {
            throw dev.poet.PoetException.invalid("--host " + dev.poet.store.Names.quote(host) + " is not an address of this machine");
        }
        Store store = store();
        ServeSettings settings = ServeSettings.of(store, env().environment());
        PoetServer server;
        try {
            java.util.function.Consumer<String> log = root().quiet() ? line -> { } : line -> {
                synchronized (this) {
                    env().err().println(line);
                }
            };
            server = PoetServer.start(eventLog(store), settings.secrets(),
                    new PoetServer.Config(host, port, threads, log, commitWait, commitMax, committers));
        } catch (java.net.BindException e) {
            throw dev.poet.PoetException.invalid("cannot listen on " + host + ":" + port + ": " + e.getMessage());
        }
        out().println(server.url());
        out().flush();
        for (String d : server.disabled()) {
            env().err().println("poet serve: not serving " + d);
        }
        env().err().flush();
        CountDownLatch stopped = new CountDownLatch(1);
        Thread hook = new Thread(() -> {
            server.close();
            stopped.countDown();
        }, "poet-serve-stop");
        Runtime.getRuntime().addShutdownHook(hook);
        stopped.await();
        return 0;
    }
}
