package dev.poet.event;

import dev.poet.json.Json;
import java.util.List;
import java.util.Map;

/** One field of an event's {@code data}: its name, the JSON type it must have, whether it is required. */
public record Field(String name, Kind kind, boolean required, String doc) {

    /** The value types a field can demand. */
    public enum Kind {
        STRING("string"), BOOLEAN("boolean"), NUMBER("number"), NON_NEGATIVE("number >= 0"),
        PROBABILITY("number in [0, 1]"), INTEGER("integer"), OBJECT("object"), STRING_LIST("array of strings"),
        ANY("any JSON value");

        private final String label;

        Kind(String label) {
            this.label = label;
        }

        public String label() {
            return label;
        }

        /** Null when {@code v} fits, else what is wrong with it. */
        String check(Object v) {
            switch (this) {
                case STRING:
                    return v instanceof String ? null : got(v);
                case BOOLEAN:
                    return v instanceof Boolean ? null : got(v);
                case NUMBER:
                    return v instanceof Number ? null : got(v);
                case NON_NEGATIVE:
                    if (!(v instanceof Number)) {
                        return got(v);
                    }
                    return ((Number) v).doubleValue() >= 0 ? null : "expected " + label + ", got " + v;
                case PROBABILITY:
                    if (!(v instanceof Number)) {
                        return got(v);
                    }
                    double d = ((Number) v).doubleValue();
                    return d >= 0 && d <= 1 ? null : "expected " + label + ", got " + v;
                case INTEGER:
                    return v instanceof Long || v instanceof java.math.BigInteger ? null : got(v);
                case OBJECT:
                    return v instanceof Map ? null : got(v);
                case STRING_LIST:
                    if (!(v instanceof List)) {
                        return got(v);
                    }
                    for (Object o : (List<?>) v) {
                        if (!(o instanceof String)) {
                            return "expected " + label + ", found an element of type " + Json.typeName(o);
                        }
                    }
                    return ((List<?>) v).isEmpty() ? "expected a non-empty " + label : null;
                default:
                    return null;
            }
        }

        private String got(Object v) {
            return "expected " + label + ", got " + Json.typeName(v);
        }
    }

    public static Field req(String name, Kind kind, String doc) {
        return new Field(name, kind, true, doc);
    }

    public static Field opt(String name, Kind kind, String doc) {
        return new Field(name, kind, false, doc);
    }
}
