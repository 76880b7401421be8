package dev.poet.testing;

import dev.poet.json.Json;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Assumptions;

/**
 * Headless Chromium driven through chromedriver's WebDriver protocol (plain HTTP and JSON), for
 * tests of the HTML poet serves. Debian's chromium and chromium-driver are needed: .ci/run
 * installs them and sets POET_REQUIRE_BROWSER=1, which turns their absence into a failure; a
 * developer without them sees the tests skipped, with the reason.
 */
public final class Browser implements AutoCloseable {
    private static final String ELEMENT = "element-6066-11e4-a52e-4f735466cecf";
    private final Process driver;
    private final URI base;
    private final String session;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();

    private Browser(Process driver, URI base, String session) {
        this.driver = driver;
        this.base = base;
        this.session = session;
    }

    public static Browser start(Path profile) throws Exception {
        boolean present = Files.isExecutable(Path.of("/usr/bin/chromium")) && Files.isExecutable(Path.of("/usr/bin/chromedriver"));
        if (!present) {
            if ("1".equals(System.getenv("POET_REQUIRE_BROWSER"))) {
                throw new AssertionError("chromium and chromedriver are required (apt-get install chromium chromium-driver)");
            }
            Assumptions.abort("no /usr/bin/chromium and /usr/bin/chromedriver: apt-get install chromium chromium-driver");
        }
        int port;
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort();
        }
        Process driver = new ProcessBuilder("/usr/bin/chromedriver", "--port=" + port)
                .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
        URI base = URI.create("http://127.0.0.1:" + port + "/");
        HttpClient http = HttpClient.newHttpClient();
        long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        while (true) {
            try {
                HttpResponse<String> r = http.send(HttpRequest.newBuilder(base.resolve("status")).build(),
                        HttpResponse.BodyHandlers.ofString());
                if (r.statusCode() == 200 && r.body().contains("\"ready\":true")) {
                    break;
                }
            } catch (IOException e) {
                // not up yet
            }
            if (System.nanoTime() > deadline) {
                driver.destroyForcibly();
                throw new AssertionError("chromedriver did not start");
            }
            Thread.sleep(50);
        }
        Map<String, Object> options = Maps.of("binary", "/usr/bin/chromium", "args", List.of("--headless", "--no-sandbox",
                "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
                "--disable-component-update", "--disable-sync", "--window-size=1000,800", "--user-data-dir=" + profile));
        Map<String, Object> caps = Maps.of("capabilities", Maps.of("alwaysMatch",
                Maps.of("browserName", "chrome", "goog:chromeOptions", options)));
        Browser b = new Browser(driver, base, null);
        Map<String, Object> created = b.call("POST", "session", caps);
        return new Browser(driver, base, (String) ((Map<?, ?>) created.get("value")).get("sessionId"));
    }

    @SuppressWarnings("unchecked")
    private Map<String, Object> call(String method, String path, Object body) throws Exception {
        HttpRequest.Builder rb = HttpRequest.newBuilder(base.resolve(path)).timeout(Duration.ofSeconds(60))
                .header("Content-Type", "application/json");
        rb = body == null ? rb.method(method, HttpRequest.BodyPublishers.noBody())
                : rb.method(method, HttpRequest.BodyPublishers.ofByteArray(Json.encode(body)));
        HttpResponse<String> r = http.send(rb.build(), HttpResponse.BodyHandlers.ofString());
        if (r.statusCode() != 200) {
            throw new AssertionError("chromedriver " + method + " " + path + ": HTTP " + r.statusCode() + " " + r.body());
        }
        return Json.parseObject(r.body().getBytes(StandardCharsets.UTF_8), "chromedriver");
    }

    private String s(String rest) {
        return "session/" + session + "/" + rest;
    }

    public void open(String url) throws Exception {
        call("POST", s("url"), Map.of("url", url));
    }

    public String find(String css) throws Exception {
        Map<String, Object> r = call("POST", s("element"), Map.of("using", "css selector", "value", css));
        return (String) ((Map<?, ?>) r.get("value")).get(ELEMENT);
    }

    /**
     * Waits up to {@code seconds} for an element to match, as a page loads after a click (the
     * click can return before the navigation it starts); true when one does.
     */
    public boolean waitFor(String css, double seconds) throws Exception {
        long deadline = System.nanoTime() + (long) (seconds * 1e9);
        while (true) {
            if (count(css) > 0) {
                return true;
            }
            if (System.nanoTime() > deadline) {
                return false;
            }
            Thread.sleep(50);
        }
    }

    /** How many elements match. */
    public int count(String css) throws Exception {
        Map<String, Object> r = call("POST", s("elements"), Map.of("using", "css selector", "value", css));
        return ((List<?>) r.get("value")).size();
    }

    /** The value of a JavaScript expression in the page (WebDriver runs it; the page's CSP does not apply). */
    public Object eval(String expression) throws Exception {
        return call("POST", s("execute/sync"), Map.of("script", "return " + expression + ";", "args", List.of())).get("value");
    }

    public void type(String css, String text) throws Exception {
        call("POST", s("element/" + find(css) + "/value"), Map.of("text", text));
    }

    public void click(String css) throws Exception {
        call("POST", s("element/" + find(css) + "/click"), Map.of());
    }

    public String text(String css) throws Exception {
        return (String) call("GET", s("element/" + find(css) + "/text"), null).get("value");
    }

    public String title() throws Exception {
        return (String) call("GET", s("title"), null).get("value");
    }

    public void screenshot(Path png) throws Exception {
        String b64 = (String) call("GET", s("screenshot"), null).get("value");
        Files.createDirectories(png.getParent());
        Files.write(png, Base64.getDecoder().decode(b64));
    }

    @Override
    public void close() {
        try {
            if (session != null) {
                call("DELETE", "session/" + session, null);
            }
        } catch (Exception e) {
            // the browser is going away anyway
        } finally {
            driver.destroy();
        }
    }
}
