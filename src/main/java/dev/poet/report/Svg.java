package dev.poet.report;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Small inline SVG charts for the HTML report: a line chart over days with markers, and
 * horizontal bars. Every value written is escaped; each plotted series carries the class
 * {@code series} and each point a {@code <title>} with its numbers.
 */
final class Svg {
    static final String[] COLOURS = {"#0969da", "#cf222e", "#1a7f37", "#8250df", "#bc4c00", "#0550ae", "#a40e26", "#116329"};
    private static final int W = 760;
    private static final int H = 240;
    private static final int LEFT = 48;
    private static final int RIGHT = 16;
    private static final int TOP = 16;
    private static final int BOTTOM = 36;
    private static final long DAY = 86_400_000L;

    private Svg() {
    }

    /** A point of a series: x in epoch milliseconds, y, and its tooltip. */
    record P(long x, double y, String title) {
    }

    /** A named series drawn in one colour. */
    record Series(String name, List<P> points) {
    }

    /** A vertical marker (a deploy, a rollback, a parameter change). */
    record Marker(long x, String label) {
    }

    static String lineChart(String id, String title, List<Series> series, List<Marker> markers, Double yMax, String yFormat,
                            long xMin, long xMax) {
        StringBuilder b = new StringBuilder();
        b.append("<figure id=\"").append(id).append("\"><figcaption>").append(esc(title)).append("</figcaption>");
        boolean any = series.stream().anyMatch(s -> !s.points().isEmpty());
        b.append("<svg viewBox=\"0 0 ").append(W).append(' ').append(H).append("\" role=\"img\" aria-label=\"")
                .append(esc(title)).append("\">");
        if (!any) {
            b.append("<text class=\"nodata\" x=\"").append(W / 2).append("\" y=\"").append(H / 2)
                    .append("\" text-anchor=\"middle\">no data</text></svg></figure>");
            return b.toString();
        }
        double max = yMax != null ? yMax : 0;
        if (yMax == null) {
            for (Series s : series) {
                for (P p : s.points()) {
                    max = Math.max(max, p.y());
                }
            }
            max = max <= 0 ? 1 : niceCeil(max);
        }
        long x0 = xMin;
        long x1 = Math.max(xMax, xMin + DAY);
        axes(b, max, yFormat, x0, x1);
        for (Marker m : markers) {
            if (m.x() < x0 || m.x() > x1) {
                continue;
            }
            double x = sx(m.x(), x0, x1);
            b.append("<g class=\"marker\"><line x1=\"").append(f(x)).append("\" y1=\"").append(TOP).append("\" x2=\"").append(f(x))
                    .append("\" y2=\"").append(H - BOTTOM).append("\" stroke=\"#6e7781\" stroke-dasharray=\"4 3\"/>")
                    .append("<text x=\"").append(f(x + 3)).append("\" y=\"").append(TOP + 10)
                    .append("\" font-size=\"11\" fill=\"#57606a\">").append(esc(m.label())).append("</text></g>");
        }
        int c = 0;
        for (Series s : series) {
            String colour = COLOURS[c++ % COLOURS.length];
            if (s.points().isEmpty()) {
                continue;
            }
            StringBuilder path = new StringBuilder();
            for (P p : s.points()) {
                path.append(path.length() == 0 ? "M" : " L").append(f(sx(p.x(), x0, x1))).append(',').append(f(sy(p.y(), max)));
            }
            b.append("<g class=\"series\" data-name=\"").append(esc(s.name())).append("\"><path d=\"").append(path)
                    .append("\" fill=\"none\" stroke=\"").append(colour).append("\" stroke-width=\"2\"/>");
            for (P p : s.points()) {
                b.append("<circle cx=\"").append(f(sx(p.x(), x0, x1))).append("\" cy=\"").append(f(sy(p.y(), max)))
                        .append("\" r=\"3\" fill=\"").append(colour).append("\"><title>").append(esc(p.title()))
                        .append("</title></circle>");
            }
            b.append("</g>");
        }
        legend(b, series);
        b.append("</svg></figure>");
        return b.toString();
    }

    /** Bars per day, side by side per series. */
    static String barChart(String id, String title, List<Series> series, List<Marker> markers, long xMin, long xMax) {
        StringBuilder b = new StringBuilder();
        b.append("<figure id=\"").append(id).append("\"><figcaption>").append(esc(title)).append("</figcaption>");
        b.append("<svg viewBox=\"0 0 ").append(W).append(' ').append(H).append("\" role=\"img\" aria-label=\"")
                .append(esc(title)).append("\">");
        double max = 0;
        for (Series s : series) {
            for (P p : s.points()) {
                max = Math.max(max, p.y());
            }
        }
        if (max <= 0) {
            b.append("<text class=\"nodata\" x=\"").append(W / 2).append("\" y=\"").append(H / 2)
                    .append("\" text-anchor=\"middle\">no data</text></svg></figure>");
            return b.toString();
        }
        max = Math.max(4, Math.ceil(niceCeil(max) / 4) * 4); // counts: whole-number ticks
        long x0 = xMin;
        long x1 = Math.max(xMax, xMin + DAY);
        axes(b, max, "%.0f", x0, x1);
        double slot = (W - LEFT - RIGHT) * (double) DAY / (x1 - x0 + DAY);
        double width = Math.max(1, slot * 0.8 / Math.max(1, series.size()));
        int c = 0;
        for (Series s : series) {
            String colour = COLOURS[c % COLOURS.length];
            int index = c++;
            b.append("<g class=\"series\" data-name=\"").append(esc(s.name())).append("\">");
            for (P p : s.points()) {
                double x = sx(p.x(), x0, x1) - slot * 0.4 + index * width;
                double y = sy(p.y(), max);
                b.append("<rect x=\"").append(f(x)).append("\" y=\"").append(f(y)).append("\" width=\"").append(f(width))
                        .append("\" height=\"").append(f(H - BOTTOM - y)).append("\" fill=\"").append(colour).append("\"><title>")
                        .append(esc(p.title())).append("</title></rect>");
            }
            b.append("</g>");
        }
        for (Marker m : markers) {
            double x = sx(m.x(), x0, x1);
            b.append("<g class=\"marker\"><line x1=\"").append(f(x)).append("\" y1=\"").append(TOP).append("\" x2=\"").append(f(x))
                    .append("\" y2=\"").append(H - BOTTOM).append("\" stroke=\"#6e7781\" stroke-dasharray=\"4 3\"/></g>");
        }
        legend(b, series);
        b.append("</svg></figure>");
        return b.toString();
    }

    /** Horizontal bars, one per label, longest first. */
    static String hbars(String id, String title, Map<String, Long> values) {
        StringBuilder b = new StringBuilder();
        int rows = Math.max(1, Math.min(12, values.size()));
        int h = 24 * rows + 16;
        b.append("<figure id=\"").append(id).append("\"><figcaption>").append(esc(title)).append("</figcaption>");
        b.append("<svg viewBox=\"0 0 ").append(W).append(' ').append(h).append("\" role=\"img\" aria-label=\"")
                .append(esc(title)).append("\">");
        if (values.isEmpty()) {
            b.append("<text class=\"nodata\" x=\"").append(W / 2).append("\" y=\"").append(h / 2 + 4)
                    .append("\" text-anchor=\"middle\">no data</text></svg></figure>");
            return b.toString();
        }
        long max = values.values().stream().mapToLong(Long::longValue).max().orElse(1);
        b.append("<g class=\"series\">");
        int i = 0;
        for (Map.Entry<String, Long> e : values.entrySet()) {
            if (i == rows) {
                break;
            }
            double y = 8 + i * 24;
            double w = (W - 260) * (double) e.getValue() / max;
            b.append("<text x=\"200\" y=\"").append(f(y + 14)).append("\" text-anchor=\"end\" font-size=\"12\">")
                    .append(esc(e.getKey())).append("</text><rect x=\"208\" y=\"").append(f(y)).append("\" width=\"")
                    .append(f(Math.max(1, w))).append("\" height=\"18\" fill=\"").append(COLOURS[1]).append("\"><title>")
                    .append(esc(e.getKey() + ": " + e.getValue())).append("</title></rect><text x=\"").append(f(212 + w))
                    .append("\" y=\"").append(f(y + 14)).append("\" font-size=\"12\">").append(e.getValue()).append("</text>");
            i++;
        }
        b.append("</g></svg></figure>");
        return b.toString();
    }

    private static void axes(StringBuilder b, double max, String yFormat, long x0, long x1) {
        b.append("<g class=\"axes\" font-size=\"11\" fill=\"#57606a\">");
        for (int i = 0; i <= 4; i++) {
            double v = max * i / 4;
            double y = sy(v, max);
            b.append("<line x1=\"").append(LEFT).append("\" y1=\"").append(f(y)).append("\" x2=\"").append(W - RIGHT)
                    .append("\" y2=\"").append(f(y)).append("\" stroke=\"#d0d7de\" stroke-width=\"").append(i == 0 ? 1 : 0.5)
                    .append("\"/><text x=\"").append(LEFT - 6).append("\" y=\"").append(f(y + 4)).append("\" text-anchor=\"end\">")
                    .append(esc(String.format(Locale.ROOT, yFormat, v))).append("</text>");
        }
        long days = Math.max(1, (x1 - x0) / DAY);
        long step = Math.max(1, days / 8);
        for (long d = 0; d <= days; d += step) {
            long x = x0 + d * DAY;
            b.append("<text x=\"").append(f(sx(x, x0, x1))).append("\" y=\"").append(H - BOTTOM + 16)
                    .append("\" text-anchor=\"middle\">").append(java.time.Instant.ofEpochMilli(x).toString(), 5, 10).append("</text>");
        }
        b.append("</g>");
    }

    private static void legend(StringBuilder b, List<Series> series) {
        int x = LEFT;
        int c = 0;
        b.append("<g class=\"legend\" font-size=\"12\">");
        for (Series s : series) {
            b.append("<rect x=\"").append(x).append("\" y=\"").append(H - 14).append("\" width=\"10\" height=\"10\" fill=\"")
                    .append(COLOURS[c++ % COLOURS.length]).append("\"/><text x=\"").append(x + 14).append("\" y=\"").append(H - 5)
                    .append("\">").append(esc(s.name())).append("</text>");
            x += 24 + 8 * s.name().length();
        }
        b.append("</g>");
    }

    private static double sx(long x, long x0, long x1) {
        return LEFT + (W - LEFT - RIGHT) * (double) (x - x0) / (x1 - x0);
    }

    private static double sy(double y, double max) {
        return TOP + (H - TOP - BOTTOM) * (1 - y / max);
    }

    private static double niceCeil(double v) {
        double p = Math.pow(10, Math.floor(Math.log10(v)));
        for (double m : new double[] {1, 2, 2.5, 5, 10}) {
            if (m * p >= v) {
                return m * p;
            }
        }
        return 10 * p;
    }

    private static String f(double d) {
        return String.format(Locale.ROOT, "%.1f", d);
    }

    static String esc(String s) {
        return Html.esc(s);
    }

    static List<P> list() {
        return new ArrayList<>();
    }
}
