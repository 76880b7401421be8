package dev.poet.cli;

import dev.poet.PoetException;
import dev.poet.event.EventFilter;
import dev.poet.event.EventLog;
import dev.poet.event.Timestamps;
import dev.poet.json.Json;
import dev.poet.store.EventSpool.State;
import dev.poet.store.Names;
import dev.poet.store.Store;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(name = "events",
        footer = {"", "Examples:",
            "  poet events list --type drift.validation --since 1d",
            "  poet events show 6f1c0d9e-6b1f-4a53-9d6e-3f1a2b7c9e10",
            "  poet events export --out /data/poet-events"},
        description = "List and inspect the events in the store.",
        subcommands = {EventsCommand.ListEvents.class, EventsCommand.Show.class, EventsCommand.Export.class})
final class EventsCommand extends Base {
    @Override
    public Integer call() {
        throw new picocli.CommandLine.ParameterException(spec.commandLine(), "events: a subcommand is required: list, show or export");
    }

    /** --state values: pending, processed, failed. */
    static List<State> parseStates(List<String> states) {
        List<State> which = new ArrayList<>();
        for (String s : states) {
            which.add(switch (s.trim().toLowerCase(java.util.Locale.ROOT)) {
                case "pending" -> State.PENDING;
                case "processed" -> State.PROCESSED;
                case "failed" -> State.FAILED;
                default -> throw PoetException.invalid("--state " + Names.quote(s) + ": expected pending, processed or failed");
            });
        }
        return which;
    }

    /** The JSON form of a stored event: its envelope plus where it is. */
    static Map<String, Object> describe(EventLog.Stored s) {
        Map<String, Object> m = new LinkedHashMap<>();
        if (s.event() != null) {
            m.putAll(s.event().toMap());
        }
        m.put("state", s.state().dirName());
        m.put("path", s.path().toString());
        if (s.problem() != null) {
            m.put("problem", s.problem());
        }
        if (s.reason() != null) {
            m.put("reason", s.reason());
        }
        return m;
    }

    @Command(name = "list",
        footer = {"", "Examples:",
            "  poet events list --function detect_drift --limit 20",
            "  poet events list --state failed",
            "  poet --json events list --execution-id 6f1c0d9e-... | jq .type"},
            description = {"List events, oldest first, from every state (or those given with --state).",
                "With --json, one JSON object per line: the envelope plus \"state\" and \"path\"."})
    static final class ListEvents extends Base {
        @Option(names = "--type", paramLabel = "TYPE", description = "Only this type; 'alert.*' matches a namespace.")
        String type;

        @Option(names = "--function", paramLabel = "FN", description = "Only events about this function.")
        String function;

        @Option(names = "--execution-id", paramLabel = "ID", description = "Only events about this execution.")
        String executionId;

        @Option(names = "--since", paramLabel = "WHEN", description = "Only events at or after WHEN: a time, a date, or an age (7d, 24h, 30m).")
        String since;

        @Option(names = "--until", paramLabel = "WHEN", description = "Only events before WHEN.")
        String until;

        @Option(names = "--state", paramLabel = "STATE", split = ",",
                description = "pending, processed or failed (repeat or separate with commas; default: all).")
        List<String> states = new ArrayList<>();

        @Option(names = "--limit", paramLabel = "N", description = "Show at most the last N matching events.")
        Integer limit;

        @Override
        public Integer call() throws Exception {
            Instant now = env().clock().instant();
            if (function != null) {
                Names.function(function);
            }
            EventFilter filter = new EventFilter(type, function, executionId,
                    since == null ? null : Timestamps.parseRelative(since, now, "--since"),
                    until == null ? null : Timestamps.parseRelative(until, now, "--until"));
            List<State> which = parseStates(states);
            if (which.isEmpty()) {
                which = List.of(State.PENDING, State.PROCESSED, State.FAILED);
            }
            Store store = store();
            List<EventLog.Stored> found = new ArrayList<>();
            eventLog(store).forEach(which, s -> {
                if (s.event() == null ? filter.isEmpty() : filter.matches(s.event())) {
                    found.add(s);
                }
            });
            found.sort((a, b) -> key(a).compareTo(key(b)));
            List<EventLog.Stored> shown = limit != null && limit >= 0 && found.size() > limit
                    ? found.subList(found.size() - limit, found.size()) : found;
            if (json()) {
                for (EventLog.Stored s : shown) {
                    printJson(describe(s));
                }
                return 0;
            }
            Table t = new Table("ID", "TIME", "STATE", "TYPE", "FUNCTION", "VERSION", "EXECUTION");
            for (EventLog.Stored s : shown) {
                if (s.event() == null) {
                    t.row(s.path().getFileName().toString(), "-", s.state().dirName(), "(unreadable)", "-", "-",
                            s.problem());
                    continue;
                }
                var e = s.event();
                t.row(e.id(), Timestamps.format(e.time()), s.state().dirName(), e.type(), e.function(), e.version(),
                        e.executionId());
            }
            t.print(out(), "");
            note(shown.size() + (shown.size() == 1 ? " event" : " events")
                    + (shown.size() < found.size() ? " (of " + found.size() + " matching)" : ""));
            return 0;
        }

        static String key(EventLog.Stored s) {
            return s.event() == null ? "" : Timestamps.format(s.event().time()) + s.event().id();
        }
    }

    @Command(name = "show",
        footer = {"", "Examples:",
            "  poet events show 01JDX3J8V6Q6N7W3KXQ1ZP4M2B",
            "  poet events show 6f1c0d9e-6b1f-4a53-9d6e-3f1a2b7c9e10   # an execution and its outcomes"},
            description = {"Show one event in full, wherever it is (pending, processed or failed). Given an execution"
                + " id instead, show that execution and every event about it (its verdicts, alerts, costs), oldest"
                + " first. An id found in more than one place is shown once per place."})
    static final class Show extends Base {
        @Parameters(paramLabel = "ID", description = "An event id, or an execution id.")
        String id;

        @Override
        public Integer call() throws Exception {
            EventLog log = eventLog(store());
            List<EventLog.Stored> found = log.find(id);
            if (found.isEmpty()) {
                EventFilter about = new EventFilter(null, null, id, null, null);
                List<EventLog.Stored> all = new ArrayList<>();
                log.forEach(List.of(State.PENDING, State.PROCESSED, State.FAILED), s -> {
                    if (s.event() != null && about.matches(s.event())) {
                        all.add(s);
                    }
                });
                all.sort((a, b) -> ListEvents.key(a).compareTo(ListEvents.key(b)));
                found = all;
            }
            if (found.isEmpty()) {
                throw PoetException.notFound("no event or execution " + id + " in the store");
            }
            for (EventLog.Stored s : found) {
                if (json()) {
                    printJson(describe(s));
                } else {
                    out().println(Json.pretty(describe(s)));
                }
            }
            return 0;
        }
    }

    @Command(name = "export",
            description = {"Export events as JSON Lines partitioned by function and day, for Spark, Trino or DuckDB.",
                "Writes OUT/function=<fn>/date=<yyyy-mm-dd>/events.jsonl (Hive-style partitions), each line an event's"
                    + " canonical JSON with its correlation. Processed (correlated) events by default. Each partition file"
                    + " is renamed into place when complete, so readers never see half an export."},
            footer = {"", "Examples:",
                "  poet events export --out /data/poet-events",
                "  poet events export --out /tmp/x --function detect_drift --since 30d",
                "  duckdb -c \"select count(*) from read_json_auto('/data/poet-events/**/*.jsonl', hive_partitioning=1)\""})
    static final class Export extends Base {
        @Option(names = "--out", required = true, paramLabel = "DIR", description = "Where to write the partitions.")
        String out;

        @Option(names = "--format", paramLabel = "FORMAT", defaultValue = "jsonl", description = "jsonl (the only one).")
        String format;

        @Option(names = "--function", paramLabel = "FN", description = "Only events about this function.")
        String function;

        @Option(names = "--type", paramLabel = "TYPE", description = "Only this type; 'alert.*' matches a namespace.")
        String type;

        @Option(names = "--since", paramLabel = "WHEN", description = "Only events at or after WHEN.")
        String since;

        @Option(names = "--until", paramLabel = "WHEN", description = "Only events before WHEN.")
        String until;

        @Option(names = "--state", paramLabel = "STATE", split = ",", defaultValue = "processed",
                description = "Which: processed (default), pending, failed; comma-separated.")
        List<String> states;

        @Override
        public Integer call() throws Exception {
            if (!"jsonl".equals(format)) {
                throw PoetException.invalid("--format " + Names.quote(format) + ": only jsonl is supported");
            }
            if (function != null) {
                Names.function(function);
            }
            var now = env().clock().instant();
            EventFilter filter = new EventFilter(type, function, null,
                    since == null ? null : Timestamps.parseRelative(since, now, "--since"),
                    until == null ? null : Timestamps.parseRelative(until, now, "--until"));
            List<State> which = parseStates(states);
            dev.poet.event.Exporter.Result r = new dev.poet.event.Exporter(store()).export(env().cwd().resolve(out), which, filter);
            if (json()) {
                Map<String, Object> m = new LinkedHashMap<>();
                m.put("out", env().cwd().resolve(out).toString());
                m.put("events", r.events());
                m.put("partitions", (long) r.partitions());
                m.put("per_partition", r.perPartition());
                printJson(m);
            } else {
                out().println("Exported " + r.events() + " events in " + r.partitions() + " partitions to "
                        + env().cwd().resolve(out));
            }
            return 0;
        }
    }
}
