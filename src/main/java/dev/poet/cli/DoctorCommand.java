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
                + " Exits 0 when the store is healthy (or was repaired), 3 when problems remain."},
        footer = {"", "Examples:", "  poet doctor", "  poet doctor --repair", "  poet --json doctor | jq .problem"})
final class DoctorCommand extends Base {
    @Option(names = "--repair", description = "Fix what can be fixed safely; report the rest.")
    boolean repair;

    @Override
    public Integer call() throws Exception {
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
