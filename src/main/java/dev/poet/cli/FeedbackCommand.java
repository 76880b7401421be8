package dev.poet.cli;

import dev.poet.event.Event;
import dev.poet.event.EventId;
import dev.poet.event.EventLog;
import dev.poet.store.Store;
import java.util.LinkedHashMap;
import java.util.Map;
import picocli.CommandLine.Model.ArgGroupSpec;

/** {@code poet feedback}: the seed's explicit feedback in one short command. Declared programmatically (see {@link Specs}). */
final class FeedbackCommand extends Base {
    FeedbackCommand() {
        spec = Specs.wrap(this);
        spec.usageMessage().description(
                "Record a verdict on an execution: was its drift real?",
                "Was the drift it reported (or missed) real? Records a drift.validation event and prints its id. The"
                        + " execution may be recorded later; correlation waits for it.");
        spec.usageMessage().footer("", "Examples:",
                "  poet feedback --execution-id 6f1c0d9e-... --false-positive --reason seasonal_pattern",
                "  poet feedback --execution-id 6f1c0d9e-... --real-drift --context black_friday");
        spec.addOption(Specs.option("--execution-id", "ID", "The execution judged.").required(true).build());
        spec.addArgGroup(ArgGroupSpec.builder().exclusive(true).multiplicity("1")
                .addArg(Specs.flag("--real-drift", "The drift was real (or was real but missed).").required(true).build())
                .addArg(Specs.flag("--false-positive", "The alert was a false positive.").required(true).build())
                .build());
        spec.addOption(Specs.option("--reason", "R", "Why, e.g. seasonal_pattern.").build());
        spec.addOption(Specs.option("--context", "C", "Business context, e.g. christmas_shopping_spike.").build());
        spec.addOption(Specs.option("--source", "S", "Who gives the verdict (default: ${DEFAULT-VALUE}).")
                .defaultValue("cli").build());
        spec.addOption(Specs.option("--function", "FN", "The function, when known.").build());
        spec.addOption(Specs.option("--id", "EVENT_ID", "Event id to use (an idempotency key).").build());
    }

    @Override
    public Integer call() throws Exception {
        boolean real = Specs.isSet(spec, "--real-drift");
        String reason = Specs.value(spec, "--reason");
        String context = Specs.value(spec, "--context");
        String id = Specs.value(spec, "--id");
        Map<String, Object> data = new LinkedHashMap<>();
        data.put("was_real_drift", real);
        data.put("feedback_type", real ? "real_drift" : "false_positive");
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
                env().clock().instant(), Specs.value(spec, "--source"), Specs.value(spec, "--function"), null,
                Specs.value(spec, "--execution-id"), data, null);
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
