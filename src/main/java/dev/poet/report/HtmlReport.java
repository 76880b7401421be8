package dev.poet.report;

import dev.poet.PoetException;
import dev.poet.analyze.Analyzer;
import dev.poet.analyze.ConfigImpact;
import dev.poet.analyze.ExecutionFacts;
import dev.poet.analyze.Facts;
import dev.poet.analyze.Thresholds;
import dev.poet.analyze.Timeline;
import dev.poet.event.Timestamps;
import dev.poet.store.Names;
import dev.poet.store.Settings;
import dev.poet.store.Store;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * {@code poet report}: one self-contained HTML file (inline SVG, inline CSS, no script, no
 * external request) about one function: its versions side by side, the false-positive and
 * missed-drift rates over time per version with deploys and rollbacks marked, alert volume and
 * time to acknowledge, false-positive reasons, cost per execution, and parameter changes with
 * their measured impact.
 */
public final class HtmlReport {
    private static final String STYLE = "body{font:15px/1.5 system-ui,sans-serif;color:#1f2328;max-width:820px;margin:2rem auto;"
            + "padding:0 1rem}h1{font-size:1.5rem;margin-bottom:.2rem}h2{font-size:1.15rem;margin-top:2rem;border-bottom:1px solid"
            + " #d0d7de;padding-bottom:.3rem}.meta{color:#57606a}table{border-collapse:collapse;width:100%;font-size:14px}"
            + "th,td{text-align:left;padding:.3rem .5rem;border-bottom:1px solid #eaeef2;vertical-align:top}"
            + "th{color:#57606a;font-weight:500}td.num{text-align:right;font-variant-numeric:tabular-nums}figure{margin:1rem 0}"
            + "figcaption{font-weight:600;margin-bottom:.3rem}svg{width:100%;height:auto;font-family:system-ui,sans-serif}"
            + ".nodata{fill:#8c959f;font-size:14px}code{font-size:.9em}";

    private HtmlReport() {
    }

    static final String TMP_PREFIX = ".poet-report-";
    static final String TMP_SUFFIX = ".tmp";
    /** A report is written in well under a second: a temporary file this old was left by a killed run. */
    static final long ABANDONED_MILLIS = 3_600_000;

    /** Temporary report files in {@code dir} that a killed {@code poet report} left, an hour old or more. */
    static void removeAbandoned(Path dir, long now) throws IOException {
        try (java.nio.file.DirectoryStream<Path> ds = Files.newDirectoryStream(dir, TMP_PREFIX + "*" + TMP_SUFFIX)) {
            for (Path p : ds) {
                try {
                    if (Files.isRegularFile(p, java.nio.file.LinkOption.NOFOLLOW_LINKS)
                            && Files.getLastModifiedTime(p, java.nio.file.LinkOption.NOFOLLOW_LINKS).toMillis()
                            <= now - ABANDONED_MILLIS) {
                        Files.deleteIfExists(p);
                    }
                } catch (java.nio.file.NoSuchFileException e) {
                    // removed meanwhile
                }
            }
        }
    }

    /**
     * Writes the report to {@code out} (replaced atomically) and returns its size in bytes. The
     * temporary file sits next to {@code out}; ones that killed runs left there are removed.
     */
    public static long write(Store store, String fn, Path out, long now) throws IOException {
        Path dir = out.toAbsolutePath().getParent();
        if (dir == null || Files.isDirectory(out)) {
            throw PoetException.invalid(out + " is a directory; name the report file, e.g. -o report.html");
        }
        byte[] html = render(store, fn, now).getBytes(StandardCharsets.UTF_8);
        Files.createDirectories(dir);
        Path tmp = Files.createTempFile(dir, TMP_PREFIX, TMP_SUFFIX);
        try {
            // ages on the clock that stamps the files: the one that just stamped ours
            removeAbandoned(dir, Files.getLastModifiedTime(tmp, java.nio.file.LinkOption.NOFOLLOW_LINKS).toMillis());
            Files.write(tmp, html);
            Files.move(tmp, out, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } finally {
            Files.deleteIfExists(tmp);
        }
        return html.length;
    }

    @SuppressWarnings("unchecked")
    public static String render(Store store, String fn, long now) throws IOException {
        Names.function(fn);
        Facts facts = Facts.load(store, List.of(fn));
        Map<String, Object> analysis = new Analyzer(store, facts, now).analyze(fn, null, new Analyzer.Window(null, null));
        List<ExecutionFacts> xs = facts.of(fn);
        List<Timeline.Point> days = Timeline.daily(xs);
        List<Map<String, Object>> history = store.versions().exists(fn) ? store.versions().history(fn) : List.of();

        long xMin = Long.MAX_VALUE;
        long xMax = Long.MIN_VALUE;
        for (Timeline.Point p : days) {
            xMin = Math.min(xMin, p.day());
            xMax = Math.max(xMax, p.day());
        }
        List<Svg.Marker> markers = new ArrayList<>();
        for (Map<String, Object> h : history) {
            Object action = h.get("action");
            if (("deploy".equals(action) || "rollback".equals(action) || "config".equals(action)) && h.get("time") instanceof String) {
                long t = Timestamps.parse((String) h.get("time"), "history time").toEpochMilli();
                String label = "deploy".equals(action) ? h.get("version") + " deployed"
                        : "rollback".equals(action) ? "rolled back to " + h.get("version") : h.get("parameter") + " changed";
                markers.add(new Svg.Marker(t, label));
                if (days.isEmpty()) {
                    xMin = Math.min(xMin, t);
                    xMax = Math.max(xMax, t);
                }
            }
        }
        if (xMin == Long.MAX_VALUE) {
            xMin = now;
            xMax = now;
        }
        xMin = Math.floorDiv(Math.min(xMin, markers.stream().mapToLong(Svg.Marker::x).min().orElse(xMin)), 86_400_000L) * 86_400_000L;
        xMax = Math.max(xMax, markers.stream().mapToLong(Svg.Marker::x).max().orElse(xMax));

        Map<String, List<Svg.P>> fp = new LinkedHashMap<>();
        Map<String, List<Svg.P>> missed = new LinkedHashMap<>();
        Map<String, List<Svg.P>> alerts = new LinkedHashMap<>();
        Map<String, List<Svg.P>> ack = new LinkedHashMap<>();
        Map<String, List<Svg.P>> cost = new LinkedHashMap<>();
        for (Timeline.Point p : days) {
            String day = Instant.ofEpochMilli(p.day()).toString().substring(0, 10);
            long mid = p.day() + 43_200_000L;
            if (p.fpRate() != null) {
                fp.computeIfAbsent(p.version(), k -> Svg.list()).add(new Svg.P(mid, p.fpRate(),
                        String.format(Locale.ROOT, "%s %s: %d of %d validated alerts false", p.version(), day, p.fp(), p.fpN())));
            }
            if (p.missedRate() != null) {
                missed.computeIfAbsent(p.version(), k -> Svg.list()).add(new Svg.P(mid, p.missedRate(),
                        String.format(Locale.ROOT, "%s %s: %d of %d real drifts missed", p.version(), day, p.missed(), p.missedN())));
            }
            if (p.alerts() > 0) {
                alerts.computeIfAbsent(p.version(), k -> Svg.list()).add(new Svg.P(mid, p.alerts(),
                        p.version() + " " + day + ": " + p.alerts() + " alerts of " + p.executions() + " executions"));
            }
            if (p.medianAckS() != null) {
                ack.computeIfAbsent(p.version(), k -> Svg.list()).add(new Svg.P(mid, p.medianAckS() / 60,
                        String.format(Locale.ROOT, "%s %s: median %.0f min to acknowledge", p.version(), day, p.medianAckS() / 60)));
            }
            if (p.avgCost() != null) {
                cost.computeIfAbsent(p.version(), k -> Svg.list()).add(new Svg.P(mid, p.avgCost(),
                        String.format(Locale.ROOT, "%s %s: $%.4f per execution", p.version(), day, p.avgCost())));
            }
        }

        StringBuilder b = new StringBuilder(64 * 1024);
        b.append("<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\">")
                .append("<meta name=\"viewport\" content=\"width=device-width,initial-scale=1\">")
                .append("<title>poet report: ").append(esc(fn)).append("</title><style>").append(STYLE).append("</style></head><body>");
        b.append("<h1>").append(esc(fn)).append("</h1><p class=\"meta\">live version <b>")
                .append(esc(String.valueOf(analysis.get("current_version")))).append("</b> · ").append(xs.size())
                .append(" executions · generated ").append(esc(Timestamps.format(Instant.ofEpochMilli(now))))
                .append(" from <code>").append(esc(store.root().toString())).append("</code></p>");

        b.append("<h2>Versions</h2>").append(versionsTable((List<Object>) analysis.get("versions")));
        b.append(learnedRules((List<Object>) analysis.get("versions")));
        b.append(learning((Map<String, Object>) analysis.get("learning")));
        b.append(shadow(store, fn));
        b.append("<h2>Over time</h2>");
        b.append(Svg.lineChart("chart-false-positives", "False-positive rate per day (validated alerts judged not real)",
                series(fp), markers, 1.0, "%.2f", xMin, xMax));
        b.append(Svg.lineChart("chart-missed", "Missed-drift rate per day (real drifts without an alert)",
                series(missed), markers, 1.0, "%.2f", xMin, xMax));
        b.append(Svg.barChart("chart-alerts", "Alerts per day", series(alerts), markers, xMin, xMax));
        b.append(Svg.lineChart("chart-ack", "Time to acknowledge, median per day (minutes)", series(ack), markers, null, "%.0f",
                xMin, xMax));
        b.append(Svg.lineChart("chart-cost", "Cost per execution, average per day (USD)", series(cost), markers, null, "%.4f",
                xMin, xMax));
        b.append("<h2>False positives</h2>").append(Svg.hbars("chart-reasons", "False-positive reasons", Timeline.reasons(xs)));
        b.append("<h2>Parameter changes</h2>").append(changesTable(store, fn, history, xs, now));
        b.append("<h2>Deploys and rollbacks</h2>").append(historyTable(history));
        b.append("</body></html>\n");
        return b.toString();
    }

    private static List<Svg.Series> series(Map<String, List<Svg.P>> m) {
        List<Svg.Series> out = new ArrayList<>();
        for (Map.Entry<String, List<Svg.P>> e : m.entrySet()) {
            out.add(new Svg.Series(e.getKey(), e.getValue()));
        }
        return out;
    }

    @SuppressWarnings("unchecked")
    private static String versionsTable(List<Object> versions) {
        StringBuilder b = new StringBuilder("<table id=\"versions\"><tr><th>version</th><th>executions</th>"
                + "<th>alerts per execution</th><th>false alerts per execution</th><th>incidents caught</th>"
                + "<th>detection delay (median)</th><th>false positives</th>"
                + "<th>missed drifts</th><th>alert fatigue</th><th>time to ack (median)</th><th>avg cost</th></tr>");
        for (Object o : versions) {
            Map<String, Object> v = (Map<String, Object>) o;
            Map<String, Object> tta = (Map<String, Object>) v.get("time_to_ack");
            Map<String, Object> cost = (Map<String, Object>) v.get("cost");
            b.append("<tr><td>").append(esc(String.valueOf(v.get("version")))).append(Boolean.TRUE.equals(v.get("current"))
                    ? " (live)" : "").append("</td><td class=\"num\">").append(v.get("executions")).append("</td><td class=\"num\">")
                    .append(rate(v.get("alerts_per_execution"))).append("</td><td class=\"num\">")
                    .append(rate(v.get("false_alerts_per_execution"))).append("</td><td class=\"num\">")
                    .append(incidents(v.get("incidents"))).append("</td><td class=\"num\">").append(delay(v.get("incidents")))
                    .append("</td><td class=\"num\">")
                    .append(rate(v.get("false_positive_rate"))).append("</td><td class=\"num\">").append(rate(v.get("missed_drift_rate")))
                    .append("</td><td class=\"num\">").append(rate(v.get("alert_fatigue_score"))).append("</td><td class=\"num\">")
                    .append(tta == null || tta.get("median_s") == null ? "–"
                            : String.format(Locale.ROOT, "%.0f min", (Double) tta.get("median_s") / 60))
                    .append("</td><td class=\"num\">").append(cost == null || cost.get("avg_cost_usd") == null ? "–"
                            : String.format(Locale.ROOT, "$%.4f", (Double) cost.get("avg_cost_usd"))).append("</td></tr>");
        }
        return b.append("</table>").toString();
    }

    /** "5 of 6", or a dash without incidents. */
    @SuppressWarnings("unchecked")
    private static String incidents(Object o) {
        if (!(o instanceof Map) || !(((Map<String, Object>) o).get("incidents") instanceof Long)
                || (Long) ((Map<String, Object>) o).get("incidents") == 0) {
            return "–";
        }
        Map<String, Object> m = (Map<String, Object>) o;
        return m.get("caught") + " of " + m.get("incidents");
    }

    /** "1 execution (6 h)", or a dash when no incident was caught. */
    @SuppressWarnings("unchecked")
    private static String delay(Object o) {
        if (!(o instanceof Map) || !(((Map<String, Object>) o).get("detection_delay") instanceof Map)) {
            return "–";
        }
        Map<String, Object> d = (Map<String, Object>) ((Map<String, Object>) o).get("detection_delay");
        if (!(d.get("median_executions") instanceof Double) || !(d.get("median_s") instanceof Double)) {
            return "–";
        }
        double n = (Double) d.get("median_executions");
        double h = (Double) d.get("median_s") / 3600;
        return (n == Math.rint(n) ? String.valueOf((long) n) : String.format(Locale.ROOT, "%.1f", n))
                + (n == 1 ? " execution" : " executions") + String.format(Locale.ROOT, " (%.1f h)", h);
    }

    /** Each learned parameter revision's figures on the later executions it was judged on before it was deployed. */
    @SuppressWarnings("unchecked")
    private static String learnedRules(List<Object> versions) {
        StringBuilder rows = new StringBuilder();
        for (Object o : versions) {
            Map<String, Object> v = (Map<String, Object>) o;
            if (!heldOutFigures(v.get("learned_held_out"))) {
                continue;
            }
            Map<String, Object> h = (Map<String, Object>) v.get("learned_held_out");
            Map<String, Object> live = (Map<String, Object>) h.get("live");
            Map<String, Object> learned = (Map<String, Object>) h.get("learned");
            rows.append("<tr><td>").append(esc(String.valueOf(v.get("version")))).append("</td><td class=\"num\">")
                    .append(learned.get("executions")).append("</td>");
            for (String k : List.of("alerts_per_execution", "false_alerts_per_execution", "recall")) {
                rows.append("<td class=\"num\">").append(plainNum(live.get(k))).append(" → ").append(plainNum(learned.get(k)))
                        .append("</td>");
            }
            rows.append("</tr>");
        }
        if (rows.length() == 0) {
            return "";
        }
        return "<h2>Learned rules, judged before deploy</h2><table id=\"learned-rules\"><tr><th>version</th>"
                + "<th>later executions (held out)</th><th>alerts per execution</th><th>false alerts per execution</th>"
                + "<th>recall</th></tr>" + rows + "</table>";
    }

    /** What the last poet learn pass found: its result, its diagnosis, and a learned rule's held-out before and after. */
    @SuppressWarnings("unchecked")
    private static String learning(Map<String, Object> l) {
        if (l == null || l.get("result") == null) {
            return "";
        }
        StringBuilder b = new StringBuilder("<section id=\"learning\"><h2>Last learning pass</h2><p>")
                .append(esc(String.valueOf(l.get("at")))).append(", on ").append(esc(String.valueOf(l.get("version"))))
                .append(": <b>").append(esc(String.valueOf(l.get("result"))))
                .append(l.get("deployed") != null ? " " + esc(String.valueOf(l.get("deployed"))) : "").append("</b></p>");
        if (l.get("diagnosis") != null) {
            b.append("<p id=\"diagnosis\"><b>Diagnosis:</b> ").append(esc(String.valueOf(l.get("diagnosis")))).append("</p>");
        }
        if (heldOutFigures(l.get("held_out"))) {
            Map<String, Object> h = (Map<String, Object>) l.get("held_out");
            Map<String, Object> live = (Map<String, Object>) h.get("live");
            Map<String, Object> learned = (Map<String, Object>) h.get("learned");
            b.append("<table id=\"held-out\"><tr><th>on ").append(learned.get("executions"))
                    .append(" later executions (held out)</th><th>live</th><th>learned</th></tr>");
            for (String[] k : new String[][] {{"alerts_per_execution", "alerts per execution"},
                {"false_alerts_per_execution", "false alerts per execution"}, {"recall", "recall"},
                {"precision", "precision"}}) {
                b.append("<tr><td>").append(k[1]).append("</td><td class=\"num\">").append(plainNum(live.get(k[0])))
                        .append("</td><td class=\"num\">").append(plainNum(learned.get(k[0]))).append("</td></tr>");
            }
            b.append("</table>");
        }
        return b.append("</section>").toString();
    }

    /** Held-out figures as poet writes them: live and learned decisions' counts. */
    private static boolean heldOutFigures(Object o) {
        return o instanceof Map && ((Map<?, ?>) o).get("live") instanceof Map && ((Map<?, ?>) o).get("learned") instanceof Map;
    }

    private static String plainNum(Object v) {
        return v instanceof Number ? String.format(Locale.ROOT, "%.3f", ((Number) v).doubleValue()) : "–";
    }

    @SuppressWarnings("unchecked")
    private static String rate(Object r) {
        Map<String, Object> m = (Map<String, Object>) r;
        if (m == null || m.get("value") == null) {
            return "no data";
        }
        return String.format(Locale.ROOT, "%.2f <span class=\"meta\">[%.2f, %.2f] n=%s</span>", (Double) m.get("value"),
                (Double) m.get("low"), (Double) m.get("high"), m.get("n"));
    }

    @SuppressWarnings("unchecked")
    private static String changesTable(Store store, String fn, List<Map<String, Object>> history, List<ExecutionFacts> xs,
                                       long now) throws IOException {
        Thresholds t = Thresholds.of(Settings.read(store), fn);
        StringBuilder b = new StringBuilder("<table id=\"changes\"><tr><th>when</th><th>parameter</th><th>change</th><th>reason</th>"
                + "<th>false positives before → after (7 days)</th><th>alerts/day before → after</th></tr>");
        int n = 0;
        for (Map<String, Object> h : history) {
            if (!"config".equals(h.get("action"))) {
                continue;
            }
            n++;
            String impact;
            String volume;
            try {
                Map<String, Object> m = ConfigImpact.measure(xs, h, history, 7, t.ackTargetMinutes() * 60_000L, now);
                Map<String, Object> before = (Map<String, Object>) m.get("before");
                Map<String, Object> after = (Map<String, Object>) m.get("after");
                String suffix = Boolean.TRUE.equals(m.get("complete")) ? "" : " <span class=\"meta\">(after-window not complete)</span>";
                impact = plain(before.get("false_positive_rate")) + " → " + plain(after.get("false_positive_rate")) + suffix;
                volume = String.format(Locale.ROOT, "%.1f → %.1f", (Double) before.get("alerts_per_day"),
                        (Double) after.get("alerts_per_day"));
            } catch (PoetException e) {
                impact = esc(e.getMessage());
                volume = "";
            }
            b.append("<tr><td>").append(esc(String.valueOf(h.get("time")))).append("</td><td><code>")
                    .append(esc(String.valueOf(h.get("parameter")))).append("</code></td><td>")
                    .append(esc(dev.poet.json.Json.pretty(h.get("old_value")).strip())).append(" → ")
                    .append(esc(dev.poet.json.Json.pretty(h.get("new_value")).strip())).append("</td><td>")
                    .append(esc(h.get("reason") == null ? "" : String.valueOf(h.get("reason")))).append("</td><td>").append(impact)
                    .append("</td><td class=\"num\">").append(volume).append("</td></tr>");
        }
        if (n == 0) {
            b.append("<tr><td colspan=\"6\" class=\"meta\">no parameter changes (poet config set records them)</td></tr>");
        }
        return b.append("</table>").toString();
    }

    @SuppressWarnings("unchecked")
    private static String plain(Object r) {
        Map<String, Object> m = (Map<String, Object>) r;
        return m == null || m.get("value") == null ? "no data"
                : String.format(Locale.ROOT, "%.2f (n=%s)", (Double) m.get("value"), m.get("n"));
    }

    /**
     * The shadow running beside the live version, if any, with the last learn pass's judgement of
     * it on the same executions (the report reads no event log beyond the facts).
     */
    private static String shadow(Store store, String fn) throws IOException {
        Map<String, Object> r = new dev.poet.store.Shadows(store).read(fn).orElse(null);
        if (r == null) {
            return "";
        }
        String judged = "not judged by poet learn yet";
        try {
            Map<String, Object> last = dev.poet.json.Json.parseObject(java.nio.file.Files.readAllBytes(
                    store.indexDir().resolve(Analyzer.LEARN_LAST)), Analyzer.LEARN_LAST);
            if (last.get("functions") instanceof List) {
                for (Object o : (List<Object>) last.get("functions")) {
                    Map<String, Object> f = (Map<String, Object>) o;
                    if (fn.equals(f.get("function")) && f.get("shadow") instanceof Map
                            && r.get("id").equals(((Map<String, Object>) f.get("shadow")).get("shadow"))) {
                        Map<String, Object> sh = (Map<String, Object>) f.get("shadow");
                        judged = "last poet learn (" + last.get("finished") + "): " + sh.get("state") + ", " + sh.get("reason");
                    }
                }
            }
        } catch (IOException | RuntimeException e) {
            // no pass yet, or an unreadable summary: the shadow is shown without a score
        }
        return "<section id=\"shadow\"><h2>Shadow</h2><p>" + esc("shadow " + r.get("id") + " runs "
                + dev.poet.store.Shadows.describe(r)
                + " beside the live version since " + r.get("started") + ", on the same inputs: " + r.get("reason"))
                + "</p><p>" + esc(judged) + "</p></section>";
    }

    private static String historyTable(List<Map<String, Object>> history) {
        StringBuilder b = new StringBuilder("<table id=\"history\"><tr><th>when</th><th>what</th><th>why</th></tr>");
        int n = 0;
        for (Map<String, Object> h : history) {
            Object action = h.get("action");
            String what;
            if ("deploy".equals(action)) {
                what = h.get("version") + " deployed" + (h.get("previous_version") != null ? " (was " + h.get("previous_version") + ")" : "")
                        + ("params".equals(h.get("kind")) ? ", a parameter revision" : "") + " by " + h.get("generator");
            } else if ("rollback".equals(action)) {
                what = "rolled back to " + h.get("version") + " from " + h.get("previous_version");
            } else if ("probation".equals(action)) {
                what = h.get("version") + " passed probation";
            } else if ("shadow_started".equals(action)) {
                what = "shadow " + h.get("shadow") + " started beside " + h.get("version") + ": "
                        + dev.poet.store.Shadows.describe(h);
            } else if ("shadow_ended".equals(action)) {
                what = "shadow " + h.get("shadow") + " " + h.get("result")
                        + (h.get("version") != null ? ", live as " + h.get("version") : "");
            } else {
                continue;
            }
            n++;
            b.append("<tr><td>").append(esc(String.valueOf(h.get("time")))).append("</td><td>").append(esc(what)).append("</td><td>")
                    .append(esc(h.get("reason") == null ? "" : String.valueOf(h.get("reason")))).append("</td></tr>");
        }
        if (n == 0) {
            b.append("<tr><td colspan=\"3\" class=\"meta\">no history</td></tr>");
        }
        return b.append("</table>").toString();
    }

    private static String esc(String s) {
        return Html.esc(s);
    }
}
