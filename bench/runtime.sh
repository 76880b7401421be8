#!/usr/bin/env bash
# The Python runtime's cost per call, next to a bare call of the same function in the same run.
#
#   bench/runtime.sh [CALLS] [ROUNDS] [BASELINE_RUNTIME.py]
#
# Makes a store with poet (built jar, or `poet` on PATH), deploys a small function that reads its
# parameters, and times single calls with perf_counter_ns, interleaving rounds of CALLS bare calls
# and CALLS instrumented ones (default 20000 x 5): the overhead is the median instrumented call
# minus the median bare call, per round; the figure printed last is the median over the rounds.
# The default (buffered) mode is measured with the follow-deploys check on every call; durable
# mode (POET_DURABLE=1, one fsync'd file per event) with CALLS/40 calls; the default mode again with a
# shadow candidate registered (docs/learning.md), run after every call. With BASELINE_RUNTIME.py
# (an older poet_runtime.py, e.g. from `git show REV:src/main/resources/dev/poet/store/poet_runtime.py`),
# the same durable figure for it, in a second store, alternating process by process with durable mode.
set -euo pipefail
calls="${1:-20000}"
rounds="${2:-5}"
baseline="${3:-}"
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
if [ -f "$here/target/poet.jar" ]; then poet=(java -jar "$here/target/poet.jar"); else poet=(poet); fi

# two identical stores: one for this runtime, one for the baseline runtime
for d in current baseline; do
    mkdir -p "$work/$d"
    cd "$work/$d"
    "${poet[@]}" init >/dev/null
    cat > f.py <<'PY'
def score(x, params=None):
    t = params["threshold"]
    return {"drift_detected": x > t, "p_value": 0.5, "threshold": t}
PY
    echo '{"threshold": 0.5, "window_size": 7}' > params.json
    "${poet[@]}" enhance score --from f.py --params params.json >/dev/null
done
[ -n "$baseline" ] && cp "$baseline" "$work/baseline/.poet/poet_runtime.py"
cd "$work"
cat > measure.py <<'PY'
import importlib.util, json, os, statistics, sys, time
calls, rounds, mode = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
os.chdir(sys.argv[4])
sys.path.insert(0, ".poet")
import poet_runtime
spec = importlib.util.spec_from_file_location("bare", "f.py")
bare = importlib.util.module_from_spec(spec)
spec.loader.exec_module(bare)
live = poet_runtime.load("score")
instrumented = live.score if hasattr(live, "score") else live
params = {"threshold": 0.5, "window_size": 7}

def times(fn, n, **kw):
    out = []
    clock = time.perf_counter_ns
    for _ in range(n):
        t = clock()
        fn(0.7, **kw)
        out.append(clock() - t)
    return out

# buffered: the wrapper passes the live parameters; durable and baseline: the caller passes the
# parameters it read once with poet_runtime.params (how code written for the older runtime calls)
kw = {} if mode == "buffered" else {"params": poet_runtime.params("score")}
for _ in range(2):  # warm-up
    times(bare.score, 1000, params=params)
    times(instrumented, 1000, **kw)
poet_runtime.flush() if hasattr(poet_runtime, "flush") else None
result = {"mode": mode, "calls": calls, "rounds": []}
for r in range(rounds):
    b = times(bare.score, calls, params=params)
    i = times(instrumented, calls, **kw)
    b.sort(); i.sort()
    q = lambda xs, p: xs[min(len(xs) - 1, int(len(xs) * p))] / 1000.0
    result["rounds"].append({"bare_median_us": q(b, 0.5), "instrumented_median_us": q(i, 0.5),
                             "instrumented_p90_us": q(i, 0.9), "instrumented_p99_us": q(i, 0.99),
                             "overhead_median_us": q(i, 0.5) - q(b, 0.5)})
t = time.perf_counter()
if hasattr(poet_runtime, "flush"):
    poet_runtime.flush()
result["final_flush_s"] = round(time.perf_counter() - t, 4)
result["overhead_median_us"] = statistics.median(x["overhead_median_us"] for x in result["rounds"])
print(json.dumps(result))
PY

python3 -c 'import sys; print("python", sys.version.split()[0])'
echo "default mode (buffered), $calls calls x $rounds rounds:"
python3 measure.py "$calls" "$rounds" buffered current | tee default.json
echo "default mode with the delivery thread idle (nothing delivered until the end), $calls calls x 3 rounds:"
POET_FLUSH_INTERVAL_MS=100000000 POET_BATCH_EVENTS=100000000 python3 measure.py "$calls" 3 quiet current | tee quiet.json
# a shadow at every call: the caller's cost with the runtime calling a candidate after each call
# on its own thread (queued calls beyond 256 are skipped, so a tight loop measures the worst case)
"${poet[@]}" --store current shadow start score --set threshold=0.8 >/dev/null
before=$(cat current/.poet/events/pending/batch_* 2>/dev/null | grep -c '"execution.shadow"' || true)
echo "default mode with a shadow at every call, $calls calls x 3 rounds:"
python3 measure.py "$calls" 3 shadow current 2> shadow.err | tee shadow.json
shadowed=$(cat current/.poet/events/pending/batch_* 2>/dev/null | grep -c '"execution.shadow"' || true)
echo "shadow calls recorded: $((shadowed - before)) of $((calls * 3 + 2000)) calls; $(grep -c 'cannot keep up' shadow.err || true) skip warnings"
"${poet[@]}" --store current shadow discard score >/dev/null
durable_calls=$(( calls / 40 > 100 ? calls / 40 : 100 ))
# durable and baseline both wait on fsync, whose cost drifts: they alternate, one process per round
echo "durable mode (POET_DURABLE=1)${baseline:+ and the baseline runtime, alternating}, $durable_calls calls x $rounds rounds:"
: > durable.jsonl
: > baseline.jsonl
for r in $(seq "$rounds"); do
    POET_DURABLE=1 python3 measure.py "$durable_calls" 1 durable current | tee -a durable.jsonl
    if [ -n "$baseline" ]; then python3 measure.py "$durable_calls" 1 baseline baseline | tee -a baseline.jsonl; fi
done
events=$(cat current/.poet/events/pending/batch_* 2>/dev/null | wc -l)
files=$(ls current/.poet/events/pending | wc -l)
echo "delivered: $files files in pending/, $events events in batch files"
python3 - "$baseline" <<'PY'
import json, sys
import statistics
d = json.load(open("default.json"))
med = lambda f: statistics.median(json.loads(l)["overhead_median_us"] for l in open(f) if l.strip())
line = "median overhead per call: default %.1f us (bare call %.2f us), durable %.0f us" % (
    d["overhead_median_us"], sorted(r["bare_median_us"] for r in d["rounds"])[len(d["rounds"]) // 2], med("durable.jsonl"))
if sys.argv[1]:
    line += ", baseline %.0f us" % med("baseline.jsonl")
print(line)
s = json.load(open("shadow.json"))
p99 = lambda r: sorted(x["instrumented_p99_us"] for x in r["rounds"])[len(r["rounds"]) // 2]
print("with a shadow at every call: overhead %.1f us, p99 of the instrumented call %.1f us (without: %.1f us)" % (
    s["overhead_median_us"], p99(s), p99(d)))
q = json.load(open("quiet.json"))
events = q["calls"] * len(q["rounds"])  # the warm-up was flushed before the rounds
print("delivery thread idle: call overhead %.1f us; then delivering the %d buffered events took %.1f us each" % (
    q["overhead_median_us"], events, q["final_flush_s"] * 1e6 / events))
PY
