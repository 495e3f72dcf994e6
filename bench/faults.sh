#!/usr/bin/env bash
# The fault-injection runs of the acceptance suite (faults::), with their figures: the
# kube-apiserver or etcd of a private control plane killed (SIGKILL) at seeded random points of
# a flux_aio install and of a 30-resource apply, FAULT_RUNS times each (default 10). Prints, per
# scenario and component: runs, faulted applies that failed, runs where the state held an
# object the cluster lacked (the next plan must show it), runs that left a marked object
# outside the state before the next apply (it must adopt it back), and runs that converged.
#   bash bench/faults.sh
#   FAULT_RUNS=20 bash bench/faults.sh
set -euo pipefail
cd "$(dirname "$0")/.."
bash acceptance-tests/testbed.sh build >/dev/null
cargo build -q -p terraform-provider-flux
out=$(mktemp /tmp/flux-faults-XXXXXX)
trap 'rm -f "$out"' EXIT
start=$(date +%s)
code=0
FAULT_RUNS=${FAULT_RUNS:-10} cargo test -q -p acceptance-tests --test acceptance -- faults:: --nocapture \
  >"$out" 2>&1 || code=$?
echo "fault injection, FAULT_RUNS=${FAULT_RUNS:-10}, $(($(date +%s) - start)) s:"
grep -E '^faults [^ ]+: Tally' "$out" | sed 's/^faults /  /'
if [ "$code" -ne 0 ]; then
  grep -E 'panicked|^faults ' "$out" >&2 || true
  echo "FAILED (full output above)" >&2
fi
exit "$code"
