package dev.poet.serve;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.poet.integrate.ReviewTokens;
import dev.poet.integrate.Secrets;
import dev.poet.testing.Cli;
import dev.poet.testing.ServeProcess;
import dev.poet.testing.Trees;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What a hostile client can still do to {@code poet serve} against the promises of
 * docs/security.md: each test is a real process on loopback driven over raw sockets, and each
 * states the answer the server owes and that a refused request writes nothing.
 */
class ReviewFindingsTest {
    static final String EVENTS_TOKEN = "ev-review-1";
    static final String FEEDBACK_TOKEN = "fb-review-2";
    static final String PD_SECRET = "pd-review-3";
    static final String SLACK_SECRET = "slack-review-4";
    static final String REVIEW_KEY = "rk-review-5";
    static final Map<String, String> SECRETS = Map.of(Secrets.EVENTS_TOKEN, EVENTS_TOKEN, Secrets.FEEDBACK_TOKEN,
            FEEDBACK_TOKEN, Secrets.PAGERDUTY, PD_SECRET, Secrets.SLACK, SLACK_SECRET, Secrets.REVIEW_KEY, REVIEW_KEY);

    @TempDir
    Path project;
    Path store;
    ServeProcess serve;

    @BeforeEach
    void init() {
        assertEquals(0, new Cli(FileSystems.getDefault(), project).run("init").code());
        store = project.resolve(".poet");
    }

    @AfterEach
    void stop() throws InterruptedException {
        if (serve != null && serve.process.isAlive()) {
            serve.stop();
        }
    }

    /** poet serve with every secret, a 256 MiB heap and the launcher's exit on out of memory. */
    ServeProcess start(List<String> jvm) throws IOException {
        serve = ServeProcess.start(store, jvm, SECRETS);
        return serve;
    }

    ServeProcess start() throws IOException {
        return start(List.of("-Xmx256m", "-XX:+ExitOnOutOfMemoryError"));
    }

    static byte[] ascii(String s) {
        return s.getBytes(StandardCharsets.ISO_8859_1);
    }

    static String event(String execution) {
        return "{\"type\":\"execution.completed\",\"function\":\"detect_drift\",\"version\":\"v1\",\"execution_id\":\""
                + execution + "\",\"data\":{\"success\":true,\"duration_ms\":3}}";
    }

    static String postEvents(String body) {
        return "POST /poet/events HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " + EVENTS_TOKEN
                + "\r\nContent-Type: application/json\r\nContent-Length: " + body.getBytes(StandardCharsets.UTF_8).length
                + "\r\n\r\n" + body;
    }

    /** Whether any file of the store holds the text. */
    boolean storeHolds(String text) {
        try (Stream<Path> files = Files.walk(store)) {
            for (Path p : (Iterable<Path>) files::iterator) {
                if (Files.isRegularFile(p) && Files.readString(p, StandardCharsets.ISO_8859_1).contains(text)) {
                    return true;
                }
            }
            return false;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    void stillServing() throws IOException {
        assertTrue(serve.process.isAlive(), "the server is still running: " + (serve.process.isAlive() ? "" : serve.stderr()));
        assertEquals(200, serve.exchange("GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n").status());
    }

    /**
     * One POST /poet/events within every documented limit (8 MB, 8 envelopes of under 1 MiB each)
     * whose data is an array of empty objects: three bytes of body become a map on the heap, so the
     * body budget (an eighth of the heap, counted in body bytes) does not bound what the parsed
     * request holds. With a 256 MiB heap the process dies of OutOfMemoryError (exit 3) and every
     * other client's request in flight is lost. security.md: a failure in one request is that
     * request's 400 or 500 alone; the budget is there so authenticated clients cannot exhaust the heap.
     */
    @Test
    void oneEventsRequestWithinItsLimitsDoesNotRunTheServerOutOfMemory() throws Exception {
        start();
        StringBuilder body = new StringBuilder();
        for (int i = 0; i < 8; i++) {
            String head = "{\"type\":\"execution.completed\",\"function\":\"detect_drift\",\"version\":\"v1\",\"execution_id\":\"amp-"
                    + i + "\",\"data\":{\"success\":true,\"duration_ms\":3,\"x\":[";
            body.append(head).append("{},".repeat((1_000_000 - 200) / 3)).append("{}]}}\n");
        }
        assertTrue(body.length() < PoetServer.MAX_EVENTS_BODY, "within the route's limit: " + body.length());
        int status;
        try {
            status = serve.exchange(postEvents(body.toString())).status();
        } catch (IOException e) {
            status = -1;
        }
        if (serve.process.waitFor(1, TimeUnit.SECONDS)) {
            fail("one request within its limits ended the server: exit " + serve.process.exitValue() + " " + serve.stderr());
        }
        assertNotEquals(-1, status, "the request was answered");
        stillServing();
    }

    /**
     * 40 connections without any secret, each the head of a PagerDuty webhook (any
     * X-PagerDuty-Signature passes the head check) declaring a 1 MiB body it never sends. Each
     * reserves 1 MiB of the body budget (32 MiB with a 256 MiB heap) until its 30 s deadline, so
     * 32 of them from one address are enough: while they wait, every POST /poet/events with the
     * right token is answered 503, and the attacker renews them every 30 s. The same holds with
     * X-Slack-Signature and a current timestamp on /webhooks/slack. security.md: slow clients leave
     * everyone else answered; nobody without a token can make the server hold anything.
     */
    @Test
    void unauthenticatedWebhookHeadsDoNotStarveTheEventsRoute() throws Exception {
        start();
        List<Socket> held = new ArrayList<>();
        try {
            for (int i = 0; i < 40; i++) {
                Socket s = serve.connect();
                s.getOutputStream().write(ascii("POST /webhooks/pagerduty HTTP/1.1\r\nHost: x\r\nX-PagerDuty-Signature: v1=00\r\n"
                        + "Content-Length: 1048576\r\n\r\n"));
                s.getOutputStream().flush();
                held.add(s);
            }
            // while they wait (well within their 30 s deadline), a token holder's events keep being taken
            Thread.sleep(1_000);
            for (int i = 0; i < 20; i++) {
                ServeProcess.Answer a = serve.exchange(postEvents(event("starved-" + i)));
                assertEquals(200, a.status(), "a good event while unauthenticated heads hold the budget: " + a.text());
                Thread.sleep(500);
            }
        } finally {
            for (Socket s : held) {
                s.close();
            }
        }
        stillServing();
    }

    /**
     * A body that arrives just before its 30 s deadline: the deadline is not cancelled when the body
     * has arrived, so it fires while the route is still parsing and committing. The client is told
     * 408 ("did not arrive", Connection: close) and its 10,000 events are written anyway; a client
     * that retries on 408, as it should, records them twice (fresh ids). security.md and
     * integrations.md: a refused request writes nothing; every answered 200 is durable, and only then.
     */
    @Test
    void aRequestAnswered408WroteNothing() throws Exception {
        start(List.of("-XX:+ExitOnOutOfMemoryError"));
        String[] tags = {"late-a-", "late-b-", "late-c-"};
        long[] lastByteAtMillis = {29_000, 29_400, 29_800};
        List<CompletableFuture<Integer>> answers = new ArrayList<>();
        long t0 = System.nanoTime();
        for (int k = 0; k < tags.length; k++) {
            String tag = tags[k];
            long at = lastByteAtMillis[k];
            answers.add(CompletableFuture.supplyAsync(() -> {
                StringBuilder b = new StringBuilder();
                for (int i = 0; i < 10_000; i++) {
                    b.append(event(tag + i)).append('\n');
                }
                byte[] request = postEvents(b.toString()).getBytes(StandardCharsets.UTF_8);
                try (Socket s = serve.connect()) {
                    OutputStream out = s.getOutputStream();
                    out.write(request, 0, request.length - 1);
                    out.flush();
                    long wait = at - TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
                    Thread.sleep(Math.max(0, wait));
                    out.write(request, request.length - 1, 1);
                    out.flush();
                    return ServeProcess.read(s.getInputStream(), false).status();
                } catch (IOException e) {
                    return -1;
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return -1;
                }
            }));
        }
        for (int k = 0; k < tags.length; k++) {
            int status = answers.get(k).get(ServeProcess.WAIT_SECONDS, TimeUnit.SECONDS);
            assertTrue(status == 200 || status == 408, tags[k] + ": " + status);
        }
        // give a commit that outlived its answer time to land
        long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (System.nanoTime() < until) {
            for (int k = 0; k < tags.length; k++) {
                int status = answers.get(k).get();
                if (status == 408) {
                    assertFalse(storeHolds("\"" + tags[k] + "0\""), tags[k] + " was answered 408 and its events were written");
                }
            }
            Thread.sleep(500);
        }
        stillServing();
    }

    /**
     * A review link lets its holder judge its one execution and nothing else; but the verdict's id
     * comes from the form's {@code id} field (or Idempotency-Key) in the namespace the feedback API
     * shares. The holder of exec-A's link posts {@code id=ticket-4711}; the feedback API's later
     * verdict on exec-B with {@code Idempotency-Key: ticket-4711} is answered 200 "recorded"
     * (duplicates 1) and never written. security.md: POET_REVIEW_KEY links may do nothing else.
     */
    @Test
    void aReviewLinkCannotSuppressAnotherExecutionsVerdict() throws Exception {
        start();
        String token = ReviewTokens.token(REVIEW_KEY, "exec-A", Instant.now().plus(Duration.ofDays(1)));
        String form = "execution_id=exec-A&token=" + token + "&verdict=false_positive&id=ticket-4711";
        ServeProcess.Answer link = serve.exchange("POST /poet/feedback HTTP/1.1\r\nHost: x\r\n"
                + "Content-Type: application/x-www-form-urlencoded\r\nContent-Length: " + form.length() + "\r\n\r\n" + form);
        assertEquals(200, link.status(), link.text());
        String body = "{\"execution_id\":\"exec-B\",\"feedback_type\":\"true_positive\",\"reason\":\"seen in prod\"}";
        ServeProcess.Answer api = serve.exchange("POST /poet/feedback HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer "
                + FEEDBACK_TOKEN + "\r\nIdempotency-Key: ticket-4711\r\nContent-Type: application/json\r\nContent-Length: "
                + body.length() + "\r\n\r\n" + body);
        if (api.status() == 200) {
            assertTrue(storeHolds("\"execution_id\":\"exec-B\""),
                    "the feedback API was told \"recorded\" for exec-B, but exec-B has no verdict: " + api.text());
        } else {
            assertTrue(api.status() == 409 || api.status() == 422, "a reused key with another body is refused: " + api.status());
        }
        stillServing();
    }

    /**
     * {@code Transfer-Encoding: gzip, chunked} (or any unknown coding before chunked): Jetty strips
     * the chunked framing and hands the content over still "gzip"-coded, and the route takes it as
     * plain JSON and records it. security.md: a transfer coding other than chunked is 400;
     * RFC 9112 §6.1 / RFC 9110 §10.1.4: a coding the server does not understand is refused (501).
     */
    @Test
    void aTransferCodingOtherThanChunkedIsRefusedAlsoBeforeChunked() throws Exception {
        start();
        Map<String, String> before = Trees.snapshot(store);
        for (String te : List.of("gzip, chunked", "x-unknown, chunked")) {
            String line = event("coded-" + te.charAt(0));
            ServeProcess.Answer a = serve.exchange("POST /poet/events HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer "
                    + EVENTS_TOKEN + "\r\nTransfer-Encoding: " + te + "\r\n\r\n" + Integer.toHexString(line.length()) + "\r\n"
                    + line + "\r\n0\r\n\r\n");
            assertTrue(a.status() == 400 || a.status() == 501, te + ": refused, got " + a.status() + " " + a.text());
        }
        assertEquals(before, Trees.snapshot(store), "a refused request wrote nothing");
        stillServing();
    }

    /**
     * A request head sent a byte every 5 s: a body must arrive within 30 s of the request's first
     * byte, but a head has no deadline, only the 30 s idle timeout, so one 8 KiB head may hold its
     * connection for 8192 x 30 s (68 hours). 256 such connections per address and 64 addresses
     * take all 16,384 connections, about a kilobyte a second in all, and the server accepts no one
     * (observed on loopback: 127.0.0.2-65, /healthz unanswered for as long as the dribble goes on).
     * Expected: the head is bounded by the same 30 s from its first byte (408 or close).
     */
    @Test
    void aHeadDribbledPastTheRequestDeadlineIsNotHeldOpen() throws Exception {
        start();
        try (Socket s = serve.connect()) {
            OutputStream out = s.getOutputStream();
            out.write(ascii("GET /healthz HTTP/1.1\r\nHost: x\r\nX-Slow: "));
            out.flush();
            boolean closed = false;
            for (int i = 0; i < 9 && !closed; i++) {
                Thread.sleep(5_000);
                try {
                    out.write('a');
                    out.flush();
                } catch (IOException e) {
                    closed = true;
                }
            }
            if (!closed) {
                s.setSoTimeout(2_000);
                try {
                    InputStream in = s.getInputStream();
                    int b = in.read();
                    closed = b < 0 || b == 'H'; // end of stream, or an answer (408)
                } catch (SocketTimeoutException e) {
                    closed = false;
                } catch (IOException e) {
                    closed = true;
                }
            }
            assertTrue(closed, "a head still arriving 45 s after its first byte holds its connection");
        }
        stillServing();
    }

    /**
     * A Host header that Jetty cannot parse is logged by Jetty at WARN as it came, unescaped, also
     * with --log-level warn: the byte 0x85 (NEL, a line break to many log readers) followed by a
     * whole access-log line. security.md: every control byte is written as \xNN so no request can
     * forge a log line (poet's own escape treats 0x80-0x9f as control bytes).
     */
    @Test
    void aHostHeaderCannotForgeALogLine() throws Exception {
        start();
        String forged = "2026-12-02T10:00:00.000Z INFO  access 10.9.8.7 \"POST /poet/events\" 200 119 3ms";
        ServeProcess.Answer a = serve.exchange(ascii("GET /healthz HTTP/1.1\r\nHost: x\u0085" + forged + "\r\n\r\n"));
        assertEquals(400, a.status());
        assertEquals(200, serve.exchange("GET /healthz?after=host HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n").status());
        long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(ServeProcess.WAIT_SECONDS);
        while (!serve.stderrSoFar().contains("after=host") && System.nanoTime() < until) {
            Thread.sleep(50);
        }
        String log = serve.stderrSoFar();
        for (String line : log.split("[\n\r\u0085\u2028\u2029]")) {
            assertFalse(line.startsWith(forged.substring(0, 40)), "a forged line: " + line);
        }
        assertFalse(log.chars().anyMatch(c -> c >= 0x80 && c < 0xa0), "a C1 control character in the log: " + log);
    }

    /**
     * X-Slack-Request-Timestamp of now + Long.MIN_VALUE (about -9.2e18): |now - ts| overflows to
     * Long.MIN_VALUE, which is negative, so the "within 5 minutes" check passes and the server waits
     * for the body. security.md: X-Slack-Request-Timestamp within 5 minutes, checked from the head.
     */
    @Test
    void aSlackTimestampNearLongMinIsRefusedFromTheHead() throws Exception {
        start();
        long now = Instant.now().getEpochSecond();
        for (long t = now - 1; t <= now + 2; t++) {
            long ts = t + Long.MIN_VALUE;
            try (Socket s = serve.connect()) {
                s.getOutputStream().write(ascii("POST /webhooks/slack HTTP/1.1\r\nHost: x\r\nX-Slack-Signature: v0=00\r\n"
                        + "X-Slack-Request-Timestamp: " + ts + "\r\nContent-Length: 100\r\n\r\n"));
                s.setSoTimeout(10_000);
                try {
                    assertEquals(401, ServeProcess.read(s.getInputStream(), false).status(), "timestamp " + ts);
                } catch (SocketTimeoutException e) {
                    fail("X-Slack-Request-Timestamp " + ts + " passed the 5-minute check: the server waits for the body");
                }
            }
        }
        stillServing();
    }

    /**
     * A request Jetty finds malformed in its target (an ambiguous %2F, a fragment, an authority
     * other than Host) is answered 400 but its connection stays open and the request pipelined
     * after it is served. security.md: a malformed request ends its connection.
     */
    @Test
    void aMalformedTargetEndsItsConnection() throws Exception {
        start();
        for (String target : List.of("/poet%2Ffunctions/x", "/healthz#frag", "http://elsewhere/healthz")) {
            try (Socket s = serve.connect()) {
                s.getOutputStream().write(ascii("GET " + target + " HTTP/1.1\r\nHost: x\r\n\r\n"
                        + "GET /healthz?pipelined HTTP/1.1\r\nHost: x\r\n\r\n"));
                ServeProcess.Answer a = ServeProcess.read(s.getInputStream(), false);
                assertEquals(400, a.status(), target + ": " + a.text());
                assertTrue(ServeProcess.closedByServer(s), target + ": the connection goes on after the 400");
            }
        }
        stillServing();
    }

    /**
     * An HTTP/1.0 request with Expect: 100-continue is sent "HTTP/1.1 100 Continue" before the
     * body. RFC 9110 §10.1.1: a server MUST ignore a 100-continue expectation in an HTTP/1.0 request
     * (and §15.2: no 1xx to an HTTP/1.0 client). Jetty 12.1.14 sends it when the handler first
     * reads the body, and poet cannot keep it from doing so: harmless (the client sends its body
     * either way), and kept here to show when an upgrade of Jetty mends it.
     */
    @Test
    @org.junit.jupiter.api.Disabled("Jetty 12.1.14 answers 100 Continue to an HTTP/1.0 request that expects it")
    void anHttp10RequestGetsNoInterimAnswer() throws Exception {
        start();
        String line = event("expect-10");
        try (Socket s = serve.connect()) {
            s.getOutputStream().write(ascii("POST /poet/events HTTP/1.0\r\nHost: x\r\nAuthorization: Bearer " + EVENTS_TOKEN
                    + "\r\nExpect: 100-continue\r\nContent-Length: " + line.length() + "\r\n\r\n"));
            s.setSoTimeout(3_000);
            try {
                ServeProcess.Answer first = ServeProcess.read(s.getInputStream(), true);
                assertNotEquals(100, first.status(), "an interim 100 to an HTTP/1.0 client");
            } catch (SocketTimeoutException e) {
                // ignored, as it should be: now the body
            }
            s.setSoTimeout((int) TimeUnit.SECONDS.toMillis(ServeProcess.WAIT_SECONDS));
            s.getOutputStream().write(ascii(line));
            assertEquals(200, ServeProcess.read(s.getInputStream(), false).status());
        }
        stillServing();
    }

    /**
     * {@code Authorization: bearer <token>}: the scheme is compared case-sensitively, so a client
     * that writes it in lower case is refused with the right token. RFC 9110 §11.1: the
     * authentication scheme is a case-insensitive token.
     */
    @Test
    void theBearerSchemeIsCaseInsensitive() throws Exception {
        start();
        ServeProcess.Answer a = serve.exchange("GET /poet/functions/detect_drift HTTP/1.1\r\nHost: x\r\nAuthorization: bearer "
                + EVENTS_TOKEN + "\r\nConnection: close\r\n\r\n");
        assertNotEquals(401, a.status(), a.text());
        stillServing();
    }
}
