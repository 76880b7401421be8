#!/usr/bin/env bash
# poet's main job on a built-in sample, end to end, in a fresh directory: put a drift detector
# under poet, run it with python3 for four weeks of simulated production, let a (simulated)
# reviewer judge its alerts, run `poet learn` (the hourly cron job) with the built-in params
# generator, run two more weeks on the version it deployed, and compare. No network, no model.
# Needs python3 and `poet` on the PATH (./install.sh).
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
echo '{"threshold": 0.05, "seasonal_adjustment": false}' > params.json
"$poet" enhance detect_drift --from "$here/detect_drift.py" --params params.json

echo
echo "== weeks 1-4: detect_drift v1 runs daily on three features; the simulated reviewer judges each alert"
python3 "$here/simulate.py" 7 34

echo
echo "== an engineer's verdict from the command line looks like this"
id="$("$poet" events list --type execution.completed --json --limit 1 | python3 -c 'import json,sys; print(json.loads(sys.stdin.readline())["execution_id"])')"
"$poet" feedback --execution-id "$id" --false-positive --reason weekend_seasonality

echo
echo "== poet learn: correlate, analyse, and regenerate where a rule fires (cron runs this hourly)"
"$poet" learn

echo
echo "== weeks 5-6: the version poet deployed runs on new data"
python3 "$here/simulate.py" 35 48

echo
echo "== poet learn again, then the two versions side by side"
"$poet" learn
"$poet" analyze detect_drift
echo
echo "== the history: why each version went live (poet rollback detect_drift would undo the last)"
"$poet" config history detect_drift
