package dev.poet.cli;

import dev.poet.PoetException;
import dev.poet.event.Event;
import dev.poet.integrate.PagerDuty;
import dev.poet.integrate.ServeSettings;
import dev.poet.store.Names;
import dev.poet.store.Store;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(name = "pagerduty-event",
        description = {"Print the PagerDuty Events API v2 body for an alert.",
            "dedup_key is poet:<execution id>, so the incident's webhooks find their way back to the execution;"
                + " custom_details carry the execution's details, links the review link when one can be made."
                + " Send it with: curl -X POST -H 'Content-Type: application/json' -d @- https://events.pagerduty.com/v2/enqueue"},
        footer = {"", "Example:",
            "  poet pagerduty-event --execution-id 6f1c0d9e-... --routing-key $PD_ROUTING_KEY \\",
            "    | curl -sS -X POST -H 'Content-Type: application/json' -d @- https://events.pagerduty.com/v2/enqueue"})
final class PagerDutyEventCommand extends Base {
    @Option(names = "--execution-id", required = true, paramLabel = "ID", description = "The execution that alerted.")
    String executionId;

    @Option(names = "--routing-key", required = true, paramLabel = "KEY",
            description = "The integration key of the PagerDuty service (Events API v2).")
    String routingKey;

    @Override
    public Integer call() throws Exception {
        Names.id("execution id", executionId);
        if (routingKey.isBlank() || routingKey.length() > 128) {
            throw PoetException.invalid("--routing-key must be 1 to 128 characters");
        }
        Store store = store();
        Event e = eventLog(store).findExecution(executionId)
                .orElseThrow(() -> PoetException.notFound("no execution " + executionId + " in the store"));
        String review = ServeSettings.of(store, env().environment()).reviewUrlOrNull(executionId, env().clock().instant());
        printPrettyJson(PagerDuty.triggerBody(routingKey, e.toMap(), review));
        return 0;
    }
}
