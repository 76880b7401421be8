package dev.poet.cli;

import dev.poet.PoetException;
import dev.poet.event.Event;
import dev.poet.event.EventCodec;
import dev.poet.event.EventLog;
import dev.poet.event.Timestamps;
import dev.poet.json.Json;
import dev.poet.store.Store;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import picocli.CommandLine.Model.OptionSpec;

/** {@code poet record}: validate and deliver events. Declared programmatically (see {@link Specs}). */
final class RecordCommand extends Base {
    /** Whole --event input, all envelopes together. */
    static final int MAX_BATCH_BYTES = 64 << 20;

    String type;
    String executionId;
    String function;
    String version;
    String id;
    String time;
    String source;
    Map<String, String> sets;
    String data;
    String event;
    boolean batch;

    RecordCommand() {
        spec = Specs.wrap(this);
        spec.usageMessage().description(
                "Validate an event and deliver it to the store; print its id.",
                "Either give TYPE and the fields, or --event with whole envelopes (one JSON object, or JSON Lines),"
                        + " exactly as the Python runtime writes them. Delivery is all or nothing: if any envelope is"
                        + " invalid, none is delivered. An event id given with --id (or in the envelope) makes"
                        + " delivery idempotent.");
        java.util.List<String> types = new java.util.ArrayList<>();
        for (dev.poet.event.EventType t : dev.poet.event.EventType.known().values()) {
            String doc = t.doc();
            if (doc.length() > 42) {
                doc = doc.substring(0, doc.lastIndexOf(' ', 38)) + " ...";
            }
            types.add("  " + t.name() + " ".repeat(Math.max(1, 32 - t.name().length())) + doc);
        }
        types.add("  x.<team>.<name>                 a custom event, accepted without a schema");
        types.add("");
        types.add("Examples:");
        types.add("  poet record alert.acknowledged --set alert_id=PD123 --set acknowledged_by=alice");
        types.add("  poet record execution.cost_measured --execution-id 6f1c0d9e-... --set cost_usd=0.0123");
        types.add("  poet record --event events.jsonl");
        spec.usageMessage().footerHeading("%nEvent types (their fields: docs/events.md):%n")
                .footer(types.toArray(new String[0]));
        spec.addPositional(Specs.positional("TYPE", "0..1", "Event type, e.g. drift.validation.").build());
        spec.addOption(Specs.option("--execution-id", "ID", "The execution the event is about.").build());
        spec.addOption(Specs.option("--function", "FN", "The function the event is about.").build());
        spec.addOption(Specs.option("--version,--function-version", "vN", "The function version the event is about.").build());
        spec.addOption(Specs.option("--id", "EVENT_ID", "Event id to use (an idempotency key); default: a new ULID.").build());
        spec.addOption(Specs.option("--time", "TIME", "When it happened (ISO-8601 with offset); default: now.").build());
        spec.addOption(Specs.option("--source", "SOURCE", "Who reports the event (default: ${DEFAULT-VALUE}).")
                .defaultValue("cli").build());
        spec.addOption(OptionSpec.builder("--set").paramLabel("KEY=VALUE").type(Map.class)
                .auxiliaryTypes(String.class, String.class).initialValue(new LinkedHashMap<String, String>())
                .description("A data field; VALUE is taken as JSON where it parses as JSON (true, 0.4, [1]), else as a string.")
                .build());
        spec.addOption(Specs.option("--data", "JSON|@FILE|-", "The data object: inline JSON, @FILE, or - for stdin.").build());
        spec.addOption(Specs.option("--event", "FILE|-",
                "Whole envelopes from FILE or stdin ('-'): one JSON object, or one per line.").build());
        spec.addOption(Specs.flag("--batch", "With --event: deliver the events as one batch file, as the Python runtime"
                + " does (one fsync for all); a repeated id is then counted once by correlate rather than noted here.").build());
    }

    private void readOptions() {
        type = spec.positionalParameters().get(0).getValue();
        executionId = Specs.value(spec, "--execution-id");
        function = Specs.value(spec, "--function");
        version = Specs.value(spec, "--version");
        id = Specs.value(spec, "--id");
        time = Specs.value(spec, "--time");
        source = Specs.value(spec, "--source");
        Map<String, String> given = Specs.value(spec, "--set");
        sets = given == null ? new LinkedHashMap<>() : given;
        data = Specs.value(spec, "--data");
        event = Specs.value(spec, "--event");
        batch = Boolean.TRUE.equals(Specs.value(spec, "--batch"));
    }

    @Override
    public Integer call() throws Exception {
        readOptions();
        List<Event> events = event != null ? fromEnvelopes() : List.of(fromFields());
        Store store = store();
        EventLog log = eventLog(store);
        if (batch && event == null) {
            throw PoetException.invalid("record: --batch needs --event");
        }
        List<EventLog.Recorded> recorded = log.recordAll(events, batch);
        for (EventLog.Recorded r : recorded) {
            if (r.duplicate()) {
                note("event " + r.event().id() + " was delivered before; nothing changed");
            }
            if (json()) {
                printJson(r.event().toMap());
            } else {
                out().println(r.event().id());
            }
        }
        return 0;
    }

    private Event fromFields() throws Exception {
        if (type == null) {
            throw PoetException.invalid("record: give an event TYPE, or whole envelopes with --event");
        }
        Map<String, Object> d = data == null ? new LinkedHashMap<>()
                : Json.parseObject(readInput(data, false, EventCodec.MAX_EVENT_BYTES, "--data"), "--data");
        for (Map.Entry<String, String> e : sets.entrySet()) {
            Json.Literal lit = (Json.Literal) Json.parseLiteralOrNull(e.getValue());
            d.put(e.getKey(), lit != null ? lit.value() : e.getValue());
        }
        Instant when = time != null ? Timestamps.parse(time, "--time") : env().clock().instant();
        String eventId = id != null ? id : dev.poet.event.EventId.next(env().clock().millis());
        return EventCodec.withContractFields(new Event(eventId, type, when, source, function, version, executionId, d, null));
    }

    private List<Event> fromEnvelopes() throws Exception {
        if (type != null || data != null || !sets.isEmpty() || executionId != null || function != null
                || version != null || time != null) {
            throw PoetException.invalid("record: --event takes whole envelopes; do not combine it with TYPE or field options");
        }
        byte[] all = readInput(event, true, MAX_BATCH_BYTES, "--event");
        List<Map<String, Object>> maps = new ArrayList<>();
        String text = new String(all, StandardCharsets.UTF_8);
        Object single = null;
        try {
            single = Json.parse(all, "--event");
        } catch (PoetException e) {
            String[] lines = text.split("\n", -1);
            if (lines.length < 2) {
                throw e;
            }
            for (int i = 0; i < lines.length; i++) {
                if (lines[i].isBlank()) {
                    continue;
                }
                byte[] line = lines[i].getBytes(StandardCharsets.UTF_8);
                if (line.length > EventCodec.MAX_EVENT_BYTES) {
                    throw PoetException.invalid("--event line " + (i + 1) + " is over the 1 MiB limit");
                }
                maps.add(Json.parseObject(line, "--event line " + (i + 1)));
            }
        }
        if (single != null) {
            if (!(single instanceof Map)) {
                throw PoetException.invalid("--event must hold JSON objects, got " + Json.typeName(single));
            }
            @SuppressWarnings("unchecked")
            Map<String, Object> m = (Map<String, Object>) single;
            maps.add(m);
        }
        if (maps.isEmpty()) {
            throw PoetException.invalid("--event holds no events");
        }
        if (id != null && maps.size() > 1) {
            throw PoetException.invalid("--id names one event, but --event holds " + maps.size()
                    + "; give each envelope its own \"id\"");
        }
        List<Event> out = new ArrayList<>(maps.size());
        for (int i = 0; i < maps.size(); i++) {
            Map<String, Object> m = maps.get(i);
            try {
                Event e = EventCodec.fromMap(m, id != null ? id
                        : dev.poet.event.EventId.next(env().clock().millis()), env().clock().instant(), source);
                if (e.correlation() != null) {
                    throw PoetException.invalid("field correlation is set by poet correlate, not by clients");
                }
                out.add(e);
            } catch (PoetException ex) {
                throw new PoetException(ex.status(), (maps.size() > 1 ? "event " + (i + 1) + ": " : "") + ex.getMessage());
            }
        }
        return out;
    }
}
