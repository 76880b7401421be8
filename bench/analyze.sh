#!/usr/bin/env bash
# Times `poet analyze FUNCTION` against DuckDB running the equivalent SQL (bench/DuckDbAnalyze.java)
# over the same processed segments, and prints both results side by side.
#
#   bench/analyze.sh STORE_DIR [FUNCTION] [RUNS]
#
# STORE_DIR is a correlated store, e.g. one left by bench/correlate.sh (store-1000000). FUNCTION
# defaults to detect_drift, RUNS to 5. DuckDB's JDBC driver is fetched from Maven Central into a
# temporary directory: it is a bench tool, not a dependency of poet.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
store="$1"
fn="${2:-detect_drift}"
runs="${3:-5}"
duckdb_version=1.4.3.0
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
[ -x /usr/bin/time ] || { apt-get update -qq >/dev/null && apt-get install -y -qq time >/dev/null; }

(cd "$here" && mvn -q -B -Dstyle.color=never dependency:copy -Dartifact="org.duckdb:duckdb_jdbc:$duckdb_version" \
    -DoutputDirectory="$work" >/dev/null)
PREFIX="$work/prefix" "$here/install.sh" >/dev/null
poet="$work/prefix/bin/poet"
"$poet" --store "$store" correlate >/dev/null 2>&1   # brings the facts checkpoint up to date

median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
for i in $(seq 1 "$runs"); do
    /usr/bin/time -f '%e %M' -o "$work/t" "$poet" --store "$store" analyze "$fn" > "$work/poet.txt"
    cat "$work/t" >> "$work/poet-times"
done
for i in $(seq 1 "$runs"); do
    /usr/bin/time -f '%e %M' -o "$work/t" java -cp "$work/duckdb_jdbc-$duckdb_version.jar" \
        "$here/bench/DuckDbAnalyze.java" "$store" "$fn" > "$work/duck.txt"
    cat "$work/t" >> "$work/duck-times"
done
echo "poet analyze $fn: median $(cut -d' ' -f1 "$work/poet-times" | median) s, peak $(( $(cut -d' ' -f2 "$work/poet-times" | median) / 1024 )) MB ($runs runs)"
echo "duckdb SQL:        median $(cut -d' ' -f1 "$work/duck-times" | median) s, peak $(( $(cut -d' ' -f2 "$work/duck-times" | median) / 1024 )) MB ($runs runs, JVM start included)"
echo; echo "--- poet"; head -14 "$work/poet.txt"
echo "--- duckdb"; cat "$work/duck.txt"
