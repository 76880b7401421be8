package dev.poet.serve;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
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
import dev.poet.store.Names;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.Semaphore;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * {@code poet serve}: the HTTP endpoints that turn feedback, PagerDuty webhooks and Slack
 * button clicks into events. Every accepted request is durable (delivered to pending/, fsynced)
 * before the response; anything invalid gets a JSON error (400 malformed, 401 bad signature or
 * token, 413 over 1 MiB) and writes nothing. An endpoint whose secret is missing is not served:
 * it answers 503 saying which secret, and {@link #disabled()} lists them.
 *
 * <p>Slow clients: a request body is read on one of {@link #readers} threads, which mostly wait,
 * and only then handled, at most {@code threads} at a time. One client address may have at most
 * {@link #perClient} bodies arriving at once; beyond that it gets 429 at once, without its body
 * being read, and the connection is closed. So clients that dribble their bodies tie up neither
 * the handling threads nor, from one address, more than a quarter of the readers; every read is
 * still bounded by {@code sun.net.httpserver.maxReqTime}.
 */
public final class PoetServer implements AutoCloseable {
    public static final int MAX_BODY = 1 << 20;

    /** Where to listen and whom to tell. */
    public record Config(String host, int port, int threads, Consumer<String> log, long commitWaitMicros, int commitMax,
                         int committers) {
        public Config(String host, int port, int threads, Consumer<String> log) {
            this(host, port, threads, log, DEFAULT_COMMIT_WAIT_MICROS, DEFAULT_COMMIT_MAX, DEFAULT_COMMITTERS);
        }
    }

    /** Group commit: how long a batch waits for more requests, and its size limit (see {@link GroupCommit}). */
    public static final long DEFAULT_COMMIT_WAIT_MICROS = 0;
    public static final int DEFAULT_COMMIT_MAX = 1000;
    public static final int DEFAULT_COMMITTERS = 4;

    private final EventLog events;
    private final GroupCommit commits;
    private final Secrets secrets;
    private final Consumer<String> log;
    private final HttpServer server;
    private final ThreadPoolExecutor pool;
    private final Semaphore handling;
    /**
     * Set while this thread holds a handling permit. Not an exchange attribute: Java 17 keeps
     * those in the context, shared by every request to the endpoint.
     */
    private final ThreadLocal<Boolean> holding = new ThreadLocal<>();
    private final int perClient;
    private final Map<InetAddress, Integer> arriving = new ConcurrentHashMap<>();
    private final List<String> disabled = new ArrayList<>();

    private PoetServer(EventLog events, Secrets secrets, Config config) throws IOException {
        this.events = events;
        this.commits = new GroupCommit(events, config.commitWaitMicros(), config.commitMax(), config.committers());
        this.secrets = secrets;
        this.log = config.log();
        // bound the time a request may take to arrive, so a slow client cannot hold a thread for ever
        System.setProperty("sun.net.httpserver.maxReqTime", System.getProperty("sun.net.httpserver.maxReqTime", "30"));
        System.setProperty("sun.net.httpserver.maxRspTime", System.getProperty("sun.net.httpserver.maxRspTime", "30"));
        // answer without waiting for the client's delayed ACK (headers and body go out as separate writes)
        System.setProperty("sun.net.httpserver.nodelay", System.getProperty("sun.net.httpserver.nodelay", "true"));
        // the refused rest of a body is not read by the server either (refusals close the connection)
        System.setProperty("sun.net.httpserver.drainAmount", System.getProperty("sun.net.httpserver.drainAmount", "0"));
        this.server = HttpServer.create(new InetSocketAddress(config.host(), config.port()), 128);
        int threads = Math.max(1, config.threads());
        this.pool = new ThreadPoolExecutor(readers(threads), readers(threads), 30, TimeUnit.SECONDS, new LinkedBlockingQueue<>());
        pool.allowCoreThreadTimeOut(true);
        this.handling = new Semaphore(threads);
        this.perClient = perClient(threads);
        server.setExecutor(pool);
        server.createContext("/healthz", ex -> handle(ex, "GET", this::healthz));
        server.createContext("/poet/feedback", ex -> handle(ex, "POST", this::feedback));
        server.createContext("/poet/review/", ex -> handle(ex, "GET", this::review));
        server.createContext("/webhooks/pagerduty", ex -> handle(ex, "POST", this::pagerduty));
        server.createContext("/webhooks/slack", ex -> handle(ex, "POST", this::slack));
        server.createContext("/", ex -> handle(ex, null, e -> {
            throw new Rejected(404, "no such endpoint: " + e.getRequestURI().getPath());
        }));
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
    }

    /** Threads that read request bodies: eight per handling thread, at least 64. */
    public static int readers(int threads) {
        return Math.min(4096, Math.max(64, 8 * threads));
    }

    /** Bodies one client address may have arriving at once: a quarter of the readers. */
    public static int perClient(int threads) {
        return readers(threads) / 4;
    }

    public static PoetServer start(EventLog events, Secrets secrets, Config config) throws IOException {
        PoetServer s = new PoetServer(events, secrets, config);
        s.server.start();
        return s;
    }

    /** The address it listens on, e.g. {@code http://127.0.0.1:8787/}. */
    public URI url() {
        InetSocketAddress a = server.getAddress();
        String host = a.getAddress().getHostAddress();
        return URI.create("http://" + (host.contains(":") ? "[" + host + "]" : host) + ":" + a.getPort() + "/");
    }

    /** The endpoints not served, each with the secret it lacks. */
    public List<String> disabled() {
        return List.copyOf(disabled);
    }

    @Override
    public void close() {
        server.stop(1);
        pool.shutdown();
        try {
            pool.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        commits.close();
    }

    /** A response: status, content type, body. */
    private record Response(int status, String contentType, byte[] body) {
        static Response json(int status, Object value) {
            return new Response(status, "application/json", Json.encodeLine(value));
        }

        static Response html(int status, String page) {
            return new Response(status, "text/html; charset=utf-8", page.getBytes(StandardCharsets.UTF_8));
        }
    }

    private interface Handler {
        Response handle(HttpExchange ex) throws IOException;
    }

    private void handle(HttpExchange ex, String method, Handler h) {
        long started = System.nanoTime();
        Response r;
        try {
            if (method != null && !method.equals(ex.getRequestMethod())) {
                ex.getResponseHeaders().add("Allow", method);
                throw new Rejected(405, ex.getRequestMethod() + " is not allowed here; use " + method);
            }
            r = h.handle(ex);
        } catch (Rejected e) {
            r = error(ex, e.httpStatus(), e.getMessage());
        } catch (PoetException e) {
            r = error(ex, e.status() == dev.poet.Status.INVALID ? 400 : 503, e.getMessage());
        } catch (IOException | RuntimeException e) {
            r = error(ex, 503, "could not record: " + e.getMessage());
        } finally {
            if (holding.get() != null) {
                holding.remove();
                handling.release();
            }
        }
        if (r.status() == 429) {
            ex.getResponseHeaders().set("Retry-After", "1");
            ex.getResponseHeaders().set("Connection", "close");
        } else {
            // at the end of the body the connection can serve the next request; the server itself
            // drains nothing (drainAmount 0)
            drain(ex);
        }
        try {
            ex.getResponseHeaders().set("Content-Type", r.contentType());
            ex.getResponseHeaders().set("Cache-Control", "no-store");
            ex.getResponseHeaders().set("X-Content-Type-Options", "nosniff");
            if (r.contentType().startsWith("text/html")) {
                ex.getResponseHeaders().set("Content-Security-Policy",
                        "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; frame-ancestors 'none'");
            }
            ex.sendResponseHeaders(r.status(), r.body().length == 0 ? -1 : r.body().length);
            try (OutputStream os = ex.getResponseBody()) {
                os.write(r.body());
            }
        } catch (IOException e) {
            // the client went away; what was recorded stays recorded
        } finally {
            ex.close();
            log.accept(ex.getRequestMethod() + " " + ex.getRequestURI().getPath() + " " + r.status() + " "
                    + (System.nanoTime() - started) / 1_000_000 + "ms");
        }
    }

    /**
     * Reads what is left of the request's body (normally nothing: it was read, or there is none).
     * A refused one is read if it declared at most 16 MiB, so that the client, still sending, gets
     * the error instead of a reset connection; a larger one is cut off and the connection closed.
     */
    private static void drain(HttpExchange ex) {
        String length = ex.getRequestHeaders().getFirst("Content-Length");
        long n;
        try {
            n = length == null ? 0 : Long.parseLong(length.strip());
        } catch (NumberFormatException e) {
            n = 0;
        }
        if (n > 16L << 20) {
            ex.getResponseHeaders().set("Connection", "close");
            return;
        }
        try {
            InputStream in = ex.getRequestBody();
            byte[] buf = new byte[8192];
            while (in.read(buf) >= 0) {
                // discard
            }
        } catch (IOException e) {
            // the client went away
        }
    }

    private Response error(HttpExchange ex, int status, String message) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("error", message);
        m.put("status", (long) status);
        if (wantsHtml(ex)) {
            return Response.html(status, ReviewPage.message("Not recorded", message));
        }
        return Response.json(status, m);
    }

    private static boolean wantsHtml(HttpExchange ex) {
        String ct = ex.getRequestHeaders().getFirst("Content-Type");
        return ct != null && ct.startsWith("application/x-www-form-urlencoded") && ex.getRequestURI().getPath().equals("/poet/feedback");
    }

    /**
     * The request's body, read under the per-client bound, then a handling permit: the caller
     * holds one of the {@code threads} permits from here until {@link #handle} answers.
     */
    private byte[] body(HttpExchange ex) throws IOException {
        String length = ex.getRequestHeaders().getFirst("Content-Length");
        if (length != null) {
            try {
                if (Long.parseLong(length.strip()) > MAX_BODY) {
                    throw new Rejected(413, "the body is over the 1 MiB limit");
                }
            } catch (NumberFormatException e) {
                throw new Rejected(400, "Content-Length is not a number");
            }
        }
        // the stream exists before any refusal: finishing the response closes it, unread, and the
        // server then closes the connection instead of waiting for the rest of the body
        InputStream in = ex.getRequestBody();
        InetAddress client = ex.getRemoteAddress().getAddress();
        if (arriving.merge(client, 1, Integer::sum) > perClient) {
            leave(client);
            throw new Rejected(429, "too many requests from " + client.getHostAddress()
                    + " are still sending their bodies (at most " + perClient + "); try again later");
        }
        byte[] b;
        try {
            b = in.readNBytes(MAX_BODY + 1);
        } finally {
            leave(client);
        }
        if (b.length > MAX_BODY) {
            throw new Rejected(413, "the body is over the 1 MiB limit");
        }
        handling.acquireUninterruptibly();
        holding.set(Boolean.TRUE);
        return b;
    }

    private void leave(InetAddress client) {
        arriving.computeIfPresent(client, (k, n) -> n <= 1 ? null : n - 1);
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

    private String requireSecret(String name, String endpoint) {
        String v = secrets.get(name);
        if (v == null) {
            throw new Rejected(503, endpoint + " is not configured: " + name + " is not set");
        }
        return v;
    }

    private Response healthz(HttpExchange ex) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("status", "ok");
        m.put("disabled", disabled);
        return Response.json(200, m);
    }

    private Map<String, Object> recorded(List<Event> accepted, String ignored) throws IOException {
        return recorded(accepted, ignored, true);
    }

    /** {@code mayRepeat} false: every id was made fresh here, no client chose it. */
    private Map<String, Object> recorded(List<Event> accepted, String ignored, boolean mayRepeat) throws IOException {
        List<Object> ids = new ArrayList<>();
        long duplicates = 0;
        // durable before the answer: one batch file per fsync with the requests handled meanwhile
        for (EventLog.Recorded r : commits.record(accepted, mayRepeat)) {
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
    }

    private Response feedback(HttpExchange ex) throws IOException {
        if (secrets.get(Secrets.FEEDBACK_TOKEN) == null && secrets.get(Secrets.REVIEW_KEY) == null) {
            throw new Rejected(503, "/poet/feedback is not configured: set " + Secrets.FEEDBACK_TOKEN + " or "
                    + Secrets.REVIEW_KEY);
        }
        byte[] raw = body(ex);
        String ct = ex.getRequestHeaders().getFirst("Content-Type");
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
        String bearer = ex.getRequestHeaders().getFirst("Authorization");
        String token = secrets.get(Secrets.FEEDBACK_TOKEN);
        boolean authorised = token != null && bearer != null && Hmac.equal(bearer.strip(), "Bearer " + token);
        String source = "api";
        if (!authorised) {
            String review = body.get("token") instanceof String ? (String) body.get("token") : query(ex.getRequestURI().getRawQuery()).get("token");
            String key = secrets.get(Secrets.REVIEW_KEY);
            if (key == null) {
                throw new Rejected(401, "a valid bearer token is required");
            }
            ReviewTokens.check(key, exec, review, events.clock().instant());
            source = "review_link";
        }
        body.remove("token");
        body.remove("verdict");
        String idem = ex.getRequestHeaders().getFirst("Idempotency-Key");
        if (idem == null && body.get("id") instanceof String) {
            idem = (String) body.get("id");
        }
        Event e = FeedbackApi.convert(body, source, idem, events::newId, events.clock().instant());
        Map<String, Object> m = recorded(List.of(e), null, idem != null && !idem.isBlank());
        if (form) {
            boolean real = Boolean.TRUE.equals(e.data().get("was_real_drift"));
            return Response.html(200, ReviewPage.message("Thank you",
                    "Recorded: " + (real ? "real drift" : "false positive") + " for execution " + exec + "."));
        }
        return Response.json(200, m);
    }

    private Response review(HttpExchange ex) throws IOException {
        String key = requireSecret(Secrets.REVIEW_KEY, "/poet/review/");
        String exec = URLDecoder.decode(ex.getRequestURI().getRawPath().substring("/poet/review/".length()),
                StandardCharsets.UTF_8);
        if (!Names.isId(exec)) {
            throw new Rejected(400, "not an execution id");
        }
        String token = query(ex.getRequestURI().getRawQuery()).get("token");
        try {
            ReviewTokens.check(key, exec, token, events.clock().instant());
        } catch (Rejected e) {
            return Response.html(e.httpStatus(), ReviewPage.message("Link not valid", e.getMessage()));
        }
        Event execution = events.findExecution(exec).orElse(null);
        return Response.html(200, ReviewPage.page(exec, token, execution));
    }

    private Response pagerduty(HttpExchange ex) throws IOException {
        String secret = requireSecret(Secrets.PAGERDUTY, "/webhooks/pagerduty");
        byte[] raw = body(ex);
        if (!PagerDuty.verify(secret, raw, ex.getRequestHeaders().getFirst(PagerDuty.SIGNATURE_HEADER))) {
            throw new Rejected(401, "X-PagerDuty-Signature is missing or does not match the body");
        }
        Object payload;
        try {
            payload = Json.parse(raw, "the body");
        } catch (PoetException e) {
            throw new Rejected(400, "the body is not JSON: " + e.getMessage());
        }
        PagerDuty.Converted c = PagerDuty.convert(payload, events::newId, events.clock().instant());
        return Response.json(200, recorded(c.events(), c.ignored()));
    }

    private Response slack(HttpExchange ex) throws IOException {
        String secret = requireSecret(Secrets.SLACK, "/webhooks/slack");
        byte[] raw = body(ex);
        Slack.verify(secret, ex.getRequestHeaders().getFirst("X-Slack-Request-Timestamp"), raw,
                ex.getRequestHeaders().getFirst("X-Slack-Signature"), events.clock().instant());
        PagerDuty.Converted c = Slack.convert(Slack.payloadOfForm(raw), events::newId, events.clock().instant());
        Map<String, Object> m = recorded(c.events(), c.ignored());
        return Response.json(200, m);
    }
}
