package dev.poet.demo;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.poet.json.Json;
import dev.poet.testing.Browser;
import dev.poet.testing.Cli;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** poet demo on a real directory with real python3, and its report in a real headless browser. */
class DemoTest {
    @TempDir
    Path project;

    private Cli cli() {
        Cli cli = new Cli(FileSystems.getDefault(), project);
        cli.env.put("PATH", System.getenv("PATH"));
        return cli;
    }

    @Test
    @SuppressWarnings("unchecked")
    void theDemoLearnsAndTheFalsePositiveRateFalls() throws Exception {
        Cli cli = cli();
        Cli.Result r = cli.run("demo");
        assertEquals(0, r.code(), r.toString());
        assertTrue(r.out().contains("== weeks 1-4: running detect_drift with python3"), r.out());
        assertTrue(r.out().contains("seasonal adjustment on: 24 of 24 false positives"), r.out());
        assertTrue(r.out().contains("so it ran in shadow beside v2 in weeks 5-6"), "the switch was not deployed: " + r.out());
        assertTrue(r.out().contains("poet learn judged it on the same executions: keeps waiting: no significant difference"
                + " yet: false alerts shadow 0 vs live 0 on the same "), r.out());
        assertTrue(r.out().contains("false-positive rate  0.80 [0.63, 0.90]  n=30  0.00 [0.00, 0.56]  n=3"), r.out());
        assertTrue(r.out().contains("false alerts / exec  0.29 [0.20, 0.39]  n=84  0.00 [0.00, 0.08]  n=42"),
                "the alert receiver's burden falls too: " + r.out());
        assertTrue(r.out().contains("(held out, on 48 later executions: false alerts per execution 0.375 -> 0.0417, incidents caught 5 -> 5 of 5,"
                + " median detection delay 0 -> 0 executions, recall 1 -> 1"),
                "what was learned is judged on executions later than those it learned from: " + r.out());
        assertTrue(r.out().contains("the reviewer is simulated"), r.out());
        Path dir = project.resolve("poet-demo");
        assertTrue(Files.exists(dir.resolve(".poet/detect_drift_v2.py")), "the demo deployed v2");
        Path report = dir.resolve("report.html");
        assertTrue(Files.size(report) > 10_000, "the report has its charts (over 10 kB): " + Files.size(report) + " bytes");

        Cli.Result again = cli.run("--json", "demo");
        assertEquals(0, again.code(), "a demo directory may be replaced: " + again);
        Map<String, Object> m = Json.parseObject(again.out().getBytes(StandardCharsets.UTF_8), "demo");
        double before = (Double) ((Map<String, Object>) ((Map<String, Object>) m.get("before")).get("false_positive_rate")).get("value");
        double after = (Double) ((Map<String, Object>) ((Map<String, Object>) m.get("after")).get("false_positive_rate")).get("value");
        assertTrue(after < before, before + " -> " + after);
        assertEquals("v2", m.get("deployed"));
        assertEquals(false, ((Map<String, Object>) ((Map<String, Object>) m.get("after"))).isEmpty());
        Map<String, Object> shadow = (Map<String, Object>) m.get("shadow");
        assertEquals("waiting", shadow.get("state"), m.toString());
        assertEquals(42L, ((Map<String, Object>) shadow.get("comparison")).get("shadow_calls"),
                "the runtime ran the shadow on every call of weeks 5-6");

        try (Browser b = Browser.start(project.resolve("chromium-profile"))) {
            b.open(report.toUri().toString());
            assertEquals("poet report: detect_drift", b.title());
            for (String chart : List.of("chart-false-positives", "chart-missed", "chart-alerts", "chart-ack", "chart-cost",
                    "chart-reasons")) {
                assertTrue(b.count("#" + chart + " svg .series") >= 1, chart + " has a plotted series");
                assertEquals(0, b.count("#" + chart + " .nodata"), chart + " is not empty");
                Number width = (Number) b.eval("document.querySelector('#" + chart + " svg').getBoundingClientRect().width");
                assertTrue(width.doubleValue() > 300, chart + " is drawn at a readable size: " + width);
            }
            assertEquals(2, b.count("#chart-false-positives .series"), "one line per version");
            assertTrue(b.count("#chart-false-positives .marker") >= 2, "deploys are marked");
            assertTrue(b.count("#chart-alerts rect") > 10, "alert bars");
            assertTrue(b.text("#history").contains("a parameter revision by params"), b.text("#history"));
            assertTrue(b.text("#learned-rules").contains("0.375 → 0.042"), "v2's false alerts per execution on the later"
                    + " executions it was judged on: " + b.text("#learned-rules"));
            assertTrue(b.text("#versions").contains("alerts per execution"), b.text("#versions"));
            assertTrue(b.text("#versions").contains("incidents caught"), b.text("#versions"));
            assertTrue(b.text("#versions").contains("3 of 3"), "v2 caught its three incidents: " + b.text("#versions"));
            b.screenshot(Path.of("target/screenshots/report.png"));
        }
    }

    @Test
    void refusesADirectoryItDidNotMakeAndNeedsPython() throws Exception {
        Cli cli = cli();
        Files.createDirectories(project.resolve("mine"));
        Files.writeString(project.resolve("mine/notes.txt"), "keep me");
        Cli.Result r = cli.run("demo", "--dir", "mine");
        assertEquals(2, r.code(), r.toString());
        assertTrue(r.err().contains("was not made by poet demo; choose another with --dir"), r.err());
        assertEquals("keep me", Files.readString(project.resolve("mine/notes.txt")));

        Cli noPython = cli();
        noPython.env.put("PATH", "");
        Cli.Result np = noPython.run("demo", "--dir", "p");
        assertEquals(2, np.code(), np.toString());
        assertTrue(np.err().startsWith("poet: poet demo runs the sample function with python3, and there is none"), np.err());
        assertTrue(!Files.exists(project.resolve("p")), "nothing is made without python3, and no execution is faked");
    }
}
