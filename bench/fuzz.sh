#!/usr/bin/env bash
# Fuzzes the project's parsers and decoders (fuzz/tests/fuzz.rs): cty's msgpack and JSON decoding,
# the Flux manifest and layer (tar+gzip) parser, and the Go duration, quantity and semver
# constraint validators. Each target runs FUZZ_CASES random inputs (default one million;
# proptest on stable, as cargo-fuzz needs nightly) in a release build and must not panic; a
# panic fails the run with proptest's minimal failing input and the panic message.
# Reports each target's case count, wall time and rate, and the total wall time.
#   bash bench/fuzz.sh
#   FUZZ_CASES=100000 bash bench/fuzz.sh
set -euo pipefail
cd "$(dirname "$0")/.."
cases=${FUZZ_CASES:-1000000}
cargo test -q --release -p fuzz --test fuzz --no-run

out=$(mktemp /tmp/flux-fuzz-XXXXXX)
trap 'rm -f "$out"' EXIT
code=0
FUZZ_CASES=$cases cargo test --release -p fuzz --test fuzz -- --nocapture --test-threads 2 2>&1 |
  tee "$out" || code=$?

echo
# libtest's own clock: the run of the targets, without cargo's start-up.
total=$(sed -n 's/.*; finished in \([0-9.]*s\)$/\1/p' "$out" | tail -1)
echo "$cases cases per target, 2 test threads, wall time of the whole run ${total:-unknown}"
# Each target prints `fuzz <target>: <N> cases, 0 panics in <secs>s` when it passes.
grep -o 'fuzz [^ ]*: [0-9]* cases, 0 panics in [0-9.]*s' "$out" |
  awk '{ target = $2; sub(/:$/, "", target); t = $NF; sub(/s$/, "", t); t += 0
         printf "  %-36s %9d cases, 0 panics  %8.2fs  %10.0f cases/s\n", target, $3, t, (t > 0 ? $3 / t : 0) }'
if [ "$code" -ne 0 ]; then
  echo "FAILED: a target panicked or failed (see proptest's minimal failing input above)" >&2
fi
exit "$code"
