#!/usr/bin/env bash
# A first run of poet, end to end, in a fresh directory: create a store, put a drift detector
# under poet, run it with python3 on shifted and unshifted data, give feedback on what it
# found, and look at the store. Needs python3 and `poet` on the PATH (./install.sh).
#
#   docs/examples/quickstart.sh [DIR]      (default: a new temporary directory)
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
poet="${POET:-poet}"
command -v "$poet" >/dev/null 2>&1 || poet="$HOME/.local/bin/poet"
command -v python3 >/dev/null 2>&1 || { echo "quickstart: python3 is needed to run the sample function" >&2; exit 1; }
dir="${1:-$(mktemp -d -t poet-quickstart-XXXXXX)}"
mkdir -p "$dir"
cd "$dir"
echo "== working in $dir"

"$poet" init
echo '{"threshold": 0.05}' > params.json
"$poet" enhance detect_drift --from "$here/detect_drift.py" --params params.json

echo "== running the live version with python3 (each call records execution.completed)"
python3 - <<'PY' > executions.txt
import json, random, sys
sys.path.insert(0, ".poet")
import poet_runtime
detect_drift = poet_runtime.load("detect_drift").detect_drift
threshold = poet_runtime.params("detect_drift")["threshold"]
random.seed(7)
for day in range(6):
    reference = [random.gauss(0, 1) for _ in range(200)]
    shift = 0.8 if day in (2, 5) else 0.0           # real drift on days 2 and 5
    current = [random.gauss(shift, 1) for _ in range(200)]
    r = detect_drift(reference, current, threshold=threshold, feature="amount")
    print(json.dumps({"day": day, "execution_id": r["execution_id"], "drift_detected": r["drift_detected"],
                      "real_drift": shift > 0, "p_value": round(r["p_value"], 4)}))
PY
cat executions.txt

echo "== feedback on each alert (the ground truth of this sample is known, so the verdicts are scripted)"
while read -r line; do
    id="$(printf '%s' "$line" | python3 -c 'import json,sys; print(json.load(sys.stdin)["execution_id"])')"
    detected="$(printf '%s' "$line" | python3 -c 'import json,sys; print(json.load(sys.stdin)["drift_detected"])')"
    real="$(printf '%s' "$line" | python3 -c 'import json,sys; print(json.load(sys.stdin)["real_drift"])')"
    if [ "$detected" = True ] || [ "$real" = True ]; then
        if [ "$real" = True ]; then
            "$poet" feedback --execution-id "$id" --real-drift --reason injected_shift >/dev/null
        else
            "$poet" feedback --execution-id "$id" --false-positive --reason seasonal_pattern >/dev/null
        fi
    fi
done < executions.txt

echo "== poet status"
"$poet" status
echo "== poet events list --type drift.validation"
"$poet" events list --type drift.validation
