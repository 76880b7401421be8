package dev.poet.analyze;

import dev.poet.correlate.RecordSink;
import dev.poet.event.Event;
import dev.poet.store.Store;
import java.io.IOException;

/** Keeps the analysis facts checkpoints current while correlation writes the processed log. */
public final class FactsSink implements RecordSink {
    private final Store store;
    private final Facts facts;

    private FactsSink(Store store, Facts facts) {
        this.store = store;
        this.facts = facts;
    }

    public static FactsSink open(Store store) throws IOException {
        return new FactsSink(store, Facts.load(store, null));
    }

    /** The facts, up to date with every record accepted so far. */
    public Facts facts() {
        return facts;
    }

    @Override
    public void accept(Event record) {
        facts.add(record);
    }

    @Override
    public void checkpoint(long lastSegment) throws IOException {
        facts.save(store, lastSegment);
    }
}
