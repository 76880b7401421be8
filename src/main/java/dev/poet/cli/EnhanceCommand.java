package dev.poet.cli;

import dev.poet.event.EventCodec;
import dev.poet.generate.CodeCheck;
import dev.poet.generate.Python;
import dev.poet.json.Json;
import dev.poet.learn.Deployer;
import dev.poet.store.Store;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(name = "enhance",
        footer = {"", "Examples:",
            "  poet enhance detect_drift --from detect.py --params params.json",
            "  poet enhance detect_drift --from detect.py --config poet-config.json --source-file detect.dana"},
        description = {"Store a function as its next version and make it live.",
            "The code is checked (it must define FUNCTION and compile with python3 when present; it is never run),"
                + " wrapped with the runtime so that every call records execution.completed, and written as"
                + " FUNCTION_vN.py; then FUNCTION_current.py is switched to it atomically. The history file and"
                + " events record the change."})
final class EnhanceCommand extends Base {
    @Parameters(index = "0", paramLabel = "FUNCTION", description = "Function name (a Python identifier).")
    String function;

    @Option(names = "--from", required = true, paramLabel = "FILE.py",
            description = "Python source that defines FUNCTION ('-' for standard input).")
    String from;

    @Option(names = "--params", paramLabel = "FILE.json",
            description = "Parameters to make live with this version (a JSON object).")
    String params;

    @Option(names = "--config", paramLabel = "FILE.json",
            description = "The POET enhancement config, recorded with the version (enhancement.requested's"
                    + " enhancement_config).")
    String config;

    @Option(names = "--source-file", paramLabel = "FILE",
            description = "The source this function came from (e.g. a Dana file): a copy is kept in the store, and its"
                    + " text (up to 256 KiB of UTF-8) is recorded as enhancement.requested's dana_source.")
    Path sourceFile;

    @Override
    public Integer call() throws Exception {
        Store store = store();
        byte[] code = readInput(from, true, CodeCheck.MAX_CODE_BYTES, "--from");
        Map<String, Object> p = params == null ? null
                : Json.parseObject(readInput(params, true, EventCodec.MAX_EVENT_BYTES, "--params"), "--params " + params);
        Map<String, Object> c = config == null ? null
                : Json.parseObject(readInput(config, true, EventCodec.MAX_EVENT_BYTES, "--config"), "--config " + config);
        String python = Python.locate(env().environment());
        Path source = sourceFile == null ? null : env().cwd().resolve(sourceFile.toString());
        Deployer.Deployed d = new Deployer(store, eventLog(store)).enhance(Deployer.EnhanceRequest.enhance(
                function, code, from.equals("-") ? "stdin" : from, p, c, source, python));
        if (!d.compiled()) {
            note("warning: python3 not found, so " + function + " was not compiled; set POET_PYTHON to check it");
        }
        if (json()) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("function", d.function());
            m.put("version", d.version());
            m.put("previous_version", d.previousVersion());
            m.put("file", d.file().toString());
            m.put("sha256", d.sha256());
            m.put("params_written", d.paramsWritten());
            m.put("compiled", d.compiled());
            m.put("events", d.eventIds());
            printJson(m);
        } else {
            out().println("Deployed " + d.function() + " " + d.version()
                    + (d.previousVersion() != null ? " (was " + d.previousVersion() + ")" : "")
                    + ": " + d.function() + "_current.py -> " + d.file().getFileName());
        }
        return 0;
    }
}
