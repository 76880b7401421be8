package dev.poet.demo;

import dev.poet.PoetException;
import dev.poet.Status;
import dev.poet.analyze.Analyzer;
import dev.poet.analyze.Facts;
import dev.poet.event.EventLog;
import dev.poet.learn.Deployer;
import dev.poet.learn.Generators;
import dev.poet.learn.Learner;
import dev.poet.store.Store;
import dev.poet.store.StoreIO;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.stream.Stream;

/**
 * {@code poet demo}, poet's main job on a built-in sample: a store in a fresh directory, a
 * standard-library KS drift detector under poet, four weeks of simulated production run with
 * python3 (a weekly pattern, a few real drift episodes) with a simulated reviewer's verdicts,
 * {@code poet learn} with the built-in params generator, two more weeks on the version it
 * deployed, and the two versions' rates side by side. Every execution is a real python3 run of
 * the stored function; nothing is faked.
 */
public final class Demo {
    /** Marks a directory as made by poet demo, so a second run may replace it and nothing else is touched. */
    public static final String MARKER = ".poet-demo";
    static final String RESOURCES = "/dev/poet/demo/";
    private static final long DAY = 86_400_000L;

    private final StoreIO io;
    private final Clock clock;

    public Demo(StoreIO io, Clock clock) {
        this.io = io;
        this.clock = clock;
    }

    /** Where, with which python3, and whom to tell how far it got. */
    public record Options(Path dir, String python, Map<String, Object> holder, Consumer<String> progress) {
    }

    /** What the demo measured: each version's rates, what was learned, and where things are. */
    public record Result(Path dir, Map<String, Object> before, Map<String, Object> after, String deployed,
                         List<String> learned, Map<String, Object> simulatedBefore, Map<String, Object> simulatedAfter,
                         Map<String, Object> analysis, List<String> shadowed, Map<String, Object> shadow) {
    }

    public Result run(Options o) throws IOException {
        if (o.python() == null) {
            throw new PoetException(Status.INVALID, "poet demo runs the sample function with python3, and there is none on"
                    + " the PATH (or in POET_PYTHON); install it, e.g. 'apt-get install python3'");
        }
        Path dir = o.dir().toAbsolutePath().normalize();
        prepare(dir);
        // six simulated weeks ending last Monday: day d is base + d days; poet acts at the simulated times too
        long today = Math.floorDiv(clock.millis(), DAY) * DAY;
        long monday = today - Math.floorMod((today / DAY + 3), 7) * DAY; // 1970-01-01 was a Thursday
        long base = monday - 49 * DAY;
        Store store = Store.init(dir.resolve(Store.DIR_NAME), io);
        EventLog events = new EventLog(store, at(base + 7 * DAY));
        o.progress().accept("store created in " + store.root());
        Files.write(dir.resolve("detect_drift.py"), resource("detect_drift.py"));
        Files.write(dir.resolve("simulate.py"), resource("simulate.py"));
        Map<String, Object> params = new LinkedHashMap<>();
        params.put("threshold", 0.05);
        params.put("window_size", 200L);
        params.put("seasonal_adjustment", false);
        new Deployer(store, events).enhance(Deployer.EnhanceRequest.enhance("detect_drift",
                Files.readAllBytes(dir.resolve("detect_drift.py")), "poet demo sample", params, null, null, o.python()));
        o.progress().accept("detect_drift v1 deployed: a two-sample KS test, threshold 0.05, no seasonal adjustment");

        o.progress().accept("weeks 1-4: running detect_drift with python3 on three features a day; a simulated reviewer"
                + " judges every alert");
        Map<String, Object> first = simulate(o.python(), dir, 7, 34, base);
        o.progress().accept("poet learn: correlate, analyse, regenerate with the built-in params generator");
        Learner.Pass pass = new Learner(store, new EventLog(store, at(base + 35 * DAY))).run(new Learner.Options(false, Generators.Overrides.none(), Map.of(),
                o.python(), o.holder()));
        if (pass.status() != Status.OK) {
            throw new PoetException(pass.status(), "poet learn failed: " + String.join("; ", pass.problems()));
        }
        String deployed = store.versions().current("detect_drift").version().orElse(null);
        List<String> learned = changes(pass.summary());
        o.progress().accept("weeks 5-6: running the live version " + deployed + " on new data");
        Map<String, Object> second = simulate(o.python(), dir, 35, 48, base);
        Learner.Pass again = new Learner(store, new EventLog(store, at(base + 49 * DAY))).run(new Learner.Options(false, Generators.Overrides.none(), Map.of(),
                o.python(), o.holder()));
        if (again.status() != Status.OK) {
            throw new PoetException(again.status(), "poet learn failed: " + String.join("; ", again.problems()));
        }
        Map<String, Object> analysis = new Analyzer(store, Facts.load(store, List.of("detect_drift")), base + 49 * DAY)
                .analyze("detect_drift", null, new Analyzer.Window(null, null));
        List<String> live = new ArrayList<>();
        List<String> shadowed = new ArrayList<>();
        for (String c : learned) {
            (dev.poet.learn.Switches.isChange(c) ? shadowed : live).add(c);
        }
        return new Result(dir, version(analysis, "v1"), version(analysis, deployed), deployed, live, first, second, analysis,
                shadowed, shadowOf(again.summary()));
    }

    /** Creates the directory, or empties one an earlier demo made; anything else is refused. */
    private void prepare(Path dir) throws IOException {
        if (Files.exists(dir)) {
            if (!Files.isDirectory(dir)) {
                throw PoetException.invalid(dir + " exists and is not a directory; choose another with --dir");
            }
            boolean empty;
            try (Stream<Path> s = Files.list(dir)) {
                empty = s.findAny().isEmpty();
            }
            if (!empty && !Files.exists(dir.resolve(MARKER))) {
                throw PoetException.invalid(dir + " exists and was not made by poet demo; choose another with --dir");
            }
            if (!empty) {
                try (Stream<Path> s = Files.walk(dir)) {
                    for (Path p : s.sorted(Comparator.reverseOrder()).toList()) {
                        if (!p.equals(dir)) {
                            Files.delete(p);
                        }
                    }
                }
            }
        }
        Files.createDirectories(dir);
        Files.writeString(dir.resolve(MARKER), "made by poet demo; running it again replaces this directory\n");
    }

    static byte[] resource(String name) throws IOException {
        try (InputStream in = Demo.class.getResourceAsStream(RESOURCES + name)) {
            if (in == null) {
                throw new IllegalStateException("missing resource " + name);
            }
            return in.readAllBytes();
        }
    }

    private static Clock at(long millis) {
        return Clock.fixed(java.time.Instant.ofEpochMilli(millis), java.time.ZoneOffset.UTC);
    }

    private static Map<String, Object> simulate(String python, Path dir, int first, int last, long base) throws IOException {
        Process p = new ProcessBuilder(python, "simulate.py", String.valueOf(first), String.valueOf(last),
                String.valueOf(base / 1000))
                .directory(dir.toFile()).redirectErrorStream(true).start();
        byte[] out = p.getInputStream().readAllBytes();
        try {
            if (!p.waitFor(120, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new PoetException(Status.FAILURE, "the simulation did not finish within 120 s");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            p.destroyForcibly();
            throw new PoetException(Status.FAILURE, "interrupted");
        }
        String text = new String(out, StandardCharsets.UTF_8).strip();
        if (p.exitValue() != 0) {
            throw new PoetException(Status.FAILURE, "python3 simulate.py failed (exit " + p.exitValue() + "): "
                    + text.lines().reduce((a, b) -> b).orElse(""));
        }
        String last1 = text.lines().reduce((a, b) -> b).orElse("{}");
        return dev.poet.json.Json.parseObject(last1.getBytes(StandardCharsets.UTF_8), "the simulation's counts");
    }

    @SuppressWarnings("unchecked")
    private static List<String> changes(Map<String, Object> summary) {
        List<String> out = new ArrayList<>();
        for (Object f : (List<Object>) summary.get("functions")) {
            Object regen = ((Map<String, Object>) f).get("regeneration");
            if (regen instanceof Map && ((Map<String, Object>) regen).get("changes") instanceof List) {
                for (Object c : (List<Object>) ((Map<String, Object>) regen).get("changes")) {
                    out.add(String.valueOf(c));
                }
            }
        }
        return out;
    }

    /** What the pass did with the function's shadow: its state and why; null when it judged none. */
    @SuppressWarnings("unchecked")
    private static Map<String, Object> shadowOf(Map<String, Object> summary) {
        for (Object f : (List<Object>) summary.get("functions")) {
            Object sh = ((Map<String, Object>) f).get("shadow");
            if (sh instanceof Map) {
                return (Map<String, Object>) sh;
            }
        }
        return null;
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> version(Map<String, Object> analysis, String v) {
        for (Object o : (List<Object>) analysis.get("versions")) {
            if (v != null && v.equals(((Map<String, Object>) o).get("version"))) {
                return (Map<String, Object>) o;
            }
        }
        return Map.of();
    }
}
