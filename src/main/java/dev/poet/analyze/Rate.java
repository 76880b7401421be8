package dev.poet.analyze;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A proportion with its sample size and 95% Wilson score interval. With no data the value and
 * bounds are null, never 0.
 */
public record Rate(double k, long n, Double value, Double low, Double high) {
    /** z for a two-sided 95% interval. */
    static final double Z = 1.959963984540054;

    public static Rate of(double k, long n) {
        if (n <= 0) {
            return new Rate(k, 0, null, null, null);
        }
        double p = k / n;
        double z2 = Z * Z;
        double denom = 1 + z2 / n;
        double center = (p + z2 / (2.0 * n)) / denom;
        double half = Z / denom * Math.sqrt(p * (1 - p) / n + z2 / (4.0 * n * n));
        return new Rate(k, n, p, Math.max(0, center - half), Math.min(1, center + half));
    }

    public boolean hasData() {
        return n > 0;
    }

    public Map<String, Object> toMap() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("value", value);
        m.put("n", n);
        m.put("low", low);
        m.put("high", high);
        return m;
    }
}
