#!/usr/bin/env bash
# Times `poet correlate` on generated stores of N pending events next to `cat` over the same files,
# in the same run, and reports peak memory.
#
#   bench/correlate.sh [N ...]          (default: 100000 300000 1000000)
#
# Each store is generated fresh (dev.poet.testing.StoreGenerator: several functions, executions
# with detection fields, feedback on ~20%, alerts on those that detected drift, costs on half,
# outcomes before their executions, a few whose execution never arrives, repeated verdicts),
# flushed to disk with sync, read once by `find | xargs cat`, then correlated by the installed
# launcher. With POET_BENCH_BATCH=K, the same events are also generated as batch files of K events
# each (as the Python runtime delivers them) in a second store and correlated; that row's ratio is
# against `cat` of the single files. Stores go to $POET_BENCH_DIR (default: a new directory under /var/tmp); about 4 GB
# per million events. Needs /usr/bin/time (GNU time, Debian package `time`).
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
sizes=("$@")
[ ${#sizes[@]} -gt 0 ] || sizes=(100000 300000 1000000)
work="${POET_BENCH_DIR:-$(mktemp -d /var/tmp/poet-bench-XXXXXX)}"
mkdir -p "$work"
[ -x /usr/bin/time ] || { apt-get update -qq >/dev/null && apt-get install -y -qq time >/dev/null; }

(cd "$here" && mvn -q -B -Dstyle.color=never -DskipTests package test-compile >/dev/null)
PREFIX="$work/prefix" "$here/install.sh" >/dev/null
poet="$work/prefix/bin/poet"

printf '%-9s %-9s %-8s %-10s %-6s %-8s %s\n' events files "cat s" "correlate s" ratio "peak MB" "sweep s"
for n in "${sizes[@]}"; do
    store="$work/store-$n"
    rm -rf "$store"
    "$poet" init "$store" >/dev/null
    java -cp "$here/target/poet.jar:$here/target/test-classes" dev.poet.testing.StoreGenerator "$n" "$store/.poet" >/dev/null
    sync
    pending="$store/.poet/events/pending"
    files=$(find "$pending" -name '*.json' | wc -l)
    start=$(date +%s.%N)
    find "$pending" -name '*.json' -print0 | xargs -0 cat > /dev/null
    cat_s=$(echo "$(date +%s.%N) - $start" | bc)
    /usr/bin/time -f '%e %M' -o "$work/time-$n" "$poet" --store "$store" --json correlate > "$work/report-$n.json"
    read -r corr_s peak_kb < "$work/time-$n"
    start=$(date +%s.%N)
    "$poet" --store "$store" sweep > /dev/null
    sweep_s=$(echo "$(date +%s.%N) - $start" | bc)
    printf '%-9s %-9s %-8.1f %-10.1f %-6.2f %-8d %.1f\n' "$n" "$files" "$cat_s" "$corr_s" \
        "$(echo "$corr_s / $cat_s" | bc -l)" "$((peak_kb / 1024))" "$sweep_s"
    echo "  $(cat "$work/report-$n.json")"
    if [ -n "${POET_BENCH_BATCH:-}" ]; then
        bstore="$work/store-$n-batches"
        rm -rf "$bstore"
        "$poet" init "$bstore" >/dev/null
        java -cp "$here/target/poet.jar:$here/target/test-classes" dev.poet.testing.StoreGenerator "$n" "$bstore/.poet" 42 \
            "=$POET_BENCH_BATCH" >/dev/null
        sync
        bfiles=$(find "$bstore/.poet/events/pending" -type f | wc -l)
        /usr/bin/time -f '%e %M' -o "$work/time-$n-b" "$poet" --store "$bstore" --json correlate > "$work/report-$n-b.json"
        read -r bcorr_s bpeak_kb < "$work/time-$n-b"
        printf '%-9s %-9s %-8s %-10.1f %-6.2f %-8d %s\n' "$n" "$bfiles" "(batches of $POET_BENCH_BATCH, ratio to cat of the single files)" \
            "$bcorr_s" "$(echo "$bcorr_s / $cat_s" | bc -l)" "$((bpeak_kb / 1024))" "-"
        echo "  $(cat "$work/report-$n-b.json")"
    fi
done
echo "stores kept in $work (remove with rm -rf)"
