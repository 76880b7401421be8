package dev.poet.integrate;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.poet.event.EventLog;
import dev.poet.json.Json;
import dev.poet.serve.PoetServer;
import dev.poet.store.NioStoreIO;
import dev.poet.store.Store;
import dev.poet.testing.Cli;
import dev.poet.testing.Jvm;
import dev.poet.testing.Maps;
import dev.poet.testing.Trees;
import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileSystems;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * poet serve end to end: realistic PagerDuty, Slack and feedback requests, signed in the test
 * with the JDK's own HMAC (not poet's), into the store, then correlated to their execution.
 */
class ServeTest {
    /**
     * Answering "promptly" beside slow clients: a server they blocked answers after its 30 s
     * request bound, so a third of that tells the two apart even on a loaded machine.
     */
    static final long PROMPT_NANOS = 10_000_000_000L;
    static final String PD_SECRET = "pd-whsec-9f2c";
    static final String SLACK_SECRET = "8f742231b10e8888abcd99yyyzzz85a5";
    static final String FEEDBACK_TOKEN = "fb-token-1234";
    static final String REVIEW_KEY = "review-key-5678";
    static final String EVENTS_TOKEN = "ev-token-9012";
    static final String EXEC = "6f1c0d9e-6b1f-4a53-9d6e-3f1a2b7c9e10";

    @TempDir
    Path project;
    Cli cli;
    PoetServer server;
    HttpClient http = HttpClient.newHttpClient();
    Instant now = Instant.parse("2026-11-27T10:00:00Z");

    @BeforeEach
    void start() throws IOException {
        cli = new Cli(FileSystems.getDefault(), project);
        assertEquals(0, cli.run("init").code());
        Cli.Result r = cli.run("record", "execution.completed", "--function", "detect_drift", "--function-version", "v1",
                "--execution-id", EXEC, "--set", "success=true", "--set", "duration_ms=12", "--set", "drift_detected=true",
                "--set", "p_value=0.003", "--set", "feature=amount", "--set", "time=2026-11-27T09:00:00Z");
        assertEquals(0, r.code(), r.toString());
        Map<String, String> env = Map.of(Secrets.PAGERDUTY, PD_SECRET, Secrets.SLACK, SLACK_SECRET,
                Secrets.FEEDBACK_TOKEN, FEEDBACK_TOKEN, Secrets.REVIEW_KEY, REVIEW_KEY, Secrets.EVENTS_TOKEN, EVENTS_TOKEN);
        Store store = Store.open(project.resolve(".poet"), NioStoreIO.INSTANCE);
        server = PoetServer.start(new EventLog(store, Clock.fixed(now, ZoneOffset.UTC)),
                Secrets.load(env, project.resolve(".poet/secrets.json")), new PoetServer.Config("127.0.0.1", 0, 4));
    }

    @AfterEach
    void stop() {
        server.close();
    }

    static String hmacHex(String key, String message) throws Exception {
        Mac mac = Mac.getInstance("HmacSHA256");
        mac.init(new SecretKeySpec(key.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
        return HexFormat.of().formatHex(mac.doFinal(message.getBytes(StandardCharsets.UTF_8)));
    }

    HttpResponse<String> post(String path, String body, String... headers) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(server.url().resolve(path)).POST(HttpRequest.BodyPublishers.ofString(body));
        for (int i = 0; i < headers.length; i += 2) {
            b.header(headers[i], headers[i + 1]);
        }
        return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    HttpResponse<String> get(String path) throws Exception {
        return http.send(HttpRequest.newBuilder(server.url().resolve(path)).GET().build(), HttpResponse.BodyHandlers.ofString());
    }

    static Map<String, Object> json(String s) {
        return Json.parseObject(s.getBytes(StandardCharsets.UTF_8), "response");
    }

    List<Map<String, Object>> events(String type) {
        return cli.run("--json", "events", "list", "--type", type).out().lines().map(ServeTest::json).toList();
    }

    /** A V3 webhook payload as PagerDuty sends it (fields from its documented example). */
    static String pagerDuty(String deliveryId, String type, String occurredAt, String incidentKey) {
        Map<String, Object> agent = Maps.of("html_url", "https://acme.pagerduty.com/users/PLH1HKV", "id", "PLH1HKV",
                "self", "https://api.pagerduty.com/users/PLH1HKV", "summary", "Tenex Engineer", "type", "user_reference");
        Map<String, Object> service = Maps.of("html_url", "https://acme.pagerduty.com/services/PF9KMXH", "id", "PF9KMXH",
                "self", "https://api.pagerduty.com/services/PF9KMXH", "summary", "API Service", "type", "service_reference");
        Map<String, Object> data = Maps.of("id", "PGR0VU2", "type", "incident", "self", "https://api.pagerduty.com/incidents/PGR0VU2",
                "html_url", "https://acme.pagerduty.com/incidents/PGR0VU2", "number", 2L,
                "status", type.substring("incident.".length()), "title", "Drift detected by detect_drift v1 on amount",
                "service", service, "assignees", List.of(), "urgency", "high", "resolve_reason", null);
        if (incidentKey != null) {
            data.put("incident_key", incidentKey);
            data.put("created_at", "2026-11-27T09:00:05Z");
        }
        Map<String, Object> event = Maps.of("id", deliveryId, "event_type", type, "resource_type", "incident",
                "occurred_at", occurredAt, "agent", type.equals("incident.triggered") ? null : agent, "client", null, "data", data);
        return new String(Json.encode(Map.of("event", event)), StandardCharsets.UTF_8);
    }

    HttpResponse<String> pd(String body, String signature) throws Exception {
        return post("/webhooks/pagerduty", body, "Content-Type", "application/json", "X-PagerDuty-Signature", signature,
                "X-Webhook-Id", "d1b2c3", "User-Agent", "PagerDuty-Webhook/V3.0");
    }

    @Test
    @SuppressWarnings("unchecked")
    void pagerDutyWebhooksBecomeAlertEventsTiedToTheExecution() throws Exception {
        String triggered = pagerDuty("01DEN5ZA6P9V4KZ4EYQ0E9A7JE", "incident.triggered", "2026-11-27T09:00:05.000Z", "poet:" + EXEC);
        HttpResponse<String> r = pd(triggered, "v1=" + hmacHex(PD_SECRET, triggered));
        assertEquals(200, r.statusCode(), r.body());
        assertEquals("recorded", json(r.body()).get("status"));
        // while the secret rotates PagerDuty signs with both: any match counts
        String acked = pagerDuty("01DEN5ZB2QKX1Q7J0Y7B7T4K9M", "incident.acknowledged", "2026-11-27T09:12:05.000Z", "poet:" + EXEC);
        r = pd(acked, "v1=" + hmacHex("old-secret", acked) + ", v1=" + hmacHex(PD_SECRET, acked));
        assertEquals(200, r.statusCode(), r.body());
        // a redelivery of the same webhook is one event
        r = pd(acked, "v1=" + hmacHex(PD_SECRET, acked));
        assertEquals(1L, json(r.body()).get("duplicates"));
        String resolved = pagerDuty("01DEN5ZC7KX2Q8J1Z8C8V5L0NP", "incident.resolved", "2026-11-27T10:00:00.000Z", null);
        assertEquals(200, pd(resolved, "v1=" + hmacHex(PD_SECRET, resolved)).statusCode());
        String annotated = pagerDuty("01DEN5ZD", "incident.annotated", "2026-11-27T10:01:00.000Z", null);
        r = pd(annotated, "v1=" + hmacHex(PD_SECRET, annotated));
        assertEquals("ignored", json(r.body()).get("status"));

        Map<String, Object> created = events("alert.created").get(0);
        assertEquals("pd-01DEN5ZA6P9V4KZ4EYQ0E9A7JE", created.get("id"));
        assertEquals("2026-11-27T09:00:05.000Z", created.get("time"));
        assertEquals("poet:" + EXEC, ((Map<String, Object>) created.get("data")).get("dedup_key"));
        assertEquals("Tenex Engineer", ((Map<String, Object>) events("alert.acknowledged").get(0).get("data")).get("acknowledged_by"));
        assertEquals(1, events("alert.acknowledged").size());

        assertEquals(0, cli.run("correlate").code());
        Map<String, Object> ack = events("alert.acknowledged").get(0);
        assertEquals(EXEC, ack.get("execution_id"), "tied to the execution through the incident alert.created registered");
        assertEquals(720.0, ((Number) ((Map<String, Object>) ack.get("data")).get("time_to_ack_s")).doubleValue());
        assertEquals(EXEC, events("alert.resolved").get(0).get("execution_id"), "no incident_key: found by the incident id");
    }

    @Test
    void badSignaturesAndBodiesAreRefusedAndWriteNothing() throws Exception {
        var before = Trees.snapshot(project.resolve(".poet"));
        String body = pagerDuty("01X", "incident.triggered", "2026-11-27T09:00:05Z", "poet:" + EXEC);
        String good = "v1=" + hmacHex(PD_SECRET, body);
        HttpResponse<String> tampered = pd(body.replace("high", "low"), good);
        assertEquals(401, tampered.statusCode());
        assertEquals("X-PagerDuty-Signature is missing or does not match the body", json(tampered.body()).get("error"));
        assertEquals(401, post("/webhooks/pagerduty", body, "Content-Type", "application/json").statusCode());
        String notJson = "{not json";
        assertEquals(400, pd(notJson, "v1=" + hmacHex(PD_SECRET, notJson)).statusCode());
        String noEvent = "{\"messages\":[]}";
        assertTrue(json(pd(noEvent, "v1=" + hmacHex(PD_SECRET, noEvent)).body()).get("error").toString().contains("no \"event\""),
                "a payload without an event is refused by name");
        String huge = "x".repeat(PoetServer.MAX_BODY + 1);
        assertEquals(413, post("/poet/feedback", huge, "Authorization", "Bearer " + FEEDBACK_TOKEN).statusCode());
        assertEquals(405, get("/webhooks/pagerduty").statusCode());
        assertEquals(404, get("/nothing/here").statusCode());
        assertEquals(before, Trees.snapshot(project.resolve(".poet")));
        assertEquals(200, get("/healthz").statusCode());
    }

    String slackBody(String actionId, String userId, String actionTs, String reason) {
        Map<String, Object> action = Maps.of("action_id", actionId, "block_id", "poet_verdict",
                "text", Maps.of("type", "plain_text", "text", "False positive", "emoji", true), "value", EXEC,
                "type", "button", "action_ts", actionTs);
        Map<String, Object> payload = Maps.of("type", "block_actions",
                "user", Maps.of("id", userId, "username", "alice", "name", "alice", "team_id", "T0CAG"),
                "api_app_id", "A0CA5", "token", "Shh_its_a_seekrit", "container", Maps.of("type", "message",
                        "message_ts", "1548426417.840180", "channel_id", "C0CA5", "is_ephemeral", false),
                "trigger_id", "12466734323.1395872398.2d5aaf0c", "team", Maps.of("id", "T0CAG", "domain", "acme"),
                "channel", Maps.of("id", "C0CA5", "name", "ml-alerts"),
                "state", Maps.of("values", Maps.of("poet_reason_block", Maps.of("poet_reason",
                        Maps.of("type", "plain_text_input", "value", reason)))),
                "response_url", "https://hooks.slack.com/actions/T0CAG/123/abc", "actions", List.of(action));
        return "payload=" + URLEncoder.encode(new String(Json.encode(payload), StandardCharsets.UTF_8), StandardCharsets.UTF_8);
    }

    HttpResponse<String> slack(String body, long ts, String secret) throws Exception {
        return post("/webhooks/slack", body, "Content-Type", "application/x-www-form-urlencoded",
                "X-Slack-Request-Timestamp", String.valueOf(ts), "X-Slack-Signature", "v0=" + hmacHex(secret, "v0:" + ts + ":" + body));
    }

    @Test
    @SuppressWarnings("unchecked")
    void slackButtonsBecomeVerdictsAndStaleOrForgedOnesAreRefused() throws Exception {
        long ts = now.getEpochSecond() - 30;
        String body = slackBody("poet_false_positive", "U0CA5", "1764237570.123456", "seasonal_pattern");
        HttpResponse<String> r = slack(body, ts, SLACK_SECRET);
        assertEquals(200, r.statusCode(), r.body());
        assertEquals(401, slack(body, now.getEpochSecond() - 360, SLACK_SECRET).statusCode(), "older than 5 minutes");
        assertEquals(401, slack(body, ts, "not-the-secret").statusCode());
        HttpResponse<String> tampered = post("/webhooks/slack", body.replace("U0CA5", "U0EVIL"), "X-Slack-Request-Timestamp",
                String.valueOf(ts), "X-Slack-Signature", "v0=" + hmacHex(SLACK_SECRET, "v0:" + ts + ":" + body));
        assertEquals(401, tampered.statusCode());
        assertEquals(200, slack(body, ts, SLACK_SECRET).statusCode(), "Slack retries: the same click is one verdict");

        List<Map<String, Object>> verdicts = events("drift.validation");
        assertEquals(1, verdicts.size());
        Map<String, Object> d = (Map<String, Object>) verdicts.get(0).get("data");
        assertEquals(false, d.get("was_real_drift"));
        assertEquals("slack", d.get("validation_source"));
        assertEquals("alice", d.get("validator"));
        assertEquals("seasonal_pattern", d.get("reason"));
        assertEquals(0, cli.run("correlate").code());
        assertEquals(EXEC, events("drift.validation").get(0).get("execution_id"));
    }

    @Test
    @SuppressWarnings("unchecked")
    void theFeedbackApiNeedsATokenAndIsIdempotent() throws Exception {
        String body = "{\"execution_id\":\"" + EXEC + "\",\"feedback_type\":\"false_positive\",\"reason\":\"seasonal_pattern\","
                + "\"business_context\":\"christmas_shopping_spike\"}";
        assertEquals(401, post("/poet/feedback", body).statusCode());
        assertEquals(401, post("/poet/feedback", body, "Authorization", "Bearer wrong").statusCode());
        HttpResponse<String> ok = post("/poet/feedback", body, "Authorization", "Bearer " + FEEDBACK_TOKEN, "Idempotency-Key", "k-1");
        assertEquals(200, ok.statusCode(), ok.body());
        assertEquals(1L, json(post("/poet/feedback", body, "Authorization", "Bearer " + FEEDBACK_TOKEN, "Idempotency-Key", "k-1")
                .body()).get("duplicates"));
        assertEquals(400, post("/poet/feedback", "{\"execution_id\":\"" + EXEC + "\"}", "Authorization", "Bearer " + FEEDBACK_TOKEN)
                .statusCode(), "no verdict");
        assertEquals(400, post("/poet/feedback", "[1,2]", "Authorization", "Bearer " + FEEDBACK_TOKEN).statusCode());
        assertEquals(400, post("/poet/feedback", "{\"execution_id\":\"../../etc\",\"was_real_drift\":true}",
                "Authorization", "Bearer " + FEEDBACK_TOKEN).statusCode());
        // a review token works for its own execution only, until it expires
        String token = ReviewTokens.token(REVIEW_KEY, EXEC, now.plusSeconds(3600));
        String withToken = "{\"execution_id\":\"" + EXEC + "\",\"was_real_drift\":true,\"token\":\"" + token + "\"}";
        assertEquals(200, post("/poet/feedback", withToken).statusCode());
        String other = withToken.replace(EXEC, "another-execution");
        assertEquals(401, post("/poet/feedback", other).statusCode());
        String expired = ReviewTokens.token(REVIEW_KEY, EXEC, now.minusSeconds(1));
        HttpResponse<String> late = post("/poet/feedback", withToken.replace(token, expired));
        assertEquals(401, late.statusCode());
        assertTrue(json(late.body()).get("error").toString().startsWith("the review link expired"), late.body());
        List<Map<String, Object>> verdicts = events("drift.validation");
        assertEquals(2, verdicts.size());
        Map<String, Object> api = (Map<String, Object>) verdicts.stream().filter(v -> v.get("id").equals("fb-k-1")).findFirst()
                .orElseThrow().get("data");
        assertEquals("christmas_shopping_spike", api.get("business_context"));
        assertEquals("api", api.get("validation_source"));
        assertEquals(1, verdicts.stream().filter(v -> "review_link".equals(((Map<String, Object>) v.get("data"))
                .get("validation_source"))).count());
    }

    @Test
    void theReviewPageShowsTheExecutionAndItsFormRecordsTheVerdict() throws Exception {
        cli.env.put(Secrets.REVIEW_KEY, REVIEW_KEY);
        cli.clock = Clock.fixed(now, ZoneOffset.UTC);
        Cli.Result link = cli.run("review-link", "--execution-id", EXEC, "--base-url", server.url().toString());
        assertEquals(0, link.code(), link.toString());
        URI url = URI.create(link.out().strip());
        HttpResponse<String> page = http.send(HttpRequest.newBuilder(url).GET().build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(200, page.statusCode(), page.body());
        assertTrue(page.body().contains("<code>" + EXEC + "</code>") && page.body().contains("<td>amount</td>")
                && page.body().contains("<td>0.003</td>"), page.body());
        assertTrue(page.headers().firstValue("Content-Security-Policy").orElse("").contains("default-src 'none'"),
                "the review page forbids everything by default");
        String token = url.getQuery().substring("token=".length());
        String form = "execution_id=" + EXEC + "&token=" + URLEncoder.encode(token, StandardCharsets.UTF_8)
                + "&reason=weekend+traffic&verdict=false_positive";
        HttpResponse<String> thanks = post("/poet/feedback", form, "Content-Type", "application/x-www-form-urlencoded");
        assertEquals(200, thanks.statusCode(), thanks.body());
        assertTrue(thanks.body().contains("Recorded: false positive for execution " + EXEC), thanks.body());
        assertEquals("weekend traffic", ((Map<?, ?>) events("drift.validation").get(0).get("data")).get("reason"));
        HttpResponse<String> forged = get("/poet/review/" + EXEC + "?token=1900000000.abcd");
        assertEquals(401, forged.statusCode());
        assertFalse(forged.body().contains("<form"), "no form without a valid token");
    }

    /** A review link round-trips through the page in a real headless Chromium: type a reason, click, see the answer. */
    @Test
    @SuppressWarnings("unchecked")
    void aReviewLinkRoundTripsInAHeadlessBrowser() throws Exception {
        server.close();
        Store store = Store.open(project.resolve(".poet"), NioStoreIO.INSTANCE);
        server = PoetServer.start(new EventLog(store, Clock.systemUTC()),
                Secrets.load(Map.of(Secrets.REVIEW_KEY, REVIEW_KEY), null), new PoetServer.Config("127.0.0.1", 0, 4));
        String url = ReviewTokens.url(server.url().toString(), EXEC, ReviewTokens.token(REVIEW_KEY, EXEC,
                Instant.now().plusSeconds(600)));
        try (dev.poet.testing.Browser b = dev.poet.testing.Browser.start(project.resolve("chromium-profile"))) {
            b.open(url);
            assertEquals("poet review: " + EXEC, b.title());
            assertTrue(b.text("#execution").contains("amount"), b.text("#execution"));
            b.type("#reason", "holiday traffic");
            b.screenshot(Path.of("target/screenshots/review-page.png"));
            b.click("button.fp");
            assertTrue(b.waitFor("#message", 10), "the answer page; the browser shows instead: " + b.eval("location.href")
                    + "\n" + b.eval("document.documentElement.outerHTML"));
            assertEquals("Recorded: false positive for execution " + EXEC + ".", b.text("#message"));
            b.screenshot(Path.of("target/screenshots/review-recorded.png"));
        }
        Map<String, Object> d = (Map<String, Object>) events("drift.validation").get(0).get("data");
        assertEquals(false, d.get("was_real_drift"));
        assertEquals("holiday traffic", d.get("reason"));
        assertEquals("review_link", d.get("validation_source"));
    }

    /** Clients that send their body a byte at a time hold a buffer each, not the server: others are still answered. */
    @Test
    void slowBodiesDoNotStopTheServer() throws Exception {
        List<java.net.Socket> slow = new java.util.ArrayList<>();
        try {
            for (int i = 0; i < 2; i++) {
                java.net.Socket s = new java.net.Socket("127.0.0.1", server.url().getPort());
                s.getOutputStream().write(("POST /poet/feedback HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " + FEEDBACK_TOKEN
                        + "\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{").getBytes(StandardCharsets.UTF_8));
                s.getOutputStream().flush();
                slow.add(s);
            }
            for (int round = 0; round < 5; round++) {
                for (java.net.Socket s : slow) {
                    s.getOutputStream().write(' ');
                    s.getOutputStream().flush();
                }
                long t0 = System.nanoTime();
                assertEquals(200, get("/healthz").statusCode());
                assertTrue(System.nanoTime() - t0 < PROMPT_NANOS,
                        "answered while slow clients dribble, well within the 30 s a blocked"
                        + " server would take: " + (System.nanoTime() - t0) / 1_000_000 + " ms");
                Thread.sleep(200);
            }
            String body = "{\"execution_id\":\"" + EXEC + "\",\"was_real_drift\":true}";
            assertEquals(200, post("/poet/feedback", body, "Authorization", "Bearer " + FEEDBACK_TOKEN).statusCode());
        } finally {
            for (java.net.Socket s : slow) {
                s.close();
            }
        }
        assertEquals(1, events("drift.validation").size(), "the abandoned slow bodies wrote nothing");
    }

    /**
     * More clients dribbling their bodies than the server has worker threads (4 here), all from
     * one address: those past the per-address bound get 429 at once, with their connection closed;
     * the rest keep arriving, and everyone else is answered promptly meanwhile. A dribbled body that
     * completes is recorded. (With a thread per request, healthz waited for the 30 s request bound.)
     * A real {@code poet serve} process, stopped with SIGTERM at the end.
     */
    @Test
    void moreSlowClientsThanThreadsLeaveTheServerServingAndOneAddressIsBounded() throws Exception {
        ProcessBuilder pb = new ProcessBuilder(Jvm.poet(List.of(), "--store", project.resolve(".poet").toString(),
                "-q", "serve", "--port", "0", "--threads", "4")).redirectError(ProcessBuilder.Redirect.DISCARD);
        pb.environment().put(Secrets.FEEDBACK_TOKEN, FEEDBACK_TOKEN);
        Process serve = pb.start();
        java.io.BufferedReader stdout = new java.io.BufferedReader(
                new java.io.InputStreamReader(serve.getInputStream(), StandardCharsets.UTF_8));
        URI url = URI.create(stdout.readLine());
        try {
            slowClients(url);
        } finally {
            serve.destroy();
            assertTrue(serve.waitFor(10, java.util.concurrent.TimeUnit.SECONDS), "poet serve stopped within 10 s of SIGTERM");
        }
        assertEquals(4, events("drift.validation").size(), "three prompt ones and the completed slow one; nothing else");
    }

    private void slowClients(URI url) throws Exception {
        int cap = PoetServer.PER_CLIENT;
        int extra = 6;
        String rest = "\"execution_id\":\"" + EXEC + "\",\"was_real_drift\":false}";
        String padded = rest + " ".repeat(999 - rest.length());
        java.net.InetAddress other = java.net.InetAddress.getByName("127.0.0.2");
        List<java.net.Socket> slow = new java.util.ArrayList<>();
        try {
            for (int i = 0; i < cap + extra; i++) {
                java.net.Socket s = new java.net.Socket();
                s.bind(new java.net.InetSocketAddress(other, 0));
                s.connect(new java.net.InetSocketAddress("127.0.0.1", url.getPort()));
                s.getOutputStream().write(("POST /poet/feedback HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " + FEEDBACK_TOKEN
                        + "\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{").getBytes(StandardCharsets.UTF_8));
                s.getOutputStream().flush();
                slow.add(s);
            }
            // the refused ones answer at once; the admitted ones say nothing
            List<java.net.Socket> refused = new java.util.ArrayList<>();
            long deadline = System.nanoTime() + 60_000_000_000L; // a bound for a loaded machine
            while (refused.size() < extra && System.nanoTime() < deadline) {
                for (java.net.Socket s : slow) {
                    if (!refused.contains(s) && s.getInputStream().available() > 0) {
                        refused.add(s);
                    }
                }
                Thread.sleep(20);
            }
            Thread.sleep(300);
            for (java.net.Socket s : slow) {
                if (!refused.contains(s) && s.getInputStream().available() > 0) {
                    refused.add(s);
                }
            }
            assertEquals(extra, refused.size(), "exactly the requests past the per-address bound of " + cap + " are refused");
            for (java.net.Socket s : refused) {
                s.setSoTimeout(2000);
                String head = new String(s.getInputStream().readNBytes(12), StandardCharsets.US_ASCII);
                assertEquals("HTTP/1.1 429", head);
                String answer = new String(s.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
                assertTrue(answer.contains("too many requests from 127.0.0.2"), answer);
                assertTrue(answer.toLowerCase(java.util.Locale.ROOT).contains("connection: close"), answer);
            }
            // cap (64) bodies still arriving, far more than the 4 worker threads: others are served promptly
            for (int round = 0; round < 3; round++) {
                long t0 = System.nanoTime();
                assertEquals(200, http.send(HttpRequest.newBuilder(url.resolve("/healthz")).GET().build(),
                        HttpResponse.BodyHandlers.ofString()).statusCode());
                String body = "{\"execution_id\":\"" + EXEC + "\",\"was_real_drift\":true,\"id\":\"prompt-" + round + "\"}";
                assertEquals(200, http.send(HttpRequest.newBuilder(url.resolve("/poet/feedback"))
                        .POST(HttpRequest.BodyPublishers.ofString(body)).header("Authorization", "Bearer " + FEEDBACK_TOKEN)
                        .build(), HttpResponse.BodyHandlers.ofString()).statusCode());
                assertTrue(System.nanoTime() - t0 < PROMPT_NANOS,
                        "answered while slow clients dribble, well within the 30 s a blocked"
                        + " server would take: " + (System.nanoTime() - t0) / 1_000_000 + " ms");
            }
            // one dribbled body completes and is recorded
            java.net.Socket admitted = slow.stream().filter(s -> !refused.contains(s)).findFirst().orElseThrow();
            admitted.getOutputStream().write(padded.getBytes(StandardCharsets.UTF_8));
            admitted.getOutputStream().flush();
            admitted.setSoTimeout(5000);
            assertEquals("HTTP/1.1 200", new String(admitted.getInputStream().readNBytes(12), StandardCharsets.US_ASCII));
        } finally {
            for (java.net.Socket s : slow) {
                s.close();
            }
        }
    }

    @Test
    void endpointsWithoutTheirSecretAreNotServedAndSaySo() throws Exception {
        server.close();
        Store store = Store.open(project.resolve(".poet"), NioStoreIO.INSTANCE);
        server = PoetServer.start(new EventLog(store, Clock.systemUTC()), Secrets.load(Map.of(Secrets.FEEDBACK_TOKEN, "t"), null),
                new PoetServer.Config("127.0.0.1", 0, 2));
        assertEquals(List.of("/poet/review/: POET_REVIEW_KEY is not set",
                "/webhooks/pagerduty: POET_PAGERDUTY_WEBHOOK_SECRET is not set",
                "/webhooks/slack: POET_SLACK_SIGNING_SECRET is not set",
                "/poet/events: POET_EVENTS_TOKEN is not set",
                "/poet/functions/: neither POET_FUNCTIONS_TOKEN nor POET_EVENTS_TOKEN is set"), server.disabled());
        HttpResponse<String> r = post("/webhooks/slack", "payload=%7B%7D");
        assertEquals(503, r.statusCode());
        assertEquals("/webhooks/slack is not configured: POET_SLACK_SIGNING_SECRET is not set", json(r.body()).get("error"));
    }

    static String envelope(String id, String type, String exec, String data) {
        return "{" + (id == null ? "" : "\"id\":\"" + id + "\",") + "\"type\":\"" + type + "\",\"execution_id\":\"" + exec
                + "\",\"data\":" + data + "}";
    }

    @SuppressWarnings("unchecked")
    static List<Map<String, Object>> results(HttpResponse<String> r) {
        return (List<Map<String, Object>>) json(r.body()).get("results");
    }

    /**
     * POST /poet/events: each line judged alone and answered in order; the valid ones durable
     * before the answer; a retried request answered "duplicate" for the ids it delivered; the
     * events token and the feedback token each open only their own endpoint.
     */
    @Test
    void eventsArriveInBatchesEachLineJudgedAloneAndRetriesAreDuplicates() throws Exception {
        String body = envelope("ev-0001", "drift.validation", EXEC, "{\"was_real_drift\":false,\"reason\":\"seasonal\"}") + "\n"
                + envelope(null, "model.retrained", EXEC, "{\"reason\":\"drift_alert_" + EXEC
                        + "\",\"performance_before\":0.81,\"performance_after\":0.86}") + "\n"
                + "\n"
                + envelope("ev-0003", "drift.validation", EXEC, "{\"was_real_drift\":\"maybe\"}") + "\n"
                + "{not json\n";
        HttpResponse<String> r = post("/poet/events", body, "Authorization", "Bearer " + EVENTS_TOKEN);
        assertEquals(200, r.statusCode(), r.body());
        List<Map<String, Object>> res = results(r);
        assertEquals(List.of("accepted", "accepted", "invalid", "invalid"), res.stream().map(m -> m.get("status")).toList());
        assertEquals(List.of(1L, 2L, 3L, 4L), res.stream().map(m -> m.get("line")).toList());
        assertEquals("ev-0001", res.get(0).get("id"));
        assertTrue(res.get(2).get("error").toString().contains("was_real_drift"), res.get(2).toString());
        assertTrue(res.get(3).get("error").toString().startsWith("line 4"), res.get(3).toString());
        assertEquals(2L, json(r.body()).get("accepted"));
        assertEquals(1, events("drift.validation").size());
        assertEquals(1, events("model.retrained").size());

        // the client retries the whole request: the event with its own id is not delivered again
        HttpResponse<String> again = post("/poet/events", body, "Authorization", "Bearer " + EVENTS_TOKEN);
        assertEquals("duplicate", results(again).get(0).get("status"));
        assertEquals(1L, json(again.body()).get("duplicates"));
        assertEquals(1, events("drift.validation").size());

        // one pretty-printed object is one event
        String pretty = "{\n  \"id\": \"ev-0010\",\n  \"type\": \"drift.validation\",\n  \"execution_id\": \"" + EXEC
                + "\",\n  \"data\": {\"was_real_drift\": true}\n}\n";
        HttpResponse<String> one = post("/poet/events", pretty, "Authorization", "Bearer " + EVENTS_TOKEN);
        assertEquals(List.of("accepted"), results(one).stream().map(m -> m.get("status")).toList());

        var before = Trees.snapshot(project.resolve(".poet"));
        String valid = envelope("ev-0020", "drift.validation", EXEC, "{\"was_real_drift\":true}");
        // wrong tokens: each token opens only its own endpoint
        assertEquals(401, post("/poet/events", valid, "Authorization", "Bearer " + FEEDBACK_TOKEN).statusCode());
        assertEquals(401, post("/poet/events", valid).statusCode());
        assertEquals(401, post("/poet/feedback", "{\"execution_id\":\"" + EXEC + "\",\"was_real_drift\":true}",
                "Authorization", "Bearer " + EVENTS_TOKEN).statusCode());
        // every line invalid: 400, nothing written
        HttpResponse<String> none = post("/poet/events", "{\"type\":\"nonsense\"}", "Authorization", "Bearer " + EVENTS_TOKEN);
        assertEquals(400, none.statusCode());
        assertEquals("invalid", results(none).get(0).get("status"));
        // limits: events per request, bytes per request
        StringBuilder many = new StringBuilder();
        for (int i = 0; i <= PoetServer.MAX_EVENTS_PER_REQUEST; i++) {
            many.append("{}\n");
        }
        HttpResponse<String> tooMany = post("/poet/events", many.toString(), "Authorization", "Bearer " + EVENTS_TOKEN);
        assertEquals(413, tooMany.statusCode());
        assertTrue(json(tooMany.body()).get("error").toString().contains("10000 events"), tooMany.body());
        assertEquals(413, post("/poet/events", "x".repeat(PoetServer.MAX_EVENTS_BODY + 1),
                "Authorization", "Bearer " + EVENTS_TOKEN).statusCode());
        assertEquals(400, post("/poet/events", "\n\n", "Authorization", "Bearer " + EVENTS_TOKEN).statusCode());
        assertEquals(before, Trees.snapshot(project.resolve(".poet")), "refused requests wrote nothing");
    }

    HttpResponse<String> getWith(String path, String... headers) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(server.url().resolve(path)).GET();
        for (int i = 0; i < headers.length; i += 2) {
            b.header(headers[i], headers[i + 1]);
        }
        return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    /**
     * GET /poet/functions/<fn>: the live version, its code and parameters under an ETag that a
     * deploy, a parameter change and a rollback each change; a conditional request for what is
     * live is answered 304 without a body; the events token reads, the feedback token does not.
     */
    @Test
    void liveVersionsAreServedWithAnETagThatFollowsDeploysParametersAndRollbacks() throws Exception {
        cli.write("v1.py", "def detect_drift(reference, current, params=None):\n    return {'drift_detected': False}\n");
        cli.write("params.json", "{\"threshold\": 0.05}");
        assertEquals(0, cli.run("enhance", "detect_drift", "--from", "v1.py", "--params", "params.json").code());
        String auth = "Bearer " + EVENTS_TOKEN;

        HttpResponse<String> r = getWith("/poet/functions/detect_drift", "Authorization", auth);
        assertEquals(200, r.statusCode(), r.body());
        Map<String, Object> live = json(r.body());
        assertEquals("v1", live.get("version"));
        assertEquals(Map.of("threshold", 0.05), live.get("params"));
        assertEquals(java.nio.file.Files.readString(project.resolve(".poet/detect_drift_v1.py")), live.get("code"));
        assertEquals(dev.poet.analyze.ParamsRevisions.of(Map.of("threshold", 0.05)), live.get("params_revision"),
                "the revision executions record");
        String etag = r.headers().firstValue("ETag").orElseThrow();
        assertEquals("\"v1-" + live.get("params_revision") + "\"", etag);

        HttpResponse<String> same = getWith("/poet/functions/detect_drift", "Authorization", auth, "If-None-Match", etag);
        assertEquals(304, same.statusCode());
        assertEquals("", same.body());

        assertEquals(0, cli.run("config", "set", "detect_drift", "threshold", "0.01", "--reason", "too many alerts").code());
        HttpResponse<String> changed = getWith("/poet/functions/detect_drift", "Authorization", auth, "If-None-Match", etag);
        assertEquals(200, changed.statusCode());
        assertEquals(Map.of("threshold", 0.01), json(changed.body()).get("params"));
        String etag2 = changed.headers().firstValue("ETag").orElseThrow();
        assertTrue(!etag2.equals(etag) && etag2.startsWith("\"v1-"), etag2);

        cli.write("v2.py", "def detect_drift(reference, current, params=None):\n    return {'drift_detected': True}\n");
        assertEquals(0, cli.run("enhance", "detect_drift", "--from", "v2.py").code());
        HttpResponse<String> deployed = getWith("/poet/functions/detect_drift", "Authorization", auth, "If-None-Match", etag2);
        assertEquals(200, deployed.statusCode());
        assertEquals("v2", json(deployed.body()).get("version"));
        assertTrue(json(deployed.body()).get("code").toString().contains("'drift_detected': True"));

        assertEquals(0, cli.run("rollback", "detect_drift").code());
        HttpResponse<String> back = getWith("/poet/functions/detect_drift", "Authorization", auth);
        assertEquals("v1", json(back.body()).get("version"));

        assertEquals(401, getWith("/poet/functions/detect_drift").statusCode());
        assertEquals(401, getWith("/poet/functions/detect_drift", "Authorization", "Bearer " + FEEDBACK_TOKEN).statusCode());
        assertEquals(404, getWith("/poet/functions/nothing_here", "Authorization", auth).statusCode());
        assertEquals(400, getWith("/poet/functions/..%2Fsecrets", "Authorization", auth).statusCode());
        assertEquals(405, post("/poet/functions/detect_drift", "{}", "Authorization", auth).statusCode());
    }
}
