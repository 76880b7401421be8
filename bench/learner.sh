#!/usr/bin/env bash
# The params generator on generated histories: the alert receiver's burden (false alerts and
# alerts per execution, recall) before and after learning, on fresh data (bench/LearnerBurden.java).
#
#   bench/learner.sh [SEEDS] [--why]     (SEEDS default 10; --why: the learner's notes where it deployed nothing)
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$here"
mvn -q -B -o test-compile
mvn -q -B dependency:build-classpath -Dmdep.outputFile=target/bench-classpath.txt >/dev/null
out="$(mktemp -d)"
trap 'rm -rf "$out"' EXIT
cp="target/classes:target/test-classes:$(cat target/bench-classpath.txt)"
javac -d "$out" -cp "$cp" bench/LearnerBurden.java
java -cp "$out:$cp" dev.poet.learn.LearnerBurden "${1:-10}" "${2:-}"
