package dev.poet.cli;

import dev.poet.json.Json;
import dev.poet.report.StatusReport;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;

/**
 * {@code poet status}. Declared programmatically, like record and feedback (see {@link Specs}): it is
 * run often and start-up time counts; reading annotations costs proxy classes no archive holds.
 */
final class StatusCommand extends Base {
    String function;

    StatusCommand() {
        spec = Specs.wrap(this);
        spec.usageMessage().description(
                "Show functions, versions, parameters, event counts, problems.",
                "Functions with their live and stored versions, parameters and last change; event counts"
                        + " (pending, processed, failed, in flight) and the last correlate run.",
                "Problems found (a dangling current link, invalid params, a torn history line) are listed; status never"
                        + " changes the store.")
                .footer("", "Examples:", "  poet status", "  poet --json status | jq .problems");
        spec.addPositional(Specs.positional("FUNCTION", "0..1", "Show only this function.").build());
    }

    @Override
    @SuppressWarnings("unchecked")
    public Integer call() throws Exception {
        function = spec.positionalParameters().get(0).getValue();
        Map<String, Object> r = StatusReport.build(store(), function);
        if (json()) {
            printJson(r);
            return 0;
        }
        out().println("store      " + r.get("store"));
        List<Map<String, Object>> fns = (List<Map<String, Object>>) r.get("functions");
        if (fns.isEmpty()) {
            out().println("functions  none yet; add one with 'poet enhance FUNCTION --from FILE.py'");
        } else {
            Table t = new Table("FUNCTION", "CURRENT", "VERSIONS", "PARAMS", "LAST CHANGE");
            for (Map<String, Object> f : fns) {
                Map<String, Object> last = (Map<String, Object>) f.get("last_change");
                t.row(String.valueOf(f.get("name")),
                        f.get("current") == null ? "-" : String.valueOf(f.get("current")),
                        String.join(" ", (List<String>) f.get("versions")),
                        f.get("params") == null ? "-" : new String(Json.encode(f.get("params")), StandardCharsets.UTF_8),
                        last == null ? "-" : last.get("action") + " " + last.get("version") + " " + last.get("time"));
            }
            out().println();
            picocli.CommandLine.Help.Ansi ansi = Tty.ansi(env());
            t.print(out(), "  ", (row, col, text) -> row == 0 ? ansi.string("@|bold " + AnalyzeCommand.esc(text) + "|@")
                    : col == 1 ? ansi.string("@|green " + AnalyzeCommand.esc(text) + "|@") : text, Tty.width(env()));
            for (Map<String, Object> f : fns) {
                if (f.get("shadow") instanceof Map) {
                    Map<String, Object> sh = (Map<String, Object>) f.get("shadow");
                    Map<String, Object> score = (Map<String, Object>) f.get("shadow_score");
                    out().println("  " + AnalyzeCommand.esc(f.get("name") + ": shadow " + sh.get("id") + " runs "
                            + dev.poet.store.Shadows.describe(sh) + " beside the live version"
                            + " since " + sh.get("started") + "; " + (score == null ? "not judged by poet learn yet"
                            : "last learn: " + score.get("state") + ", " + score.get("reason"))));
                }
                if (f.get("interrupted") != null) {
                    out().println("  " + ansi.string("@|yellow " + AnalyzeCommand.esc(f.get("name") + ": " + f.get("interrupted"))
                            + "|@"));
                }
            }
        }
        Map<String, Object> ev = (Map<String, Object>) r.get("events");
        out().println();
        out().println("events     pending " + ev.get("pending") + "  processed " + ev.get("processed") + "  failed "
                + ev.get("failed") + "  in flight " + ev.get("tmp")
                + ((Long) ev.get("trash_batches") > 0 ? "  (" + ev.get("trash_batches") + " processed batches await 'poet sweep')" : ""));
        Object correlate = r.get("last_correlate");
        out().println("last correlate " + (correlate instanceof Map ? ((Map<String, Object>) correlate).get("time") : "never"));
        Object learn = r.get("last_learn");
        if (learn instanceof Map) {
            Map<String, Object> l = (Map<String, Object>) learn;
            List<Object> lp = l.get("problems") instanceof List ? (List<Object>) l.get("problems") : List.of();
            out().println("last learn " + l.get("finished") + " (exit " + l.get("exit_code") + ", " + lp.size() + " problem"
                    + (lp.size() == 1 ? "" : "s") + (l.get("took_over") != null ? ", took over from an interrupted run" : "")
                    + ")");
        } else {
            out().println("last learn never");
        }
        List<String> problems = (List<String>) r.get("problems");
        if (!problems.isEmpty()) {
            out().println();
            picocli.CommandLine.Help.Ansi ansi = Tty.ansi(env());
            out().println(ansi.string("@|red,bold problems|@"));
            for (String p : problems) {
                out().println("  " + ansi.string("@|red " + AnalyzeCommand.esc(p) + "|@"));
            }
        }
        return 0;
    }
}
