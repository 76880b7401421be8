package dev.poet.event;

import static dev.poet.event.Field.Kind.ANY;
import static dev.poet.event.Field.Kind.BOOLEAN;
import static dev.poet.event.Field.Kind.NON_NEGATIVE;
import static dev.poet.event.Field.Kind.NUMBER;
import static dev.poet.event.Field.Kind.OBJECT;
import static dev.poet.event.Field.Kind.PROBABILITY;
import static dev.poet.event.Field.Kind.STRING;
import static dev.poet.event.Field.Kind.STRING_LIST;
import static dev.poet.event.Field.opt;
import static dev.poet.event.Field.req;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * The event types poet knows, each with the file-name prefix it is delivered under, which
 * envelope fields it requires and the schema of its {@code data}. Types outside this list are
 * accepted only in a custom namespace, {@code x.<team>.<name>}, and then without a schema.
 */
public final class EventType {
    /** Which envelope fields a type requires. */
    public enum Needs { FUNCTION, VERSION, EXECUTION_ID }

    private static final Pattern CUSTOM = Pattern.compile("x\\.[a-z0-9_]{1,40}(\\.[a-z0-9_]{1,40}){1,4}");
    private static final Map<String, EventType> KNOWN = new LinkedHashMap<>();
    public static final String CUSTOM_PREFIX = "custom";

    private final String name;
    private final String prefix;
    private final List<Needs> needs;
    private final List<Field> fields;
    private final String doc;

    private EventType(String name, String prefix, List<Needs> needs, List<Field> fields, String doc) {
        this.name = name;
        this.prefix = prefix;
        this.needs = needs;
        this.fields = fields;
        this.doc = doc;
    }

    private static void define(String name, String prefix, List<Needs> needs, String doc, Field... fields) {
        KNOWN.put(name, new EventType(name, prefix, needs, List.of(fields), doc));
    }

    private static final Field REASON = opt("reason", STRING, "why, in a word or a sentence");

    static {
        List<Needs> exec = List.of(Needs.FUNCTION, Needs.VERSION, Needs.EXECUTION_ID);
        define("execution.completed", "exec", exec, "one run of a managed function",
                req("success", BOOLEAN, "false when the function raised"),
                req("duration_ms", NON_NEGATIVE, "wall-clock duration in milliseconds"),
                opt("error", STRING, "exception type and message when success is false"),
                opt("drift_detected", BOOLEAN, "true makes this execution an alert"),
                opt("p_value", PROBABILITY, "p-value of the statistical test"),
                opt("statistic", NUMBER, "test statistic"),
                opt("threshold", NUMBER, "decision threshold in force"),
                opt("test", STRING, "statistical test used, e.g. ks, psi, chi2"),
                opt("feature", STRING, "feature examined"),
                opt("feature_type", STRING, "kind of feature, e.g. numerical, categorical"),
                opt("window_size", NUMBER, "window size in force"),
                opt("tests", OBJECT, "several tests' results: test name to {p_value, statistic}, for the params generator"),
                opt("seasonal_adjustment", BOOLEAN, "whether seasonal adjustment was on"),
                opt("mlflow_run_id", STRING, "MLflow run this execution logged to"),
                opt("cost_usd", NON_NEGATIVE, "cost of this execution when known at once"),
                opt("params_revision", STRING, "the parameters it ran with: the first 16 hex digits of the SHA-256 of"
                        + " their canonical JSON (see docs/python-runtime.md)"));
        define("execution.shadow", "exec", List.of(Needs.FUNCTION, Needs.EXECUTION_ID),
                "a shadow candidate's decision on the same inputs as the execution it names (the runtime records it"
                        + " after the live call; the envelope's version is the live one's)",
                req("shadow", STRING, "the shadow's id, from <function>_shadow.json"),
                req("success", BOOLEAN, "false when the shadow raised or gave no result"),
                req("duration_ms", NON_NEGATIVE, "wall-clock duration of the shadow call in milliseconds"),
                opt("error", STRING, "exception type and message, or why the shadow gave no decision"),
                opt("shadow_version", STRING, "the version whose code the shadow ran"),
                opt("drift_detected", BOOLEAN, "the shadow's decision"),
                opt("p_value", PROBABILITY, "p-value of the shadow's test"),
                opt("statistic", NUMBER, "the shadow's test statistic"),
                opt("tests", OBJECT, "several tests' results, as execution.completed reports them"),
                opt("params_revision", STRING, "the revision of the parameters the shadow ran with"));
        define("drift.validation", "feedback", List.of(),
                "a verdict on whether an execution's drift was real (the seed's explicit feedback)",
                req("was_real_drift", BOOLEAN, "the verdict"),
                REASON,
                opt("business_context", STRING, "context, e.g. christmas_shopping_spike"),
                opt("feedback_type", STRING, "e.g. false_positive, true_positive"),
                opt("validation_source", STRING, "who or what judged: engineer, retraining_outcome, ..."),
                opt("validator", STRING, "the person or system"),
                opt("alert_id", STRING, "the alert judged, when the execution id is not at hand"),
                opt("mlflow_run_id", STRING, "the MLflow run judged, when the execution recorded it"),
                opt("mlflow_tags", OBJECT, "MLflow tags of the run; poet.execution_id ties it to the execution"));
        define("alert.created", "alert", List.of(), "an alert raised for an execution",
                req("alert_id", STRING, "the alerting system's id for the alert"),
                opt("incident_id", STRING, "PagerDuty incident id"),
                opt("dedup_key", STRING, "PagerDuty incident_key / Events API dedup_key"),
                opt("severity", STRING, "severity"),
                opt("channel", STRING, "where it was sent"));
        define("alert.acknowledged", "alert", List.of(), "someone acknowledged an alert",
                req("alert_id", STRING, "the alert"),
                opt("acknowledged_by", STRING, "who"),
                opt("time_to_ack_s", NON_NEGATIVE, "seconds from creation, filled in by correlation"));
        define("alert.resolved", "alert", List.of(), "an alert was resolved",
                req("alert_id", STRING, "the alert"),
                opt("resolved_by", STRING, "who"),
                opt("resolution", STRING, "how"));
        define("alert.batch_dismissed", "alert", List.of(), "several alerts dismissed at once (alert fatigue)",
                req("alert_ids", STRING_LIST, "the alerts dismissed"),
                opt("dismissed_by", STRING, "who"),
                REASON);
        define("config.changed", "config", List.of(Needs.FUNCTION), "a parameter of a function changed",
                req("parameter", STRING, "parameter name"),
                req("new_value", ANY, "value after the change"),
                opt("old_value", ANY, "value before the change"),
                opt("change_id", STRING, "id of the change, for impact measurement"),
                REASON);
        define("config.impact_measured", "config", List.of(Needs.FUNCTION),
                "measured effect of a parameter change (the seed's window_size.impact_measured)",
                req("parameter", STRING, "parameter name"),
                opt("change_id", STRING, "the change measured"),
                opt("old_value", ANY, "value before"),
                opt("new_value", ANY, "value after"),
                opt("before", OBJECT, "metrics in the window before"),
                opt("after", OBJECT, "metrics in the window after"),
                opt("after_ran_old_params", NON_NEGATIVE, "executions after the change that recorded the old parameters"
                        + " revision (left out of after)"));
        Field[] cost = {
            req("cost_usd", NON_NEGATIVE, "cost attributed to the execution"),
            opt("service", STRING, "cloud service, e.g. AmazonSageMaker"),
            opt("resource", STRING, "resource id"),
            opt("period", STRING, "billing period"),
            opt("tags", OBJECT, "cost allocation tags, e.g. poet:execution_id")
        };
        define("execution.cost_measured", "cost", List.of(), "cost attributed to an execution", cost);
        define("cost.measured", "cost", List.of(), "alias of execution.cost_measured, as the seed names it", cost);
        define("drift.business_impact_measured", "impact", List.of(), "business effect of a drift or false alarm",
                opt("revenue_impact", NUMBER, "revenue effect, in the business's currency"),
                opt("conversion_impact", NUMBER, "conversion-rate effect"),
                opt("metric", STRING, "metric name"),
                opt("period", STRING, "period measured"));
        define("model.retrained", "model", List.of(), "a model was retrained, perhaps because of a drift alert",
                req("reason", STRING, "why; drift_alert_<execution_id> ties it to an execution"),
                req("performance_before", NUMBER, "model metric before retraining"),
                req("performance_after", NUMBER, "model metric after retraining"),
                opt("model", STRING, "model name"),
                opt("metric", STRING, "metric name, e.g. auc"),
                opt("mlflow_run_id", STRING, "MLflow run of the retraining"));
        define("enhancement.requested", "enhance", List.of(Needs.FUNCTION), "a new version was asked for",
                REASON,
                opt("function_name", STRING, "the function, as the Aitomatic contract names it; fills the envelope's"
                        + " function when that is absent"),
                opt("dana_source", STRING, "the Dana source of the function itself (poet enhance records the file's"
                        + " text, at most 256 KiB)"),
                opt("enhancement_config", OBJECT, "the POET enhancement config, as the Aitomatic contract names it"),
                opt("generator", STRING, "what makes the version: enhance, params, command, openai"),
                opt("config", OBJECT, "the POET enhancement config (older name of enhancement_config)"),
                opt("source_file", STRING, "the path the source came from"),
                opt("patterns", OBJECT, "the patterns that triggered it"));
        define("enhancement.completed", "enhance", List.of(Needs.FUNCTION, Needs.VERSION), "a new version was made",
                opt("function_name", STRING, "the function, as the Aitomatic contract names it; fills the envelope's"
                        + " function when that is absent"),
                opt("enhancement_version", STRING, "the version made (v1, v2, ...); fills the envelope's version when"
                        + " that is absent"),
                opt("generated_features", ANY, "what the enhancement generated, as the transpilation service reports it"),
                opt("generator", STRING, "what made it"),
                opt("previous_version", STRING, "version live before"),
                opt("sha256", STRING, "hash of the version file"));
        define("enhancement.failed", "enhance", List.of(Needs.FUNCTION), "a new version was refused",
                req("reason", STRING, "why it was refused"),
                opt("generator", STRING, "what tried to make it"));
        define("version.deployed", "version", List.of(Needs.FUNCTION, Needs.VERSION), "a version went live",
                opt("previous_version", STRING, "version live before"),
                REASON,
                opt("generator", STRING, "what made it: enhance, params, command, openai"),
                opt("kind", STRING, "params for a parameter revision (the live code with learned parameters)"),
                opt("code_from", STRING, "for a parameter revision: the version whose code it keeps"),
                opt("changes", STRING_LIST, "for a parameter revision: what was learned, with the numbers"),
                opt("held_out", OBJECT, "for a parameter revision: live and learned decisions on executions later than"
                        + " those it learned from"),
                opt("replay", OBJECT, "for a parameter revision: the counted executions decided before and after"),
                opt("patterns", OBJECT, "the patterns that triggered it"));
        define("version.rolled_back", "version", List.of(Needs.FUNCTION, Needs.VERSION),
                "current was moved back; version is the one now live",
                req("from_version", STRING, "version that was live"),
                REASON,
                opt("params_restored", BOOLEAN, "true when the parameters live with this version were restored"));
        define("version.probation_ended", "version", List.of(Needs.FUNCTION, Needs.VERSION),
                "a deployed version's probation was judged; failed means it was rolled back",
                req("result", STRING, "passed or failed"),
                req("reason", STRING, "the comparison, with the numbers"),
                opt("predecessor", STRING, "the version it was compared with"),
                opt("comparison", OBJECT, "false_positive_rate, missed_drift_rate, false_alerts_per_execution and"
                        + " alerts_per_execution: new and old k/n, z, p_value, worse"));
        define("shadow.started", "version", List.of(Needs.FUNCTION, Needs.VERSION),
                "a candidate began running in shadow beside the live version (version is the live one)",
                req("shadow", STRING, "the shadow's id"),
                req("reason", STRING, "why it runs in shadow"),
                opt("kind", STRING, "params (the live code with changed parameters) or code (another version's code)"),
                opt("shadow_version", STRING, "for kind code: the version whose code it runs"),
                opt("overlay", OBJECT, "the parameters it changes"),
                opt("sample", PROBABILITY, "the fraction of calls it runs on"),
                opt("origin", STRING, "what proposed it: params, a code generator, or a person"));
        define("shadow.ended", "version", List.of(Needs.FUNCTION),
                "a shadow was judged or stopped: promoted (it went live) or discarded",
                req("shadow", STRING, "the shadow's id"),
                req("result", STRING, "promoted or discarded"),
                req("reason", STRING, "the paired comparison, with the numbers, or who stopped it"),
                opt("comparison", OBJECT, "live and shadow on the same executions"),
                opt("deployed", STRING, "for promoted: the version that went live"));
        define("learning.diagnosed", "enhance", List.of(Needs.FUNCTION, Needs.VERSION),
                "poet learn found that new parameters cannot fix the live version",
                req("diagnosis", STRING, "what is wrong, with the numbers"),
                opt("kind", STRING, "no_skill: the reported tests cannot separate real drift from noise"),
                opt("groups", ANY, "per feature type: counted executions, best held-out precision, base rate"));
    }

    /** The known type of that name, the schema-less custom type for {@code x.*}, or null. */
    public static EventType of(String name) {
        EventType t = KNOWN.get(name);
        if (t == null && name != null && CUSTOM.matcher(name).matches()) {
            t = new EventType(name, CUSTOM_PREFIX, List.of(), List.of(), "custom event");
        }
        return t;
    }

    public static Map<String, EventType> known() {
        return Collections.unmodifiableMap(KNOWN);
    }

    /** Every file-name prefix in use, custom included. */
    public static List<String> prefixes() {
        return List.of("exec", "feedback", "alert", "config", "cost", "impact", "model", "enhance", "version",
                CUSTOM_PREFIX);
    }

    public String name() {
        return name;
    }

    public String prefix() {
        return prefix;
    }

    public List<Needs> needs() {
        return needs;
    }

    public List<Field> fields() {
        return fields;
    }

    public String doc() {
        return doc;
    }

    public boolean isCustom() {
        return prefix.equals(CUSTOM_PREFIX);
    }
}
