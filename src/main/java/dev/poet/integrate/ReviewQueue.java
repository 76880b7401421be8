package dev.poet.integrate;

import dev.poet.analyze.ExecutionFacts;
import dev.poet.analyze.Facts;
import dev.poet.analyze.FactsSink;
import dev.poet.correlate.Correlator;
import dev.poet.event.Event;
import dev.poet.event.EventLog;
import dev.poet.store.Settings;
import dev.poet.store.Store;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The alerts that still need a verdict, newest first, for {@code poet review}. Pending events
 * count too: the queue correlates in memory (as {@code poet learn --dry-run} does), writing
 * nothing, so an execution that alerted a minute ago is in it and one judged a minute ago is not.
 */
public final class ReviewQueue {
    private final Store store;
    private final EventLog events;
    private final Facts facts;

    private ReviewQueue(Store store, EventLog events, Facts facts) {
        this.store = store;
        this.events = events;
        this.facts = facts;
    }

    public static ReviewQueue open(Store store, EventLog events) throws IOException {
        FactsSink sink = FactsSink.open(store);
        new Correlator(store, events.clock(), sink).run(new Correlator.Options(true, Settings.orphanTtl(store),
                Correlator.DEFAULT_BATCH, 1));
        return new ReviewQueue(store, events, sink.facts());
    }

    /** Alerts of {@code function} (all when null) without a verdict, newest first, at most {@code limit}. */
    public List<ExecutionFacts> unreviewed(String function, int limit) {
        List<ExecutionFacts> out = new ArrayList<>();
        for (String fn : function == null ? facts.functions() : List.of(function)) {
            for (ExecutionFacts x : facts.of(fn)) {
                if (x.known() && x.isAlert() && x.verdict() == null) {
                    out.add(x);
                }
            }
        }
        out.sort(Comparator.comparingLong(ExecutionFacts::time).reversed().thenComparing(x -> x.id));
        return out.size() > limit ? out.subList(0, limit) : out;
    }

    /** Reasons given before, most used first: what the reason prompt completes. */
    public List<String> knownReasons() {
        Map<String, Long> n = new TreeMap<>();
        for (String fn : facts.functions()) {
            for (ExecutionFacts x : facts.of(fn)) {
                if (x.verdictReason() != null) {
                    n.merge(x.verdictReason(), 1L, Long::sum);
                }
            }
        }
        List<String> out = new ArrayList<>(n.keySet());
        out.sort(Comparator.comparingLong((String r) -> n.get(r)).reversed().thenComparing(r -> r));
        return out;
    }

    /** The execution's own event, for its details (p-value, threshold, ...), when it can be found. */
    public Event execution(ExecutionFacts x) throws IOException {
        return events.findExecution(x.id).orElse(null);
    }

    /** Records a verdict at once; returns its event id. */
    public String verdict(ExecutionFacts x, boolean real, String reason, String who) throws IOException {
        Map<String, Object> data = new LinkedHashMap<>();
        data.put("was_real_drift", real);
        data.put("feedback_type", real ? "true_positive" : "false_positive");
        if (reason != null && !reason.isBlank()) {
            data.put("reason", reason.strip());
        }
        data.put("validation_source", "cli_review");
        if (who != null && !who.isBlank()) {
            data.put("validator", who);
        }
        return events.record(new Event(events.newId(), "drift.validation", events.clock().instant(), "cli", x.function(),
                null, x.id, data, null)).event().id();
    }

    public Store store() {
        return store;
    }
}
