"""A sample drift detector: a two-sample Kolmogorov-Smirnov test in pure standard-library Python.

It compares today's window of a feature with a reference window from a baseline week. Its
parameters (detect_drift_params.json, as poet keeps them) decide the rest:

- threshold: alert when the p-value is below it; a learned per-feature-type rule
  (feature_types.<type>.threshold) takes precedence;
- window_size: how many of the latest observations of each window are compared;
- seasonal_adjustment: compare with the baseline's same weekday instead of its first day, so a
  weekly pattern (weekends run higher) is not mistaken for drift.
"""
import math


def _ks_statistic(a, b):
    a, b = sorted(a), sorted(b)
    i = j = 0
    d = 0.0
    while i < len(a) and j < len(b):
        if a[i] <= b[j]:
            i += 1
        else:
            j += 1
        d = max(d, abs(i / len(a) - j / len(b)))
    return d


def _ks_p_value(d, n, m):
    en = math.sqrt(n * m / (n + m))
    lam = (en + 0.12 + 0.11 / en) * d
    p = 2.0 * sum((-1) ** (k - 1) * math.exp(-2.0 * k * k * lam * lam) for k in range(1, 101))
    return min(max(p, 0.0), 1.0)


def detect_drift(baseline, current, weekday=0, feature="value", feature_type="numerical", params=None):
    """baseline: seven daily windows (Monday first); current: today's window; weekday: 0 = Monday."""
    params = params or {}
    rule = (params.get("feature_types") or {}).get(feature_type) or {}
    threshold = rule.get("threshold", params.get("threshold", 0.05))
    seasonal = bool(params.get("seasonal_adjustment", False))
    window = int(params.get("window_size", len(current)))
    reference = (baseline[weekday] if seasonal else baseline[0])[-window:]
    current = current[-window:]
    d = _ks_statistic(reference, current)
    p = _ks_p_value(d, len(reference), len(current))
    return {"drift_detected": p < threshold, "p_value": p, "statistic": d, "threshold": threshold,
            "test": "ks", "feature": feature, "feature_type": feature_type, "seasonal_adjustment": seasonal,
            "window_size": window}
