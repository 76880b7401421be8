package dev.poet.cli;

import dev.poet.event.Event;
import dev.poet.event.EventId;
import dev.poet.event.EventLog;
import dev.poet.store.Store;
import java.util.LinkedHashMap;
import java.util.Map;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(name = "feedback", mixinStandardHelpOptions = true,
        description = {"Record a verdict on an execution: was the drift it reported (or missed) real?",
            "Records a drift.validation event and prints its id. The execution may be recorded later;",
            "correlation waits for it."})
final class FeedbackCommand extends Base {
    @Option(names = "--execution-id", required = true, paramLabel = "ID", description = "The execution judged.")
    String executionId;

    @ArgGroup(exclusive = true, multiplicity = "1")
    Verdict verdict;

    static final class Verdict {
        @Option(names = "--real-drift", required = true, description = "The drift was real (or was real but missed).")
        boolean real;

        @Option(names = "--false-positive", required = true, description = "The alert was a false positive.")
        boolean falsePositive;
    }

    @Option(names = "--reason", paramLabel = "R", description = "Why, e.g. seasonal_pattern.")
    String reason;

    @Option(names = "--context", paramLabel = "C", description = "Business context, e.g. christmas_shopping_spike.")
    String context;

    @Option(names = "--source", paramLabel = "S", defaultValue = "cli",
            description = "Who gives the verdict (default: ${DEFAULT-VALUE}).")
    String source;

    @Option(names = "--function", paramLabel = "FN", description = "The function, when known.")
    String function;

    @Option(names = "--id", paramLabel = "EVENT_ID", description = "Event id to use (an idempotency key).")
    String id;

    @Override
    public Integer call() throws Exception {
        Map<String, Object> data = new LinkedHashMap<>();
        data.put("was_real_drift", verdict.real);
        data.put("feedback_type", verdict.real ? "real_drift" : "false_positive");
        if (reason != null) {
            data.put("reason", reason);
        }
        if (context != null) {
            data.put("business_context", context);
        }
        data.put("validation_source", "explicit_feedback");
        Store store = store();
        EventLog log = eventLog(store);
        Event e = new Event(id != null ? id : EventId.next(env().clock().millis()), "drift.validation",
                env().clock().instant(), source, function, null, executionId, data, null);
        EventLog.Recorded r = log.record(e);
        if (r.duplicate()) {
            note("event " + e.id() + " was delivered before; nothing changed");
        }
        if (json()) {
            printJson(e.toMap());
        } else {
            out().println(e.id());
        }
        return 0;
    }
}
