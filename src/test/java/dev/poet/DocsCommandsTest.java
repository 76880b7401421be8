package dev.poet;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.poet.json.Json;
import dev.poet.testing.Cli;
import dev.poet.testing.Maps;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every poet command the docs show in a {@code ```sh} block runs, in order, against the store
 * {@code poet demo} makes, and succeeds; so the docs cannot rot. Blocks fenced {@code ```shell}
 * are illustrations that need something this test does not have (a tracking server, a cloud
 * account). {@code poet serve} runs until stopped and is left to IntegrationCommandsTest. Placeholders are replaced with real ids of the demo store;
 * pipes and redirections keep only their poet part.
 */
class DocsCommandsTest {
    @TempDir
    Path work;

    /** A command found in a doc, with where it was. */
    record DocCommand(String where, String line) {
    }

    static List<DocCommand> extract(Path doc) throws IOException {
        List<DocCommand> out = new ArrayList<>();
        List<String> lines = Files.readAllLines(doc);
        boolean inSh = false;
        StringBuilder pending = null;
        int start = 0;
        for (int i = 0; i < lines.size(); i++) {
            String l = lines.get(i);
            if (l.startsWith("```")) {
                inSh = !inSh && l.strip().equals("```sh");
                continue;
            }
            if (!inSh) {
                continue;
            }
            if (pending != null) {
                pending.append(' ').append(l.strip());
            } else if (l.startsWith("poet ") || l.startsWith("POET_")) {
                pending = new StringBuilder(l.strip());
                start = i + 1;
            } else {
                continue;
            }
            if (pending.toString().endsWith("\\")) {
                pending.setLength(pending.length() - 1);
                continue;
            }
            out.add(new DocCommand(doc + ":" + start, pending.toString()));
            pending = null;
        }
        return out;
    }

    /** Shell words: spaces separate, '...' and "..." quote; a comment, a pipe or a redirection ends the command. */
    static List<String> words(String line) {
        List<String> w = new ArrayList<>();
        StringBuilder cur = null;
        char quote = 0;
        for (int i = 0; i < line.length(); i++) {
            char c = line.charAt(i);
            if (quote != 0) {
                if (c == quote) {
                    quote = 0;
                } else {
                    cur.append(c);
                }
            } else if (c == '\'' || c == '"') {
                quote = c;
                if (cur == null) {
                    cur = new StringBuilder();
                }
            } else if (c == ' ') {
                if (cur != null) {
                    w.add(cur.toString());
                    cur = null;
                }
            } else if ((c == '#' || c == '|' || c == '>' || c == '&') && cur == null) {
                break;
            } else {
                if (cur == null) {
                    cur = new StringBuilder();
                }
                cur.append(c);
            }
        }
        if (cur != null) {
            w.add(cur.toString());
        }
        return w;
    }

    private static List<Path> docs() throws IOException {
        List<Path> out = new ArrayList<>(List.of(Paths.get("README.md")));
        try (Stream<Path> s = Files.walk(Paths.get("docs"))) {
            s.filter(p -> p.toString().endsWith(".md")).sorted().forEach(out::add);
        }
        return out;
    }

    private void fixtures(Path dir, String exec) throws IOException {
        Files.writeString(dir.resolve("detect.py"), "def detect_drift(reference, current, threshold=0.05):\n"
                + "    return {'drift_detected': False, 'p_value': 0.5}\n");
        Files.writeString(dir.resolve("params.json"), "{\"threshold\": 0.05}\n");
        Map<String, Object> pd = Maps.of("event", Maps.of("id", "01DOCS", "event_type", "incident.acknowledged",
                "resource_type", "incident", "occurred_at", "2026-11-20T08:10:00Z",
                "agent", Maps.of("id", "PLH1HKV", "summary", "Tenex Engineer", "type", "user_reference"),
                "data", Maps.of("id", "PDOCS1", "type", "incident", "incident_key", "poet:" + exec, "status", "acknowledged")));
        Files.write(dir.resolve("webhooks.jsonl"), Json.encodeLine(pd));
        Map<String, Object> slack = Maps.of("type", "block_actions", "user", Maps.of("id", "U1", "username", "bob"),
                "actions", List.of(Maps.of("action_id", "poet_false_positive", "value", exec, "action_ts", "1763626200.000100")));
        Files.write(dir.resolve("interactions.txt"), Json.encodeLine(slack));
        Map<String, Object> run = Maps.of("info", Maps.of("run_id", "docsrun1", "end_time", 1763626200000L),
                "data", Maps.of("tags", List.of(Maps.of("key", "poet.drift_validation", "value", "real_drift"),
                        Maps.of("key", "poet.execution_id", "value", exec))));
        Files.write(dir.resolve("saved-runs-search.json"), Json.encodeLine(Maps.of("runs", List.of(run))));
        Files.writeString(dir.resolve("revenue.csv"), "timestamp,model,revenue,conversion_rate\n"
                + "2026-11-20T08:00:00Z,checkout,100,0.03\n");
        Files.write(dir.resolve("retrainings.jsonl"), Json.encodeLine(Maps.of("model", "churn", "reason", "drift_alert_" + exec,
                "performance_before", 0.8, "performance_after", 0.84)));
        Files.write(dir.resolve("cost.json"), Json.encodeLine(Maps.of("ResultsByTime", List.of(Maps.of(
                "TimePeriod", Maps.of("Start", "2026-11-20", "End", "2026-11-21"), "Groups", List.of(
                        Maps.of("Keys", List.of("poet:execution_id$" + exec), "Metrics",
                                Maps.of("UnblendedCost", Maps.of("Amount", "0.0042", "Unit", "USD"))),
                        Maps.of("Keys", List.of("poet:execution_id$"), "Metrics",
                                Maps.of("UnblendedCost", Maps.of("Amount", "1.20", "Unit", "USD")))))))));
        Files.write(dir.resolve("events.jsonl"), Json.encodeLine(Maps.of("type", "alert.acknowledged", "time",
                "2026-11-20T09:00:00Z", "source", "docs", "data", Maps.of("alert_id", "PD123", "acknowledged_by", "alice"))));
    }

    @Test
    void everyCommandInTheDocsRuns() throws Exception {
        Cli cli = new Cli(FileSystems.getDefault(), work);
        cli.env.put("PATH", System.getenv("PATH"));
        Cli.Result demo = cli.run("demo");
        assertEquals(0, demo.code(), demo.toString());
        cli.cwd = work.resolve("poet-demo");
        String exec = null;
        String eventId = null;
        for (String l : cli.run("--json", "events", "list", "--type", "execution.completed").out().split("\n")) {
            Map<String, Object> e = Json.parseObject(l.getBytes(StandardCharsets.UTF_8), "e");
            if (Boolean.TRUE.equals(((Map<?, ?>) e.get("data")).get("drift_detected"))) {
                exec = (String) e.get("execution_id");
                eventId = (String) e.get("id");
            }
        }
        fixtures(cli.cwd, exec);
        cli.env.put("POET_REVIEW_KEY", "docs-key");
        cli.env.put("POET_FEEDBACK_TOKEN", "docs-token");
        cli.env.put("PD_ROUTING_KEY", "R0UT1NG");
        int ran = 0;
        List<String> failures = new ArrayList<>();
        for (Path doc : docs()) {
            for (DocCommand c : extract(doc)) {
                String line = c.line().replace("6f1c0d9e-6b1f-4a53-9d6e-3f1a2b7c9e10", exec).replace("6f1c0d9e-...", exec)
                        .replace("01JDX3J8V6Q6N7W3KXQ1ZP4M2B", eventId).replace("\"$PD_ROUTING_KEY\"", "R0UT1NG")
                        .replace("$PD_ROUTING_KEY", "R0UT1NG");
                List<String> w = words(line);
                while (!w.isEmpty() && w.get(0).matches("[A-Z_]+=.*")) {
                    String[] kv = w.remove(0).split("=", 2);
                    cli.env.put(kv[0], kv[1]);
                }
                if (w.isEmpty() || !w.get(0).equals("poet")) {
                    continue;
                }
                if (w.size() > 1 && w.get(1).equals("serve")) {
                    continue; // runs until stopped: IntegrationCommandsTest starts it as a process
                }
                Cli.Result r = cli.run(w.subList(1, w.size()).toArray(new String[0]));
                ran++;
                if (r.code() != 0) {
                    failures.add(c.where() + ": " + c.line() + "\n    exit " + r.code() + ": " + r.err().strip());
                }
            }
        }
        assertTrue(failures.isEmpty(), failures.size() + " of " + ran + " documented commands failed:\n"
                + String.join("\n", failures));
        assertTrue(ran > 40, "the docs show commands: " + ran);
    }
}
