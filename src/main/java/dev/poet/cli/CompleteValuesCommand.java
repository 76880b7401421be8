package dev.poet.cli;

import dev.poet.event.EventType;
import dev.poet.store.Store;
import java.util.TreeSet;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/** What the completion scripts ask the store for; hidden, silent on any problem (a shell is waiting). */
@Command(name = "__complete", hidden = true, description = "Values for shell completion: functions, versions, event-types.")
final class CompleteValuesCommand extends Base {
    @Parameters(paramLabel = "WHAT", description = "functions, versions or event-types.")
    String what;

    @Override
    public Integer call() {
        TreeSet<String> values = new TreeSet<>();
        try {
            if (what.equals("event-types")) {
                values.addAll(EventType.known().keySet());
            } else {
                Store store = store();
                for (String fn : store.versions().functions()) {
                    if (what.equals("functions")) {
                        values.add(fn);
                    } else if (what.equals("versions")) {
                        for (int n : store.versions().versionNumbers(fn)) {
                            values.add("v" + n);
                        }
                    }
                }
            }
        } catch (Exception e) {
            return 0;
        }
        values.forEach(out()::println);
        return 0;
    }
}
