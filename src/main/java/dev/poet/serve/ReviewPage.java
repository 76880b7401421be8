package dev.poet.serve;

import dev.poet.event.Event;
import dev.poet.event.Timestamps;
import java.util.List;
import java.util.Map;

/**
 * The review page of a review link: the execution's details and a form with a reason field and
 * two buttons, "Real drift" and "False positive", that post the verdict to /poet/feedback with
 * the link's token. Plain HTML, no script, every value escaped.
 */
final class ReviewPage {
    private ReviewPage() {
    }

    private static final String STYLE = "body{font:16px/1.5 system-ui,sans-serif;max-width:40rem;margin:2rem auto;padding:0 1rem;"
            + "color:#1f2328}h1{font-size:1.4rem}table{border-collapse:collapse;margin:1rem 0}td,th{text-align:left;"
            + "padding:.25rem .75rem .25rem 0;vertical-align:top}th{color:#59636e;font-weight:500}"
            + "code{font-size:.9em}input[type=text]{width:100%;padding:.4rem;font:inherit;box-sizing:border-box}"
            + "button{font:inherit;padding:.5rem 1rem;margin:.75rem .5rem 0 0;border-radius:6px;border:1px solid #d1d9e0;"
            + "cursor:pointer}button.real{background:#cf222e;color:#fff;border-color:#cf222e}button.fp{background:#f6f8fa}";

    static String page(String executionId, String token, Event execution) {
        StringBuilder b = new StringBuilder();
        b.append("<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\">")
                .append("<meta name=\"viewport\" content=\"width=device-width,initial-scale=1\">")
                .append("<title>poet review: ").append(esc(executionId)).append("</title><style>").append(STYLE)
                .append("</style></head><body><h1>Was this drift real?</h1>");
        b.append("<table id=\"execution\"><tr><th>execution</th><td><code>").append(esc(executionId)).append("</code></td></tr>");
        if (execution == null) {
            b.append("<tr><th>details</th><td>not in the store yet (the execution event may still be on its way)</td></tr>");
        } else {
            row(b, "function", execution.function() + " " + (execution.version() == null ? "" : execution.version()));
            row(b, "time", Timestamps.format(execution.time()));
            Map<String, Object> d = execution.data();
            for (String k : List.of("drift_detected", "feature", "feature_type", "test", "p_value", "statistic",
                    "threshold", "window_size")) {
                if (d.get(k) != null) {
                    row(b, k, String.valueOf(d.get(k)));
                }
            }
        }
        b.append("</table>");
        b.append("<form method=\"post\" action=\"/poet/feedback\">")
                .append("<input type=\"hidden\" name=\"execution_id\" value=\"").append(esc(executionId)).append("\">")
                .append("<input type=\"hidden\" name=\"token\" value=\"").append(esc(token)).append("\">")
                .append("<label for=\"reason\">Reason (optional)</label>")
                .append("<input type=\"text\" id=\"reason\" name=\"reason\" maxlength=\"500\" placeholder=\"e.g. seasonal_pattern\">")
                .append("<button type=\"submit\" class=\"real\" name=\"verdict\" value=\"real_drift\">Real drift</button>")
                .append("<button type=\"submit\" class=\"fp\" name=\"verdict\" value=\"false_positive\">False positive</button>")
                .append("</form></body></html>");
        return b.toString();
    }

    static String message(String title, String text) {
        return "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>poet: " + esc(title)
                + "</title><style>" + STYLE + "</style></head><body><h1>" + esc(title) + "</h1><p id=\"message\">" + esc(text)
                + "</p></body></html>";
    }

    private static void row(StringBuilder b, String k, String v) {
        b.append("<tr><th>").append(esc(k)).append("</th><td>").append(esc(v)).append("</td></tr>");
    }

    static String esc(String s) {
        return dev.poet.report.Html.esc(s);
    }
}
