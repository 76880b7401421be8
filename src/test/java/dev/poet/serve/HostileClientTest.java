package dev.poet.serve;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.poet.integrate.Secrets;
import dev.poet.json.Json;
import dev.poet.testing.Cli;
import dev.poet.testing.ServeProcess;
import dev.poet.testing.Trees;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileSystems;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code poet serve} as an attacker meets it: one real process on loopback with a 256 MiB heap,
 * raw sockets, and every request of the table of hostile requests the server must withstand
 * (docs/security.md). Each is refused with the right status, nothing is written to the store, and
 * a good request succeeds afterwards.
 */
class HostileClientTest {
    static final String EVENTS_TOKEN = "ev-hostile-1";
    static final String FEEDBACK_TOKEN = "fb-hostile-2";
    static final String PD_SECRET = "pd-hostile-3";
    static final String SLACK_SECRET = "slack-hostile-4";

    @TempDir
    static Path project;
    static ServeProcess serve;
    Map<String, String> before;

    @BeforeAll
    static void start() throws IOException {
        assertEquals(0, new Cli(FileSystems.getDefault(), project).run("init").code());
        serve = ServeProcess.start(project.resolve(".poet"), List.of("-Xmx256m", "-XX:+ExitOnOutOfMemoryError"),
                Map.of(Secrets.EVENTS_TOKEN, EVENTS_TOKEN, Secrets.FEEDBACK_TOKEN, FEEDBACK_TOKEN,
                        Secrets.PAGERDUTY, PD_SECRET, Secrets.SLACK, SLACK_SECRET));
    }

    @AfterAll
    static void stop() throws InterruptedException {
        if (serve != null) {
            assertEquals(0, serve.stop(), "SIGTERM stops it cleanly: " + serve.stderr());
        }
    }

    @BeforeEach
    void snapshot() {
        before = Trees.snapshot(project.resolve(".poet"));
    }

    /** Nothing was written, and the server still takes a good request (which is then taken back out of the comparison). */
    @AfterEach
    void nothingWrittenAndStillServing() throws IOException {
        assertEquals(before, Trees.snapshot(project.resolve(".poet")), "a refused request wrote nothing");
        assertTrue(serve.process.isAlive(), "the server is still running: " + (serve.process.isAlive() ? "" : serve.stderr()));
        assertEquals(200, serve.exchange("GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n").status());
    }

    static String eventLine(String execution) {
        return new String(Json.encode(Map.of("type", "execution.completed", "function", "detect_drift", "version", "v1",
                "execution_id", execution, "data", Map.of("success", true, "duration_ms", 3L))), StandardCharsets.UTF_8);
    }

    static String post(String path, String token, String body) {
        return "POST " + path + " HTTP/1.1\r\nHost: x\r\n" + (token == null ? "" : "Authorization: Bearer " + token + "\r\n")
                + "Content-Type: application/json\r\nContent-Length: " + body.getBytes(StandardCharsets.UTF_8).length
                + "\r\n\r\n" + body;
    }

    /**
     * Row 1: 64 connections from one address, each a head declaring an 8 MiB body it never sends,
     * no token. Each is answered 401 from its head (nothing is allocated for the body), and with a
     * 256 MiB heap the server answers everyone else meanwhile.
     */
    @Test
    void declaredHugeBodiesWithoutATokenAreRefusedFromTheHead() throws Exception {
        List<Socket> sockets = new ArrayList<>();
        try {
            for (int i = 0; i < 64; i++) {
                Socket s = serve.connect();
                s.getOutputStream().write(("POST /poet/events HTTP/1.1\r\nHost: x\r\nContent-Length: 8388608\r\n\r\n")
                        .getBytes(StandardCharsets.US_ASCII));
                sockets.add(s);
            }
            for (Socket s : sockets) {
                ServeProcess.Answer a = ServeProcess.read(s.getInputStream(), false);
                assertEquals(401, a.status(), a.text());
                assertTrue(a.text().contains(Secrets.EVENTS_TOKEN), a.text());
            }
            assertEquals(200, serve.exchange("GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n").status(),
                    "answered while 64 refused clients still hold their connections");
        } finally {
            for (Socket s : sockets) {
                s.close();
            }
        }
    }

    /**
     * What each route checks from its head is refused before a byte of the body arrives: the body
     * is never sent, so a server that waited for it would answer 408 after 30 s instead.
     */
    @Test
    void tokensSignaturesAndSlackTimestampsAreCheckedBeforeTheBodyIsRead() throws Exception {
        String[] heads = {
            "POST /poet/events HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer wrong\r\nContent-Length: 1000\r\n\r\n",
            "POST /poet/feedback HTTP/1.1\r\nHost: x\r\nContent-Length: 1000\r\n\r\n",
            "POST /webhooks/pagerduty HTTP/1.1\r\nHost: x\r\nContent-Length: 1000\r\n\r\n",
            "POST /webhooks/slack HTTP/1.1\r\nHost: x\r\nX-Slack-Signature: v0=00\r\nX-Slack-Request-Timestamp: 1000000000\r\n"
                    + "Content-Length: 1000\r\n\r\n",
            "POST /poet/events HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " + EVENTS_TOKEN + "\r\nContent-Length: "
                    + (PoetServer.MAX_EVENTS_BODY + 1) + "\r\n\r\n",
            "POST /poet/feedback HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " + FEEDBACK_TOKEN + "\r\nContent-Length: "
                    + (PoetServer.MAX_BODY + 1) + "\r\n\r\n",
        };
        int[] expected = {401, 401, 401, 401, 413, 413};
        for (int i = 0; i < heads.length; i++) {
            try (Socket s = serve.connect()) {
                s.getOutputStream().write(heads[i].getBytes(StandardCharsets.US_ASCII));
                ServeProcess.Answer a = ServeProcess.read(s.getInputStream(), false);
                assertEquals(expected[i], a.status(), heads[i] + " -> " + a.text());
                assertEquals("close", a.header("Connection"), "the unread body ends the connection");
            }
        }
    }

    /** A body over its route's limit sent anyway: the client still reads the 413 rather than a reset. */
    @Test
    void aClientThatSendsAnOversizedBodyAnywaySeesTheAnswer() throws Exception {
        byte[] body = new byte[PoetServer.MAX_BODY + 4096];
        java.util.Arrays.fill(body, (byte) ' ');
        try (Socket s = serve.connect()) {
            OutputStream out = s.getOutputStream();
            CompletableFuture<Void> sending = CompletableFuture.runAsync(() -> {
                try {
                    out.write(("POST /poet/feedback HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " + FEEDBACK_TOKEN
                            + "\r\nContent-Length: " + body.length + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
                    out.write(body);
                } catch (IOException e) {
                    // the server may close once it has answered: what matters is the answer
                }
            });
            assertEquals(413, ServeProcess.read(s.getInputStream(), false).status());
            sending.join();
        }
    }

    /**
     * Row 2: a chunk size that overflows a 64-bit count, then data: refused as malformed, or at the
     * route's limit as data keeps coming; never taken beyond the limit.
     */
    @Test
    void anOverflowingChunkSizeIsRefused() throws Exception {
        for (String path : List.of("/poet/events", "/healthz")) {
            try (Socket s = serve.connect()) {
                OutputStream out = s.getOutputStream();
                CompletableFuture<Void> sending = CompletableFuture.runAsync(() -> {
                    try {
                        out.write(("POST " + path + " HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " + EVENTS_TOKEN
                                + "\r\nTransfer-Encoding: chunked\r\n\r\n1\r\nA\r\n7fffffffffffffff\r\n")
                                .getBytes(StandardCharsets.US_ASCII));
                        byte[] mib = new byte[1 << 20];
                        for (int i = 0; i < 40; i++) {
                            out.write(mib);
                        }
                    } catch (IOException e) {
                        // refused and closed: expected
                    }
                });
                int status = ServeProcess.read(s.getInputStream(), false).status();
                assertTrue(status == 400 || status == 413 || (path.equals("/healthz") && status == 405),
                        path + ": refused, got " + status);
                assertTrue(ServeProcess.closedByServer(s), "the connection is closed after the refusal");
                sending.join();
            }
        }
    }

    /**
     * Row 3: a handler that fails (a body nested deeper than any parser takes, a body that is not
     * JSON) costs that request alone.
     */
    @Test
    void aFailingRequestCostsThatRequestAlone() throws Exception {
        String deep = "[".repeat(200_000);
        assertEquals(400, serve.exchange(post("/poet/events", EVENTS_TOKEN, deep)).status());
        assertEquals(400, serve.exchange(post("/poet/feedback", FEEDBACK_TOKEN,
                "{\"execution_id\":" + "{\"a\":".repeat(100_000))).status());
        assertEquals(400, serve.exchange(post("/poet/feedback", FEEDBACK_TOKEN, "\u0000\u0001not json")).status());
    }

    /** Row 4: 21,600 duplicate header lines, and any head over 8 KiB: 431 (414 for a request line over it). */
    @Test
    void oversizedHeadsAre431() throws Exception {
        assertEquals(431, serve.exchange("GET /healthz HTTP/1.1\r\nHost: x\r\n" + "a: \r\n".repeat(21_600) + "\r\n").status());
        assertEquals(431, serve.exchange("GET /healthz HTTP/1.1\r\nHost: x\r\nX-Big: " + "b".repeat(PoetServer.MAX_HEAD)
                + "\r\n\r\n").status());
        int longTarget = serve.exchange("GET /healthz?" + "q".repeat(PoetServer.MAX_HEAD) + " HTTP/1.1\r\nHost: x\r\n\r\n")
                .status();
        assertTrue(longTarget == 414 || longTarget == 431, "a target over the head's bound: " + longTarget);
    }

    /**
     * Row 5: {@code Content-Length\t: N} with a whole request as its body. A lenient parser ignores the
     * header and runs the body as a second request (a smuggled event); RFC 9112 §5.1 says 400.
     */
    @Test
    void whitespaceBeforeAHeaderColonIsRefusedAndNothingIsSmuggled() throws Exception {
        String smuggled = post("/poet/events", EVENTS_TOKEN, eventLine("smuggled-1"));
        try (Socket s = serve.connect()) {
            s.getOutputStream().write(("GET /healthz HTTP/1.1\r\nHost: x\r\nContent-Length\t: " + smuggled.length() + "\r\n\r\n"
                    + smuggled).getBytes(StandardCharsets.US_ASCII));
            ServeProcess.Answer a = ServeProcess.read(s.getInputStream(), false);
            assertEquals(400, a.status(), a.text());
            assertTrue(ServeProcess.closedByServer(s), "one answer, then the connection closes: no second request");
        }
    }

    /** Row 6: every lenient framing a strict HTTP/1.1 parser refuses. */
    @Test
    void lenientFramingIsRefused() throws Exception {
        String auth = "Authorization: Bearer " + EVENTS_TOKEN + "\r\n";
        String line = eventLine("lenient-1");
        String[][] cases = {
            {"plus sign in Content-Length", "POST /poet/events HTTP/1.1\r\nHost: x\r\n" + auth + "Content-Length: +"
                    + line.length() + "\r\n\r\n" + line},
            {"vertical tab in Content-Length", "POST /poet/events HTTP/1.1\r\nHost: x\r\n" + auth + "Content-Length: \u000b"
                    + line.length() + "\r\n\r\n" + line},
            {"two different Content-Lengths", "POST /poet/events HTTP/1.1\r\nHost: x\r\n" + auth + "Content-Length: "
                    + line.length() + "\r\nContent-Length: 5\r\n\r\n" + line},
            {"Content-Length beside chunked", "POST /poet/events HTTP/1.1\r\nHost: x\r\n" + auth + "Content-Length: 5\r\n"
                    + "Transfer-Encoding: chunked\r\n\r\n" + Integer.toHexString(line.length()) + "\r\n" + line + "\r\n0\r\n\r\n"},
            {"tab before the colon of Transfer-Encoding", "POST /poet/events HTTP/1.1\r\nHost: x\r\n" + auth
                    + "Transfer-Encoding\t: chunked\r\n\r\n" + Integer.toHexString(line.length()) + "\r\n" + line + "\r\n0\r\n\r\n"},
            {"plus sign in a chunk size", "POST /poet/events HTTP/1.1\r\nHost: x\r\n" + auth + "Transfer-Encoding: chunked\r\n\r\n+"
                    + Integer.toHexString(line.length()) + "\r\n" + line + "\r\n0\r\n\r\n"},
            {"bare LF in chunk lines", "POST /poet/events HTTP/1.1\r\nHost: x\r\n" + auth + "Transfer-Encoding: chunked\r\n\r\n"
                    + Integer.toHexString(line.length()) + "\n" + line + "\n0\n\n"},
            {"an unknown transfer coding", "POST /poet/events HTTP/1.1\r\nHost: x\r\n" + auth + "Transfer-Encoding: gzip\r\n\r\n"},
            {"NUL in a header value", "GET /healthz HTTP/1.1\r\nHost: x\r\nX-A: a\u0000b\r\n\r\n"},
            {"CR in a header value", "GET /healthz HTTP/1.1\r\nHost: x\r\nX-A: a\rb\r\n\r\n"},
            {"obsolete line folding", "GET /healthz HTTP/1.1\r\nHost: x\r\nX-A: a\r\n b\r\n\r\n"},
            {"space in a header name", "GET /healthz HTTP/1.1\r\nHost: x\r\nX A: a\r\n\r\n"},
            {"no Host", "GET /healthz HTTP/1.1\r\n\r\n"},
            {"two Hosts", "GET /healthz HTTP/1.1\r\nHost: x\r\nHost: y\r\n\r\n"},
            {"HTTP/1.7", "GET /healthz HTTP/1.7\r\nHost: x\r\n\r\n"},
            {"HTTP/0.9", "GET /healthz\r\n\r\n"},
        };
        for (String[] c : cases) {
            ServeProcess.Answer a = serve.exchange(c[1]);
            assertTrue(a.status() == 400 || a.status() == 505, c[0] + ": refused, got " + a.status() + " " + a.text());
            assertEquals(a.status() == 505, c[0].startsWith("HTTP/"), c[0] + ": " + a.status());
        }
    }

    /**
     * Row 7: a HEAD request is answered with headers only, so the next answer on the connection is in
     * step: HEAD of a POST route (405), HEAD of a GET route (200), then a GET, pipelined.
     */
    @Test
    void headIsAnsweredWithoutABodyAndTheNextAnswerIsInStep() throws Exception {
        try (Socket s = serve.connect()) {
            s.getOutputStream().write(("HEAD /poet/events HTTP/1.1\r\nHost: x\r\n\r\nHEAD /healthz HTTP/1.1\r\nHost: x\r\n\r\n"
                    + "GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
            InputStream in = s.getInputStream();
            ServeProcess.Answer head405 = ServeProcess.read(in, true);
            assertEquals(405, head405.status());
            assertEquals("POST", head405.header("Allow"));
            ServeProcess.Answer head200 = ServeProcess.read(in, true);
            assertEquals(200, head200.status());
            assertNotNull(head200.header("Content-Length"), "HEAD tells the length a GET would have");
            ServeProcess.Answer get = ServeProcess.read(in, false);
            assertEquals(200, get.status());
            assertEquals("ok", Json.parseObject(get.body(), "healthz").get("status"), "the GET's own body, in step");
            assertEquals(-1, in.read(), "nothing after the last answer");
        }
    }

    /** Row 8: a request target that would forge a line in a naive log stays one escaped line. */
    @Test
    void aTargetCannotForgeALogLine() throws Exception {
        ServeProcess.Answer a = serve.exchange("GET /x%0aPOST%20/poet/events%20200%201ms HTTP/1.1\r\nHost: x\r\n\r\n");
        assertTrue(a.status() == 400 || a.status() == 404, "refused: " + a.status());
        assertEquals(200, serve.exchange("GET /healthz?after=forge HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n").status());
        // a request's log line is written when its exchange completes, which for the refused one is when
        // the drain after the refusal ends, possibly after the healthz request: wait for both lines
        long until = System.nanoTime() + ServeProcess.WAIT_SECONDS * 1_000_000_000L;
        while (!(serve.stderrSoFar().contains("after=forge") && serve.stderrSoFar().contains("/x%0aPOST"))
                && System.nanoTime() < until) {
            Thread.sleep(50);
        }
        String log = serve.stderrSoFar();
        assertTrue(log.contains("/x%0aPOST%20/poet/events%20200%201ms"), "the target is logged as sent, escaped: " + log);
        for (String l : log.split("\n")) {
            assertFalse(l.startsWith("POST"), "no forged line: " + l);
        }
    }

    /** The refusals are counted by cause on /metrics (loopback: no token needed). */
    @Test
    void refusalsAreCountedOnMetrics() throws Exception {
        assertEquals(401, serve.exchange(post("/poet/events", "nope", "{}")).status());
        ServeProcess.Answer m = serve.exchange("GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n");
        assertEquals(200, m.status());
        assertTrue(m.header("Content-Type").startsWith("text/plain; version=0.0.4"), m.header("Content-Type"));
        String text = m.text();
        double unauthorized = value(text, "poet_serve_refusals_total{cause=\"unauthorized\"}");
        assertTrue(unauthorized >= 1, text);
        assertTrue(value(text, "poet_serve_requests_total{route=\"events\",status=\"401\"}") >= 1, text);
        assertNull(m.header("Server"), "no server version given away");
    }

    static double value(String exposition, String series) {
        for (String l : exposition.split("\n")) {
            if (l.startsWith(series + " ")) {
                return Double.parseDouble(l.substring(series.length() + 1).strip());
            }
        }
        return Double.NaN;
    }

    /** After everything above, a good event is accepted and durable (and the snapshot moves on). */
    @Test
    void aGoodEventIsAcceptedAfterwards() throws Exception {
        ServeProcess.Answer a = serve.exchange(post("/poet/events", EVENTS_TOKEN, eventLine("good-1")));
        assertEquals(200, a.status(), a.text());
        assertEquals(1L, Json.parseObject(a.body(), "answer").get("accepted"));
        Cli cli = new Cli(FileSystems.getDefault(), project);
        assertTrue(cli.run("--json", "events", "list", "--execution-id", "good-1").out().contains("good-1"));
        before = Trees.snapshot(project.resolve(".poet"));
    }

}
