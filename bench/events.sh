#!/usr/bin/env bash
# Loads `poet serve`'s POST /poet/events with wrk: each request a batch of EVENTS_PER_REQUEST
# envelopes (default 100) with their own ids, as a remote runtime delivers them. Prints requests/s
# and latency, the events that reached pending/ per second, and the same disk baseline as
# bench/serve.sh (durable single-file deliveries per second, one at a time) with the ratio to it.
#
#   EVENTS_PER_REQUEST=100 bench/events.sh [SECONDS] [CONNECTIONS]   (default 10 s, 8 connections)
#
# Installs wrk with apt-get if missing; builds target/poet.jar with Maven if missing.
set -euo pipefail
seconds="${1:-10}"
connections="${2:-8}"
export EVENTS_PER_REQUEST="${EVENTS_PER_REQUEST:-100}"
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
work="$(mktemp -d)"
command -v wrk >/dev/null 2>&1 || { apt-get update -qq >/dev/null && apt-get install -y -qq wrk >/dev/null; }
[ -f "$here/target/poet.jar" ] || (cd "$here" && mvn -q -B -DskipTests package)
port=$((20000 + RANDOM % 20000))
cd "$work"
java -jar "$here/target/poet.jar" init >/dev/null
POET_EVENTS_TOKEN=t java -XX:+UseParallelGC -jar "$here/target/poet.jar" -q serve --port "$port" > serve.out 2> serve.err &
server=$!
trap 'kill $server 2>/dev/null; rm -rf "$work"' EXIT
for _ in $(seq 300); do curl -fsS "http://127.0.0.1:$port/healthz" >/dev/null 2>&1 && break; sleep 0.1; done
EVENTS_RUN=warmup wrk -t2 -c"$connections" -d3s -s "$here/bench/events.lua" "http://127.0.0.1:$port/" >/dev/null   # warm-up
count() { find .poet/events/pending -type f -exec cat {} + | wc -l; }
before=$(count)
baseline=$(python3 "$here/bench/disk_baseline.py" "$work/.poet/events")
echo "baseline: $baseline durable single-file deliveries/s, one at a time (python3, same directory)"
EVENTS_RUN=run wrk -t2 -c"$connections" -d"${seconds}s" --latency -s "$here/bench/events.lua" "http://127.0.0.1:$port/" | tee wrk.out
after=$(count)
delivered=$((after - before))
echo "events delivered during the run: $delivered ($EVENTS_PER_REQUEST per request; wrk's requests x that should match), $(ls .poet/events/pending | wc -l) files in pending/"
awk -v n="$delivered" -v s="$seconds" -v b="$baseline" 'BEGIN {
    printf "events/s %.0f = %.1fx the baseline of %d one-at-a-time durable deliveries/s\n", n / s, n / s / b, b }'
