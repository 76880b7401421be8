package dev.poet.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.common.jimfs.Configuration;
import dev.poet.Status;
import dev.poet.json.Json;
import dev.poet.testing.Cli;
import dev.poet.testing.FaultyStoreIO;
import dev.poet.testing.Trees;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

class StoreCommandsTest {
    static final String DETECT = "def detect_drift(reference, current, threshold=0.05):\n"
            + "    return {\"drift_detected\": False, \"p_value\": 0.5}\n";

    private static Map<String, Object> json(Cli.Result r) {
        return Json.parseObject(r.out().getBytes(StandardCharsets.UTF_8), "stdout");
    }

    @Test
    void initCreatesTheLayoutAndIsHarmlessTwice() throws IOException {
        Cli cli = Cli.jimfs();
        Cli.Result r = cli.run("init");
        assertEquals(0, r.code(), r.toString());
        assertEquals("Initialized poet store in /work/project/.poet\n", r.out());
        for (String d : List.of("events/tmp", "events/pending", "events/processed", "events/failed", "locks")) {
            assertTrue(Files.isDirectory(cli.store().resolve(d)), d);
        }
        Map<String, Object> settings = Json.parseObject(Files.readAllBytes(cli.store().resolve("poet.json")), "poet.json");
        assertEquals(1L, settings.get("format"));
        assertTrue(Files.readString(cli.store().resolve("poet_runtime.py")).contains("def record("),
                "init writes the Python runtime");
        Files.writeString(cli.store().resolve("poet.json"), "{\"format\": 1, \"custom\": true}\n");
        var before = Trees.snapshot(cli.store());
        r = cli.run("--json", "init");
        assertEquals(0, r.code());
        assertEquals(Map.of("store", "/work/project/.poet", "created", false), json(r));
        assertEquals(before, Trees.snapshot(cli.store()), "a second init keeps settings and changes nothing");
    }

    @Test
    void commandsOutsideAStoreFailWithOneLineAndExitThree() {
        Cli cli = Cli.jimfs();
        for (String[] args : List.of(new String[] {"status"}, new String[] {"feedback", "--execution-id", "e", "--real-drift"},
                new String[] {"events", "list"})) {
            Cli.Result r = cli.run(args);
            assertEquals(Status.NO_STORE.code(), r.code());
            assertEquals("poet: no .poet store in /work/project or any parent; create one with 'poet init', "
                    + "or name one with --store DIR or POET_STORE\n", r.err());
        }
    }

    @Test
    void theStoreIsFoundByFlagThenEnvironmentThenUpwardSearch() throws IOException {
        Cli cli = Cli.jimfs();
        cli.run("init", "/srv/a");
        cli.run("init", "/srv/b");
        cli.run("init");
        cli.cwd = cli.cwd.resolve("sub/dir");
        Files.createDirectories(cli.cwd);
        assertEquals("/work/project/.poet", json(cli.run("--json", "status")).get("store"));
        cli.env.put("POET_STORE", "/srv/a");
        assertEquals("/srv/a/.poet", json(cli.run("--json", "status")).get("store"));
        assertEquals("/srv/b/.poet", json(cli.run("status", "--json", "--store", "/srv/b/.poet")).get("store"));
        cli.env.put("POET_STORE", "/srv/nothing");
        Cli.Result r = cli.run("status");
        assertEquals(3, r.code());
        assertTrue(r.err().startsWith("poet: POET_STORE names /srv/nothing, which is not a poet store"), r.err());
    }

    @Test
    void anIncompleteStoreIsReportedWithTheRepair() throws IOException {
        Cli cli = Cli.jimfs();
        cli.run("init");
        Files.delete(cli.store().resolve("events/failed"));
        Cli.Result r = cli.run("status");
        assertEquals(3, r.code());
        assertEquals("poet: store /work/project/.poet is incomplete: events/failed is missing; run 'poet init "
                + "/work/project/.poet' to repair it\n", r.err());
        assertEquals(0, cli.run("init").code());
        assertEquals(0, cli.run("status").code());
    }

    @Test
    void enhanceStoresVersionsSwapsCurrentAndRecordsHistoryAndEvents() throws IOException {
        Cli cli = Cli.jimfs();
        cli.run("init");
        cli.write("detect.py", DETECT);
        cli.write("params.json", "{\"threshold\": 0.05, \"window_size\": 7}");
        cli.write("poet_config.json", "{\"domain\": \"ml_monitoring\"}");
        cli.write("detect.na", "def detect_drift() -> dict: pass");
        Cli.Result r = cli.run("enhance", "detect_drift", "--from", "detect.py", "--params", "params.json",
                "--config", "poet_config.json", "--source-file", "detect.na");
        assertEquals(0, r.code(), r.toString());
        assertEquals("Deployed detect_drift v1: detect_drift_current.py -> detect_drift_v1.py\n", r.out());
        Path store = cli.store();
        assertEquals(Paths.get("detect_drift_v1.py").toString(),
                Files.readSymbolicLink(store.resolve("detect_drift_current.py")).toString());
        String v1 = Files.readString(store.resolve("detect_drift_v1.py"));
        assertTrue(v1.startsWith("# poet: detect_drift v1 from detect.py."), v1);
        assertTrue(v1.contains(DETECT), v1);
        assertTrue(v1.endsWith("detect_drift = _poet_runtime.instrument(detect_drift, function=\"detect_drift\", version=\"v1\")\n"),
                "the stored version ends with the instrumenting line naming v1");
        assertEquals(Map.of("threshold", 0.05, "window_size", 7L),
                Json.parseObject(Files.readAllBytes(store.resolve("detect_drift_params.json")), "p"));
        assertTrue(Files.exists(store.resolve("sources/detect_drift_v1_detect.na")), "the source file is kept under sources/");

        cli.write("detect2.py", DETECT.replace("0.5", "0.7"));
        r = cli.run("--json", "enhance", "detect_drift", "--from", "detect2.py");
        assertEquals(0, r.code(), r.toString());
        Map<String, Object> out = json(r);
        assertEquals("v2", out.get("version"));
        assertEquals("v1", out.get("previous_version"));
        assertEquals(false, out.get("params_written"), "params are kept when none are given");
        assertEquals("detect_drift_v2.py", Files.readSymbolicLink(store.resolve("detect_drift_current.py")).toString());
        assertTrue(Files.exists(store.resolve("detect_drift_v1.py")), "old versions stay");

        List<String> history = Files.readAllLines(store.resolve("detect_drift_history.jsonl"));
        assertEquals(3, history.size(), "v1, v2, and v1 in shadow for v2's probation: " + history);
        Map<String, Object> h2 = Json.parseObject(history.get(1).getBytes(StandardCharsets.UTF_8), "h");
        assertEquals("deploy", h2.get("action"));
        assertEquals("v2", h2.get("version"));
        assertEquals("v1", h2.get("previous_version"));
        Map<String, Object> h3 = Json.parseObject(history.get(2).getBytes(StandardCharsets.UTF_8), "h");
        assertEquals("shadow_started", h3.get("action"));
        assertEquals("v1", h3.get("shadow_version"));

        Cli.Result list = cli.run("--json", "events", "list", "--function", "detect_drift", "--type", "enhancement.*");
        List<String> types = list.out().lines().map(l -> (String) Json.parseObject(l.getBytes(StandardCharsets.UTF_8), "l")
                .get("type")).toList();
        assertEquals(List.of("enhancement.requested", "enhancement.completed", "enhancement.requested",
                "enhancement.completed"), types);
        Map<String, Object> first = Json.parseObject(list.out().lines().findFirst().orElseThrow().getBytes(StandardCharsets.UTF_8), "l");
        @SuppressWarnings("unchecked")
        Map<String, Object> data = (Map<String, Object>) first.get("data");
        // the Aitomatic contract's names (issue 17): the config as enhancement_config, the source's text as dana_source
        assertEquals(Map.of("domain", "ml_monitoring"), data.get("enhancement_config"));
        assertEquals("/work/project/detect.na", data.get("source_file"));
        assertEquals(cli.read(cli.cwd.resolve("detect.na")), data.get("dana_source"));
    }

    @Test
    void enhanceRefusesBadCodeAndBadNamesAndChangesNothing() throws IOException {
        Cli cli = Cli.jimfs();
        cli.run("init");
        cli.write("other.py", "def something_else():\n    pass\n");
        cli.write("empty.py", "  \n");
        cli.write("detect.py", DETECT);
        cli.write("bad_params.json", "[1, 2]");
        var before = Trees.snapshot(cli.store());
        record Case(String[] args, String err) {
        }
        List<Case> cases = List.of(
                new Case(new String[] {"enhance", "detect_drift", "--from", "other.py"},
                        "poet: the code does not define detect_drift() at top level\n"),
                new Case(new String[] {"enhance", "detect_drift", "--from", "empty.py"},
                        "poet: the code for detect_drift is empty\n"),
                new Case(new String[] {"enhance", "../../etc/passwd", "--from", "detect.py"},
                        "poet: invalid function name '../../etc/passwd': must be a Python identifier of at most 128 characters\n"),
                new Case(new String[] {"enhance", "detect_drift", "--from", "detect.py", "--params", "bad_params.json"},
                        "poet: --params bad_params.json must be a JSON object, got array\n"),
                new Case(new String[] {"enhance", "detect_drift", "--from", "nope.py"},
                        "poet: --from: no such file /work/project/nope.py\n"));
        for (Case c : cases) {
            Cli.Result r = cli.run(c.args());
            assertEquals(2, r.code(), r.toString());
            assertEquals(c.err(), r.err());
        }
        assertEquals(before, Trees.snapshot(cli.store()));
    }

    @Test
    @SuppressWarnings("unchecked")
    void statusShowsFunctionsVersionsParamsCountsAndProblems() throws IOException {
        Cli cli = Cli.jimfs();
        cli.run("init");
        cli.write("detect.py", DETECT);
        cli.write("params.json", "{\"threshold\": 0.05}");
        cli.run("enhance", "detect_drift", "--from", "detect.py", "--params", "params.json");
        cli.run("feedback", "--execution-id", "e1", "--real-drift");
        Map<String, Object> s = json(cli.run("--json", "status"));
        List<Map<String, Object>> fns = (List<Map<String, Object>>) s.get("functions");
        assertEquals(1, fns.size());
        assertEquals("detect_drift", fns.get(0).get("name"));
        assertEquals("v1", fns.get(0).get("current"));
        assertEquals(List.of("v1"), fns.get(0).get("versions"));
        assertEquals(Map.of("threshold", 0.05), fns.get(0).get("params"));
        assertEquals(Map.of("tmp", 0L, "pending", 4L, "processed", 0L, "failed", 0L, "trash_batches", 0L), s.get("events"));
        assertNull(s.get("last_learn"));
        assertEquals(List.of(), s.get("problems"));

        Cli.Result human = cli.run("status");
        assertTrue(human.out().contains("detect_drift  v1       v1        {\"threshold\":0.05}"), human.out());
        assertTrue(human.out().contains("events     pending 4  processed 0  failed 0  in flight 0"), human.out());

        Path cur = cli.store().resolve("detect_drift_current.py");
        Files.delete(cur);
        Files.createSymbolicLink(cur, cli.fs.getPath("/etc/passwd"));
        Files.writeString(cli.store().resolve("detect_drift_params.json"), "{\"threshold\": ");
        Files.writeString(cli.store().resolve("detect_drift_history.jsonl"), "{\"action\":\"depl", java.nio.file.StandardOpenOption.APPEND);
        s = json(cli.run("--json", "status"));
        List<String> problems = (List<String>) s.get("problems");
        assertEquals(3, problems.size(), problems.toString());
        assertTrue(problems.get(0).contains("points to '/etc/passwd', which is not a version of detect_drift in this store"),
                "a current link outside the store is named: " + problems);
        assertTrue(problems.get(1).startsWith("detect_drift_params.json is not valid JSON"),
                "invalid params are named: " + problems);
        assertTrue(problems.get(2).contains("detect_drift_history.jsonl line 2 is torn or invalid"),
                "a torn history line is named: " + problems);
        assertNull(((List<Map<String, Object>>) s.get("functions")).get(0).get("current"));
    }

    @Test
    void eventsListFiltersAndShowFindsAnyEvent() throws IOException {
        Cli cli = Cli.jimfs();
        cli.run("init");
        cli.clock = java.time.Clock.fixed(Cli.T0.minusSeconds(86400 * 3), java.time.ZoneOffset.UTC);
        cli.run("feedback", "--execution-id", "old", "--real-drift", "--id", "OLD1");
        cli.clock = java.time.Clock.fixed(Cli.T0, java.time.ZoneOffset.UTC);
        cli.run("feedback", "--execution-id", "e1", "--false-positive", "--id", "NEW1");
        cli.clock = java.time.Clock.fixed(Cli.T0.plusSeconds(1), java.time.ZoneOffset.UTC);
        cli.run("record", "alert.created", "--execution-id", "e1", "--set", "alert_id=PD1", "--id", "AL1");
        assertEquals(List.of("NEW1", "AL1"), ids(cli.run("--json", "events", "list", "--since", "1d")));
        assertEquals(List.of("OLD1"), ids(cli.run("--json", "events", "list", "--until", "2026-11-26")));
        assertEquals(List.of("AL1"), ids(cli.run("--json", "events", "list", "--type", "alert.*")));
        assertEquals(List.of("NEW1", "AL1"), ids(cli.run("--json", "events", "list", "--execution-id", "e1")));
        assertEquals(List.of("AL1"), ids(cli.run("--json", "events", "list", "--limit", "1")));
        assertEquals(List.of(), ids(cli.run("--json", "events", "list", "--state", "failed")));
        Cli.Result table = cli.run("events", "list");
        assertTrue(table.out().startsWith("ID    TIME                      STATE    TYPE              FUNCTION  VERSION  EXECUTION\n"),
                table.out());

        Files.move(cli.store().resolve("events/pending/feedback_NEW1.json"), cli.store().resolve("events/failed/feedback_NEW1.json"));
        Map<String, Object> shown = json(cli.run("--json", "events", "show", "NEW1"));
        assertEquals("failed", shown.get("state"));
        assertEquals("drift.validation", shown.get("type"));
        Cli.Result missing = cli.run("events", "show", "NOPE");
        assertEquals(Status.NOT_FOUND.code(), missing.code());
        assertEquals("poet: no event or execution NOPE in the store\n", missing.err());

        Files.writeString(cli.store().resolve("events/pending/feedback_TORN.json"), "{\"id\":\"TORN\",\"ty");
        Cli.Result withBad = cli.run("--json", "events", "list", "--state", "pending");
        assertTrue(withBad.out().contains("\"problem\":\"feedback_TORN.json is not valid JSON"), withBad.out());
    }

    private static List<String> ids(Cli.Result r) {
        assertEquals(0, r.code(), r.toString());
        return r.out().lines().map(l -> (String) Json.parseObject(l.getBytes(StandardCharsets.UTF_8), "l").get("id")).toList();
    }

    @Test
    void aReadOnlyStoreRefusesWithExit73AndChangesNothing() throws IOException {
        Cli cli = Cli.jimfs();
        cli.run("init");
        cli.write("detect.py", DETECT);
        var before = Trees.snapshot(cli.store());
        cli.io = new FaultyStoreIO(FaultyStoreIO.Mode.READ_ONLY, 0);
        for (String[] args : List.of(new String[] {"feedback", "--execution-id", "e1", "--real-drift"},
                new String[] {"enhance", "detect_drift", "--from", "detect.py"})) {
            Cli.Result r = cli.run(args);
            assertEquals(Status.NOT_WRITABLE.code(), r.code(), r.toString());
            assertEquals(1, r.err().lines().count(), r.err());
            assertTrue(r.err().contains("permission denied or read-only file system; nothing was changed"), r.err());
        }
        assertEquals(before, Trees.snapshot(cli.store()));
    }

    @Test
    void aFullDiskRefusesWithExit74AtEveryStepAndLeavesNoPartialFile() throws IOException {
        for (int okWrites = 0; okWrites < 12; okWrites++) {
            Cli cli = Cli.jimfs();
            cli.run("init");
            cli.write("detect.py", DETECT);
            cli.io = new FaultyStoreIO(FaultyStoreIO.Mode.DISK_FULL, okWrites);
            Cli.Result r = cli.run("enhance", "detect_drift", "--from", "detect.py");
            if (r.code() == 0) {
                assertTrue(okWrites >= 6, "enhance needs its writes; succeeded with " + okWrites);
                continue;
            }
            assertEquals(Status.IO_ERROR.code(), r.code(), r.toString());
            assertEquals("poet: " + r.err().substring(6).strip() + "\n", r.err());
            assertTrue(r.err().contains("the disk is full"), r.err());
            assertNoTempFiles(cli.store());
            Path cur = cli.store().resolve("detect_drift_current.py");
            if (Files.exists(cur, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
                assertTrue(Files.isRegularFile(cur), "current never dangles");
            }
        }
    }

    @Test
    void aRealFullJimfsDiskFailsDeliveryCleanly() throws IOException {
        Cli cli = Cli.jimfs(Configuration.unix().toBuilder().setMaxSize(64 * 8192L).setBlockSize(8192).build());
        cli.run("init");
        String big = "y".repeat(500_000);
        int delivered = 0;
        Cli.Result r;
        do {
            r = cli.run("record", "x.team.blob", "--set", "b=" + big);
            if (r.code() == 0) {
                delivered++;
            }
        } while (r.code() == 0 && delivered < 100);
        assertEquals(Status.IO_ERROR.code(), r.code(), r.toString());
        assertNoTempFiles(cli.store());
        try (Stream<Path> s = Files.list(cli.store().resolve("events/pending"))) {
            for (Path p : s.toList()) {
                Json.parseObject(Files.readAllBytes(p), p.toString());
            }
        }
    }

    private static void assertNoTempFiles(Path store) throws IOException {
        try (Stream<Path> s = Files.list(store.resolve("events/tmp"))) {
            assertEquals(List.of(), s.toList(), "a failed write leaves nothing in tmp/");
        }
    }

    @Test
    void helpListsTheExitCodesFromTheOnePlaceTheyAreDefined() {
        Cli cli = Cli.jimfs();
        for (String[] args : List.of(new String[] {"--help"}, new String[] {"feedback", "--help"})) {
            Cli.Result r = cli.run(args);
            assertEquals(0, r.code());
            assertTrue(r.out().contains("Exit codes:"), r.out());
            for (Status s : Status.values()) {
                assertTrue(r.out().contains(String.format("%3d   %s", s.code(), s.meaning().substring(0, Math.min(20, s.meaning().length())))),
                        s + "\n" + r.out());
            }
        }
        Cli.Result top = cli.run("--help");
        for (String cmd : List.of("init", "enhance", "record", "feedback", "status", "events", "completion")) {
            assertTrue(top.out().contains("  " + cmd + " "), cmd);
        }
    }

    @Test
    void everyCommandsHelpPrintsWithoutWarnings() {
        java.io.PrintStream realErr = System.err;
        java.io.ByteArrayOutputStream captured = new java.io.ByteArrayOutputStream();
        System.setErr(new java.io.PrintStream(captured, true, StandardCharsets.UTF_8));
        try {
            Cli cli = Cli.jimfs();
            List<List<String>> commands = new java.util.ArrayList<>();
            collect(Poet.commandLine(new PoetEnv(cli.cwd, Map.of(), cli.clock, java.io.InputStream.nullInputStream(),
                    new java.io.PrintWriter(new java.io.StringWriter()), new java.io.PrintWriter(new java.io.StringWriter()),
                    cli.io)), List.of(), commands);
            assertTrue(commands.size() >= 17, commands.toString());
            for (List<String> c : commands) {
                List<String> args = new java.util.ArrayList<>(c);
                args.add("--help");
                Cli.Result r = cli.run(args.toArray(new String[0]));
                assertEquals(0, r.code(), c + "\n" + r);
                assertEquals("", r.err(), c.toString());
                assertTrue(r.out().startsWith("Usage: poet"), c + "\n" + r.out());
            }
        } finally {
            System.setErr(realErr);
        }
        assertEquals("", captured.toString(StandardCharsets.UTF_8), "picocli warned while rendering help");
    }

    private static void collect(picocli.CommandLine cl, List<String> path, List<List<String>> out) {
        for (Map.Entry<String, picocli.CommandLine> e : cl.getSubcommands().entrySet()) {
            List<String> p = new java.util.ArrayList<>(path);
            p.add(e.getKey());
            out.add(p);
            collect(e.getValue(), p, out);
        }
    }

    @Test
    void docsListEveryExitCode() throws IOException {
        String doc = Files.readString(Paths.get("docs/exit-codes.md"));
        for (Status s : Status.values()) {
            assertTrue(doc.contains("| " + s.code() + " | `" + s.name() + "` |"), s.name());
        }
    }

    @Test
    void theCommittedCompletionScriptsAreWhatTheModelGenerates() throws IOException {
        for (String[] shell : new String[][] {{"bash", "poet.bash"}, {"zsh", "_poet"}, {"fish", "poet.fish"}}) {
            Cli.Result r = Cli.jimfs().run("completion", shell[0]);
            assertEquals(0, r.code());
            assertFalse(r.out().isBlank(), "the command printed something");
            assertEquals(r.out(), Files.readString(Paths.get("completions", shell[1])),
                    "regenerate with: poet completion " + shell[0] + " > completions/" + shell[1]);
        }
        Cli.Result bash = Cli.jimfs().run("completion");
        assertTrue(bash.out().contains("complete -F _poet_store_values"), "bash by default, with the store lookups");
        assertEquals(2, Cli.jimfs().run("completion", "tcsh").code());
    }

    @Test
    void completionValuesComeFromTheStore() {
        Cli cli = Cli.jimfs();
        assertEquals("", cli.run("__complete", "functions").out(), "no store: nothing, quietly");
        assertEquals(0, cli.run("init").code());
        cli.write("d.py", "def detect_drift(a, b):\n    return {}\n");
        assertEquals(0, cli.run("enhance", "detect_drift", "--from", "d.py").code());
        assertEquals(0, cli.run("enhance", "detect_drift", "--from", "d.py").code());
        assertEquals("detect_drift\n", cli.run("__complete", "functions").out());
        assertEquals("v1\nv2\n", cli.run("__complete", "versions").out());
        assertTrue(cli.run("__complete", "event-types").out().contains("drift.validation\n"),
                "event types complete from the model");
    }

    @Test
    void docsDescribeEveryEventTypeAndField() throws IOException {
        String doc = Files.readString(Paths.get("docs/events.md"));
        for (dev.poet.event.EventType t : dev.poet.event.EventType.known().values()) {
            int at = doc.indexOf("### `" + t.name() + "`");
            assertTrue(at >= 0, t.name() + " is missing from docs/events.md");
            int next = doc.indexOf("### ", at + 4);
            String section = doc.substring(at, next < 0 ? doc.length() : next);
            assertTrue(section.contains("File prefix `" + t.prefix() + "_`"), t.name());
            for (dev.poet.event.Field f : t.fields()) {
                assertTrue(section.contains("| `" + f.name() + "` | " + f.kind().label() + " | " + (f.required() ? "yes" : "no") + " |"),
                        t.name() + "." + f.name() + " is missing or wrong in docs/events.md");
            }
            int ex = section.indexOf("Example:\n\n```json\n");
            assertTrue(ex >= 0, t.name() + " has an example in docs/events.md");
            String json = section.substring(ex + "Example:\n\n```json\n".length(), section.indexOf("\n```", ex + 20));
            dev.poet.event.Event e = dev.poet.event.EventCodec.decode(json.getBytes(java.nio.charset.StandardCharsets.UTF_8),
                    t.name() + " example");
            assertEquals(t.name(), e.type());
            dev.poet.event.EventCodec.validate(e);
        }
    }
}
