package dev.poet.cli;

import dev.poet.event.Event;
import dev.poet.store.Names;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(name = "dismiss",
        description = {"Dismiss several alerts at once (a sign of alert fatigue).",
            "Correlation expands it to each alert's execution, counts it towards alert fatigue, and reports what the"
                + " dismissed alerts had in common."},
        footer = {"", "Example:", "  poet dismiss PD123 PD124 PD125 --reason 'weekend noise' --by alice"})
final class DismissCommand extends Base {
    @Parameters(paramLabel = "ALERT_ID", arity = "1..*", description = "The alerts dismissed.")
    List<String> alertIds;

    @Option(names = "--reason", paramLabel = "R", description = "Why they were dismissed.")
    String reason;

    @Option(names = "--by", paramLabel = "WHO", description = "Who dismissed them (default: $USER).")
    String by;

    @Override
    public Integer call() throws Exception {
        for (String a : alertIds) {
            Names.id("alert id", a);
        }
        if (alertIds.size() > 10_000) {
            throw dev.poet.PoetException.invalid("at most 10000 alerts at once");
        }
        var log = eventLog(store());
        Map<String, Object> data = new LinkedHashMap<>();
        data.put("alert_ids", List.copyOf(alertIds));
        String who = by != null ? by : env().env("USER");
        if (who != null && !who.isBlank()) {
            data.put("dismissed_by", who);
        }
        if (reason != null && !reason.isBlank()) {
            data.put("reason", reason);
        }
        var r = log.record(new Event(log.newId(), "alert.batch_dismissed", env().clock().instant(), "cli", null, null, null,
                data, null));
        if (json()) {
            printJson(r.event().toMap());
        } else {
            out().println(r.event().id());
        }
        return 0;
    }
}
