package dev.poet.store;

import dev.poet.json.Json;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;

/** The defaults {@code poet init} writes to {@code poet.json}; documented in docs/store-format.md. */
public final class Settings {
    public static final int FORMAT = 1;

    private Settings() {
    }

    public static Map<String, Object> defaults() {
        Map<String, Object> thresholds = new LinkedHashMap<>();
        thresholds.put("false_positive_rate", 0.3);
        thresholds.put("missed_drift_rate", 0.1);
        thresholds.put("alert_fatigue_score", 0.7);
        thresholds.put("cost_efficiency", 0.5);
        Map<String, Object> learning = new LinkedHashMap<>();
        learning.put("min_samples", 20L);
        learning.put("ack_target_minutes", 60L);
        learning.put("impact_days", 7L);
        learning.put("regenerate_cooldown_hours", 24L);
        learning.put("thresholds", thresholds);
        Map<String, Object> params = new LinkedHashMap<>();
        params.put("recall_target", null);
        params.put("max_detection_latency_hours", 24L);
        learning.put("params", params);
        Map<String, Object> generator = new LinkedHashMap<>();
        generator.put("name", "params");
        Map<String, Object> correlation = new LinkedHashMap<>();
        correlation.put("orphan_ttl_days", 7L);
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("format", (long) FORMAT);
        m.put("learning", learning);
        m.put("generator", generator);
        m.put("correlation", correlation);
        m.put("secrets_file", "secrets.json");
        m.put("functions", new LinkedHashMap<>());
        return m;
    }

    /** The store's settings; a missing or invalid {@code poet.json} is a corrupt store. */
    public static Map<String, Object> read(Store store) throws java.io.IOException {
        java.nio.file.Path p = store.settingsFile();
        try {
            return Json.parseObject(java.nio.file.Files.readAllBytes(p), p.toString());
        } catch (dev.poet.PoetException e) {
            throw new dev.poet.PoetException(dev.poet.Status.NO_STORE, e.getMessage() + "; fix or remove it ('poet init' writes the defaults)");
        }
    }

    /** {@code correlation.orphan_ttl_days}, default 7. */
    public static java.time.Duration orphanTtl(Store store) throws java.io.IOException {
        Object c = read(store).get("correlation");
        Object days = c instanceof Map ? ((Map<?, ?>) c).get("orphan_ttl_days") : null;
        if (days == null) {
            return java.time.Duration.ofDays(7);
        }
        if (!(days instanceof Number) || ((Number) days).doubleValue() < 0) {
            throw new dev.poet.PoetException(dev.poet.Status.NO_STORE,
                    "poet.json: correlation.orphan_ttl_days must be a number of days >= 0, got " + days);
        }
        return java.time.Duration.ofSeconds(Math.round(((Number) days).doubleValue() * 86400));
    }

    public static byte[] defaultBytes() {
        return (Json.pretty(defaults()) + "\n").getBytes(StandardCharsets.UTF_8);
    }
}
