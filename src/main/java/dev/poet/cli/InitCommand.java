package dev.poet.cli;

import dev.poet.store.Store;
import dev.poet.store.StoreLocator;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

@Command(name = "init",
        footer = {"", "Examples:",
            "  poet init",
            "  poet init ~/models/churn"},
        description = {"Create a .poet store (layout, poet.json, poet_runtime.py).",
            "Running it again is harmless: settings are kept and the runtime is brought up to date."})
final class InitCommand extends Base {
    @Parameters(arity = "0..1", paramLabel = "DIR",
            description = "Project directory to create .poet in, or the store directory itself (default: this directory).")
    String dir;

    @Override
    public Integer call() throws Exception {
        Path target = StoreLocator.initTarget(root().store(), dir == null ? env().env(StoreLocator.ENV) : null, dir,
                env().cwd());
        boolean existed = Files.exists(target.resolve(Store.SETTINGS));
        Store store = Store.init(target, env().io());
        if (json()) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("store", store.root().toString());
            m.put("created", !existed);
            printJson(m);
        } else {
            out().println((existed ? "Reinitialized existing poet store in " : "Initialized poet store in ")
                    + store.root());
        }
        return 0;
    }
}
