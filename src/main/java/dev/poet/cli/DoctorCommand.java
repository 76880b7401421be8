package dev.poet.cli;

import dev.poet.Status;
import dev.poet.learn.Doctor;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(name = "doctor",
        description = {"Find damage in the store; explain it, repair what is safe.",
            "Finds interrupted changes, missing or broken current links, params files that are not JSON, torn history"
                + " lines, unreadable or foreign files in pending/, links leading outside the store, stale temporary"
                + " files. --repair completes, restores or sets aside only what the store's own records determine."
                + " Exits 0 when the store is healthy (or was repaired), 3 when problems remain. Also notes when"
                + " Java runs without the start-up archive install.sh built (Java updated since install)."},
        footer = {"", "Examples:", "  poet doctor", "  poet doctor --repair", "  poet --json doctor | jq .problem"})
final class DoctorCommand extends Base {
    @Option(names = "--repair", description = "Fix what can be fixed safely; report the rest.")
    boolean repair;

    /**
     * A note when the launcher asked for install.sh's class-data archive (or Java 25's AOT cache)
     * and this JVM runs without it: it happens silently when Java was updated after install, and
     * every command then starts several times slower. Null when all is well or no archive was asked for.
     */
    static String archiveNote(List<String> jvmArguments, String vmInfo) {
        String asked = null;
        for (String a : jvmArguments) {
            if (a.startsWith("-XX:SharedArchiveFile=") || a.startsWith("-XX:AOTCache=")) {
                asked = a.substring(a.indexOf('=') + 1);
            }
        }
        if (asked == null || (vmInfo != null && vmInfo.contains("sharing"))) {
            return null;
        }
        return "note: this Java does not use the start-up archive " + asked + " (was Java updated after"
                + " install?); run ./install.sh again for fast start-up";
    }

    @Override
    public Integer call() throws Exception {
        String note = archiveNote(java.lang.management.ManagementFactory.getRuntimeMXBean().getInputArguments(),
                System.getProperty("java.vm.info"));
        if (note != null) {
            note(note);
        }
        var store = store();
        List<Doctor.Finding> findings = new Doctor(store, eventLog(store)).examine(repair);
        boolean remaining = findings.stream().anyMatch(f -> !f.repaired());
        if (json()) {
            findings.forEach(f -> printJson(f.toMap()));
        } else if (findings.isEmpty()) {
            out().println("The store is healthy: " + store.root());
        } else {
            picocli.CommandLine.Help.Ansi ansi = Tty.ansi(env());
            for (Doctor.Finding f : findings) {
                String mark = f.repaired() ? ansi.string("@|green repaired|@") : ansi.string("@|red problem|@");
                out().println(mark + "  " + f.where() + ": " + f.problem());
                out().println("          " + (f.repaired() ? "done: " : (repair ? "not repaired: " : "--repair would: "))
                        + f.repair());
            }
        }
        return remaining ? Status.NO_STORE.code() : 0;
    }
}
