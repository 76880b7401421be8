package dev.poet.integrate;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.poet.cli.PythonRuntimeTest;
import dev.poet.json.Json;
import dev.poet.testing.Cli;
import dev.poet.testing.Jvm;
import dev.poet.testing.Python3;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.URLDecoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The commands that send alerts out (PagerDuty, Slack), review links from Python, and poet serve as a process. */
class IntegrationCommandsTest {
    static final String EXEC = "6f1c0d9e-6b1f-4a53-9d6e-3f1a2b7c9e10";

    @TempDir
    Path project;
    Cli cli;

    @BeforeEach
    void store() {
        cli = new Cli(FileSystems.getDefault(), project);
        cli.env.put("PATH", System.getenv("PATH"));
        assertEquals(0, cli.run("init").code());
        Cli.Result r = cli.run("record", "execution.completed", "--function", "detect_drift", "--function-version", "v3",
                "--execution-id", EXEC, "--set", "success=true", "--set", "duration_ms=12", "--set", "drift_detected=true",
                "--set", "p_value=0.003", "--set", "feature=amount", "--set", "test=ks");
        assertEquals(0, r.code(), r.toString());
    }

    private static Map<String, Object> json(String s) {
        return Json.parseObject(s.getBytes(StandardCharsets.UTF_8), "out");
    }

    @Test
    @SuppressWarnings("unchecked")
    void pagerDutyTriggerBodyCarriesTheDedupKeyDetailsAndReviewLink() {
        cli.env.put(Secrets.REVIEW_KEY, "k");
        cli.env.put("POET_REVIEW_BASE_URL", "https://poet.example.com");
        Cli.Result r = cli.run("pagerduty-event", "--execution-id", EXEC, "--routing-key", "R0UT1NGKEY0123456789012345678901");
        assertEquals(0, r.code(), r.toString());
        Map<String, Object> body = json(r.out());
        assertEquals("trigger", body.get("event_action"));
        assertEquals("poet:" + EXEC, body.get("dedup_key"));
        assertEquals("R0UT1NGKEY0123456789012345678901", body.get("routing_key"));
        Map<String, Object> payload = (Map<String, Object>) body.get("payload");
        assertEquals("warning", payload.get("severity"));
        assertEquals("poet:detect_drift", payload.get("source"));
        assertTrue(((String) payload.get("summary")).startsWith("Drift detected by detect_drift v3 on amount"),
                "the summary names function, version and feature: " + payload.get("summary"));
        assertEquals(EXEC, ((Map<String, Object>) payload.get("custom_details")).get("execution_id"));
        String href = (String) ((Map<String, Object>) ((List<Object>) body.get("links")).get(0)).get("href");
        assertTrue(href.startsWith("https://poet.example.com/poet/review/" + EXEC + "?token="), href);
        assertEquals(5, cli.run("pagerduty-event", "--execution-id", "nope", "--routing-key", "x").code());
    }

    @Test
    @SuppressWarnings("unchecked")
    void slackMessageHasTheVerdictButtons() {
        Cli.Result r = cli.run("slack-message", "--execution-id", EXEC);
        assertEquals(0, r.code(), r.toString());
        List<Object> blocks = (List<Object>) json(r.out()).get("blocks");
        Map<String, Object> actions = (Map<String, Object>) blocks.stream()
                .filter(b -> "actions".equals(((Map<String, Object>) b).get("type"))).findFirst().orElseThrow();
        List<Object> buttons = (List<Object>) actions.get("elements");
        assertEquals(List.of("poet_real_drift", "poet_false_positive"),
                buttons.stream().map(b -> ((Map<String, Object>) b).get("action_id")).toList());
        assertEquals(EXEC, ((Map<String, Object>) buttons.get(0)).get("value"));
        assertTrue(r.out().contains("\"action_id\" : \"poet_reason\""), "a reason input the payload's state carries");
    }

    @Test
    void reviewLinksNeedAKeyAndABaseUrl() throws IOException {
        Cli.Result noKey = cli.run("review-link", "--execution-id", EXEC, "--base-url", "http://localhost:8787");
        assertEquals(2, noKey.code());
        assertTrue(noKey.err().contains("a review link needs POET_REVIEW_KEY"), noKey.err());
        Path secrets = project.resolve(".poet/secrets.json");
        Files.writeString(secrets, "{\"review_key\": \"from-file\"}");
        Files.setPosixFilePermissions(secrets, PosixFilePermissions.fromString("rw-r--r--"));
        Cli.Result open = cli.run("review-link", "--execution-id", EXEC, "--base-url", "http://localhost:8787");
        assertEquals(2, open.code());
        assertTrue(open.err().contains("can be read or written by others; run chmod 600"), open.err());
        Files.setPosixFilePermissions(secrets, PosixFilePermissions.fromString("rw-------"));
        Cli.Result ok = cli.run("--json", "review-link", "--execution-id", EXEC, "--base-url", "http://localhost:8787/",
                "--expires", "2h");
        assertEquals(0, ok.code(), ok.toString());
        String url = (String) json(ok.out()).get("url");
        String token = URLDecoder.decode(url.substring(url.indexOf("token=") + 6), StandardCharsets.UTF_8);
        // judged under the clock that made the link: valid for exactly two hours, then refused
        Instant made = cli.clock.instant();
        ReviewTokens.check("from-file", EXEC, token, made);
        ReviewTokens.check("from-file", EXEC, token, made.plusSeconds(7200));
        Rejected late = assertThrows(Rejected.class, () -> ReviewTokens.check("from-file", EXEC, token, made.plusSeconds(7201)));
        assertEquals("the review link expired at " + made.plusSeconds(7200), late.getMessage());
        assertEquals(2, cli.run("review-link", "--execution-id", EXEC).code(), "no base URL anywhere");
    }

    /** The runtime adds feedback_url to results that detected drift, with a token Java accepts. */
    @Test
    @SuppressWarnings("unchecked")
    void thePythonRuntimeAddsASignedFeedbackUrl() {
        cli.write("detect.py", PythonRuntimeTest.DETECT);
        assertEquals(0, cli.run("enhance", "detect_drift", "--from", "detect.py").code());
        Python3.Run run = Python3.run(project, Map.of("PYTHONPATH", project.resolve(".poet").toString(), "PYTHONDONTWRITEBYTECODE", "1",
                "POET_REVIEW_BASE_URL", "https://poet.example.com/", "POET_REVIEW_KEY", "py-key"),
                "import json, poet_runtime\n"
                        + "m = poet_runtime.load('detect_drift')\n"
                        + "print(json.dumps(m.detect_drift([1, 2, 3], [5, 6, 7])))\n"
                        + "print(json.dumps(m.detect_drift([1, 2, 3], [1, 2, 3])))\n");
        assertEquals(0, run.code(), run.err());
        List<String> lines = run.out().lines().toList();
        Map<String, Object> drift = json(lines.get(0));
        String url = (String) drift.get("feedback_url");
        String exec = (String) drift.get("execution_id");
        assertTrue(url.startsWith("https://poet.example.com/poet/review/" + exec + "?token="), url);
        ReviewTokens.check("py-key", exec, URLDecoder.decode(url.substring(url.indexOf("token=") + 6), StandardCharsets.UTF_8),
                Instant.now());
        assertNull(json(lines.get(1)).get("feedback_url"), "no link when no drift was detected");
    }

    /** poet serve as a real process: --port 0, the URL on the first line, disabled endpoints named, SIGTERM stops it. */
    @Test
    void serveAsAProcess() throws Exception {
        ProcessBuilder pb = new ProcessBuilder(Jvm.poet(List.of(), "--store", project.resolve(".poet").toString(),
                "serve", "--port", "0"));
        pb.environment().put(Secrets.FEEDBACK_TOKEN, "tok");
        pb.redirectError(project.resolve("serve.err").toFile());
        Process p = pb.start();
        try {
            BufferedReader out = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
            String first = out.readLine();
            assertTrue(first != null && first.matches("http://127\\.0\\.0\\.1:[0-9]+/"), "first line: " + first);
            HttpClient http = HttpClient.newHttpClient();
            HttpResponse<String> health = http.send(HttpRequest.newBuilder(URI.create(first + "healthz")).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertEquals(200, health.statusCode());
            HttpResponse<String> fb = http.send(HttpRequest.newBuilder(URI.create(first + "poet/feedback"))
                    .header("Authorization", "Bearer tok").header("Content-Type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofString("{\"execution_id\":\"" + EXEC + "\",\"was_real_drift\":false}"))
                    .build(), HttpResponse.BodyHandlers.ofString());
            assertEquals(200, fb.statusCode(), fb.body());
            String id = (String) ((List<?>) json(fb.body()).get("events")).get(0);
            // durable before the answer: in pending/ (in a group-commit batch file) when the answer arrives
            boolean inPending = false;
            try (java.util.stream.Stream<java.nio.file.Path> files = Files.list(project.resolve(".poet/events/pending"))) {
                for (java.nio.file.Path f : files.toList()) {
                    if (dev.poet.store.Batches.isBatchName(f.getFileName().toString())) {
                        for (byte[] line : dev.poet.store.Batches.lines(Files.readAllBytes(f))) {
                            inPending |= dev.poet.store.Batches.startsWithId(line, id);
                        }
                    }
                }
            }
            assertTrue(inPending, "durable before the answer: " + id);
        } finally {
            p.destroy();
            assertTrue(p.waitFor(20, TimeUnit.SECONDS), "poet serve stopped within 20 s of SIGTERM");
        }
        String err = Files.readString(project.resolve("serve.err"));
        assertTrue(err.contains("poet serve: not serving /webhooks/slack: POET_SLACK_SIGNING_SECRET is not set"), err);
        assertTrue(err.contains("\"POST /poet/feedback\" 200"), err);
    }
}
