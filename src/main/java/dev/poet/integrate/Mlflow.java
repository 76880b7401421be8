package dev.poet.integrate;

import dev.poet.PoetException;
import dev.poet.Status;
import dev.poet.event.Event;
import dev.poet.json.Json;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * MLflow tags as feedback (the seed's MLOps platform capture): runs tagged
 * {@code poet.drift_validation} = {@code false_positive} or {@code real_drift} become
 * {@code drift.validation} with {@code validation_source: mlflow_tags}. The run is tied to its
 * execution by a {@code poet.execution_id} tag, else by the run id the execution recorded
 * ({@code mlflow_run_id}). Runs come from the REST API ({@code POST /api/2.0/mlflow/runs/search},
 * paged by {@code next_page_token}) or from a saved response.
 */
public final class Mlflow {
    public static final String VALIDATION_TAG = "poet.drift_validation";
    public static final String EXECUTION_TAG = "poet.execution_id";
    public static final String REASON_TAG = "poet.reason";
    private static final int MAX_PAGES = 10_000;

    private Mlflow() {
    }

    /** Where to search, and how to authenticate (MLflow's own environment variables). */
    public record Search(URI trackingUri, List<String> experimentIds, String validationTag, Map<String, String> env,
                         Duration timeout) {
    }

    /** Every page of runs carrying the validation tag, as the API returns them. */
    public static List<Object> fetch(Search s) throws IOException {
        HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();
        URI endpoint = s.trackingUri().resolve("/api/2.0/mlflow/runs/search");
        List<Object> pages = new ArrayList<>();
        String token = null;
        for (int page = 0; page < MAX_PAGES; page++) {
            Map<String, Object> body = new LinkedHashMap<>();
            body.put("experiment_ids", s.experimentIds());
            body.put("filter", "tags.`" + s.validationTag() + "` LIKE '%'");
            body.put("max_results", 1000L);
            if (token != null) {
                body.put("page_token", token);
            }
            HttpRequest.Builder rb = HttpRequest.newBuilder(endpoint).timeout(s.timeout())
                    .header("Content-Type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofByteArray(Json.encode(body)));
            String bearer = s.env().get("MLFLOW_TRACKING_TOKEN");
            String user = s.env().get("MLFLOW_TRACKING_USERNAME");
            if (bearer != null && !bearer.isEmpty()) {
                rb.header("Authorization", "Bearer " + bearer);
            } else if (user != null && !user.isEmpty()) {
                String pw = s.env().getOrDefault("MLFLOW_TRACKING_PASSWORD", "");
                rb.header("Authorization", "Basic " + Base64.getEncoder().encodeToString((user + ":" + pw)
                        .getBytes(StandardCharsets.UTF_8)));
            }
            HttpResponse<InputStream> r;
            byte[] raw;
            try {
                r = client.send(rb.build(), HttpResponse.BodyHandlers.ofInputStream());
                try (InputStream in = r.body()) {
                    raw = in.readNBytes(64 << 20);
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new PoetException(Status.FAILURE, "interrupted while reading " + endpoint);
            } catch (java.net.ConnectException e) {
                throw new PoetException(Status.IO_ERROR, "cannot connect to MLflow at " + endpoint);
            } catch (java.net.http.HttpTimeoutException e) {
                throw new PoetException(Status.IO_ERROR, "no answer from MLflow at " + endpoint + " within "
                        + s.timeout().toSeconds() + " s");
            }
            if (r.statusCode() != 200) {
                throw new PoetException(Status.IO_ERROR, "MLflow answered HTTP " + r.statusCode() + " at " + endpoint + ": "
                        + errorMessage(raw));
            }
            Object parsed;
            try {
                parsed = Json.parse(raw, "MLflow's answer");
            } catch (PoetException e) {
                throw new PoetException(Status.IO_ERROR, "MLflow's answer is not JSON: " + e.getMessage());
            }
            pages.add(parsed);
            Object next = parsed instanceof Map ? ((Map<?, ?>) parsed).get("next_page_token") : null;
            if (!(next instanceof String) || ((String) next).isEmpty()) {
                return pages;
            }
            token = (String) next;
        }
        throw new PoetException(Status.IO_ERROR, "MLflow kept returning pages after " + MAX_PAGES);
    }

    private static String errorMessage(byte[] raw) {
        try {
            Object o = Json.parse(raw, "error");
            if (o instanceof Map && ((Map<?, ?>) o).get("message") instanceof String) {
                return ((Map<?, ?>) o).get("error_code") + ": " + ((Map<?, ?>) o).get("message");
            }
        } catch (PoetException e) {
            // not JSON
        }
        String t = new String(raw, 0, Math.min(200, raw.length), StandardCharsets.UTF_8).strip();
        return t.isEmpty() ? "(empty body)" : t.lines().findFirst().orElse("");
    }

    /** The verdicts in one runs/search response page. */
    public static void convert(Ingest in, String where, Object page, String validationTag) throws IOException {
        if (!(page instanceof Map)) {
            in.reject(where, "not a runs/search response (a JSON object with runs)");
            return;
        }
        Object runs = ((Map<?, ?>) page).get("runs");
        if (runs == null) {
            return; // an empty page has no "runs"
        }
        if (!(runs instanceof List)) {
            in.reject(where, "runs is not a list");
            return;
        }
        int i = 0;
        for (Object r : (List<?>) runs) {
            i++;
            String here = where + " run " + i;
            if (!(r instanceof Map) || !(((Map<?, ?>) r).get("info") instanceof Map)) {
                in.reject(here, "a run without info");
                continue;
            }
            Map<?, ?> info = (Map<?, ?>) ((Map<?, ?>) r).get("info");
            String runId = PagerDuty.str(info.get("run_id")) != null ? PagerDuty.str(info.get("run_id"))
                    : PagerDuty.str(info.get("run_uuid"));
            if (runId == null) {
                in.reject(here, "a run without info.run_id");
                continue;
            }
            Map<String, String> tags = tags(((Map<?, ?>) r).get("data"));
            String verdict = tags.get(validationTag);
            if (verdict == null) {
                in.ignore("run without the " + validationTag + " tag");
                continue;
            }
            Boolean real = switch (verdict.toLowerCase(java.util.Locale.ROOT)) {
                case "false_positive", "false_alarm" -> Boolean.FALSE;
                case "real_drift", "true_positive" -> Boolean.TRUE;
                default -> null;
            };
            if (real == null) {
                in.reject(here, "run " + runId + ": " + validationTag + " is '" + verdict
                        + "'; expected false_positive or real_drift");
                continue;
            }
            Map<String, Object> data = new LinkedHashMap<>();
            data.put("was_real_drift", real);
            data.put("feedback_type", real ? "true_positive" : "false_positive");
            if (tags.get(REASON_TAG) != null) {
                data.put("reason", tags.get(REASON_TAG));
            }
            data.put("validation_source", "mlflow_tags");
            if (tags.get("mlflow.user") != null) {
                data.put("validator", tags.get("mlflow.user"));
            }
            data.put("mlflow_run_id", runId);
            String exec = tags.get(EXECUTION_TAG);
            if (exec != null && !dev.poet.store.Names.isId(exec)) {
                in.reject(here, "run " + runId + ": " + EXECUTION_TAG + " is not a valid execution id: "
                        + dev.poet.store.Names.quote(exec));
                continue;
            }
            if (exec != null) {
                data.put("mlflow_tags", Map.of(EXECUTION_TAG, exec));
            }
            Instant time = in.events().clock().instant();
            Object end = info.get("end_time") != null ? info.get("end_time") : info.get("start_time");
            if (end instanceof Number) {
                time = Instant.ofEpochMilli(((Number) end).longValue());
            } else if (end instanceof String) {
                try {
                    time = Instant.ofEpochMilli(Long.parseLong((String) end));
                } catch (NumberFormatException e) {
                    // keep now
                }
            }
            String id = "mlflow-" + PagerDuty.safe(runId + "-" + verdict.toLowerCase(java.util.Locale.ROOT));
            in.add(here, new Event(id, "drift.validation", time, "mlflow", null, null, null, data, null));
        }
    }

    /** {@code run.data.tags}: a list of {key, value}. */
    private static Map<String, String> tags(Object data) {
        Map<String, String> m = new LinkedHashMap<>();
        if (data instanceof Map && ((Map<?, ?>) data).get("tags") instanceof List) {
            for (Object t : (List<?>) ((Map<?, ?>) data).get("tags")) {
                if (t instanceof Map && ((Map<?, ?>) t).get("key") instanceof String && ((Map<?, ?>) t).get("value") instanceof String) {
                    m.put((String) ((Map<?, ?>) t).get("key"), (String) ((Map<?, ?>) t).get("value"));
                }
            }
        }
        return m;
    }
}
