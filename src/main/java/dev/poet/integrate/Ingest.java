package dev.poet.integrate;

import dev.poet.PoetException;
import dev.poet.event.Event;
import dev.poet.event.EventLog;
import dev.poet.event.EventCodec;
import dev.poet.event.Timestamps;
import dev.poet.json.Json;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Batch and replay: payloads of an integration read from files or standard input, converted and
 * recorded. Every item is accounted for: accepted (and whether it was a duplicate of an event
 * already delivered), ignored (with why, e.g. a PagerDuty event type poet does not use), or
 * rejected (with where and why). Items are independent: a bad one does not stop the others.
 */
public final class Ingest {
    private final EventLog events;
    private final boolean dryRun;
    private final Report report;
    private dev.poet.Progress progress = dev.poet.Progress.NONE;
    private long seen;

    public Ingest(EventLog events, String source, boolean dryRun) {
        this.events = events;
        this.dryRun = dryRun;
        this.report = new Report(source);
    }

    /** The counts of one ingest run. */
    public static final class Report {
        public final String source;
        public long accepted;
        public long duplicates;
        public final Map<String, Long> ignored = new TreeMap<>();
        public final List<String> rejected = new ArrayList<>();
        public final Map<String, Object> extra = new LinkedHashMap<>();

        Report(String source) {
            this.source = source;
        }

        public Map<String, Object> toMap() {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("source", source);
            m.put("accepted", accepted);
            m.put("duplicates", duplicates);
            m.put("ignored", new LinkedHashMap<>(ignored));
            m.put("rejected", List.copyOf(rejected));
            m.putAll(extra);
            return m;
        }
    }

    public Report report() {
        return report;
    }

    /** Where to report how many items have been worked through (the total is not known ahead). */
    public Ingest progress(dev.poet.Progress p) {
        this.progress = p;
        return this;
    }

    private void step() {
        progress.update("ingest " + report.source, ++seen, 0);
    }

    public EventLog events() {
        return events;
    }

    /** Records (or, dry-running, validates) converted events; a rejected conversion is counted with where it came from. */
    public void accept(String where, PagerDuty.Converted c) throws IOException {
        if (c.ignored() != null) {
            report.ignored.merge(c.ignored(), 1L, Long::sum);
        }
        for (Event e : c.events()) {
            add(where, e);
        }
    }

    public void add(String where, Event e) throws IOException {
        step();
        try {
            if (dryRun) {
                EventCodec.validate(e);
                report.accepted++;
                return;
            }
            EventLog.Recorded r = events.record(e);
            report.accepted++;
            if (r.duplicate()) {
                report.duplicates++;
            }
        } catch (PoetException ex) {
            if (ex.status() != dev.poet.Status.INVALID) {
                throw ex;
            }
            reject(where, ex.getMessage());
        }
    }

    public void reject(String where, String why) {
        step();
        report.rejected.add(where + ": " + why);
    }

    public void ignore(String why) {
        step();
        report.ignored.merge(why, 1L, Long::sum);
    }

    /**
     * The JSON items of an input: one value, the elements of an array, or JSON Lines; each with
     * where it came from ("item 3", "line 7"). A line that is not JSON is rejected, the rest go on.
     */
    public List<Map.Entry<String, Object>> items(String name, byte[] input) {
        List<Map.Entry<String, Object>> out = new ArrayList<>();
        try {
            Object whole = Json.parse(input, name);
            if (whole instanceof List) {
                int i = 0;
                for (Object o : (List<?>) whole) {
                    out.add(new java.util.AbstractMap.SimpleEntry<>(name + " item " + (++i), o));
                }
            } else {
                out.add(new java.util.AbstractMap.SimpleEntry<>(name, whole));
            }
            return out;
        } catch (PoetException e) {
            // not one JSON value: JSON Lines
        }
        String text = new String(input, StandardCharsets.UTF_8);
        int n = 0;
        for (String line : text.split("\n", -1)) {
            n++;
            if (line.isBlank()) {
                continue;
            }
            try {
                out.add(new java.util.AbstractMap.SimpleEntry<>(name + " line " + n,
                        Json.parse(line.getBytes(StandardCharsets.UTF_8), name + " line " + n)));
            } catch (PoetException e) {
                reject(name + " line " + n, "not JSON: " + e.getMessage());
            }
        }
        return out;
    }

    /** PagerDuty V3 webhook payloads, trusted as local files: no signature to check. */
    public void pagerduty(String name, byte[] input) throws IOException {
        Instant now = events.clock().instant();
        for (Map.Entry<String, Object> item : items(name, input)) {
            try {
                accept(item.getKey(), PagerDuty.convert(item.getValue(), events::newId, now));
            } catch (Rejected r) {
                reject(item.getKey(), r.getMessage());
            }
        }
    }

    /** Slack interaction payloads: JSON, or the form bodies Slack posts ({@code payload=...}), one per line. */
    public void slack(String name, byte[] input) throws IOException {
        Instant now = events.clock().instant();
        String text = new String(input, StandardCharsets.UTF_8).strip();
        List<Map.Entry<String, Object>> items = new ArrayList<>();
        if (text.startsWith("payload=")) {
            int n = 0;
            for (String line : text.split("\n")) {
                n++;
                if (line.isBlank()) {
                    continue;
                }
                try {
                    items.add(new java.util.AbstractMap.SimpleEntry<>(name + " line " + n,
                            Slack.payloadOfForm(line.strip().getBytes(StandardCharsets.UTF_8))));
                } catch (Rejected r) {
                    reject(name + " line " + n, r.getMessage());
                }
            }
        } else {
            items = items(name, input);
        }
        for (Map.Entry<String, Object> item : items) {
            try {
                accept(item.getKey(), Slack.convert(item.getValue(), events::newId, now));
            } catch (Rejected r) {
                reject(item.getKey(), r.getMessage());
            }
        }
    }

    /** {@code model.retrained} from JSON objects with model, reason, performance_before, performance_after. */
    public void retrain(String name, byte[] input) throws IOException {
        for (Map.Entry<String, Object> item : items(name, input)) {
            if (!(item.getValue() instanceof Map)) {
                reject(item.getKey(), "a retraining is a JSON object");
                continue;
            }
            @SuppressWarnings("unchecked")
            Map<String, Object> m = new LinkedHashMap<>((Map<String, Object>) item.getValue());
            Instant time = events.clock().instant();
            if (m.get("time") instanceof String) {
                try {
                    time = Timestamps.parse((String) m.remove("time"), "time");
                } catch (RuntimeException e) {
                    reject(item.getKey(), "time is not a time: " + e.getMessage());
                    continue;
                }
            }
            String id = m.get("id") instanceof String ? (String) m.remove("id") : events.newId();
            add(item.getKey(), new Event(id, "model.retrained", time, "ingest", null, null, null, m, null));
        }
    }
}
