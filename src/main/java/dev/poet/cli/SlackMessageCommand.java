package dev.poet.cli;

import dev.poet.PoetException;
import dev.poet.event.Event;
import dev.poet.integrate.ServeSettings;
import dev.poet.integrate.Slack;
import dev.poet.store.Names;
import dev.poet.store.Store;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(name = "slack-message",
        description = {"Print the Slack message for an alert, with verdict buttons.",
            "The buttons (action_id poet_real_drift and poet_false_positive, the execution id as value) come back"
                + " to 'poet serve' at /webhooks/slack as drift.validation; an optional reason input goes with them."},
        footer = {"", "Example:",
            "  poet slack-message --execution-id 6f1c0d9e-... \\",
            "    | jq '. + {channel: \"#ml-alerts\"}' \\",
            "    | curl -sS -H \"Authorization: Bearer $SLACK_BOT_TOKEN\" -H 'Content-Type: application/json' \\",
            "        -d @- https://slack.com/api/chat.postMessage"})
final class SlackMessageCommand extends Base {
    @Option(names = "--execution-id", required = true, paramLabel = "ID", description = "The execution that alerted.")
    String executionId;

    @Override
    public Integer call() throws Exception {
        Names.id("execution id", executionId);
        Store store = store();
        Event e = eventLog(store).findExecution(executionId)
                .orElseThrow(() -> PoetException.notFound("no execution " + executionId + " in the store"));
        String review = ServeSettings.of(store, env().environment()).reviewUrlOrNull(executionId, env().clock().instant());
        printPrettyJson(Slack.message(e.toMap(), review));
        return 0;
    }
}
