#!/usr/bin/env bash
# Loads `poet serve` with wrk posting feedback (each request a durable drift.validation) and prints
# throughput and latency percentiles; afterwards it counts the events in pending/ to check that
# every answered request was delivered.
#
#   bench/serve.sh [SECONDS] [CONNECTIONS] [THREADS]   (default 10 s, 32 connections, 16 server threads)
#
# SERVE_ARGS adds options to poet serve (e.g. SERVE_ARGS="--commit-wait 500"), SERVE_JAVA_OPTS
# options to its JVM. Events are counted as lines, so single event files and group-commit batch
# files count alike.
#
# Baseline, measured beside it in the same store's directory: how many durable single-file
# deliveries per second the disk takes one at a time (python3: exclusive tmp file, write, fsync,
# link into pending/, fsync the directory, as one event file is delivered). The last line prints
# the server's requests/s as a multiple of that.
#
# Installs wrk with apt-get if missing; builds target/poet.jar with Maven if missing.
set -euo pipefail
seconds="${1:-10}"
connections="${2:-32}"
threads="${3:-16}"
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
work="$(mktemp -d)"
command -v wrk >/dev/null 2>&1 || { apt-get update -qq >/dev/null && apt-get install -y -qq wrk >/dev/null; }
[ -f "$here/target/poet.jar" ] || (cd "$here" && mvn -q -B -DskipTests package)
port=$((20000 + RANDOM % 20000))
cd "$work"
java -jar "$here/target/poet.jar" init >/dev/null
POET_FEEDBACK_TOKEN=t java ${SERVE_JAVA_OPTS:-} -XX:+UseParallelGC -jar "$here/target/poet.jar" -q serve --port "$port" --threads "$threads" ${SERVE_ARGS:-} \
    > serve.out 2> serve.err &
server=$!
trap 'kill $server 2>/dev/null; rm -rf "$work"' EXIT
for _ in $(seq 300); do curl -fsS "http://127.0.0.1:$port/healthz" >/dev/null 2>&1 && break; sleep 0.1; done
wrk -t2 -c"$connections" -d3s -s "$here/bench/feedback.lua" "http://127.0.0.1:$port/" >/dev/null   # warm-up
count() { find .poet/events/pending -type f -exec cat {} + | wc -l; }
before=$(count)
# the baseline: 500 deliveries, one at a time, as close to the run as possible
baseline=$(python3 "$here/bench/disk_baseline.py" "$work/.poet/events")
echo "baseline: $baseline durable single-file deliveries/s, one at a time (python3, same directory)"
cpu() { awk '{print $14, $15}' "/proc/$server/stat"; }
read -r user0 sys0 < <(cpu)
wrk -t2 -c"$connections" -d"${seconds}s" --latency -s "$here/bench/feedback.lua" "http://127.0.0.1:$port/" | tee wrk.out
read -r user1 sys1 < <(cpu)
after=$(count)
files=$(ls .poet/events/pending | wc -l)
echo "events delivered during the run: $((after - before)) (wrk's request count above should match), $files files in pending/"
hz=$(getconf CLK_TCK)
awk -v u=$((user1 - user0)) -v s=$((sys1 - sys0)) -v hz="$hz" -v n=$((after - before)) 'BEGIN {
    printf "server CPU during the run: user %.1f s, system %.1f s, %.0f us per delivered event\n", u / hz, s / hz, (u + s) / hz * 1e6 / n }'
rps=$(awk '/^Requests\/sec/ {print $2}' wrk.out)
awk -v r="$rps" -v b="$baseline" 'BEGIN { printf "requests/s %.0f = %.2fx the baseline of %d one-at-a-time durable deliveries/s\n", r, r / b, b }' 
