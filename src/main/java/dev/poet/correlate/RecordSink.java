package dev.poet.correlate;

import dev.poet.event.Event;
import java.io.IOException;

/**
 * Something kept up to date from the processed log as correlation writes it (the analysis facts,
 * for one). It sees every record in the order of the segments, and is asked to checkpoint
 * whenever the correlation index is, with the last segment the checkpoint covers.
 */
public interface RecordSink {
    void accept(Event record);

    void checkpoint(long lastSegment) throws IOException;

    RecordSink NONE = new RecordSink() {
        @Override
        public void accept(Event record) {
        }

        @Override
        public void checkpoint(long lastSegment) {
        }
    };
}
