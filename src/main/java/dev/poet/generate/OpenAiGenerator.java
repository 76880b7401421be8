package dev.poet.generate;

import dev.poet.PoetException;
import dev.poet.Status;
import dev.poet.json.Json;
import java.io.IOException;
import java.io.InputStream;
import java.net.ConnectException;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;

/**
 * The {@code openai} generator: one chat completion from any OpenAI-compatible endpoint
 * (OpenAI, vLLM, Ollama, llama.cpp server). Rate limits (429) and server errors (5xx) and
 * refused connections are retried with exponential backoff and jitter, honouring
 * {@code Retry-After}; any other error, a timeout, or an answer not in the API's format is a
 * {@link Status#REJECTED} error naming what came back.
 */
public final class OpenAiGenerator implements Generator {
    /** The settings, from poet.json's {@code generator} and the environment. */
    public record Config(String baseUrl, String model, String apiKey, String apiKeyEnv, Duration timeout, int maxRetries,
                         Duration retryBase, Double temperature) {
    }

    static final String SYSTEM = "You improve Python functions. Answer with the complete Python module only.";
    private static final int MAX_BODY = 4 * 1024 * 1024;
    private static final Duration MAX_WAIT = Duration.ofSeconds(60);

    private final Config config;
    private final URI endpoint;
    private final HttpClient client;

    public OpenAiGenerator(Config config) {
        if (config.model() == null || config.model().isBlank()) {
            throw PoetException.invalid("the openai generator needs a model (--model or poet.json generator.model)");
        }
        String base = config.baseUrl() == null ? "https://api.openai.com/v1" : config.baseUrl();
        try {
            URI u = new URI(base.endsWith("/") ? base + "chat/completions" : base + "/chat/completions");
            if (!"http".equals(u.getScheme()) && !"https".equals(u.getScheme()) || u.getHost() == null) {
                throw new URISyntaxException(base, "not an http(s) URL");
            }
            this.endpoint = u;
        } catch (URISyntaxException e) {
            throw PoetException.invalid("generator base URL '" + base + "' is not an http(s) URL");
        }
        this.config = config;
        this.client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();
    }

    public URI endpoint() {
        return endpoint;
    }

    @Override
    public String generate(String prompt) throws IOException {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("model", config.model());
        body.put("messages", List.of(message("system", SYSTEM), message("user", prompt)));
        if (config.temperature() != null) {
            body.put("temperature", config.temperature());
        }
        HttpRequest.Builder rb = HttpRequest.newBuilder(endpoint).timeout(config.timeout())
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofByteArray(Json.encode(body)));
        if (config.apiKey() != null && !config.apiKey().isEmpty()) {
            rb.header("Authorization", "Bearer " + config.apiKey());
        }
        HttpRequest request = rb.build();
        String last = null;
        for (int attempt = 0; attempt <= config.maxRetries(); attempt++) {
            Duration wait = null;
            try {
                HttpResponse<InputStream> r = client.send(request, HttpResponse.BodyHandlers.ofInputStream());
                byte[] raw;
                try (InputStream in = r.body()) {
                    raw = in.readNBytes(MAX_BODY + 1);
                }
                if (raw.length > MAX_BODY) {
                    throw rejected("the answer from " + endpoint + " is over " + (MAX_BODY >> 20) + " MiB");
                }
                int code = r.statusCode();
                if (code == 200) {
                    return content(raw);
                }
                last = "HTTP " + code + " from " + endpoint + ": " + errorMessage(raw);
                if (code != 429 && code < 500) {
                    throw rejected(last + (code == 401 || code == 403 ? " (is " + keyName() + " set to a valid key?)" : ""));
                }
                wait = retryAfter(r.headers().firstValue("Retry-After").orElse(null));
            } catch (HttpTimeoutException e) {
                throw rejected("no answer from " + endpoint + " within " + config.timeout().toSeconds() + " s");
            } catch (ConnectException e) {
                last = "cannot connect to " + endpoint + ": " + (e.getMessage() == null ? "connection refused" : e.getMessage());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new PoetException(Status.FAILURE, "interrupted while waiting for " + endpoint);
            }
            if (attempt == config.maxRetries()) {
                break;
            }
            long base = config.retryBase().toMillis() << Math.min(attempt, 16);
            long sleep = wait != null ? wait.toMillis() : base + ThreadLocalRandom.current().nextLong(base / 2 + 1);
            try {
                Thread.sleep(Math.min(sleep, MAX_WAIT.toMillis()));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new PoetException(Status.FAILURE, "interrupted while waiting to retry " + endpoint);
            }
        }
        throw rejected(last + " (gave up after " + (config.maxRetries() + 1) + " attempts)");
    }

    private String keyName() {
        return config.apiKeyEnv() == null ? "the API key variable" : config.apiKeyEnv();
    }

    private static Map<String, Object> message(String role, String content) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("role", role);
        m.put("content", content);
        return m;
    }

    /** {@code choices[0].message.content} of a chat completion, or why there is none. */
    private String content(byte[] raw) {
        Object parsed;
        try {
            parsed = Json.parse(raw, "the answer");
        } catch (PoetException e) {
            throw rejected("malformed answer from " + endpoint + ": not JSON (" + e.getMessage() + ")");
        }
        if (!(parsed instanceof Map)) {
            throw rejected("malformed answer from " + endpoint + ": not a JSON object");
        }
        Object choices = ((Map<?, ?>) parsed).get("choices");
        if (!(choices instanceof List) || ((List<?>) choices).isEmpty() || !(((List<?>) choices).get(0) instanceof Map)) {
            throw rejected("malformed answer from " + endpoint + ": no choices");
        }
        Map<?, ?> choice = (Map<?, ?>) ((List<?>) choices).get(0);
        Object message = choice.get("message");
        if (!(message instanceof Map)) {
            throw rejected("malformed answer from " + endpoint + ": choices[0] has no message");
        }
        Object refusal = ((Map<?, ?>) message).get("refusal");
        if (refusal instanceof String && !((String) refusal).isEmpty()) {
            throw rejected("the model refused: " + oneLine((String) refusal));
        }
        Object content = ((Map<?, ?>) message).get("content");
        if (!(content instanceof String)) {
            throw rejected("malformed answer from " + endpoint + ": choices[0].message.content is not text");
        }
        if ("length".equals(choice.get("finish_reason"))) {
            throw rejected("the answer was cut off at the model's token limit (finish_reason: length)");
        }
        return (String) content;
    }

    /** The API's {@code error.message}, else the first line of the body. */
    private static String errorMessage(byte[] raw) {
        try {
            Object parsed = Json.parse(raw, "the error");
            if (parsed instanceof Map) {
                Object err = ((Map<?, ?>) parsed).get("error");
                if (err instanceof Map && ((Map<?, ?>) err).get("message") instanceof String) {
                    return oneLine((String) ((Map<?, ?>) err).get("message"));
                }
                if (err instanceof String) {
                    return oneLine((String) err);
                }
            }
        } catch (PoetException e) {
            // not JSON: show the text
        }
        String text = new String(raw, 0, Math.min(raw.length, 300), StandardCharsets.UTF_8).strip();
        return text.isEmpty() ? "(empty body)" : oneLine(text);
    }

    private static String oneLine(String s) {
        String line = s.strip().lines().findFirst().orElse("");
        return line.length() > 300 ? line.substring(0, 300) + "..." : line;
    }

    /** Retry-After in seconds (HTTP dates are rare from these APIs and fall back to backoff). */
    static Duration retryAfter(String header) {
        if (header == null) {
            return null;
        }
        try {
            double s = Double.parseDouble(header.strip());
            return s >= 0 && s < 3600 ? Duration.ofMillis((long) (s * 1000)) : null;
        } catch (NumberFormatException e) {
            return null;
        }
    }

    private static PoetException rejected(String msg) {
        return new PoetException(Status.REJECTED, msg);
    }
}
