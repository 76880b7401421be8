package dev.poet.serve;

import dev.poet.PoetException;
import dev.poet.event.Event;
import dev.poet.event.EventLog;
import dev.poet.event.GroupCommit;
import dev.poet.integrate.FeedbackApi;
import dev.poet.integrate.Hmac;
import dev.poet.integrate.PagerDuty;
import dev.poet.integrate.Rejected;
import dev.poet.integrate.ReviewTokens;
import dev.poet.integrate.Secrets;
import dev.poet.integrate.Slack;
import dev.poet.json.Json;
import dev.poet.store.EventSpool;
import dev.poet.store.Names;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.net.URI;
import java.net.URLDecoder;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.eclipse.jetty.http.HttpCompliance;
import org.eclipse.jetty.http.HttpField;
import org.eclipse.jetty.http.HttpFields;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.http.UriCompliance;
import org.eclipse.jetty.io.Connection;
import org.eclipse.jetty.io.Content;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.HttpConfiguration;
import org.eclipse.jetty.server.HttpConnectionFactory;
import org.eclipse.jetty.server.NetworkConnectionLimit;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.server.SslConnectionFactory;
import org.eclipse.jetty.server.handler.ErrorHandler;
import org.eclipse.jetty.server.handler.GracefulHandler;
import org.eclipse.jetty.util.Callback;
import org.eclipse.jetty.util.ssl.SslContextFactory;
import org.eclipse.jetty.util.thread.QueuedThreadPool;
import org.eclipse.jetty.util.thread.Scheduler;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code poet serve}: the HTTP endpoints that turn feedback, PagerDuty webhooks, Slack button
 * clicks and event envelopes into events, on Jetty in its strict RFC 9110/9112 mode. Every accepted
 * request is durable (delivered to pending/, fsynced) before the response; anything invalid gets a
 * JSON error (400 malformed, 401 bad signature or token, 413 too large) and writes nothing. An
 * endpoint whose secret is missing is not served: it answers 503 saying which secret, and
 * {@link #disabled()} lists them.
 *
 * <p>Refusing before reading: each route checks what the request head can prove (its token, a
 * signature header's presence, Slack's timestamp) before a byte of the body is read, and refuses a
 * declared length over the route's limit (413) unread. Bodies are read as they arrive, without a
 * thread, up to the route's limit; at most {@link #PER_CLIENT} bodies may be arriving at once from
 * one client address (429), a body must have arrived {@link #REQUEST_TIMEOUT_MILLIS} after its
 * request began (408), and at most {@code maxConnectionsPerAddress} connections may be open from one
 * address (further ones are closed at once). Heads over {@value #MAX_HEAD} bytes get 431 from Jetty.
 * Accepted events go to {@link GroupCommit}; the answer is written when their batch is durable, on
 * the committer's thread, so no thread waits for the disk per request. Work that looks at the store
 * (the review page, the duplicate check of events whose ids a client chose) runs on {@code threads}
 * worker threads.
 */
public final class PoetServer implements AutoCloseable {
    public static final int MAX_BODY = 1 << 20;
    /** POST /poet/events: at most this many bytes and events per request (413 beyond). */
    public static final int MAX_EVENTS_BODY = 8 << 20;
    public static final int MAX_EVENTS_PER_REQUEST = 10_000;
    /** A review link's form, posted without a bearer token: small, and from anyone holding a link. */
    public static final int MAX_REVIEW_FORM_BODY = 16 << 10;
    /** Bodies one client address may have arriving at once. */
    public static final int PER_CLIENT = 64;
    /** Connections one client address may hold open (by default; {@link Config#maxConnectionsPerAddress}). */
    public static final int DEFAULT_CONNECTIONS_PER_ADDRESS = 256;
    /**
     * Memory a request is charged for its body: what has arrived (three times: the body, its lines,
     * their encoding) and, once it has all arrived, {@value #PARSE_FACTOR} times its size, up to one
     * event's 1 MiB (what parsing JSON into maps can take: three bytes of {@code {},} become a map).
     */
    static final int ARRIVAL_FACTOR = 3;
    /**
     * Requests are handled where Jetty reads them (its selector threads, no hand-off), which suits
     * the small bodies of feedback and webhooks; a body larger than this is handled on a worker.
     */
    static final int INLINE_BODY = 64 << 10;
    /** One selector thread per core: requests are handled on them (Jetty's default is one per two cores). */
    static final int SELECTORS = Math.max(1, Runtime.getRuntime().availableProcessors());
    static final int PARSE_FACTOR = 24;
    /**
     * Memory for bodies being read or handled at once: a quarter of the heap, never less than what
     * the largest request is charged. Beyond it a request is answered 503 with Retry-After. Requests
     * whose sender proved nothing from the head (webhooks, review forms: their signature covers the
     * body) share a quarter of it, so they can never hold what token holders need.
     */
    static final long BODY_BUDGET = Math.max((long) MAX_EVENTS_BODY * ARRIVAL_FACTOR
            + (long) PARSE_FACTOR * dev.poet.event.EventCodec.MAX_EVENT_BYTES, Runtime.getRuntime().maxMemory() / 4);
    /** Connections open at once; the server stops accepting beyond. */
    public static final int MAX_CONNECTIONS = 16_384;
    /** A request head (request line and headers) larger than this is answered 431. */
    public static final int MAX_HEAD = 8 << 10;
    /** A request's body must have arrived within this of its first byte (408); an idle connection is closed after it. */
    static final long REQUEST_TIMEOUT_MILLIS = 30_000;
    /** How long a stop waits for requests in flight to be answered (their events delivered). */
    static final long STOP_MILLIS = 20_000;

    private static final Logger LOG = LoggerFactory.getLogger(PoetServer.class);
    private static final Logger ACCESS = LoggerFactory.getLogger(Logging.ACCESS);

    /** A PKCS#12 keystore to serve HTTPS from, and its password. */
    public record Tls(Path keystore, String password) {
    }

    /** Where to listen, how to commit, and what to bound. */
    public record Config(String host, int port, int threads, long commitWaitMicros, int commitMax, int committers,
                         int maxConnectionsPerAddress, Tls tls) {
        public Config(String host, int port, int threads) {
            this(host, port, threads, DEFAULT_COMMIT_WAIT_MICROS, DEFAULT_COMMIT_MAX, DEFAULT_COMMITTERS,
                    DEFAULT_CONNECTIONS_PER_ADDRESS, null);
        }
    }

    /** Group commit: how long a batch waits for more requests, and its size limit (see {@link GroupCommit}). */
    public static final long DEFAULT_COMMIT_WAIT_MICROS = 0;
    public static final int DEFAULT_COMMIT_MAX = 1000;
    public static final int DEFAULT_COMMITTERS = 2;

    private final EventLog events;
    private final GroupCommit commits;
    private final Secrets secrets;
    private final Metrics metrics;
    private final ThreadPoolExecutor workers;
    private final List<String> disabled = new ArrayList<>();
    private final Map<String, Route> routes = new LinkedHashMap<>();
    private final Map<InetAddress, AtomicInteger> arriving = new ConcurrentHashMap<>();
    private final Budget verified = new Budget(BODY_BUDGET);
    private final Budget unverified = new Budget(BODY_BUDGET / 4);

    /** Bytes of memory held for bodies; {@link #take} refuses what would pass its maximum. */
    private static final class Budget {
        private final long max;
        private final java.util.concurrent.atomic.AtomicLong used = new java.util.concurrent.atomic.AtomicLong();

        Budget(long max) {
            this.max = max;
        }

        boolean take(long n) {
            if (used.addAndGet(n) > max) {
                used.addAndGet(-n);
                return false;
            }
            return true;
        }

        void release(long n) {
            used.addAndGet(-n);
        }
    }
    private final Server server;
    private final ServerConnector connector;
    private final boolean https;
    private final AddressLimit addressLimit;

    /**
     * A route: its method, the check of its request head (run before the body is read; it throws
     * {@link Rejected} to refuse, and returns the body limit that holds for the request), and its
     * handler. A route that reads no body answers from the head alone.
     */
    private record Route(String method, String label, HeadCheck check, Handler handler) {
    }

    /** What a head check allows: a body of at most {@code limit} bytes (0: none is read), and whether the head proved its sender. */
    private record Body(int limit, boolean verified) {
        static final Body NONE = new Body(0, true);
    }

    private interface HeadCheck {
        /** The body this request may have, or throws {@link Rejected}. */
        Body check(Req head);
    }

    private interface Handler {
        CompletionStage<Answer> handle(Req r) throws IOException;
    }

    /** A request as the handlers see it: its head, and its body once read (empty for routes that read none). */
    record Req(String method, String path, String rawPath, String rawQuery, HttpFields headers, byte[] body,
               InetAddress client) {
        String header(String name) {
            return headers.get(name);
        }

        Req withBody(byte[] b) {
            return new Req(method, path, rawPath, rawQuery, headers, b, client);
        }
    }

    /** An answer: status, content type, body, and headers of its own. */
    private record Answer(int status, String contentType, byte[] body, Map<String, String> headers) {
        static Answer json(int status, Object value) {
            return new Answer(status, "application/json", Json.encodeLine(value), Map.of());
        }

        static Answer html(int status, String page) {
            return new Answer(status, "text/html; charset=utf-8", page.getBytes(StandardCharsets.UTF_8), Map.of());
        }

        Answer with(String name, String value) {
            Map<String, String> h = new LinkedHashMap<>(headers);
            h.put(name, value);
            return new Answer(status, contentType, body, h);
        }
    }

    private PoetServer(EventLog events, Secrets secrets, Config config) throws IOException {
        this.events = events;
        this.secrets = secrets;
        this.metrics = new Metrics(events.store().spool().dir(EventSpool.State.PENDING));
        int threads = Math.max(1, config.threads());
        this.workers = new ThreadPoolExecutor(threads, threads, 30, TimeUnit.SECONDS, new LinkedBlockingQueue<>(10_000), r -> {
            Thread t = new Thread(r, "poet-serve-worker");
            t.setDaemon(true);
            return t;
        });
        workers.allowCoreThreadTimeOut(true);
        HeadCheck none = head -> Body.NONE;
        routes.put("/healthz", new Route("GET", "healthz", none, this::healthz));
        routes.put("/readyz", new Route("GET", "readyz", none, this::readyz));
        routes.put("/metrics", new Route("GET", "metrics", this::metricsAllowed,
                r -> CompletableFuture.supplyAsync(this::scrape, workers)));
        routes.put("/poet/feedback", new Route("POST", "feedback", this::feedbackHead, this::feedback));
        routes.put("/poet/review/", new Route("GET", "review", none, r -> CompletableFuture.supplyAsync(() -> review(r), workers)));
        routes.put("/webhooks/pagerduty", new Route("POST", "pagerduty", this::pagerdutyHead, this::pagerduty));
        routes.put("/webhooks/slack", new Route("POST", "slack", this::slackHead, this::slack));
        routes.put("/poet/events", new Route("POST", "events", this::eventsHead, this::events));
        routes.put("/poet/functions/", new Route("GET", "functions", this::functionsHead,
                r -> CompletableFuture.supplyAsync(() -> function(r), workers)));
        if (secrets.get(Secrets.FEEDBACK_TOKEN) == null && secrets.get(Secrets.REVIEW_KEY) == null) {
            disabled.add("/poet/feedback: neither " + Secrets.FEEDBACK_TOKEN + " nor " + Secrets.REVIEW_KEY + " is set");
        }
        if (secrets.get(Secrets.REVIEW_KEY) == null) {
            disabled.add("/poet/review/: " + Secrets.REVIEW_KEY + " is not set");
        }
        if (secrets.get(Secrets.PAGERDUTY) == null) {
            disabled.add("/webhooks/pagerduty: " + Secrets.PAGERDUTY + " is not set");
        }
        if (secrets.get(Secrets.SLACK) == null) {
            disabled.add("/webhooks/slack: " + Secrets.SLACK + " is not set");
        }
        if (secrets.get(Secrets.EVENTS_TOKEN) == null) {
            disabled.add("/poet/events: " + Secrets.EVENTS_TOKEN + " is not set");
        }
        if (secrets.get(Secrets.EVENTS_TOKEN) == null && secrets.get(Secrets.FUNCTIONS_TOKEN) == null) {
            disabled.add("/poet/functions/: neither " + Secrets.FUNCTIONS_TOKEN + " nor " + Secrets.EVENTS_TOKEN + " is set");
        }
        this.commits = new GroupCommit(events, config.commitWaitMicros(), config.commitMax(), config.committers(), metrics);
        this.https = config.tls() != null;
        this.addressLimit = new AddressLimit(Math.max(1, config.maxConnectionsPerAddress()));
        try {
            this.server = new Server(threadPool());
            this.connector = connector(server, config);
            server.addConnector(connector);
            server.addBean(new NetworkConnectionLimit(MAX_CONNECTIONS, connector));
            server.setHandler(new GracefulHandler(new Router()));
            server.setErrorHandler(new JsonErrors());
            server.setRequestLog(this::logRequest);
            server.setStopTimeout(STOP_MILLIS);
            server.start();
            sweepLater();
        } catch (Exception e) {
            close();
            if (e instanceof IOException io) {
                throw io;
            }
            if (e instanceof RuntimeException re) {
                throw re;
            }
            throw new IOException(e.getMessage(), e);
        }
    }

    /** Sweeps the connections for heads past their bound every {@link #SWEEP_MILLIS} ms while the server runs. */
    private void sweepLater() {
        server.getScheduler().schedule(() -> {
            try {
                addressLimit.sweep();
            } finally {
                if (server.isRunning()) {
                    sweepLater();
                }
            }
        }, SWEEP_MILLIS, TimeUnit.MILLISECONDS);
    }

    private static QueuedThreadPool threadPool() {
        QueuedThreadPool pool = new QueuedThreadPool(200, 4);
        pool.setName("poet-serve");
        return pool;
    }

    private ServerConnector connector(Server s, Config config) {
        HttpConfiguration http = new HttpConfiguration();
        http.setHttpCompliance(HttpCompliance.RFC9110);
        http.setUriCompliance(UriCompliance.DEFAULT);
        http.setRequestHeaderSize(MAX_HEAD);
        http.setSendServerVersion(false);
        http.setSendXPoweredBy(false);
        HttpConnectionFactory h1 = new HttpConnectionFactory(http);
        ServerConnector c;
        if (config.tls() != null) {
            SslContextFactory.Server ssl = new SslContextFactory.Server();
            ssl.setKeyStorePath(config.tls().keystore().toString());
            ssl.setKeyStoreType("PKCS12");
            ssl.setKeyStorePassword(config.tls().password());
            c = new ServerConnector(s, 1, SELECTORS, new SslConnectionFactory(ssl, "http/1.1"), h1);
        } else {
            c = new ServerConnector(s, 1, SELECTORS, h1);
        }
        c.setHost(config.host());
        c.setPort(config.port());
        c.setIdleTimeout(REQUEST_TIMEOUT_MILLIS);
        c.setAcceptQueueSize(1024);
        c.setReuseAddress(true);
        c.addEventListener(addressLimit);
        return c;
    }

    public static PoetServer start(EventLog events, Secrets secrets, Config config) throws IOException {
        return new PoetServer(events, secrets, config);
    }

    /** The address it listens on, e.g. {@code http://127.0.0.1:8787/}. */
    public URI url() {
        String host;
        try {
            host = InetAddress.getByName(connector.getHost() == null ? "0.0.0.0" : connector.getHost()).getHostAddress();
        } catch (java.net.UnknownHostException e) {
            host = connector.getHost();
        }
        return URI.create((https ? "https" : "http") + "://" + (host.contains(":") ? "[" + host + "]" : host) + ":"
                + connector.getLocalPort() + "/");
    }

    /** The endpoints not served, each with the secret it lacks. */
    public List<String> disabled() {
        return List.copyOf(disabled);
    }

    /**
     * Stops accepting, answers the requests in flight (their events delivered, each batch forced)
     * for up to {@link #STOP_MILLIS}, then stops.
     */
    @Override
    public void close() {
        if (server != null) {
            try {
                server.stop();
            } catch (Exception e) {
                LOG.warn("stopping the HTTP server: {}", e.toString());
            }
        }
        workers.shutdown();
        try {
            workers.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        commits.close();
    }

    // ---- the HTTP side: routing, refusing before reading, reading bodies as they arrive ----

    private Route route(String path) {
        Route r = routes.get(path);
        if (r == null && path.startsWith("/poet/review/")) {
            r = routes.get("/poet/review/");
        }
        if (r == null && path.startsWith("/poet/functions/")) {
            r = routes.get("/poet/functions/");
        }
        return r;
    }

    private static InetAddress client(Request request) {
        SocketAddress a = request.getConnectionMetaData().getRemoteSocketAddress();
        return a instanceof InetSocketAddress isa ? isa.getAddress() : InetAddress.getLoopbackAddress();
    }

    /** One request from its head to its answer: whoever answers first (handler, refusal, deadline) answers alone. */
    private final class Exchange {
        final Request request;
        final Response response;
        final Callback callback;
        final AtomicBoolean answered = new AtomicBoolean();
        Req req;
        Scheduler.Task deadline;
        /** The budget its body is charged to, and the bytes it holds until it is answered (-1 once answered). */
        Budget budget;
        final java.util.concurrent.atomic.AtomicLong reserved = new java.util.concurrent.atomic.AtomicLong();
        /** True while the body is being read: the deadline and the body's arrival each take it once. */
        final AtomicBoolean reading = new AtomicBoolean(true);

        /** Charges n more bytes to the budget; false (nothing charged) when it is full or the request was answered. */
        boolean reserve(long n) {
            if (budget == null || !budget.take(n)) {
                return false;
            }
            while (true) {
                long r = reserved.get();
                if (r < 0) {
                    budget.release(n);
                    return false;
                }
                if (reserved.compareAndSet(r, r + n)) {
                    return true;
                }
            }
        }
        /** Whether the request has a body not (yet) read to its end. */
        volatile boolean bodyLeft;
        /** Ends this body's count among its address's bodies arriving: once, when it has arrived or the request is answered. */
        Runnable arriving;
        private final AtomicBoolean arrivedOnce = new AtomicBoolean();

        void arrived() {
            if (arriving != null && arrivedOnce.compareAndSet(false, true)) {
                arriving.run();
            }
        }

        Exchange(Request request, Response response, Callback callback) {
            this.request = request;
            this.response = response;
            this.callback = callback;
        }

        void answer(Answer a) {
            if (!answered.compareAndSet(false, true)) {
                return;
            }
            if (deadline != null) {
                deadline.cancel();
            }
            long held = reserved.getAndSet(-1);
            if (held > 0) {
                budget.release(held);
            }
            arrived();
            try {
                response.setStatus(a.status());
                HttpFields.Mutable h = response.getHeaders();
                h.put(HttpHeader.CONTENT_TYPE, a.contentType());
                h.put(HttpHeader.CACHE_CONTROL, "no-store");
                h.put("X-Content-Type-Options", "nosniff");
                if (a.contentType().startsWith("text/html")) {
                    h.put("Content-Security-Policy",
                            "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; frame-ancestors 'none'");
                }
                for (Map.Entry<String, String> e : a.headers().entrySet()) {
                    h.put(e.getKey(), e.getValue());
                }
                boolean drain = bodyLeft && a.status() != 408;
                if (drain) {
                    h.put(HttpHeader.CONNECTION, "close");
                }
                response.write(true, ByteBuffer.wrap(a.body()), drain ? Callback.from(() -> new Drain(this).run(), callback::failed)
                        : callback);
            } catch (Throwable t) {
                callback.failed(t);
            }
        }

        void fail(Throwable failure) {
            answer(failed(req, failure));
        }
    }

    /** The root handler: routes, checks the head, reads the body, hands the request to its route. */
    private final class Router extends org.eclipse.jetty.server.Handler.Abstract.NonBlocking {
        @Override
        public boolean handle(Request request, Response response, Callback callback) {
            Exchange x = new Exchange(request, response, callback);
            x.bodyLeft = request.getHeaders().getLongField(HttpHeader.CONTENT_LENGTH) > 0
                    || request.getHeaders().contains(HttpHeader.TRANSFER_ENCODING);
            try {
                String path = request.getHttpURI().getDecodedPath();
                org.eclipse.jetty.http.HttpURI uri = request.getHttpURI();
                x.req = new Req(request.getMethod(), path, uri.getPath(), uri.getQuery(), request.getHeaders(), new byte[0],
                        client(request));
                Route route = route(path);
                if (route == null) {
                    throw new Rejected(404, "no such endpoint: " + path);
                }
                String method = request.getMethod();
                boolean head = method.equals("HEAD") && route.method().equals("GET");
                if (!route.method().equals(method) && !head) {
                    x.answer(error(x.req, 405, method + " is not allowed here; use " + route.method())
                            .with("Allow", route.method().equals("GET") ? "GET, HEAD" : route.method()));
                    return true;
                }
                String te = request.getHeaders().get(HttpHeader.TRANSFER_ENCODING);
                if (te != null && !onlyChunked(request.getHeaders())) {
                    // Jetty takes "gzip, chunked" as chunked framing and hands over the still-coded bytes
                    throw new Rejected(501, "no transfer coding but chunked is understood here");
                }
                Body allowed = route.check().check(x.req);
                int limit = allowed.limit();
                if (limit == 0) {
                    dispatch(x, route, x.req);
                    return true;
                }
                long declared = request.getHeaders().getLongField(HttpHeader.CONTENT_LENGTH);
                if (declared > limit) {
                    metrics.refused(Metrics.Refusal.TOO_LARGE);
                    throw new Rejected(413, "the body is over the limit of " + limit + " bytes");
                }
                x.budget = allowed.verified() ? verified : unverified;
                InetAddress who = x.req.client();
                AtomicInteger now = arriving.computeIfAbsent(who, k -> new AtomicInteger());
                if (now.incrementAndGet() > PER_CLIENT) {
                    release(who, now);
                    metrics.refused(Metrics.Refusal.TOO_MANY_BODIES);
                    x.answer(error(x.req, 429, "too many requests from " + who.getHostAddress() + " are arriving at once")
                            .with("Retry-After", "1").with("Connection", "close"));
                    return true;
                }
                x.arriving = () -> release(who, now);
                long left = REQUEST_TIMEOUT_MILLIS - TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - request.getBeginNanoTime());
                x.deadline = server.getScheduler().schedule(() -> {
                    if (x.reading.compareAndSet(true, false)) {
                        metrics.refused(Metrics.Refusal.TIMEOUT);
                        x.answer(error(x.req, 408, "the request did not arrive within "
                                + REQUEST_TIMEOUT_MILLIS / 1000 + " s").with("Connection", "close"));
                    }
                }, Math.max(1, left), TimeUnit.MILLISECONDS);
                new BodyReader(x, limit, declared, body -> {
                    // arrived: from here the deadline no longer applies, and only a handled request is answered
                    if (!x.reading.compareAndSet(true, false)) {
                        return;
                    }
                    x.deadline.cancel();
                    x.arrived();
                    if (!x.reserve((long) PARSE_FACTOR * Math.min(body.length, dev.poet.event.EventCodec.MAX_EVENT_BYTES))) {
                        x.answer(busy(x.req));
                        return;
                    }
                    Req withBody = x.req.withBody(body);
                    if (body.length <= INLINE_BODY) {
                        dispatch(x, route, withBody);
                    } else {
                        // parsing a large body would hold up every connection of this selector: a worker does it
                        workers.execute(() -> dispatch(x, route, withBody));
                    }
                }, x::fail).run();
            } catch (Throwable t) {
                fatalIfVmBroken(t);
                x.fail(t);
            }
            return true;
        }
    }

    /** The body budget is full: 503 with Retry-After. */
    private static final class Busy extends RuntimeException {
        Busy() {
            super("busy", null, false, false);
        }
    }

    private Answer busy(Req req) {
        metrics.refused(Metrics.Refusal.BUSY);
        return error(req, 503, "the server holds as many request bodies as it can at once; try again shortly")
                .with("Retry-After", "1");
    }

    /** Whether every Transfer-Encoding value names chunked alone. */
    private static boolean onlyChunked(HttpFields headers) {
        for (String v : headers.getValuesList(HttpHeader.TRANSFER_ENCODING)) {
            for (String coding : v.split(",")) {
                if (!coding.strip().equalsIgnoreCase("chunked")) {
                    return false;
                }
            }
        }
        return true;
    }

    private void release(InetAddress who, AtomicInteger count) {
        if (count.decrementAndGet() <= 0) {
            arriving.remove(who, count);
        }
    }

    /** Runs the route's handler and answers with what its stage completes with. */
    private void dispatch(Exchange x, Route route, Req req) {
        x.req = req;
        CompletionStage<Answer> stage;
        try {
            stage = route.handler().handle(req);
        } catch (Throwable t) {
            fatalIfVmBroken(t);
            x.fail(t);
            return;
        }
        stage.whenComplete((a, failure) -> {
            if (a != null) {
                x.answer(a);
            } else {
                fatalIfVmBroken(failure);
                x.fail(failure);
            }
        });
    }

    /**
     * Out of memory (or the JVM's own failure) leaves a server that may answer nothing: the process
     * exits at once, non-zero, for its supervisor to restart it (the launcher also runs serve with
     * {@code -XX:+ExitOnOutOfMemoryError}). A stack overflow in one handler is that request's failure only.
     */
    private static void fatalIfVmBroken(Throwable t) {
        Throwable e = t;
        while (e instanceof java.util.concurrent.CompletionException && e.getCause() != null) {
            e = e.getCause();
        }
        if (e instanceof OutOfMemoryError || e instanceof InternalError || e instanceof UnknownError) {
            try {
                System.err.println("poet serve: " + e + "; exiting so that a supervisor restarts it");
            } finally {
                Runtime.getRuntime().halt(70);
            }
        }
    }

    /**
     * Reads a body as Jetty hands it over, without a thread waiting: demand is registered when
     * nothing is there, and the bytes are kept up to the limit (413 beyond, the rest unread).
     */
    private final class BodyReader implements Runnable {
        private final Exchange x;
        private final int limit;
        private final java.util.function.Consumer<byte[]> done;
        private final java.util.function.Consumer<Throwable> failed;
        private byte[] buf;
        private int size;

        BodyReader(Exchange x, int limit, long declared, java.util.function.Consumer<byte[]> done,
                   java.util.function.Consumer<Throwable> failed) {
            this.x = x;
            this.limit = limit;
            this.done = done;
            this.failed = failed;
            this.buf = new byte[(int) Math.min(64 << 10, Math.min(limit, declared >= 0 ? declared : 8192))];
        }

        @Override
        public void run() {
            try {
                while (true) {
                    if (x.answered.get()) {
                        failed.accept(new Rejected(408, "answered already"));
                        return;
                    }
                    Content.Chunk chunk = x.request.read();
                    if (chunk == null) {
                        x.request.demand(this);
                        return;
                    }
                    if (Content.Chunk.isFailure(chunk)) {
                        Throwable f = chunk.getFailure();
                        if (f instanceof java.util.concurrent.TimeoutException) {
                            metrics.refused(Metrics.Refusal.TIMEOUT);
                            failed.accept(new Rejected(408, "the body stopped arriving"));
                        } else {
                            failed.accept(new Rejected(400, "the body could not be read: " + f.getMessage()));
                        }
                        return;
                    }
                    ByteBuffer b = chunk.getByteBuffer();
                    int n = b.remaining();
                    if ((long) size + n > limit) {
                        chunk.release();
                        metrics.refused(Metrics.Refusal.TOO_LARGE);
                        failed.accept(new Rejected(413, "the body is over the limit of " + limit + " bytes"));
                        return;
                    }
                    if (!x.reserve((long) ARRIVAL_FACTOR * n)) {
                        chunk.release();
                        failed.accept(new Busy());
                        return;
                    }
                    if (size + n > buf.length) {
                        buf = java.util.Arrays.copyOf(buf, (int) Math.min(limit, Math.max((long) buf.length * 2, size + n)));
                    }
                    b.get(buf, size, n);
                    size += n;
                    boolean last = chunk.isLast();
                    chunk.release();
                    if (last) {
                        x.bodyLeft = false;
                        done.accept(size == buf.length ? buf : java.util.Arrays.copyOf(buf, size));
                        return;
                    }
                }
            } catch (Throwable t) {
                fatalIfVmBroken(t);
                failed.accept(t);
            }
        }
    }

    /**
     * After a refusal that left the body unread: the answer is written (with Connection: close), then
     * what the client still sends is read and dropped, up to {@value #DRAIN_LIMIT} bytes or
     * {@value #DRAIN_MILLIS} ms, before the connection closes. A client that sends its whole body
     * before it reads (most do) then sees the answer instead of a reset.
     */
    static final long DRAIN_LIMIT = 16L << 20;
    static final long DRAIN_MILLIS = 5_000;

    private final class Drain implements Runnable {
        private final Exchange x;
        private final AtomicBoolean finished = new AtomicBoolean();
        private final Scheduler.Task timer;
        private long dropped;

        Drain(Exchange x) {
            this.x = x;
            this.timer = server.getScheduler().schedule(this::finish, DRAIN_MILLIS, TimeUnit.MILLISECONDS);
        }

        private void finish() {
            if (finished.compareAndSet(false, true)) {
                timer.cancel();
                x.callback.succeeded();
            }
        }

        @Override
        public void run() {
            try {
                while (!finished.get()) {
                    Content.Chunk chunk = x.request.read();
                    if (chunk == null) {
                        x.request.demand(this);
                        return;
                    }
                    dropped += chunk.remaining();
                    boolean end = chunk.isLast() || Content.Chunk.isFailure(chunk);
                    chunk.release();
                    if (end || dropped > DRAIN_LIMIT) {
                        finish();
                        return;
                    }
                }
            } catch (Throwable t) {
                finish();
            }
        }
    }

    /**
     * At most {@code max} connections open from one address; one more is closed as soon as it opens.
     * Each connection's address is kept from its opening: a closed endpoint no longer knows it. And a
     * request head must arrive within {@link #HEAD_MILLIS} of its first byte: every
     * {@value #SWEEP_MILLIS} ms the connections are looked at, and one that has received bytes without
     * completing a request head for that long is closed (Jetty itself bounds only the time between bytes).
     */
    static final long SWEEP_MILLIS = 5_000;
    /** The head bound: the request bound plus one sweep, so that a body's own 408 comes first. */
    static final long HEAD_MILLIS = REQUEST_TIMEOUT_MILLIS + SWEEP_MILLIS;

    private final class AddressLimit implements Connection.Listener {
        private final int max;
        private final Map<InetAddress, AtomicInteger> open = new ConcurrentHashMap<>();
        /** The address of every network connection counted; those closed as they opened are not. */
        private final Map<Connection, InetAddress> counted = new ConcurrentHashMap<>();
        /** Connections that parse requests, with what they had received when last seen quiet. */
        private final Map<Connection, long[]> heads = new ConcurrentHashMap<>();

        AddressLimit(int max) {
            this.max = max;
        }

        @Override
        public void onOpened(Connection c) {
            if (c.getMessagesIn() >= 0) {
                heads.put(c, new long[] {c.getMessagesIn(), c.getBytesIn(), System.nanoTime()});
            }
            if (!(c.getEndPoint() instanceof org.eclipse.jetty.io.SocketChannelEndPoint)) {
                return; // the HTTP connection inside TLS: its network connection is the one counted
            }
            SocketAddress sa = c.getEndPoint().getRemoteSocketAddress();
            if (!(sa instanceof InetSocketAddress isa) || isa.getAddress() == null) {
                return;
            }
            InetAddress a = isa.getAddress();
            if (open.computeIfAbsent(a, k -> new AtomicInteger()).incrementAndGet() > max) {
                decrement(a);
                metrics.refused(Metrics.Refusal.CONNECTION_LIMIT);
                LOG.debug("refused a connection from {}: it has {} open already", a.getHostAddress(), max);
                c.getEndPoint().close();
                return;
            }
            counted.put(c, a);
        }

        @Override
        public void onClosed(Connection c) {
            heads.remove(c);
            InetAddress a = counted.remove(c);
            if (a != null) {
                decrement(a);
            }
        }

        private void decrement(InetAddress a) {
            open.computeIfPresent(a, (k, n) -> n.decrementAndGet() <= 0 ? null : n);
        }

        /** Closes the connections whose request head has been arriving for longer than {@link #HEAD_MILLIS}. */
        void sweep() {
            long now = System.nanoTime();
            for (Map.Entry<Connection, long[]> e : heads.entrySet()) {
                Connection c = e.getKey();
                long[] seen = e.getValue();
                long messages = c.getMessagesIn();
                long bytes = c.getBytesIn();
                if (messages != seen[0] || bytes == seen[1]) {
                    seen[0] = messages; // a request began, or nothing arrived: quiet as of now
                    seen[1] = bytes;
                    seen[2] = now;
                } else if (now - seen[2] > TimeUnit.MILLISECONDS.toNanos(HEAD_MILLIS)) {
                    metrics.refused(Metrics.Refusal.TIMEOUT);
                    LOG.debug("closed a connection whose request head took over {} ms", HEAD_MILLIS);
                    heads.remove(c);
                    c.getEndPoint().close();
                }
            }
        }
    }

    /** Jetty's own refusals (malformed requests, 431, 505...) as the same JSON errors the routes give. */
    private final class JsonErrors extends ErrorHandler {
        @Override
        public boolean handle(Request request, Response response, Callback callback) {
            int status = response.getStatus();
            Object message = request.getAttribute(ERROR_MESSAGE);
            response.getHeaders().put(HttpHeader.CONTENT_TYPE, "application/json");
            response.getHeaders().put(HttpHeader.CACHE_CONTROL, "no-store");
            if (status >= 400 && status < 500) {
                response.getHeaders().put(HttpHeader.CONNECTION, "close"); // a malformed request ends its connection
            }
            response.write(true, ByteBuffer.wrap(errorBody(status, message == null ? reason(status) : message.toString())),
                    callback);
            return true;
        }

        @Override
        public ByteBuffer badMessageError(int status, String reason, HttpFields.Mutable fields) {
            fields.put(HttpHeader.CONTENT_TYPE, "application/json");
            metrics.refused(Metrics.Refusal.MALFORMED);
            return ByteBuffer.wrap(errorBody(status, reason == null ? reason(status) : reason));
        }

        private String reason(int status) {
            String r = org.eclipse.jetty.http.HttpStatus.getMessage(status);
            return r == null ? "error " + status : r;
        }
    }

    private static byte[] errorBody(int status, String message) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("error", message);
        m.put("status", (long) status);
        return Json.encodeLine(m);
    }

    /** The access log (one line per request, control bytes escaped) and the request counts of /metrics. */
    private void logRequest(Request request, Response response) {
        String path = request.getHttpURI().getPath();
        Route r = path == null ? null : route(request.getHttpURI().getDecodedPath());
        int status = response.getStatus();
        metrics.request(r == null ? "other" : r.label(), status);
        if (!ACCESS.isInfoEnabled()) {
            return;
        }
        String target = escape(request.getHttpURI().getPathQuery());
        String method = escape(request.getMethod());
        String client = escape(org.eclipse.jetty.server.Request.getRemoteAddr(request));
        long bytes = Response.getContentBytesWritten(response);
        long ms = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - request.getBeginNanoTime());
        ACCESS.atInfo().addKeyValue("client", client).addKeyValue("method", method).addKeyValue("target", target)
                .addKeyValue("status", status).addKeyValue("bytes", bytes).addKeyValue("ms", ms)
                .log(client + " \"" + method + " " + target + "\" " + status + " " + bytes + " " + ms + "ms");
    }

    /** The string with every control byte, quote and backslash written as an escape: one log line stays one. */
    static String escape(String s) {
        if (s == null) {
            return "-";
        }
        StringBuilder b = null;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            boolean bad = c < 0x20 || c == 0x7f || c == '"' || c == '\\' || (c >= 0x80 && c < 0xa0) || c == 0x2028 || c == 0x2029;
            if (bad && b == null) {
                b = new StringBuilder(s.length() + 16).append(s, 0, i);
            }
            if (b != null) {
                if (bad) {
                    b.append(String.format("\\x%02x", (int) c));
                } else {
                    b.append(c);
                }
            }
        }
        return b == null ? s : b.toString();
    }

    private Answer failed(Req req, Throwable failure) {
        Throwable e = failure;
        while ((e instanceof java.util.concurrent.CompletionException || e instanceof java.util.concurrent.ExecutionException)
                && e.getCause() != null) {
            e = e.getCause();
        }
        if (e instanceof Rejected r) {
            if (r.httpStatus() == 401) {
                metrics.refused(Metrics.Refusal.UNAUTHORIZED);
            } else if (r.httpStatus() == 503) {
                metrics.refused(Metrics.Refusal.NOT_CONFIGURED);
            }
            Answer a = error(req, r.httpStatus(), r.getMessage());
            return r.httpStatus() == 408 ? a.with("Connection", "close") : a;
        }
        if (e instanceof PoetException p) {
            return error(req, p.status() == dev.poet.Status.INVALID ? 400 : 503, p.getMessage());
        }
        if (e instanceof Busy) {
            return busy(req);
        }
        if (e instanceof java.util.concurrent.RejectedExecutionException) {
            metrics.refused(Metrics.Refusal.BUSY);
            return error(req, 503, "the server is busy; try again shortly").with("Retry-After", "1");
        }
        if (e instanceof IOException) {
            LOG.warn("could not record: {}", e.toString());
            return error(req, 503, "could not record: " + e.getMessage());
        }
        LOG.error("internal error answering {} {}", req == null ? "-" : req.method(), req == null ? "-" : escape(req.rawPath()), e);
        return error(req, 500, "internal error");
    }

    private Answer error(Req req, int status, String message) {
        if (req != null && wantsHtml(req)) {
            return Answer.html(status, ReviewPage.message("Not recorded", message));
        }
        return new Answer(status, "application/json", errorBody(status, message), Map.of());
    }

    private static boolean wantsHtml(Req req) {
        String ct = req.header("Content-Type");
        return ct != null && ct.startsWith("application/x-www-form-urlencoded") && req.path().equals("/poet/feedback");
    }

    private static CompletionStage<Answer> now(Answer a) {
        return CompletableFuture.completedFuture(a);
    }

    private static Map<String, String> query(String raw) {
        Map<String, String> m = new LinkedHashMap<>();
        if (raw == null || raw.isEmpty()) {
            return m;
        }
        for (String pair : raw.split("&")) {
            int eq = pair.indexOf('=');
            try {
                String k = URLDecoder.decode(eq < 0 ? pair : pair.substring(0, eq), StandardCharsets.UTF_8);
                String v = eq < 0 ? "" : URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8);
                m.putIfAbsent(k, v);
            } catch (IllegalArgumentException e) {
                throw new Rejected(400, "malformed URL encoding");
            }
        }
        return m;
    }

    /** Whether the Authorization header is {@code Bearer <token>} (the scheme name in any case, RFC 9110 §11.1). */
    private static boolean bearer(Req req, String token) {
        String given = req.header("Authorization");
        if (token == null || given == null) {
            return false;
        }
        given = given.strip();
        return given.regionMatches(true, 0, "Bearer ", 0, 7) && Hmac.equal(given.substring(7).strip(), token);
    }

    // ---- what each route checks from the head, before its body is read ----

    private Body feedbackHead(Req req) {
        if (secrets.get(Secrets.FEEDBACK_TOKEN) == null && secrets.get(Secrets.REVIEW_KEY) == null) {
            throw new Rejected(503, "/poet/feedback is not configured: set " + Secrets.FEEDBACK_TOKEN + " or "
                    + Secrets.REVIEW_KEY);
        }
        if (bearer(req, secrets.get(Secrets.FEEDBACK_TOKEN))) {
            return new Body(MAX_BODY, true);
        }
        if (secrets.get(Secrets.REVIEW_KEY) == null) {
            throw new Rejected(401, "a valid bearer token is required");
        }
        // a review link's form: its token is checked against the execution id in the body
        return new Body(MAX_REVIEW_FORM_BODY, false);
    }

    private Body pagerdutyHead(Req req) {
        requireSecret(Secrets.PAGERDUTY, "/webhooks/pagerduty");
        if (req.header(PagerDuty.SIGNATURE_HEADER) == null) {
            throw new Rejected(401, "X-PagerDuty-Signature is missing or does not match the body");
        }
        return new Body(MAX_BODY, false);
    }

    private Body slackHead(Req req) {
        requireSecret(Secrets.SLACK, "/webhooks/slack");
        Slack.checkHead(req.header("X-Slack-Request-Timestamp"), req.header("X-Slack-Signature"), events.clock().instant());
        return new Body(MAX_BODY, false);
    }

    private Body eventsHead(Req req) {
        String token = secrets.get(Secrets.EVENTS_TOKEN);
        if (token == null) {
            throw new Rejected(503, "/poet/events is not configured: " + Secrets.EVENTS_TOKEN + " is not set");
        }
        if (!bearer(req, token)) {
            throw new Rejected(401, "a valid bearer token (" + Secrets.EVENTS_TOKEN + ") is required");
        }
        return new Body(MAX_EVENTS_BODY, true);
    }

    private Body functionsHead(Req req) {
        String fnToken = secrets.get(Secrets.FUNCTIONS_TOKEN);
        String evToken = secrets.get(Secrets.EVENTS_TOKEN);
        if (fnToken == null && evToken == null) {
            throw new Rejected(503, "/poet/functions/ is not configured: set " + Secrets.FUNCTIONS_TOKEN + " or "
                    + Secrets.EVENTS_TOKEN);
        }
        if (!bearer(req, fnToken) && !bearer(req, evToken)) {
            throw new Rejected(401, "a valid bearer token (" + Secrets.FUNCTIONS_TOKEN + " or " + Secrets.EVENTS_TOKEN
                    + ") is required");
        }
        return Body.NONE;
    }

    private Body metricsAllowed(Req req) {
        String token = secrets.get(Secrets.METRICS_TOKEN);
        if (token != null ? !bearer(req, token) : !req.client().isLoopbackAddress()) {
            throw new Rejected(401, token != null ? "a valid bearer token (" + Secrets.METRICS_TOKEN + ") is required"
                    : "/metrics answers loopback clients only unless " + Secrets.METRICS_TOKEN + " is set");
        }
        return Body.NONE;
    }

    // ---- the routes ----

    private CompletionStage<Answer> healthz(Req req) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("status", "ok");
        m.put("disabled", disabled);
        return now(Answer.json(200, m));
    }

    /** Ready when the directories events are delivered through can be written. */
    private CompletionStage<Answer> readyz(Req req) {
        List<Object> problems = new ArrayList<>();
        for (EventSpool.State s : List.of(EventSpool.State.TMP, EventSpool.State.PENDING)) {
            Path dir = events.store().spool().dir(s);
            if (!Files.isDirectory(dir) || !Files.isWritable(dir)) {
                problems.add(dir + " is not a writable directory");
            }
        }
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("status", problems.isEmpty() ? "ready" : "not ready");
        m.put("problems", problems);
        return now(Answer.json(problems.isEmpty() ? 200 : 503, m));
    }

    /** On a worker: counting pending/ lists a directory that may hold many files. */
    private Answer scrape() {
        return new Answer(200, metrics.contentType(), metrics.scrape(), Map.of());
    }

    private String requireSecret(String name, String endpoint) {
        String v = secrets.get(name);
        if (v == null) {
            throw new Rejected(503, endpoint + " is not configured: " + name + " is not set");
        }
        return v;
    }

    /**
     * Delivers the events (durable before the stage completes, one batch per fsync with the requests
     * handled meanwhile) and describes what was recorded. {@code mayRepeat} false: every id was made
     * fresh here, no client chose it, so no duplicate check is needed.
     */
    private CompletionStage<Map<String, Object>> recorded(List<Event> accepted, String ignored, boolean mayRepeat) {
        return commits.submit(accepted, mayRepeat, workers).thenApply(done -> {
            List<Object> ids = new ArrayList<>();
            long duplicates = 0;
            for (EventLog.Recorded r : done) {
                ids.add(r.event().id());
                if (r.duplicate()) {
                    duplicates++;
                }
            }
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("status", accepted.isEmpty() ? "ignored" : "recorded");
            m.put("events", ids);
            m.put("duplicates", duplicates);
            if (ignored != null) {
                m.put("ignored", ignored);
            }
            return m;
        });
    }

    private CompletionStage<Answer> feedback(Req req) {
        if (secrets.get(Secrets.FEEDBACK_TOKEN) == null && secrets.get(Secrets.REVIEW_KEY) == null) {
            throw new Rejected(503, "/poet/feedback is not configured: set " + Secrets.FEEDBACK_TOKEN + " or "
                    + Secrets.REVIEW_KEY);
        }
        byte[] raw = req.body();
        String ct = req.header("Content-Type");
        boolean form = ct != null && ct.startsWith("application/x-www-form-urlencoded");
        Map<String, Object> body = new LinkedHashMap<>();
        if (form) {
            Map<String, String> f = query(new String(raw, StandardCharsets.UTF_8));
            body.putAll(f);
            String verdict = f.get("verdict");
            if (verdict != null) {
                body.put("feedback_type", verdict.equals("real_drift") ? "true_positive" : "false_positive");
            }
        } else {
            Object parsed;
            try {
                parsed = Json.parse(raw, "the body");
            } catch (PoetException e) {
                throw new Rejected(400, "the body is not JSON: " + e.getMessage());
            }
            if (!(parsed instanceof Map)) {
                throw new Rejected(400, "the body must be a JSON object");
            }
            @SuppressWarnings("unchecked")
            Map<String, Object> m = (Map<String, Object>) parsed;
            body.putAll(m);
        }
        String exec = body.get("execution_id") instanceof String ? (String) body.get("execution_id") : null;
        if (exec == null || !Names.isId(exec)) {
            throw new Rejected(400, "execution_id is required and must be a valid id");
        }
        boolean authorised = bearer(req, secrets.get(Secrets.FEEDBACK_TOKEN));
        String source = "api";
        if (!authorised) {
            String review = body.get("token") instanceof String ? (String) body.get("token") : query(req.rawQuery()).get("token");
            String key = secrets.get(Secrets.REVIEW_KEY);
            if (key == null) {
                throw new Rejected(401, "a valid bearer token is required");
            }
            ReviewTokens.check(key, exec, review, events.clock().instant());
            source = "review_link";
            // a link speaks for its one execution: the verdict and a reason, never an id or a validator of its choosing
            body.keySet().retainAll(java.util.Set.of("execution_id", "feedback_type", "was_real_drift", "reason"));
        }
        body.remove("token");
        body.remove("verdict");
        String idem = authorised ? req.header("Idempotency-Key") : null;
        if (authorised && idem == null && body.get("id") instanceof String) {
            idem = (String) body.get("id");
        }
        Event e = FeedbackApi.convert(body, source, idem, events::newId, events.clock().instant());
        return recorded(List.of(e), null, idem != null && !idem.isBlank()).thenApply(m -> {
            if (form) {
                boolean real = Boolean.TRUE.equals(e.data().get("was_real_drift"));
                return Answer.html(200, ReviewPage.message("Thank you",
                        "Recorded: " + (real ? "real drift" : "false positive") + " for execution " + exec + "."));
            }
            return Answer.json(200, m);
        });
    }

    /** Runs on a worker: it reads the store. */
    private Answer review(Req req) {
        String key = requireSecret(Secrets.REVIEW_KEY, "/poet/review/");
        String exec = URLDecoder.decode(req.rawPath().substring("/poet/review/".length()), StandardCharsets.UTF_8);
        if (!Names.isId(exec)) {
            throw new Rejected(400, "not an execution id");
        }
        String token = query(req.rawQuery()).get("token");
        try {
            ReviewTokens.check(key, exec, token, events.clock().instant());
        } catch (Rejected e) {
            return Answer.html(e.httpStatus(), ReviewPage.message("Link not valid", e.getMessage()));
        }
        Event execution;
        try {
            execution = events.findExecution(exec).orElse(null);
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
        return Answer.html(200, ReviewPage.page(exec, token, execution));
    }

    private CompletionStage<Answer> pagerduty(Req req) {
        String secret = requireSecret(Secrets.PAGERDUTY, "/webhooks/pagerduty");
        byte[] raw = req.body();
        if (!PagerDuty.verify(secret, raw, req.header(PagerDuty.SIGNATURE_HEADER))) {
            throw new Rejected(401, "X-PagerDuty-Signature is missing or does not match the body");
        }
        Object payload;
        try {
            payload = Json.parse(raw, "the body");
        } catch (PoetException e) {
            throw new Rejected(400, "the body is not JSON: " + e.getMessage());
        }
        PagerDuty.Converted c = PagerDuty.convert(payload, events::newId, events.clock().instant());
        return recorded(c.events(), c.ignored(), true).thenApply(m -> Answer.json(200, m));
    }

    private CompletionStage<Answer> slack(Req req) {
        String secret = requireSecret(Secrets.SLACK, "/webhooks/slack");
        byte[] raw = req.body();
        Slack.verify(secret, req.header("X-Slack-Request-Timestamp"), raw, req.header("X-Slack-Signature"),
                events.clock().instant());
        PagerDuty.Converted c = Slack.convert(Slack.payloadOfForm(raw), events::newId, events.clock().instant());
        return recorded(c.events(), c.ignored(), true).thenApply(m -> Answer.json(200, m));
    }

    /** One line's outcome in the answer of POST /poet/events. */
    private static Map<String, Object> outcome(int line, String status, String id, String error) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("line", (long) line);
        m.put("status", status);
        if (id != null) {
            m.put("id", id);
        }
        if (error != null) {
            m.put("error", error);
        }
        return m;
    }

    /**
     * POST /poet/events: envelopes as {@code poet record --event} takes them, one JSON object or JSON
     * Lines. Each is validated alone; the valid ones are delivered durably (group commit) before
     * the answer, which gives every line's outcome in order. An envelope with its own id is
     * idempotent: a retry of the whole request is answered "duplicate" for what was delivered.
     */
    private CompletionStage<Answer> events(Req req) {
        // the token was checked from the head (eventsHead), before the body was read
        List<byte[]> lines = new ArrayList<>(EventLines.split(req.body(), MAX_EVENTS_PER_REQUEST));
        int n = lines.size();
        List<Map<String, Object>> results = new ArrayList<>(java.util.Collections.nCopies(n, null));
        List<GroupCommit.Encoded> fresh = new ArrayList<>();
        List<Integer> freshAt = new ArrayList<>();
        List<GroupCommit.Encoded> named = new ArrayList<>();
        List<Integer> namedAt = new ArrayList<>();
        java.time.Instant now = events.clock().instant();
        for (int i = 0; i < n; i++) {
            try {
                // each envelope is parsed, validated and encoded at once, and only its encoding kept: the
                // parsed form of a JSON line can take twenty times its bytes
                EventLines.Parsed p = EventLines.parse(lines.get(i), "line " + (i + 1), events::newId, now, "http");
                (p.idGiven() ? named : fresh).add(GroupCommit.Encoded.of(p.event()));
                (p.idGiven() ? namedAt : freshAt).add(i);
            } catch (PoetException e) {
                results.set(i, outcome(i + 1, "invalid", null, e.getMessage()));
            }
            lines.set(i, null);
        }
        CompletableFuture<List<GroupCommit.Delivered>> a = commits.submitEncoded(fresh, false, workers);
        CompletableFuture<List<GroupCommit.Delivered>> b = commits.submitEncoded(named, true, workers);
        return a.thenCombine(b, (ra, rb) -> {
            long accepted = 0;
            long duplicates = 0;
            for (int k = 0; k < ra.size(); k++) {
                results.set(freshAt.get(k), outcome(freshAt.get(k) + 1, "accepted", ra.get(k).event().id(), null));
                accepted++;
            }
            for (int k = 0; k < rb.size(); k++) {
                boolean dup = rb.get(k).duplicate();
                results.set(namedAt.get(k), outcome(namedAt.get(k) + 1, dup ? "duplicate" : "accepted", rb.get(k).event().id(), null));
                if (dup) {
                    duplicates++;
                } else {
                    accepted++;
                }
            }
            long invalid = n - accepted - duplicates;
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("accepted", accepted);
            m.put("duplicates", duplicates);
            m.put("invalid", invalid);
            m.put("results", results);
            return Answer.json(accepted + duplicates == 0 ? 400 : 200, m);
        });
    }

    /**
     * GET /poet/functions/&lt;fn&gt; (on a worker: it reads the store): the live version, its code and
     * its parameters, and the function's shadow registration when one runs, with an ETag of the
     * version, the parameters' revision (the one executions record) and the shadow's id. A request whose If-None-Match holds that ETag is answered 304 without the code being
     * read: versions never change once written, so the version and the parameters decide it.
     */
    private Answer function(Req req) {
        // the token was checked from the head (functionsHead)
        String fn = URLDecoder.decode(req.rawPath().substring("/poet/functions/".length()), StandardCharsets.UTF_8);
        if (!Names.isFunction(fn)) {
            throw new Rejected(400, "not a function name: " + Names.quote(fn));
        }
        try {
            dev.poet.store.Versions versions = events.store().versions();
            if (!versions.exists(fn)) {
                throw new Rejected(404, "no function " + fn + " in this store");
            }
            dev.poet.store.Versions.Current current = versions.current(fn);
            if (current.version().isEmpty()) {
                throw new Rejected(503, fn + " has no live version: " + current.problem().orElse("current is missing"));
            }
            String version = current.version().get();
            java.nio.file.Path paramsFile = versions.paramsFile(fn);
            Object params = java.nio.file.Files.exists(paramsFile)
                    ? Json.parse(java.nio.file.Files.readAllBytes(paramsFile), paramsFile.getFileName().toString()) : Map.of();
            String revision = dev.poet.analyze.ParamsRevisions.of(params);
            Map<String, Object> shadow = new dev.poet.store.Shadows(events.store()).read(fn).orElse(null);
            String etag = "\"" + version + "-" + revision + (shadow == null ? "" : "-" + shadow.get(dev.poet.store.Shadows.ID))
                    + "\"";
            Map<String, String> headers = new LinkedHashMap<>();
            headers.put("ETag", etag);
            headers.put("Cache-Control", "no-cache");
            if (matches(req.header("If-None-Match"), etag)) {
                return new Answer(304, "application/json", new byte[0], headers);
            }
            String code = java.nio.file.Files.readString(versions.versionFile(fn, version), StandardCharsets.UTF_8);
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("function", fn);
            m.put("version", version);
            m.put("params_revision", revision);
            m.put("params", params);
            m.put("code", code);
            if (shadow != null) {
                Map<String, Object> sh = new LinkedHashMap<>(shadow);
                if (sh.get(dev.poet.store.Shadows.SHADOW_VERSION) instanceof String) {
                    // a code shadow's version, for a host that has no store to load it from
                    sh.put("code", java.nio.file.Files.readString(versions.versionFile(fn,
                            (String) sh.get(dev.poet.store.Shadows.SHADOW_VERSION)), StandardCharsets.UTF_8));
                }
                m.put("shadow", sh);
            }
            Answer r = Answer.json(200, m);
            return new Answer(200, r.contentType(), r.body(), headers);
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    /** Whether an If-None-Match header names the ETag (or is "*"). */
    static boolean matches(String ifNoneMatch, String etag) {
        if (ifNoneMatch == null) {
            return false;
        }
        for (String t : ifNoneMatch.split(",")) {
            String s = t.strip();
            if (s.startsWith("W/")) {
                s = s.substring(2);
            }
            if (s.equals(etag) || s.equals("*")) {
                return true;
            }
        }
        return false;
    }
}
