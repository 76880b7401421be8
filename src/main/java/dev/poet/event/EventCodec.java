package dev.poet.event;

import dev.poet.PoetException;
import dev.poet.json.Json;
import dev.poet.store.Names;
import java.time.Instant;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Validates envelopes and turns them into the bytes the store keeps. Every check names the
 * field that failed, so an error reads like {@code drift.validation: field data.was_real_drift:
 * expected boolean, got string}.
 */
public final class EventCodec {
    /** Largest encoded event accepted, and largest input read for one. */
    public static final int MAX_EVENT_BYTES = 1 << 20;
    private static final Set<String> ENVELOPE = Set.of("id", "type", "time", "source", "function", "version",
            "execution_id", "data", "correlation");
    private static final Pattern SOURCE = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._:/@-]{0,63}");

    private EventCodec() {
    }

    /** Checks an event; returns its type. */
    public static EventType validate(Event e) {
        if (e.type() == null) {
            throw PoetException.invalid("field type is required");
        }
        EventType type = EventType.of(e.type());
        if (type == null) {
            throw PoetException.invalid("unknown event type " + Names.quote(e.type())
                    + "; known types are listed by 'poet record --help', custom types must be namespaced, e.g. x.my_team.thing");
        }
        String t = type.name();
        Names.id("event id", e.id());
        if (e.time() == null) {
            throw PoetException.invalid(t + ": field time is required");
        }
        if (e.source() == null || !SOURCE.matcher(e.source()).matches()) {
            throw PoetException.invalid(t + ": field source " + Names.quote(e.source())
                    + " must be 1-64 characters from A-Z a-z 0-9 . _ : / @ -");
        }
        if (e.function() != null) {
            Names.function(e.function());
        }
        if (e.version() != null) {
            Names.version(e.version());
        }
        if (e.executionId() != null) {
            Names.id("execution id", e.executionId());
        }
        for (EventType.Needs n : type.needs()) {
            boolean missing = n == EventType.Needs.FUNCTION ? e.function() == null
                    : n == EventType.Needs.VERSION ? e.version() == null : e.executionId() == null;
            if (missing) {
                String field = n == EventType.Needs.EXECUTION_ID ? "execution_id" : n.name().toLowerCase();
                throw PoetException.invalid(t + ": field " + field + " is required");
            }
        }
        Map<String, Object> data = e.data();
        for (Field f : type.fields()) {
            boolean present = data.containsKey(f.name());
            Object v = data.get(f.name());
            if (!present || v == null && f.kind() != Field.Kind.ANY) {
                if (f.required()) {
                    throw PoetException.invalid(t + ": field data." + f.name() + " is required (" + f.kind().label() + ")");
                }
                if (!present || v == null) {
                    continue;
                }
            }
            String problem = v == null ? null : f.kind().check(v);
            if (problem != null) {
                throw PoetException.invalid(t + ": field data." + f.name() + ": " + problem);
            }
        }
        if (t.equals("drift.validation") && e.executionId() == null && !(data.get("alert_id") instanceof String)
                && !(data.get("mlflow_run_id") instanceof String) && !(data.get("mlflow_tags") instanceof Map)) {
            throw PoetException.invalid(t + ": field execution_id (or data.alert_id, data.mlflow_run_id) is required");
        }
        if (t.equals("drift.business_impact_measured") && !data.containsKey("revenue_impact")
                && !data.containsKey("conversion_impact")) {
            throw PoetException.invalid(t + ": field data.revenue_impact or data.conversion_impact is required");
        }
        return type;
    }

    /** The canonical bytes of a valid event: one line of compact JSON and a newline. */
    public static byte[] encode(Event e) {
        byte[] bytes = Json.encodeLine(e.toMap());
        if (bytes.length > MAX_EVENT_BYTES) {
            throw PoetException.invalid(e.type() + ": event is " + bytes.length + " bytes, over the "
                    + MAX_EVENT_BYTES + "-byte (1 MiB) limit");
        }
        return bytes;
    }

    private static final byte[] DATA_KEY = ",\"data\":".getBytes(java.nio.charset.StandardCharsets.UTF_8);
    private static final byte[] CORRELATION_KEY = ",\"correlation\":".getBytes(java.nio.charset.StandardCharsets.UTF_8);

    /**
     * The canonical bytes of {@code record}, reusing the {@code "data"} object of {@code original}
     * (the canonical bytes of an event with the same data) instead of encoding it again: the
     * envelope and correlation are small, the data is most of the work. Falls back to
     * {@link #encode} when {@code original} is not a single canonical line with a data object
     * and no correlation.
     */
    public static byte[] encodeReusingData(Event record, byte[] original) {
        int at = indexOf(original, DATA_KEY);
        int end = original.length;
        if (end > 0 && original[end - 1] == '\n') {
            end--;
        }
        if (at < 0 || end < 2 || original[end - 1] != '}' || newlineOrCorrelation(original, end)) {
            return encode(record);
        }
        byte[] head = plainHead(record);
        if (head == null) {
            Map<String, Object> envelope = record.toMap();
            envelope.remove("data");
            envelope.remove("correlation");
            head = Json.encode(envelope);
        }
        Map<String, Object> correlation = record.correlation();
        byte[] corr = correlation == null ? null : Json.encode(correlation);
        int dataLen = end - 1 - at;
        int size = head.length - 1 + dataLen + (corr == null ? 0 : CORRELATION_KEY.length + corr.length) + 2;
        if (size > MAX_EVENT_BYTES) {
            throw PoetException.invalid(record.type() + ": event is " + size + " bytes, over the " + MAX_EVENT_BYTES
                    + "-byte (1 MiB) limit");
        }
        byte[] out = new byte[size];
        int o = 0;
        System.arraycopy(head, 0, out, o, head.length - 1);
        o += head.length - 1;
        System.arraycopy(original, at, out, o, dataLen);
        o += dataLen;
        if (corr != null) {
            System.arraycopy(CORRELATION_KEY, 0, out, o, CORRELATION_KEY.length);
            o += CORRELATION_KEY.length;
            System.arraycopy(corr, 0, out, o, corr.length);
            o += corr.length;
        }
        out[o++] = '}';
        out[o] = '\n';
        return out;
    }

    /**
     * The envelope without data and correlation, {@code {"id":...,"source":...}}, written straight
     * to bytes, exactly as {@link Json#encode} writes its map, when every field is plain printable
     * ASCII without quotes or backslashes (as ids, types, names and canonical times are); null
     * otherwise, for the general encoder.
     */
    static byte[] plainHead(Event e) {
        String time = Timestamps.format(e.time());
        String[] keys = {"id", "type", "time", "source", "function", "version", "execution_id"};
        String[] values = {e.id(), e.type(), time, e.source(), e.function(), e.version(), e.executionId()};
        int size = 1;
        for (int i = 0; i < keys.length; i++) {
            String v = values[i];
            if (v == null) {
                if (i < 4) {
                    return null;
                }
                continue;
            }
            for (int j = 0; j < v.length(); j++) {
                char c = v.charAt(j);
                if (c < 0x20 || c > 0x7e || c == '"' || c == '\\') {
                    return null;
                }
            }
            size += keys[i].length() + v.length() + 6;
        }
        byte[] out = new byte[size];
        int o = 0;
        out[o++] = '{';
        for (int i = 0; i < keys.length; i++) {
            String v = values[i];
            if (v == null) {
                continue;
            }
            if (o > 1) {
                out[o++] = ',';
            }
            out[o++] = '"';
            o = ascii(keys[i], out, o);
            out[o++] = '"';
            out[o++] = ':';
            out[o++] = '"';
            o = ascii(v, out, o);
            out[o++] = '"';
        }
        out[o++] = '}';
        return o == out.length ? out : java.util.Arrays.copyOf(out, o);
    }

    private static int ascii(String s, byte[] out, int o) {
        for (int i = 0; i < s.length(); i++) {
            out[o++] = (byte) s.charAt(i);
        }
        return o;
    }

    /** Whether the bytes hold a newline before {@code end}, or a {@code ,"correlation":} key: one pass. */
    private static boolean newlineOrCorrelation(byte[] b, int end) {
        int n = CORRELATION_KEY.length;
        for (int i = 0; i < b.length; i++) {
            byte c = b[i];
            if (c == '\n' && i < end) {
                return true;
            }
            if (c == ',' && i + n <= b.length && b[i + 1] == '"' && b[i + 2] == 'c') {
                boolean match = true;
                for (int j = 3; j < n; j++) {
                    if (b[i + j] != CORRELATION_KEY[j]) {
                        match = false;
                        break;
                    }
                }
                if (match) {
                    return true;
                }
            }
        }
        return false;
    }

    private static int indexOf(byte[] hay, byte[] needle) {
        outer:
        for (int i = 0; i + needle.length <= hay.length; i++) {
            for (int j = 0; j < needle.length; j++) {
                if (hay[i + j] != needle[j]) {
                    continue outer;
                }
            }
            return i;
        }
        return -1;
    }

    /** The file name an event is delivered under: {@code <prefix>_<id>.json}. */
    public static String fileName(EventType type, String id) {
        return type.prefix() + "_" + id + ".json";
    }

    /**
     * Reads an envelope from its JSON object. Missing {@code id}, {@code time} and
     * {@code source} are filled with the given defaults; anything else missing or mistyped is an
     * error naming the field.
     */
    @SuppressWarnings("unchecked")
    public static Event fromMap(Map<String, Object> m, String defaultId, Instant defaultTime, String defaultSource) {
        for (String k : m.keySet()) {
            if (!ENVELOPE.contains(k)) {
                throw PoetException.invalid("unknown envelope field " + Names.quote(k)
                        + "; the envelope has id, type, time, source, function, version, execution_id, data");
            }
        }
        String type = str(m, "type");
        String where = type == null ? "" : type + ": ";
        Object data = m.get("data");
        if (data != null && !(data instanceof Map)) {
            throw PoetException.invalid(where + "field data: expected object, got " + Json.typeName(data));
        }
        Object corr = m.get("correlation");
        if (corr != null && !(corr instanceof Map)) {
            throw PoetException.invalid(where + "field correlation: expected object, got " + Json.typeName(corr));
        }
        String id = str(m, "id");
        String time = str(m, "time");
        String source = str(m, "source");
        return withContractFields(new Event(id != null ? id : defaultId, type,
                time != null ? Timestamps.parse(time, "time") : defaultTime,
                source != null ? source : defaultSource,
                str(m, "function"), str(m, "version"), str(m, "execution_id"),
                (Map<String, Object>) data, (Map<String, Object>) corr));
    }

    /**
     * The Aitomatic contract's enhancement events name the function and version inside
     * {@code data} ({@code function_name}, {@code enhancement_version}); an envelope without its own
     * takes them from there, so the events are accepted as the contract writes them.
     */
    public static Event withContractFields(Event e) {
        if (e.type() == null || !e.type().startsWith("enhancement.") || e.data() == null) {
            return e;
        }
        String function = e.function();
        String version = e.version();
        if (function == null && e.data().get("function_name") instanceof String f) {
            function = f;
        }
        if (version == null && e.type().equals("enhancement.completed") && e.data().get("enhancement_version") instanceof String v) {
            version = v;
        }
        if (function == e.function() && version == e.version()) {
            return e;
        }
        return new Event(e.id(), e.type(), e.time(), e.source(), function, version, e.executionId(), e.data(), e.correlation());
    }

    /** Decodes and validates stored bytes. */
    private static final java.util.Set<java.nio.file.OpenOption> READ_NO_LINK =
            java.util.Set.of(java.nio.file.StandardOpenOption.READ, java.nio.file.LinkOption.NOFOLLOW_LINKS);

    /**
     * An event file's bytes, never through a symbolic link and never more than
     * {@link #MAX_EVENT_BYTES}. Anything but a regular file is refused as invalid, so that it is
     * quarantined: a link (whatever it points at stays unread), a directory, and a named pipe or
     * device, whose open would wait for a writer for ever. The type comes from the one
     * {@code lstat} that also gives the size (no more system calls than reading a file takes);
     * the open refuses a link that replaced the file in between ({@code O_NOFOLLOW}).
     */
    public static byte[] readFile(java.nio.file.Path p) throws java.io.IOException {
        java.nio.file.attribute.BasicFileAttributes a = java.nio.file.Files.readAttributes(p,
                java.nio.file.attribute.BasicFileAttributes.class, java.nio.file.LinkOption.NOFOLLOW_LINKS);
        if (a.isSymbolicLink()) {
            throw PoetException.invalid(p.getFileName() + " is a symbolic link, not an event file; poet does not follow it");
        }
        if (!a.isRegularFile()) {
            throw PoetException.invalid(p.getFileName() + " is not a regular file (a directory, pipe or device), not an"
                    + " event file");
        }
        try (java.nio.channels.SeekableByteChannel ch = java.nio.file.Files.newByteChannel(p, READ_NO_LINK)) {
            java.nio.ByteBuffer buf = java.nio.ByteBuffer.allocate((int) Math.min(a.size(), MAX_EVENT_BYTES) + 1);
            while (buf.hasRemaining() && ch.read(buf) >= 0) {
                // until the end, or one byte past the limit
            }
            if (buf.position() > MAX_EVENT_BYTES) {
                throw PoetException.invalid(p.getFileName() + " is over the 1 MiB limit");
            }
            return java.util.Arrays.copyOf(buf.array(), buf.position());
        } catch (java.io.IOException e) { // ELOOP (a link swapped in) comes as a plain IOException
            if (java.nio.file.Files.isSymbolicLink(p)) {
                throw PoetException.invalid(p.getFileName() + " is a symbolic link, not an event file; poet does not follow it");
            }
            throw e;
        }
    }

    public static Event decode(byte[] bytes, String what) {
        Map<String, Object> m = Json.parseObject(bytes, what);
        Event e = fromMap(m, null, null, null);
        validate(e);
        return e;
    }

    private static String str(Map<String, Object> m, String k) {
        Object v = m.get(k);
        if (v == null) {
            return null;
        }
        if (!(v instanceof String)) {
            String type = m.get("type") instanceof String ? m.get("type") + ": " : "";
            throw PoetException.invalid(type + "field " + k + ": expected string, got " + Json.typeName(v));
        }
        return (String) v;
    }
}
