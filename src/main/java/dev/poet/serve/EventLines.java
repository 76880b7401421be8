package dev.poet.serve;

import dev.poet.PoetException;
import dev.poet.event.Event;
import dev.poet.event.EventCodec;
import dev.poet.integrate.Rejected;
import dev.poet.json.Json;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

/**
 * The body of {@code POST /poet/events}: one JSON object (which may span lines), or JSON Lines,
 * each an envelope as {@code poet record --event} takes it. Splitting refuses only the body as a
 * whole (empty, too many events); each line is then parsed and validated on its own, so one bad
 * line does not cost the others.
 */
final class EventLines {
    private EventLines() {
    }

    /** An envelope read from a line, and whether the client chose its id (which makes it idempotent). */
    record Parsed(Event event, boolean idGiven) {
    }

    /** The body's envelopes as separate byte arrays, in order; blank lines are skipped. */
    static List<byte[]> split(byte[] body, int maxLines) {
        List<byte[]> lines = new ArrayList<>();
        int start = 0;
        for (int i = 0; i <= body.length; i++) {
            if (i == body.length || body[i] == '\n') {
                if (!blank(body, start, i)) {
                    if (lines.size() == maxLines) {
                        throw new Rejected(413, "over " + maxLines + " events in one request; send them in several");
                    }
                    lines.add(java.util.Arrays.copyOfRange(body, start, i));
                }
                start = i + 1;
            }
        }
        if (lines.isEmpty()) {
            throw new Rejected(400, "the body holds no events (one JSON object, or one per line)");
        }
        if (lines.size() > 1 && (body[first(body)] == '{') && !(lines.get(0).length > 0 && endsObject(lines.get(0)))) {
            // a pretty-printed object: its first line does not close it
            try {
                Json.parseObject(body, "the body");
                return List.of(body);
            } catch (PoetException e) {
                // not one object either: judge the lines one by one
            }
        }
        return lines;
    }

    /** Reads and validates one envelope; anything wrong is an INVALID error saying what. */
    static Parsed parse(byte[] line, String what, Supplier<String> newId, Instant now, String source) {
        if (line.length > EventCodec.MAX_EVENT_BYTES) {
            throw PoetException.invalid(what + " is over the 1 MiB limit of an event");
        }
        Map<String, Object> m = Json.parseObject(line, what);
        boolean idGiven = m.get("id") != null;
        Event e;
        try {
            e = EventCodec.fromMap(m, idGiven ? null : newId.get(), now, source);
            if (e.correlation() != null) {
                throw PoetException.invalid("field correlation is set by poet correlate, not by clients");
            }
            EventCodec.validate(e);
        } catch (PoetException ex) {
            throw PoetException.invalid(what + ": " + ex.getMessage());
        }
        return new Parsed(e, idGiven);
    }

    private static boolean blank(byte[] b, int from, int to) {
        for (int i = from; i < to; i++) {
            if (b[i] != ' ' && b[i] != '\t' && b[i] != '\r') {
                return false;
            }
        }
        return true;
    }

    private static int first(byte[] b) {
        int i = 0;
        while (i < b.length - 1 && (b[i] == ' ' || b[i] == '\t' || b[i] == '\r' || b[i] == '\n')) {
            i++;
        }
        return i;
    }

    /** Whether a line, trailing blanks aside, ends with a closing brace (a whole object on one line). */
    private static boolean endsObject(byte[] line) {
        int i = line.length - 1;
        while (i >= 0 && (line[i] == ' ' || line[i] == '\t' || line[i] == '\r')) {
            i--;
        }
        return i >= 0 && line[i] == '}';
    }
}
