package dev.poet.cli;

import dev.poet.correlate.CorrelationIndex;
import dev.poet.store.Store;
import dev.poet.store.Sweeper;
import java.util.LinkedHashMap;
import java.util.Map;
import picocli.CommandLine.Command;

@Command(name = "sweep",
        footer = {"", "Examples:",
            "  poet sweep"},
        description = {"Remove processed batches' files and stale temporary files.",
            "Removes what is safe to remove: the files of processed batches (events/trash/) whose events are in the"
                + " processed log, and temporary files older than 36 hours left by killed writers (events/tmp/). A"
                + " batch file whose event is not in the log (it arrived after correlation read the batch) goes back"
                + " to events/pending/."
                + " poet correlate leaves the batch files to this step: deleting files one by one costs more than"
                + " reading them."})
final class SweepCommand extends Base {
    @Override
    public Integer call() throws Exception {
        Store store = store();
        Sweeper.Result r = new Sweeper(store, env().clock(), () -> CorrelationIndex.processedLog(store)).sweep();
        if (json()) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("processed_files_removed", r.processedFiles());
            m.put("tmp_files_removed", r.tmpFiles());
            m.put("unprocessed_files_returned", r.returnedFiles());
            printJson(m);
        } else {
            out().println("removed " + r.processedFiles() + " files of processed batches and " + r.tmpFiles()
                    + " stale temporary files");
            if (r.returnedFiles() > 0) {
                out().println("returned " + r.returnedFiles() + " files that arrived in a batch after correlation"
                        + " read it to pending/; the next 'poet correlate' takes them");
            }
        }
        return 0;
    }
}
