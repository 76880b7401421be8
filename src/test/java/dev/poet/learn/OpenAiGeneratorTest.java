package dev.poet.learn;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.net.httpserver.HttpServer;
import dev.poet.json.Json;
import dev.poet.testing.Cli;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The openai generator against a local server answering in the chat-completions API's format. */
class OpenAiGeneratorTest {
    private record Canned(int status, String body, String retryAfter, long delayMillis) {
    }

    private record Received(String path, String authorization, Map<String, Object> body) {
    }

    private final Deque<Canned> answers = new ArrayDeque<>();
    private final List<Received> received = new ArrayList<>();
    private HttpServer server;
    private Cli cli;

    @BeforeEach
    void start() throws IOException {
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.createContext("/", ex -> {
            byte[] in = ex.getRequestBody().readAllBytes();
            Canned c;
            synchronized (answers) {
                received.add(new Received(ex.getRequestURI().getPath(), ex.getRequestHeaders().getFirst("Authorization"),
                        Json.parseObject(in, "request")));
                c = answers.isEmpty() ? new Canned(500, "no answer queued", null, 0) : answers.poll();
            }
            try {
                Thread.sleep(c.delayMillis());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            byte[] out = c.body().getBytes(StandardCharsets.UTF_8);
            ex.getResponseHeaders().add("Content-Type", "application/json");
            if (c.retryAfter() != null) {
                ex.getResponseHeaders().add("Retry-After", c.retryAfter());
            }
            try {
                ex.sendResponseHeaders(c.status(), out.length);
                try (OutputStream os = ex.getResponseBody()) {
                    os.write(out);
                }
            } catch (IOException e) {
                // the client gave up (timeout test)
            }
        });
        server.start();

        cli = Cli.jimfs();
        cli.env.put("OPENAI_API_KEY", "sk-test-123");
        assertEquals(0, cli.run("init").code());
        cli.write("d.py", "def detect_drift(reference, current):\n    return {'drift_detected': True}\n");
        assertEquals(0, cli.run("enhance", "detect_drift", "--from", "d.py").code());
        Path settings = cli.store().resolve("poet.json");
        Map<String, Object> s = Json.parseObject(Files.readAllBytes(settings), "poet.json");
        Map<String, Object> g = new LinkedHashMap<>();
        g.put("name", "openai");
        g.put("base_url", "http://127.0.0.1:" + server.getAddress().getPort() + "/v1");
        g.put("model", "gpt-4o-mini");
        g.put("max_retries", 2L);
        g.put("retry_base_ms", 10L);
        s.put("generator", g);
        Files.writeString(settings, Json.pretty(s));
    }

    @AfterEach
    void stop() {
        server.stop(0);
    }

    /** A chat completion as the API returns it. */
    private static String completion(String content, String finishReason) {
        Map<String, Object> message = new LinkedHashMap<>();
        message.put("role", "assistant");
        message.put("content", content);
        message.put("refusal", null);
        Map<String, Object> choice = new LinkedHashMap<>();
        choice.put("index", 0L);
        choice.put("message", message);
        choice.put("logprobs", null);
        choice.put("finish_reason", finishReason);
        Map<String, Object> usage = new LinkedHashMap<>();
        usage.put("prompt_tokens", 412L);
        usage.put("completion_tokens", 58L);
        usage.put("total_tokens", 470L);
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("id", "chatcmpl-B9MBs8CjcvOU2jLn4n570S5qMJKcT");
        m.put("object", "chat.completion");
        m.put("created", 1741569952L);
        m.put("model", "gpt-4o-mini-2024-07-18");
        m.put("choices", List.of(choice));
        m.put("usage", usage);
        m.put("service_tier", "default");
        m.put("system_fingerprint", "fp_06737a9306");
        return new String(Json.encode(m), StandardCharsets.UTF_8);
    }

    private static String error(String message, String type, String code) {
        Map<String, Object> e = new LinkedHashMap<>();
        e.put("message", message);
        e.put("type", type);
        e.put("param", null);
        e.put("code", code);
        return new String(Json.encode(Map.of("error", e)), StandardCharsets.UTF_8);
    }

    private static final String GOOD = "Here is the improved module:\n\n```python\ndef detect_drift(reference, current):\n"
            + "    return {'drift_detected': False}\n```\n";

    private String current() throws IOException {
        return Files.readSymbolicLink(cli.store().resolve("detect_drift_current.py")).toString();
    }

    @Test
    @SuppressWarnings("unchecked")
    void aCompletionIsDeployedAndTheRequestIsAChatCompletion() throws IOException {
        answers.add(new Canned(200, completion(GOOD, "stop"), null, 0));
        Cli.Result r = cli.run("regenerate", "detect_drift");
        assertEquals(0, r.code(), r.toString());
        assertEquals("detect_drift_v2.py", current());
        assertTrue(Files.readString(cli.store().resolve("detect_drift_v2.py")).contains("return {'drift_detected': False}"),
                "v2 is the generated code");
        assertEquals(1, received.size());
        Received req = received.get(0);
        assertEquals("/v1/chat/completions", req.path());
        assertEquals("Bearer sk-test-123", req.authorization());
        assertEquals("gpt-4o-mini", req.body().get("model"));
        List<Object> messages = (List<Object>) req.body().get("messages");
        assertEquals("system", ((Map<String, Object>) messages.get(0)).get("role"));
        Map<String, Object> user = (Map<String, Object>) messages.get(1);
        assertEquals("user", user.get("role"));
        assertTrue(((String) user.get("content")).contains("Current implementation:"), user.toString());
    }

    @Test
    void rateLimitsAndServerErrorsAreRetried() throws IOException {
        answers.add(new Canned(429, error("Rate limit reached for gpt-4o-mini", "requests", "rate_limit_exceeded"), "0", 0));
        answers.add(new Canned(503, "upstream connect error", null, 0));
        answers.add(new Canned(200, completion(GOOD, "stop"), null, 0));
        Cli.Result r = cli.run("regenerate", "detect_drift");
        assertEquals(0, r.code(), r.toString());
        assertEquals(3, received.size());
        assertEquals("detect_drift_v2.py", current());
    }

    @Test
    void persistentServerErrorsGiveUpAfterTheRetries() throws IOException {
        for (int i = 0; i < 3; i++) {
            answers.add(new Canned(500, error("The server had an error while processing your request.", "server_error", null),
                    null, 0));
        }
        Cli.Result r = cli.run("regenerate", "detect_drift");
        assertEquals(4, r.code(), r.toString());
        assertTrue(r.err().contains("HTTP 500 from http://127.0.0.1:") && r.err().contains(
                "The server had an error while processing your request. (gave up after 3 attempts)"), r.err());
        assertEquals(3, received.size());
        assertEquals("detect_drift_v1.py", current());
    }

    @Test
    void aBadKeyIsNotRetriedAndSaysWhichVariable() throws IOException {
        answers.add(new Canned(401, error("Incorrect API key provided: sk-test-123.", "invalid_request_error", "invalid_api_key"),
                null, 0));
        Cli.Result r = cli.run("regenerate", "detect_drift");
        assertEquals(4, r.code(), r.toString());
        assertTrue(r.err().contains("HTTP 401") && r.err().contains("Incorrect API key provided")
                && r.err().contains("(is OPENAI_API_KEY set to a valid key?)"), r.err());
        assertEquals(1, received.size());
        assertEquals(1, r.err().lines().count());
    }

    @Test
    void malformedAnswersDeployNothing() throws IOException {
        record Case(Canned answer, String error) {
        }
        for (Case c : List.of(
                new Case(new Canned(200, "<html>Bad gateway</html>", null, 0), "not JSON"),
                new Case(new Canned(200, "{\"choices\": []}", null, 0), "no choices"),
                new Case(new Canned(200, "{\"choices\": [{\"message\": {\"content\": null}}]}", null, 0),
                        "choices[0].message.content is not text"),
                new Case(new Canned(200, completion(GOOD, "length"), null, 0), "cut off at the model's token limit"),
                new Case(new Canned(200, completion("I cannot help with that.", "stop"), null, 0),
                        "does not define detect_drift()"))) {
            answers.add(c.answer());
            Cli.Result r = cli.run("regenerate", "detect_drift");
            assertEquals(4, r.code(), r.toString());
            assertTrue(r.err().contains(c.error()), c.error() + " in " + r.err());
            assertEquals("detect_drift_v1.py", current());
        }
        assertFalse(Files.exists(cli.store().resolve("detect_drift_v2.py")), "nothing was deployed");
    }

    @Test
    void aSlowServerTimesOut() throws IOException {
        answers.add(new Canned(200, completion(GOOD, "stop"), null, 3000));
        Cli.Result r = cli.run("regenerate", "detect_drift", "--timeout", "1");
        assertEquals(4, r.code(), r.toString());
        assertTrue(r.err().contains("within 1 s"), r.err());
        assertEquals("detect_drift_v1.py", current());
    }

    @Test
    void noModelIsABadSetting() throws IOException {
        Cli.Result r = cli.run("regenerate", "detect_drift", "--model", "");
        assertEquals(2, r.code(), r.toString());
        assertTrue(r.err().contains("the openai generator needs a model"), r.err());
        assertEquals(0, received.size());
    }
}
