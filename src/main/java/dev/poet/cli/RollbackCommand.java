package dev.poet.cli;

import dev.poet.learn.Deployer;
import dev.poet.store.Store;
import java.util.LinkedHashMap;
import java.util.Map;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(name = "rollback",
        footer = {"", "Examples:",
            "  poet rollback detect_drift",
            "  poet rollback detect_drift --to v2 --reason \"v3 misses drifts\""},
        description = {"Make an earlier version of FUNCTION live again.",
            "By default the version that was live before"
                + " the current one, as the history records it (not the next lower number); or the one given with"
                + " --to. FUNCTION_current.py is switched atomically, and the history and a version.rolled_back event"
                + " record it. Also repairs a missing or broken current link (with --to)."})
final class RollbackCommand extends Base {
    @Parameters(paramLabel = "FUNCTION", description = "The function.")
    String function;

    @Option(names = "--to", paramLabel = "vN", description = "The version to make live.")
    String to;

    @Option(names = "--reason", paramLabel = "R", description = "Why (default: manual rollback).")
    String reason;

    @Override
    public Integer call() throws Exception {
        Store store = store();
        Deployer.RolledBack r = new Deployer(store, eventLog(store)).rollback(function, to, reason);
        if (json()) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("function", r.function());
            m.put("version", r.version());
            m.put("from_version", r.from());
            m.put("event", r.eventId());
            m.put("params_restored", r.paramsRestored());
            printJson(m);
        } else if (r.eventId() == null) {
            out().println(r.function() + " " + r.version() + " is already live; nothing changed");
        } else {
            out().println("Rolled back " + r.function() + " to " + r.version()
                    + (r.from() != null ? " (was " + r.from() + ")" : "") + ": " + r.function() + "_current.py -> "
                    + r.function() + "_" + r.version() + ".py"
                    + (r.paramsRestored() ? "; its parameters restored in " + r.function() + "_params.json" : ""));
        }
        return 0;
    }
}
