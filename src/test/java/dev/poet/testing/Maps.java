package dev.poet.testing;

import java.util.LinkedHashMap;
import java.util.Map;

/** JSON objects for tests, built in order from key, value pairs (encoded with Json, never by hand). */
public final class Maps {
    private Maps() {
    }

    public static Map<String, Object> of(Object... kv) {
        Map<String, Object> m = new LinkedHashMap<>();
        for (int i = 0; i < kv.length; i += 2) {
            m.put((String) kv[i], kv[i + 1]);
        }
        return m;
    }
}
