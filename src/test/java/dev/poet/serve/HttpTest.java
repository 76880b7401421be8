package dev.poet.serve;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The HTTP layer of poet serve over raw sockets: what real clients send (keep-alive, pipelining,
 * chunked bodies, Expect: 100-continue, HTTP/1.0) is understood, and what they must not send
 * (oversized heads and bodies, malformed lines, requests that never finish) is refused with one
 * answer and a closed connection, the handler never seeing it.
 */
class HttpTest {
    final List<Http.Request> seen = new CopyOnWriteArrayList<>();
    Http http;

    /** Echoes the body with the method and path; "/later" answers from another thread after 300 ms. */
    Http start(long requestTimeoutMillis, long idleTimeoutMillis) throws IOException {
        http = new Http(new InetSocketAddress("127.0.0.1", 0), r -> {
            seen.add(r);
            Http.Response answer = new Http.Response(200, Map.of("Content-Type", "text/plain"),
                    (r.method() + " " + r.path() + " " + new String(r.body(), StandardCharsets.UTF_8)).getBytes(StandardCharsets.UTF_8));
            if (r.path().equals("/later")) {
                return CompletableFuture.supplyAsync(() -> {
                    sleep(300);
                    return answer;
                });
            }
            return CompletableFuture.completedFuture(answer);
        }, (status, message, r) -> new Http.Response(status, Map.of("Content-Type", "text/plain"),
                message.getBytes(StandardCharsets.UTF_8)), new Http.Limits(1000, 2, requestTimeoutMillis, idleTimeoutMillis), 2);
        return http;
    }

    @AfterEach
    void stop() {
        if (http != null) {
            http.close(1000);
        }
    }

    static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    Socket connect() throws IOException {
        Socket s = new Socket("127.0.0.1", http.address().getPort());
        s.setSoTimeout(20_000);
        return s;
    }

    static void send(Socket s, String text) throws IOException {
        s.getOutputStream().write(text.getBytes(StandardCharsets.ISO_8859_1));
        s.getOutputStream().flush();
    }

    /** One response: status line, headers (lower-case names), body by Content-Length. */
    record Answer(String status, Map<String, String> headers, String body) {
        int code() {
            return Integer.parseInt(status.split(" ")[1]);
        }
    }

    static Answer read(InputStream in) throws IOException {
        String status = line(in);
        Map<String, String> headers = new LinkedHashMap<>();
        for (String l = line(in); !l.isEmpty(); l = line(in)) {
            int c = l.indexOf(':');
            headers.put(l.substring(0, c).toLowerCase(java.util.Locale.ROOT), l.substring(c + 1).strip());
        }
        int n = Integer.parseInt(headers.getOrDefault("content-length", "0"));
        return new Answer(status, headers, new String(in.readNBytes(n), StandardCharsets.UTF_8));
    }

    static String line(InputStream in) throws IOException {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        int c;
        while ((c = in.read()) >= 0 && c != '\n') {
            b.write(c);
        }
        if (c < 0 && b.size() == 0) {
            throw new java.io.EOFException("connection closed");
        }
        return b.toString(StandardCharsets.ISO_8859_1).replaceAll("\r$", "");
    }

    /** Whether the server closed the connection (EOF) rather than leaving it open. */
    static boolean closedByServer(Socket s) throws IOException {
        try {
            return s.getInputStream().read() < 0;
        } catch (java.net.SocketException e) {
            return true; // reset
        }
    }

    @Test
    void keepAlivePipeliningAndAnswersInOrderEvenWhenTheFirstIsSlow() throws Exception {
        start(30_000, 30_000);
        try (Socket s = connect()) {
            // three requests in one write; the first is answered later, from another thread
            send(s, "POST /later HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\n\r\none"
                    + "GET /second?x=1 HTTP/1.1\r\nHost: x\r\n\r\n"
                    + "POST /third HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nthree");
            Answer a = read(s.getInputStream());
            Answer b = read(s.getInputStream());
            Answer c = read(s.getInputStream());
            assertEquals("HTTP/1.1 200 OK", a.status());
            assertEquals("POST /later one", a.body());
            assertEquals("GET /second ", b.body());
            assertEquals("POST /third three", c.body());
            assertEquals("x=1", seen.get(1).rawQuery());
            // the connection stays open for a fourth
            send(s, "GET /fourth HTTP/1.1\r\nHost: x\r\n\r\n");
            assertEquals("GET /fourth ", read(s.getInputStream()).body());
        }
    }

    @Test
    void chunkedBodiesAndExpectContinueAreUnderstood() throws Exception {
        start(30_000, 30_000);
        try (Socket s = connect()) {
            send(s, "POST /chunked HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
                    + "4;ext=1\r\nWiki\r\n");
            send(s, "6\r\npedia \r\n");
            send(s, "E\r\nin \r\n\r\nchunks.\r\n0\r\nTrailer: t\r\n\r\n");
            assertEquals("POST /chunked Wikipedia in \r\n\r\nchunks.", read(s.getInputStream()).body());

            send(s, "POST /continue HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\nContent-Length: 4\r\n\r\n");
            assertEquals("HTTP/1.1 100 Continue", line(s.getInputStream()));
            assertEquals("", line(s.getInputStream()));
            send(s, "body");
            Answer a = read(s.getInputStream());
            assertEquals(200, a.code());
            assertEquals("POST /continue body", a.body());
        }
    }

    @Test
    void http10ClientsAreAnsweredAndTheConnectionClosed() throws Exception {
        start(30_000, 30_000);
        try (Socket s = connect()) {
            send(s, "GET /old HTTP/1.0\r\n\r\n");
            Answer a = read(s.getInputStream());
            assertEquals("HTTP/1.0 200 OK", a.status());
            assertEquals("close", a.headers().get("connection"));
            assertTrue(closedByServer(s));
        }
        try (Socket s = connect()) {
            send(s, "GET /one HTTP/1.1\r\nConnection: close\r\n\r\n");
            assertEquals("close", read(s.getInputStream()).headers().get("connection"));
            assertTrue(closedByServer(s));
        }
    }

    @Test
    void refusedRequestsGetOneAnswerTheHandlerNeverSeesThemAndTheConnectionCloses() throws Exception {
        start(30_000, 30_000);
        List<String> statuses = new ArrayList<>();
        String[] bad = {
            "NONSENSE\r\n\r\n",
            "GET / HTTP/1.1\r\n Folded: header\r\n\r\n",
            "POST /x HTTP/1.1\r\nContent-Length: ten\r\n\r\n",
            "POST /x HTTP/1.1\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\nabc",
            "POST /x HTTP/1.1\r\nTransfer-Encoding: gzip\r\n\r\n",
            "POST /x HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n",
            "GET / HTTP/1.1\r\nX-Big: " + "a".repeat(Http.MAX_HEAD) + "\r\n\r\n",
            "GET /a%zz HTTP/1.1\r\n\r\n",
        };
        for (String request : bad) {
            try (Socket s = connect()) {
                send(s, request);
                Answer a = read(s.getInputStream());
                statuses.add(a.code() + " " + a.headers().get("connection"));
                assertTrue(closedByServer(s), request.substring(0, Math.min(40, request.length())));
            }
        }
        assertEquals(List.of("400 close", "400 close", "400 close", "400 close", "501 close", "400 close", "431 close",
                "400 close"), statuses);
        assertEquals(List.of(), seen, "the handler saw none of them");
    }

    @Test
    void aBodyOverTheLimitIsRefusedFromItsDeclaredLengthAndTheClientStillSeesTheAnswer() throws Exception {
        start(30_000, 30_000);
        try (Socket s = connect()) {
            send(s, "POST /big HTTP/1.1\r\nContent-Length: 5000\r\n\r\n");
            // the client goes on sending the body it declared; it gets the answer, not a reset
            send(s, "y".repeat(5000));
            Answer a = read(s.getInputStream());
            assertEquals(413, a.code());
            assertTrue(closedByServer(s));
        }
        try (Socket s = connect()) {
            send(s, "POST /big HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n3E8\r\n" + "z".repeat(1000) + "\r\n1\r\nz\r\n0\r\n\r\n");
            assertEquals(413, read(s.getInputStream()).code());
        }
        assertEquals(List.of(), seen);
    }

    @Test
    void oneAddressMayHaveOnlySoManyBodiesArriving() throws Exception {
        start(30_000, 30_000);
        List<Socket> slow = new ArrayList<>();
        try {
            for (int i = 0; i < 3; i++) {
                Socket s = connect();
                send(s, "POST /slow HTTP/1.1\r\nContent-Length: 10\r\n\r\nab");
                slow.add(s);
            }
            // one is past the bound of 2 (whichever the server read last): refused at once; the other
            // two wait for their bodies
            Socket refused = null;
            for (long deadline = System.nanoTime() + 20_000_000_000L; refused == null && System.nanoTime() < deadline; ) {
                for (Socket s : slow) {
                    if (s.getInputStream().available() > 0) {
                        refused = s;
                    }
                }
                sleep(10);
            }
            assertTrue(refused != null, "one of the three was refused");
            Answer a = read(refused.getInputStream());
            assertEquals(429, a.code());
            Socket admitted = slow.get(slow.get(0) == refused ? 1 : 0);
            admitted.setSoTimeout(300);
            try {
                admitted.getInputStream().read();
                throw new AssertionError("an admitted slow body was answered before it arrived");
            } catch (SocketTimeoutException expected) {
                // still waiting for its body
            }
            admitted.setSoTimeout(20_000);
            send(admitted, "cdefghij");
            assertEquals("POST /slow abcdefghij", read(admitted.getInputStream()).body());
            // that one no longer counts: a new slow body from the address is admitted
            try (Socket s = connect()) {
                send(s, "POST /slow HTTP/1.1\r\nContent-Length: 2\r\n\r\nx");
                sleep(200);
                send(s, "y");
                assertEquals("POST /slow xy", read(s.getInputStream()).body());
            }
        } finally {
            for (Socket s : slow) {
                s.close();
            }
        }
    }

    @Test
    void aRequestThatNeverFinishesIsAnswered408AndAnIdleConnectionIsClosed() throws Exception {
        start(1_000, 1_000);
        try (Socket s = connect()) {
            send(s, "POST /slow HTTP/1.1\r\nContent-Length: 10\r\n\r\nab");
            Answer a = read(s.getInputStream()); // the bound is checked once a second
            assertEquals(408, a.code());
            assertTrue(closedByServer(s));
        }
        try (Socket s = connect()) {
            send(s, "GET /once HTTP/1.1\r\n\r\n");
            assertEquals(200, read(s.getInputStream()).code());
            assertTrue(closedByServer(s), "closed once idle past the bound");
        }
        assertEquals(List.of("/once"), seen.stream().map(Http.Request::path).toList());
    }

    @Test
    void closingAnswersWhatIsBeingHandledFirst() throws Exception {
        start(30_000, 30_000);
        try (Socket s = connect()) {
            send(s, "POST /later HTTP/1.1\r\nContent-Length: 2\r\n\r\nok");
            while (seen.isEmpty()) {
                sleep(10);
            }
            Thread closer = new Thread(() -> http.close(10_000));
            closer.start();
            Answer a = read(s.getInputStream());
            assertEquals("POST /later ok", a.body());
            assertEquals("close", a.headers().get("connection"));
            closer.join();
        }
        http = null;
    }
}
