package dev.poet.integrate;

import dev.poet.event.Event;
import java.io.IOException;
import java.math.BigDecimal;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * AWS Cost Explorer {@code GetCostAndUsage} responses grouped by the cost allocation tag
 * {@code poet:execution_id}: each group {@code poet:execution_id$<id>} becomes an
 * {@code execution.cost_measured} for that execution. The group with an empty value is the cost
 * no execution is tagged with: reported, never attributed.
 */
public final class AwsCost {
    public static final String TAG = "poet:execution_id";
    private static final List<String> METRICS = List.of("UnblendedCost", "AmortizedCost", "BlendedCost", "NetUnblendedCost",
            "NetAmortizedCost");

    private AwsCost() {
    }

    public static void convert(Ingest in, String where, Object response, String metric) throws IOException {
        if (!(response instanceof Map) || !(((Map<?, ?>) response).get("ResultsByTime") instanceof List)) {
            in.reject(where, "not a GetCostAndUsage response: no ResultsByTime");
            return;
        }
        BigDecimal untagged = BigDecimal.ZERO;
        int t = 0;
        for (Object period : (List<?>) ((Map<?, ?>) response).get("ResultsByTime")) {
            t++;
            String here = where + " ResultsByTime[" + t + "]";
            if (!(period instanceof Map)) {
                in.reject(here, "not an object");
                continue;
            }
            Map<?, ?> p = (Map<?, ?>) period;
            Map<?, ?> tp = p.get("TimePeriod") instanceof Map ? (Map<?, ?>) p.get("TimePeriod") : Map.of();
            String start = PagerDuty.str(tp.get("Start"));
            String end = PagerDuty.str(tp.get("End"));
            Instant time;
            try {
                time = end != null ? LocalDate.parse(end).atStartOfDay(ZoneOffset.UTC).toInstant() : in.events().clock().instant();
            } catch (RuntimeException e) {
                in.reject(here, "TimePeriod.End is not a date: " + end);
                continue;
            }
            if (!(p.get("Groups") instanceof List)) {
                in.ignore("a time period without Groups (group the request by the tag " + TAG + ")");
                continue;
            }
            int g = 0;
            for (Object group : (List<?>) p.get("Groups")) {
                g++;
                String gh = here + " Groups[" + g + "]";
                if (!(group instanceof Map) || !(((Map<?, ?>) group).get("Keys") instanceof List)
                        || !(((Map<?, ?>) group).get("Metrics") instanceof Map)) {
                    in.reject(gh, "a group without Keys and Metrics");
                    continue;
                }
                String exec = null;
                boolean tagged = false;
                String service = null;
                for (Object k : (List<?>) ((Map<?, ?>) group).get("Keys")) {
                    String key = String.valueOf(k);
                    for (String prefix : List.of(TAG + "$", "user:" + TAG + "$")) {
                        if (key.startsWith(prefix)) {
                            tagged = true;
                            exec = key.substring(prefix.length());
                        }
                    }
                    if (!key.contains("$")) {
                        service = key;
                    }
                }
                if (!tagged) {
                    in.reject(gh, "no " + TAG + "$... key: group the request by the tag " + TAG);
                    continue;
                }
                Map<?, ?> metrics = (Map<?, ?>) ((Map<?, ?>) group).get("Metrics");
                String name = metric;
                if (name == null) {
                    for (String m : METRICS) {
                        if (metrics.containsKey(m)) {
                            name = m;
                            break;
                        }
                    }
                }
                if (name == null || !(metrics.get(name) instanceof Map)) {
                    in.reject(gh, "no " + (metric != null ? metric : "cost") + " metric in the group");
                    continue;
                }
                Map<?, ?> value = (Map<?, ?>) metrics.get(name);
                BigDecimal amount;
                try {
                    amount = new BigDecimal(String.valueOf(value.get("Amount")));
                } catch (NumberFormatException e) {
                    in.reject(gh, name + ".Amount is not a number: " + value.get("Amount"));
                    continue;
                }
                if (amount.abs().compareTo(new BigDecimal("1e12")) > 0) {
                    in.reject(gh, name + ".Amount is out of range: " + value.get("Amount"));
                    continue;
                }
                if (value.get("Unit") != null && !"USD".equals(value.get("Unit"))) {
                    in.reject(gh, name + " is in " + value.get("Unit") + ", not USD");
                    continue;
                }
                if (exec == null || exec.isEmpty()) {
                    untagged = untagged.add(amount);
                    continue;
                }
                if (amount.signum() < 0) {
                    in.reject(gh, "negative cost " + amount + " for " + exec + " (a credit?) is not attributed");
                    continue;
                }
                if (amount.signum() == 0) {
                    in.ignore("zero cost");
                    continue;
                }
                if (!dev.poet.store.Names.isId(exec)) {
                    in.reject(gh, "the tag value is not a valid execution id: " + dev.poet.store.Names.quote(exec));
                    continue;
                }
                Map<String, Object> data = new LinkedHashMap<>();
                data.put("cost_usd", amount.doubleValue());
                if (service != null) {
                    data.put("service", service);
                }
                data.put("period", start + "/" + end);
                data.put("tags", Map.of(TAG, exec));
                String id = "aws-" + PagerDuty.safe(exec + "-" + start + (service == null ? "" : "-" + service) + "-" + name);
                in.add(gh, new Event(id, "execution.cost_measured", time, "aws", null, null, exec, data, null));
            }
        }
        BigDecimal before = in.report().extra.get("untagged_cost_usd") instanceof Double
                ? BigDecimal.valueOf((Double) in.report().extra.get("untagged_cost_usd")) : BigDecimal.ZERO;
        in.report().extra.put("untagged_cost_usd", before.add(untagged).doubleValue());
    }
}
