"""A sample drift detector: a two-sample Kolmogorov-Smirnov test in pure standard-library Python.

Its threshold comes from the function's parameters (detect_drift_params.json) when poet manages it.
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


def detect_drift(reference, current, threshold=0.05, feature="value"):
    d = _ks_statistic(reference, current)
    p = _ks_p_value(d, len(reference), len(current))
    return {"drift_detected": p < threshold, "p_value": p, "statistic": d, "threshold": threshold,
            "test": "ks", "feature": feature, "feature_type": "numerical"}
