#!/usr/bin/env bash
# Times `poet feedback` and `poet record` as whole processes next to python3 writing the same
# event with the same durability (exclusive tmp file, fsync, link into pending/, fsync dir),
# in one hyperfine run, and prints the ratio of medians.
#
#   bench/startup.sh [RUNS] [ROUNDS]   (default 40 runs each after 5 warm-ups, in 3 rounds)
#
# The machine's speed drifts between runs, so the commands are timed together in several rounds
# and the ratio is taken within each round; the last line is the median ratio over the rounds.
#
# It installs poet into a temporary prefix with ./install.sh (so the class-data-sharing archive
# is the one users get) and installs hyperfine and jq with apt-get if they are missing.
set -euo pipefail
runs="${1:-40}"
rounds="${2:-3}"
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

for tool in hyperfine jq; do
    if ! command -v "$tool" >/dev/null 2>&1; then
        echo "installing $tool..." >&2
        apt-get update -qq >/dev/null && apt-get install -y -qq "$tool" >/dev/null
    fi
done
# The interpreter itself, not a version-manager shim in front of it.
python="$(python3 -c 'import sys; print(sys.executable)')"

PREFIX="$work/prefix" "$here/install.sh" >/dev/null
poet="$work/prefix/bin/poet"
cd "$work"
"$poet" init >/dev/null
store="$work/.poet"

cat > "$work/baseline.py" <<'PY'
# The same drift.validation event, delivered with the same protocol and durability as poet.
import json, os, secrets, sys, time
store = sys.argv[1]
ms = int(time.time() * 1000)
event_id = secrets.token_hex(13)
event = {"id": event_id, "type": "drift.validation",
         "time": time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(ms // 1000)) + ".%03dZ" % (ms % 1000),
         "source": "cli", "execution_id": "6f1c0d9e-6b1f-4a53-9d6e-3f1a2b7c9e10",
         "data": {"was_real_drift": False, "feedback_type": "false_positive", "reason": "seasonal_pattern",
                  "validation_source": "explicit_feedback"}}
payload = json.dumps(event, ensure_ascii=False, separators=(",", ":")).encode() + b"\n"
name = "feedback_%s.json" % event_id
tmp = os.path.join(store, "events", "tmp", name + "." + secrets.token_hex(8))
fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
os.write(fd, payload)
os.fsync(fd)
os.close(fd)
pending_dir = os.path.join(store, "events", "pending")
os.link(tmp, os.path.join(pending_dir, name))
os.unlink(tmp)
dfd = os.open(pending_dir, os.O_RDONLY)
os.fsync(dfd)
os.close(dfd)
print(event_id)
PY

for round in $(seq 1 "$rounds"); do
    hyperfine -N --warmup 5 --runs "$runs" --export-json "$work/round-$round.json" \
        -n python3-baseline "$python $work/baseline.py $store" \
        -n "poet feedback" "$poet --store $store feedback --execution-id 6f1c0d9e-6b1f-4a53-9d6e-3f1a2b7c9e10 --false-positive --reason seasonal_pattern" \
        -n "poet record" "$poet --store $store record drift.validation --execution-id 6f1c0d9e-6b1f-4a53-9d6e-3f1a2b7c9e10 --set was_real_drift=false --set reason=seasonal_pattern" \
        -n "poet status" "$poet --store $store status" >/dev/null
done

# The JVM the launcher runs (install.sh's choice: $JAVA_HOME's, else the PATH's), not the PATH's java.
launcher_java="$(sed -n "s/^exec '\\([^']*\\)'.*/\\1/p" "$poet")"
echo "median ms (ratio to the python3 baseline) per round; $(nproc) cores, $("$launcher_java" -version 2>&1 | head -1), $(python3 --version), $runs runs per command"
jq -rs '
  def ms: . * 10000 | round / 10;
  (.[0].results | map(.command)) as $names
  | ([.[] | (.results | map({key: .command, value: .median}) | from_entries)]) as $rounds
  | ($names[] as $n
     | [$rounds[] | (.[$n] / .["python3-baseline"])] as $ratios
     | "\($n)\t" + ([$rounds[] | "\(.[$n] | ms) (\(.[$n] / .["python3-baseline"] | . * 100 | round / 100)x)"] | join("\t"))
       + "\tmedian ratio \($ratios | sort | .[length / 2 | floor] | . * 100 | round / 100)x")
' "$work"/round-*.json | column -t -s $'\t'
