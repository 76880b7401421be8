package dev.poet.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.poet.testing.Cli;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;
import picocli.codegen.docgen.manpage.ManPageGenerator;

/**
 * docs/man holds one man page per command: AsciiDoc written by picocli's man page generator from
 * the command model, and the roff that asciidoctor makes of it (what install.sh installs). This
 * test fails when either is stale. To regenerate both: POET_REGENERATE=1 mvn test -Dtest=ManPagesTest
 * (with asciidoctor installed: apt-get install asciidoctor).
 */
class ManPagesTest {
    static final Path MAN = Paths.get("docs/man");

    @TempDir
    Path tmp;

    /** Page name (poet, poet-learn, poet-config-set, ...) to its AsciiDoc. */
    static Map<String, String> generate() {
        CommandLine root = Poet.commandLine(Cli.jimfs().envForTests());
        Map<String, String> pages = new TreeMap<>();
        for (CommandLine cl : Completions.all(root)) {
            StringWriter w = new StringWriter();
            try (PrintWriter pw = new PrintWriter(w)) {
                ManPageGenerator.writeSingleManPage(pw, cl.getCommandSpec());
            }
            // the version line names the JVM that ran the generator: leave it out so the pages do not depend on it
            String adoc = w.toString().replaceAll("(?m)^:revnumber:.*$", ":revnumber:");
            pages.put(cl.getCommandSpec().qualifiedName("-"), adoc);
        }
        return pages;
    }

    private static boolean asciidoctor() {
        try {
            Process p = new ProcessBuilder("asciidoctor", "--version").redirectErrorStream(true).start();
            p.getInputStream().readAllBytes();
            return p.waitFor(30, TimeUnit.SECONDS) && p.exitValue() == 0;
        } catch (IOException | InterruptedException e) {
            return false;
        }
    }

    /** Converts every page in one asciidoctor run; each lands in {@code outDir} as <name>.1. */
    private static void toRoff(List<Path> adocs, Path outDir) throws Exception {
        List<String> cmd = new ArrayList<>(List.of("asciidoctor", "-b", "manpage", "-a", "reproducible", "-D", outDir.toString()));
        adocs.forEach(a -> cmd.add(a.toString()));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        assertTrue(p.waitFor(60, TimeUnit.SECONDS) && p.exitValue() == 0, "asciidoctor failed: " + out);
    }

    /** The roff without comment lines and the title line, which carry the generator's version and a date. */
    private static String comparable(Path roff) throws IOException {
        return Files.readAllLines(roff).stream().filter(l -> !l.startsWith(".\\\"") && !l.startsWith(".TH "))
                .collect(Collectors.joining("\n"));
    }

    @Test
    void theManPagesAreCurrent() throws Exception {
        Map<String, String> pages = generate();
        boolean regenerate = "1".equals(System.getenv("POET_REGENERATE"));
        if (regenerate) {
            Files.createDirectories(MAN);
            try (Stream<Path> old = Files.list(MAN)) {
                for (Path p : old.toList()) {
                    Files.delete(p);
                }
            }
            List<Path> adocs = new ArrayList<>();
            for (Map.Entry<String, String> e : pages.entrySet()) {
                Path adoc = MAN.resolve(e.getKey() + ".adoc");
                Files.writeString(adoc, e.getValue());
                adocs.add(adoc);
            }
            toRoff(adocs, MAN);
        }
        List<String> names = new ArrayList<>();
        try (Stream<Path> files = Files.list(MAN)) {
            files.map(p -> p.getFileName().toString()).filter(n -> n.endsWith(".adoc")).sorted().forEach(names::add);
        }
        assertEquals(pages.keySet().stream().map(n -> n + ".adoc").sorted().toList(), names,
                "one page per command; regenerate: POET_REGENERATE=1 mvn test -Dtest=ManPagesTest");
        for (Map.Entry<String, String> e : pages.entrySet()) {
            assertEquals(e.getValue(), Files.readString(MAN.resolve(e.getKey() + ".adoc")),
                    e.getKey() + ".adoc is stale; regenerate: POET_REGENERATE=1 mvn test -Dtest=ManPagesTest");
            Path roff = MAN.resolve(e.getKey() + ".1");
            assertTrue(Files.exists(roff), e.getKey() + ".1 is missing");
            assertTrue(Files.readString(roff).contains(".SH \"NAME\""), roff + " is a man page");
        }
        if (asciidoctor()) {
            toRoff(pages.keySet().stream().map(n -> MAN.resolve(n + ".adoc")).toList(), tmp);
            for (String name : pages.keySet()) {
                assertEquals(comparable(tmp.resolve(name + ".1")), comparable(MAN.resolve(name + ".1")), name + ".1 is stale");
            }
        } else if ("1".equals(System.getenv("POET_REQUIRE_BROWSER"))) {
            throw new AssertionError("asciidoctor is required in CI to check the roff man pages (apt-get install asciidoctor)");
        }
    }
}
