package dev.poet;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.poet.event.EventLog;
import dev.poet.integrate.Secrets;
import dev.poet.json.Json;
import dev.poet.serve.PoetServer;
import dev.poet.store.NioStoreIO;
import dev.poet.store.Store;
import dev.poet.testing.Cli;
import java.io.IOException;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The hostile-input corpus (src/test/resources/hostile, made by make_corpus.py): malformed and
 * deeply nested JSON, huge numbers and strings, wrong types, invalid UTF-8, path-like ids, for
 * the CLI, every ingester and every HTTP endpoint. Each input is refused with a clear error and a
 * documented status; nothing is written to the store; the server stays up.
 */
class HostileInputTest {
    static final Path CORPUS = Paths.get("src/test/resources/hostile");

    @TempDir
    Path project;

    private static List<Path> files(String dir) throws IOException {
        try (Stream<Path> s = Files.list(CORPUS.resolve(dir))) {
            return s.sorted().toList();
        }
    }

    private long written(Path store) throws IOException {
        long n = 0;
        for (String d : List.of("events/pending", "events/tmp", "events/failed")) {
            try (Stream<Path> s = Files.list(store.resolve(d))) {
                n += s.count();
            }
        }
        return n;
    }

    @Test
    void theCorpusIsRefusedEverywhereAndNothingIsWritten() throws Exception {
        Cli cli = new Cli(FileSystems.getDefault(), project);
        assertEquals(0, cli.run("init").code());
        Path store = project.resolve(".poet");
        List<String> problems = new ArrayList<>();
        int inputs = 0;

        for (Path f : files("cli-event")) {
            inputs++;
            long before = written(store);
            Cli.Result r = cli.run("record", "--event", f.toAbsolutePath().toString());
            if (r.code() != 2 || !r.err().startsWith("poet") || r.err().strip().contains("\n") || written(store) != before) {
                problems.add("record --event " + f.getFileName() + ": exit " + r.code() + ", " + r.err().strip()
                        + ", written " + written(store));
            }
        }
        for (String source : List.of("pagerduty", "slack", "mlflow", "aws-cost")) {
            for (Path f : files("ingest-" + source)) {
                inputs++;
                long before = written(store);
                Cli.Result r = cli.run("--json", "ingest", source, f.toAbsolutePath().toString());
                Object accepted = r.out().isBlank() ? null
                        : Json.parseObject(r.out().getBytes(StandardCharsets.UTF_8), "report").get("accepted");
                boolean ok = (r.code() == 0 || r.code() == 2) && (accepted == null || Long.valueOf(0).equals(accepted))
                        && written(store) == before;
                if (!ok) {
                    problems.add("ingest " + source + " " + f.getFileName() + ": exit " + r.code() + ", " + r.out().strip()
                            + r.err().strip() + ", written " + written(store));
                }
            }
        }

        Map<String, String> env = Map.of(Secrets.FEEDBACK_TOKEN, "tok", Secrets.PAGERDUTY, "pd-secret",
                Secrets.SLACK, "slack-secret", Secrets.REVIEW_KEY, "rk", Secrets.EVENTS_TOKEN, "etok");
        try (PoetServer server = PoetServer.start(new EventLog(Store.open(store, NioStoreIO.INSTANCE), Clock.systemUTC()),
                Secrets.load(env, null), new PoetServer.Config("127.0.0.1", 0, 4))) {
            HttpClient http = HttpClient.newHttpClient();
            // the envelopes that poet record --event refuses, posted to POST /poet/events
            for (String kind : List.of("http-feedback", "http-pagerduty", "http-slack", "cli-event")) {
                for (Path f : files(kind)) {
                    inputs++;
                    long before = written(store);
                    byte[] body = Files.readAllBytes(f);
                    HttpRequest.Builder b;
                    switch (kind) {
                        case "http-feedback" -> b = HttpRequest.newBuilder(server.url().resolve("/poet/feedback"))
                                .header("Authorization", "Bearer tok").header("Content-Type", "application/json");
                        case "cli-event" -> b = HttpRequest.newBuilder(server.url().resolve("/poet/events"))
                                .header("Authorization", "Bearer etok");
                        case "http-pagerduty" -> b = HttpRequest.newBuilder(server.url().resolve("/webhooks/pagerduty"))
                                .header("X-PagerDuty-Signature", "v1=" + hmac("pd-secret", body));
                        default -> {
                            long ts = Instant.now().getEpochSecond();
                            byte[] base = ("v0:" + ts + ":").getBytes(StandardCharsets.UTF_8);
                            byte[] all = new byte[base.length + body.length];
                            System.arraycopy(base, 0, all, 0, base.length);
                            System.arraycopy(body, 0, all, base.length, body.length);
                            b = HttpRequest.newBuilder(server.url().resolve("/webhooks/slack"))
                                    .header("Content-Type", "application/x-www-form-urlencoded")
                                    .header("X-Slack-Request-Timestamp", String.valueOf(ts))
                                    .header("X-Slack-Signature", "v0=" + hmac("slack-secret", all));
                        }
                    }
                    HttpResponse<String> r = http.send(b.POST(HttpRequest.BodyPublishers.ofByteArray(body)).build(),
                            HttpResponse.BodyHandlers.ofString());
                    boolean refused = r.statusCode() == 400 || r.statusCode() == 401 || r.statusCode() == 413;
                    boolean ignored = r.statusCode() == 200 && r.body().contains("\"status\":\"ignored\"");
                    boolean jsonError = false;
                    try {
                        Map<String, Object> m = Json.parseObject(r.body().getBytes(StandardCharsets.UTF_8), "answer");
                        // /poet/events answers per line: nothing accepted, and every line's error said
                        jsonError = ignored || m.get("error") instanceof String
                                || (kind.equals("cli-event") && Long.valueOf(0).equals(m.get("accepted"))
                                    && m.get("results") instanceof List<?> l && !l.isEmpty()
                                    && l.stream().allMatch(x -> x instanceof Map<?, ?> xm && xm.get("error") instanceof String));
                    } catch (RuntimeException e) {
                        jsonError = false;
                    }
                    if (!(refused || ignored) || !jsonError || written(store) != before) {
                        problems.add(kind + " " + f.getFileName() + ": HTTP " + r.statusCode() + " " + r.body().strip()
                                + ", written " + written(store));
                    }
                    HttpResponse<String> health = http.send(HttpRequest.newBuilder(server.url().resolve("/healthz")).build(),
                            HttpResponse.BodyHandlers.ofString());
                    assertEquals(200, health.statusCode(), "the server stays up after " + f);
                }
            }
        }
        assertTrue(problems.isEmpty(), problems.size() + " of " + inputs + " hostile inputs got through or were refused"
                + " badly:\n" + String.join("\n", problems));
        assertTrue(inputs >= 300, "the corpus has at least 300 inputs: " + inputs);
    }

    private static String hmac(String key, byte[] body) throws Exception {
        Mac mac = Mac.getInstance("HmacSHA256");
        mac.init(new SecretKeySpec(key.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
        return HexFormat.of().formatHex(mac.doFinal(body));
    }
}
