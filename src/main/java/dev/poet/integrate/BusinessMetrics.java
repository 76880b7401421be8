package dev.poet.integrate;

import dev.poet.analyze.ExecutionFacts;
import dev.poet.event.Event;
import dev.poet.event.Timestamps;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Business metrics as impact (the seed's business-impact source): a CSV of timestamped revenue and
 * conversion figures per model. For each alert of the function whose window after it is covered
 * by the data, the change from the window before (same length) becomes a
 * {@code drift.business_impact_measured}: revenue as the after-window's sum minus the
 * before-window's, conversion as the difference of their means. With evenly spaced rows the two
 * sums cover the same number of periods.
 *
 * <p>Columns (header row required, any order): {@code timestamp} (ISO-8601), {@code model},
 * {@code revenue}, {@code conversion_rate} (or {@code conversion}); other columns are ignored.
 */
public final class BusinessMetrics {
    private BusinessMetrics() {
    }

    private record Row(long time, Double revenue, Double conversion) {
    }

    public static void convert(Ingest in, String name, byte[] csv, String model, List<ExecutionFacts> executions,
                               Duration window) throws IOException {
        List<List<String>> rows = Csv.parse(new String(csv, StandardCharsets.UTF_8));
        if (rows.isEmpty()) {
            in.reject(name, "empty CSV: a header row is required");
            return;
        }
        List<String> header = new ArrayList<>();
        for (String h : rows.get(0)) {
            header.add(h.strip().toLowerCase(Locale.ROOT));
        }
        int ts = header.indexOf("timestamp");
        int md = header.indexOf("model");
        int rev = header.indexOf("revenue");
        int conv = header.indexOf("conversion_rate") >= 0 ? header.indexOf("conversion_rate") : header.indexOf("conversion");
        if (ts < 0 || md < 0 || (rev < 0 && conv < 0)) {
            in.reject(name, "the header needs timestamp, model, and revenue and/or conversion_rate; it has " + rows.get(0));
            return;
        }
        List<Row> series = new ArrayList<>();
        for (int i = 1; i < rows.size(); i++) {
            List<String> r = rows.get(i);
            String where = name + " line " + (i + 1);
            if (r.size() == 1 && r.get(0).isBlank()) {
                continue;
            }
            if (r.size() < header.size()) {
                in.reject(where, "expected " + header.size() + " columns, got " + r.size());
                continue;
            }
            if (!model.equals(r.get(md).strip())) {
                continue;
            }
            try {
                long t = Timestamps.parse(r.get(ts).strip(), "timestamp").toEpochMilli();
                Double revenue = rev < 0 || r.get(rev).isBlank() ? null : Double.parseDouble(r.get(rev).strip());
                Double conversion = conv < 0 || r.get(conv).isBlank() ? null : Double.parseDouble(r.get(conv).strip());
                if ((revenue != null && !Double.isFinite(revenue)) || (conversion != null && !Double.isFinite(conversion))) {
                    throw new NumberFormatException("not a finite number");
                }
                series.add(new Row(t, revenue, conversion));
            } catch (RuntimeException e) {
                in.reject(where, e.getMessage());
            }
        }
        if (series.isEmpty()) {
            in.ignore("no rows for model " + model);
            return;
        }
        series.sort((a, b) -> Long.compare(a.time(), b.time()));
        long last = series.get(series.size() - 1).time();
        long w = window.toMillis();
        long measured = 0;
        for (ExecutionFacts x : executions) {
            if (!x.isAlert()) {
                continue;
            }
            long t = x.time();
            if (last < t + w) {
                in.ignore("the window after the alert is not covered by the data yet");
                continue;
            }
            double[] before = sums(series, t - w, t);
            double[] after = sums(series, t, t + w);
            if (before[2] == 0 || after[2] == 0) {
                in.ignore("no rows before or after the alert");
                continue;
            }
            Map<String, Object> data = new LinkedHashMap<>();
            if (before[3] > 0 && after[3] > 0) {
                data.put("revenue_impact", after[0] - before[0]);
            }
            if (before[4] > 0 && after[4] > 0) {
                data.put("conversion_impact", after[1] / after[4] - before[1] / before[4]);
            }
            data.put("metric", model);
            data.put("period", window.toHours() + "h");
            String id = "biz-" + PagerDuty.safe(x.id + "-" + model + "-" + window.toMinutes() + "m");
            in.add(name + " execution " + x.id, new Event(id, "drift.business_impact_measured", Instant.ofEpochMilli(t + w),
                    "ingest", null, null, x.id, data, null));
            measured++;
        }
        in.report().extra.put("alerts_measured", measured);
    }

    /** {revenue sum, conversion sum, rows, rows with revenue, rows with conversion} in [from, to). */
    private static double[] sums(List<Row> series, long from, long to) {
        double[] s = new double[5];
        for (Row r : series) {
            if (r.time() >= from && r.time() < to) {
                s[2]++;
                if (r.revenue() != null) {
                    s[0] += r.revenue();
                    s[3]++;
                }
                if (r.conversion() != null) {
                    s[1] += r.conversion();
                    s[4]++;
                }
            }
        }
        return s;
    }
}
