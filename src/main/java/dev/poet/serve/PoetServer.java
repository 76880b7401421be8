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
import dev.poet.store.Names;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.LinkedBlockingQueue;
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
 * <p>HTTP is {@link Http}: one loop per core reads requests without a thread per client, so slow
 * clients cost buffers, not threads; at most {@link #PER_CLIENT} bodies may be arriving at once from
 * one client address (429 beyond, the body unread, the connection closed). Requests are handled on
 * the loops; accepted events go to {@link GroupCommit} and the answer is written when their batch
 * is durable. Work that looks at the store (the review page, the duplicate check of events whose
 * ids a client chose) runs on {@code threads} worker threads.
 */
public final class PoetServer implements AutoCloseable {
    public static final int MAX_BODY = 1 << 20;
    /** POST /poet/events: at most this many bytes and events per request (413 beyond). */
    public static final int MAX_EVENTS_BODY = 8 << 20;
    public static final int MAX_EVENTS_PER_REQUEST = 10_000;
    /** Bodies one client address may have arriving at once. */
    public static final int PER_CLIENT = 64;
    /** A request must arrive within this from its first byte; an idle connection is closed after it. */
    static final long REQUEST_TIMEOUT_MILLIS = 30_000;

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
    public static final int DEFAULT_COMMITTERS = 2;

    private final EventLog events;
    private final GroupCommit commits;
    private final Secrets secrets;
    private final Consumer<String> log;
    private final Http http;
    private final ThreadPoolExecutor workers;
    private final List<String> disabled = new ArrayList<>();
    private final Map<String, Route> routes = new LinkedHashMap<>();

    private record Route(String method, Handler handler) {
    }

    private PoetServer(EventLog events, Secrets secrets, Config config) throws IOException {
        this.events = events;
        this.secrets = secrets;
        this.log = config.log();
        int threads = Math.max(1, config.threads());
        this.workers = new ThreadPoolExecutor(threads, threads, 30, TimeUnit.SECONDS, new LinkedBlockingQueue<>(10_000), r -> {
            Thread t = new Thread(r, "poet-serve-worker");
            t.setDaemon(true);
            return t;
        });
        workers.allowCoreThreadTimeOut(true);
        routes.put("/healthz", new Route("GET", this::healthz));
        routes.put("/poet/feedback", new Route("POST", this::feedback));
        routes.put("/poet/review/", new Route("GET", r -> CompletableFuture.supplyAsync(() -> review(r), workers)));
        routes.put("/webhooks/pagerduty", new Route("POST", this::pagerduty));
        routes.put("/webhooks/slack", new Route("POST", this::slack));
        routes.put("/poet/events", new Route("POST", this::events));
        routes.put("/poet/functions/", new Route("GET", r -> CompletableFuture.supplyAsync(() -> function(r), workers)));
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
        this.commits = new GroupCommit(events, config.commitWaitMicros(), config.commitMax(), config.committers());
        try {
            this.http = new Http(new InetSocketAddress(config.host(), config.port()), this::handle, this::refusal,
                    new Http.Limits(MAX_BODY, PER_CLIENT, REQUEST_TIMEOUT_MILLIS, REQUEST_TIMEOUT_MILLIS,
                            target -> target.startsWith("/poet/events") ? MAX_EVENTS_BODY : MAX_BODY),
                    Runtime.getRuntime().availableProcessors());
        } catch (IOException | RuntimeException e) {
            commits.close();
            workers.shutdown();
            throw e;
        }
    }

    public static PoetServer start(EventLog events, Secrets secrets, Config config) throws IOException {
        return new PoetServer(events, secrets, config);
    }

    /** The address it listens on, e.g. {@code http://127.0.0.1:8787/}. */
    public URI url() {
        InetSocketAddress a = http.address();
        String host = a.getAddress().getHostAddress();
        return URI.create("http://" + (host.contains(":") ? "[" + host + "]" : host) + ":" + a.getPort() + "/");
    }

    /** The endpoints not served, each with the secret it lacks. */
    public List<String> disabled() {
        return List.copyOf(disabled);
    }

    /** Stops accepting, answers the requests being handled (their events delivered), then stops. */
    @Override
    public void close() {
        http.close(5_000);
        workers.shutdown();
        try {
            workers.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        commits.close();
    }

    /** A response: status, content type, body, and headers of its own. */
    private record Response(int status, String contentType, byte[] body, Map<String, String> headers) {
        static Response json(int status, Object value) {
            return new Response(status, "application/json", Json.encodeLine(value), Map.of());
        }

        static Response html(int status, String page) {
            return new Response(status, "text/html; charset=utf-8", page.getBytes(StandardCharsets.UTF_8), Map.of());
        }
    }

    private interface Handler {
        CompletionStage<Response> handle(Http.Request r) throws IOException;
    }

    private static CompletionStage<Response> now(Response r) {
        return CompletableFuture.completedFuture(r);
    }

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

    private CompletionStage<Http.Response> handle(Http.Request req) {
        long started = System.nanoTime();
        CompletionStage<Response> stage;
        try {
            Route route = route(req.path());
            if (route == null) {
                throw new Rejected(404, "no such endpoint: " + req.path());
            }
            if (!route.method().equals(req.method())) {
                stage = now(withHeader(error(req, 405, req.method() + " is not allowed here; use " + route.method()),
                        "Allow", route.method()));
            } else {
                stage = route.handler().handle(req);
            }
        } catch (RuntimeException | IOException e) {
            stage = CompletableFuture.failedFuture(e);
        }
        return stage.handle((r, failure) -> {
            Response answer = r != null ? r : failed(req, failure);
            log.accept(req.method() + " " + req.path() + " " + answer.status() + " " + (System.nanoTime() - started) / 1_000_000 + "ms");
            return wire(answer);
        });
    }

    private Response failed(Http.Request req, Throwable failure) {
        Throwable e = failure;
        while ((e instanceof java.util.concurrent.CompletionException || e instanceof java.util.concurrent.ExecutionException)
                && e.getCause() != null) {
            e = e.getCause();
        }
        if (e instanceof Rejected r) {
            return error(req, r.httpStatus(), r.getMessage());
        }
        if (e instanceof PoetException p) {
            return error(req, p.status() == dev.poet.Status.INVALID ? 400 : 503, p.getMessage());
        }
        if (e instanceof java.util.concurrent.RejectedExecutionException) {
            return withHeader(error(req, 503, "the server is busy; try again shortly"), "Retry-After", "1");
        }
        return error(req, 503, "could not record: " + e.getMessage());
    }

    private static Response withHeader(Response r, String name, String value) {
        Map<String, String> h = new LinkedHashMap<>(r.headers());
        h.put(name, value);
        return new Response(r.status(), r.contentType(), r.body(), h);
    }

    private Http.Response wire(Response r) {
        Map<String, String> h = new LinkedHashMap<>();
        h.put("Content-Type", r.contentType());
        h.put("Cache-Control", "no-store");
        h.put("X-Content-Type-Options", "nosniff");
        if (r.contentType().startsWith("text/html")) {
            h.put("Content-Security-Policy",
                    "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; frame-ancestors 'none'");
        }
        h.putAll(r.headers());
        return new Http.Response(r.status(), h, r.body());
    }

    /** What the HTTP layer answers to a request it refuses before any handler sees it. */
    private Http.Response refusal(int status, String message, Http.Request req) {
        Response r = error(req, status, message);
        if (status == 429) {
            r = withHeader(withHeader(r, "Retry-After", "1"), "Connection", "close");
        }
        if (req != null) {
            log.accept(req.method() + " " + req.path() + " " + status + " (refused: " + message + ")");
        }
        return wire(r);
    }

    private Response error(Http.Request req, int status, String message) {
        if (req != null && wantsHtml(req)) {
            return Response.html(status, ReviewPage.message("Not recorded", message));
        }
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("error", message);
        m.put("status", (long) status);
        return Response.json(status, m);
    }

    private static boolean wantsHtml(Http.Request req) {
        String ct = req.header("Content-Type");
        return ct != null && ct.startsWith("application/x-www-form-urlencoded") && req.path().equals("/poet/feedback");
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

    private CompletionStage<Response> healthz(Http.Request req) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("status", "ok");
        m.put("disabled", disabled);
        return now(Response.json(200, m));
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

    private CompletionStage<Response> feedback(Http.Request req) {
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
        String bearer = req.header("Authorization");
        String token = secrets.get(Secrets.FEEDBACK_TOKEN);
        boolean authorised = token != null && bearer != null && Hmac.equal(bearer.strip(), "Bearer " + token);
        String source = "api";
        if (!authorised) {
            String review = body.get("token") instanceof String ? (String) body.get("token") : query(req.rawQuery()).get("token");
            String key = secrets.get(Secrets.REVIEW_KEY);
            if (key == null) {
                throw new Rejected(401, "a valid bearer token is required");
            }
            ReviewTokens.check(key, exec, review, events.clock().instant());
            source = "review_link";
        }
        body.remove("token");
        body.remove("verdict");
        String idem = req.header("Idempotency-Key");
        if (idem == null && body.get("id") instanceof String) {
            idem = (String) body.get("id");
        }
        Event e = FeedbackApi.convert(body, source, idem, events::newId, events.clock().instant());
        return recorded(List.of(e), null, idem != null && !idem.isBlank()).thenApply(m -> {
            if (form) {
                boolean real = Boolean.TRUE.equals(e.data().get("was_real_drift"));
                return Response.html(200, ReviewPage.message("Thank you",
                        "Recorded: " + (real ? "real drift" : "false positive") + " for execution " + exec + "."));
            }
            return Response.json(200, m);
        });
    }

    /** Runs on a worker: it reads the store. */
    private Response review(Http.Request req) {
        String key = requireSecret(Secrets.REVIEW_KEY, "/poet/review/");
        String exec = URLDecoder.decode(req.rawPath().substring("/poet/review/".length()), StandardCharsets.UTF_8);
        if (!Names.isId(exec)) {
            throw new Rejected(400, "not an execution id");
        }
        String token = query(req.rawQuery()).get("token");
        try {
            ReviewTokens.check(key, exec, token, events.clock().instant());
        } catch (Rejected e) {
            return Response.html(e.httpStatus(), ReviewPage.message("Link not valid", e.getMessage()));
        }
        Event execution;
        try {
            execution = events.findExecution(exec).orElse(null);
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
        return Response.html(200, ReviewPage.page(exec, token, execution));
    }

    private CompletionStage<Response> pagerduty(Http.Request req) {
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
        return recorded(c.events(), c.ignored(), true).thenApply(m -> Response.json(200, m));
    }

    private CompletionStage<Response> slack(Http.Request req) {
        String secret = requireSecret(Secrets.SLACK, "/webhooks/slack");
        byte[] raw = req.body();
        Slack.verify(secret, req.header("X-Slack-Request-Timestamp"), raw, req.header("X-Slack-Signature"),
                events.clock().instant());
        PagerDuty.Converted c = Slack.convert(Slack.payloadOfForm(raw), events::newId, events.clock().instant());
        return recorded(c.events(), c.ignored(), true).thenApply(m -> Response.json(200, m));
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
    private CompletionStage<Response> events(Http.Request req) {
        String token = secrets.get(Secrets.EVENTS_TOKEN);
        if (token == null) {
            throw new Rejected(503, "/poet/events is not configured: " + Secrets.EVENTS_TOKEN + " is not set");
        }
        String bearer = req.header("Authorization");
        if (bearer == null || !Hmac.equal(bearer.strip(), "Bearer " + token)) {
            throw new Rejected(401, "a valid bearer token (" + Secrets.EVENTS_TOKEN + ") is required");
        }
        List<byte[]> lines = EventLines.split(req.body(), MAX_EVENTS_PER_REQUEST);
        int n = lines.size();
        List<Map<String, Object>> results = new ArrayList<>(java.util.Collections.nCopies(n, null));
        List<Event> fresh = new ArrayList<>();
        List<Integer> freshAt = new ArrayList<>();
        List<Event> named = new ArrayList<>();
        List<Integer> namedAt = new ArrayList<>();
        java.time.Instant now = events.clock().instant();
        for (int i = 0; i < n; i++) {
            try {
                EventLines.Parsed p = EventLines.parse(lines.get(i), "line " + (i + 1), events::newId, now, "http");
                (p.idGiven() ? named : fresh).add(p.event());
                (p.idGiven() ? namedAt : freshAt).add(i);
            } catch (PoetException e) {
                results.set(i, outcome(i + 1, "invalid", null, e.getMessage()));
            }
        }
        CompletableFuture<List<EventLog.Recorded>> a = commits.submit(fresh, false, workers);
        CompletableFuture<List<EventLog.Recorded>> b = commits.submit(named, true, workers);
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
            return Response.json(accepted + duplicates == 0 ? 400 : 200, m);
        });
    }

    /**
     * GET /poet/functions/&lt;fn&gt; (on a worker: it reads the store): the live version, its code and
     * its parameters, with an ETag of the version and the parameters' revision (the one executions
     * record). A request whose If-None-Match holds that ETag is answered 304 without the code being
     * read: versions never change once written, so the version and the parameters decide it.
     */
    private Response function(Http.Request req) {
        String fnToken = secrets.get(Secrets.FUNCTIONS_TOKEN);
        String evToken = secrets.get(Secrets.EVENTS_TOKEN);
        if (fnToken == null && evToken == null) {
            throw new Rejected(503, "/poet/functions/ is not configured: set " + Secrets.FUNCTIONS_TOKEN + " or "
                    + Secrets.EVENTS_TOKEN);
        }
        String bearer = req.header("Authorization");
        String given = bearer == null ? "" : bearer.strip();
        boolean ok = (fnToken != null && Hmac.equal(given, "Bearer " + fnToken)) || (evToken != null && Hmac.equal(given, "Bearer " + evToken));
        if (!ok) {
            throw new Rejected(401, "a valid bearer token (" + Secrets.FUNCTIONS_TOKEN + " or " + Secrets.EVENTS_TOKEN + ") is required");
        }
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
            String etag = "\"" + version + "-" + revision + "\"";
            Map<String, String> headers = new LinkedHashMap<>();
            headers.put("ETag", etag);
            headers.put("Cache-Control", "no-cache");
            if (matches(req.header("If-None-Match"), etag)) {
                return new Response(304, "application/json", new byte[0], headers);
            }
            String code = java.nio.file.Files.readString(versions.versionFile(fn, version), StandardCharsets.UTF_8);
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("function", fn);
            m.put("version", version);
            m.put("params_revision", revision);
            m.put("params", params);
            m.put("code", code);
            Response r = Response.json(200, m);
            return new Response(200, r.contentType(), r.body(), headers);
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
