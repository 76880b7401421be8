"""Simulated production for `poet demo`: runs the live detect_drift through poet on daily
windows of three features, and plays a reviewer who knows the ground truth.

Each run also gets its cost from the (simulated) cloud bill, and each alert an acknowledgement by
the on-call engineer, quick on weekdays and slow at weekends. The data has a weekly pattern (Saturday and Sunday run 0.6 standard deviations higher: not
drift) and a few real drift episodes (a feature shifted by 1.2 on one day). The reviewer is
simulated: it judges every alert, and reports every real drift the detector missed, as an
engineer looking at the dashboards would. Its verdicts go through poet_runtime.record, the same
protocol as `poet feedback`.

    python3 simulate.py FIRST_DAY LAST_DAY BASE  (run from the directory holding .poet/)

Day d is BASE (epoch seconds, a Monday 00:00 UTC) + d days: the runtime's clock is set to the
simulated time of each run, so the store holds the six weeks as they would have happened.
"""
import json
import random
import sys

sys.path.insert(0, ".poet")
import poet_runtime  # noqa: E402

FEATURES = ("amount", "latency_ms", "basket_size")
DRIFT = {("amount", 10), ("latency_ms", 17), ("basket_size", 22), ("amount", 24), ("latency_ms", 30),
         ("basket_size", 32), ("amount", 38), ("latency_ms", 44), ("basket_size", 46)}


def window(feature, day):
    rng = random.Random("%s-%d" % (feature, day))
    shift = (0.6 if day % 7 in (5, 6) else 0.0) + (1.2 if (feature, day) in DRIFT else 0.0)
    return [rng.gauss(shift, 1.0) for _ in range(200)]


def main(first, last, base):
    detect_drift = poet_runtime.load("detect_drift").detect_drift
    baseline = {f: [window(f, d) for d in range(7)] for f in FEATURES}
    counts = {"executions": 0, "alerts": 0, "false_positives": 0, "missed": 0}
    for day in range(first, last + 1):
        params = poet_runtime.params("detect_drift")
        for i, feature in enumerate(FEATURES):
            at = base + day * 86400 + 8 * 3600 + i * 60
            poet_runtime.clock = lambda: at
            r = detect_drift(baseline[feature], window(feature, day), weekday=day % 7, feature=feature,
                             params=params)
            real = (feature, day) in DRIFT
            # the cloud bill attributes each run's compute; the on-call engineer acknowledges each alert,
            # slowly at weekends
            poet_runtime.clock = lambda: at + 6 * 3600
            poet_runtime.record("execution.cost_measured", {"cost_usd": round(0.0018 + 0.0001 * (day % 5 + i), 6),
                                                            "service": "AmazonSageMaker"},
                                execution_id=r["execution_id"])
            if r["drift_detected"]:
                alert = "demo-" + r["execution_id"]
                poet_runtime.clock = lambda: at + 5
                poet_runtime.record("alert.created", {"alert_id": alert, "channel": "pagerduty"},
                                    execution_id=r["execution_id"])
                poet_runtime.clock = lambda: at + (95 if day % 7 in (5, 6) else 12) * 60
                poet_runtime.record("alert.acknowledged", {"alert_id": alert, "acknowledged_by": "on-call"})
            poet_runtime.clock = lambda: at + 3600  # the reviewer looks an hour later
            counts["executions"] += 1
            counts["alerts"] += r["drift_detected"]
            if r["drift_detected"] and not real:
                counts["false_positives"] += 1
                reason = "weekend_seasonality" if day % 7 in (5, 6) else "no_visible_change"
                poet_runtime.record("drift.validation", {"was_real_drift": False, "reason": reason,
                                                         "validation_source": "simulated_reviewer"},
                                    execution_id=r["execution_id"])
            elif real:
                counts["missed"] += not r["drift_detected"]
                poet_runtime.record("drift.validation", {"was_real_drift": True, "reason": "injected_shift",
                                                         "validation_source": "simulated_reviewer"},
                                    execution_id=r["execution_id"])
    print(json.dumps(counts))


if __name__ == "__main__":
    main(int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3]))
