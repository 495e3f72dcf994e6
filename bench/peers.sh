#!/usr/bin/env bash
# Our provider side by side with the tools users would pick instead, on one fresh control plane:
# flux_aio and 50 flux_tenant against the same rendered objects applied as one kubernetes_manifest
# (hashicorp/kubernetes) or kubectl_manifest (alekc/kubectl) per object, and against a plain
# server-side-apply loop (ssa-floor). Plan, apply, no-op plan, refresh and destroy, RUNS times
# each: wall time, API requests (apiserver audit log), provider peak RSS, binary size. Writes the
# table into bench/benchmarks.md between the peers markers (bench/peers.py does the work).
#   RUNS=5 bash bench/peers.sh
# Environment: RUNS (default 5), TENANTS (50), SCENARIOS (aio,tenants), TOOLS
# (flux,kubernetes,kubectl,floor), CARGO_TARGET_DIR, PEERS_RESULTS (raw JSON,
# /tmp/flux-peers-results.json), KEEP_RUN=1 keeps the run directory (audit log, configurations),
# BENCH_REV=<commit> measures that commit instead of the working tree.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
started=$(date +%s)
bash acceptance-tests/testbed.sh build >/dev/null
# The paths first: FLUX_TESTDATA comes from the test bed, so a fresh clone needs nothing beside it.
eval "$(bash acceptance-tests/testbed.sh paths)"
if [ ! -x "${PEER_KUBERNETES:-}" ] || [ ! -x "${PEER_KUBECTL:-}" ]; then
  bash acceptance-tests/testbed.sh build-peers >/dev/null
  eval "$(bash acceptance-tests/testbed.sh paths)"
fi
[ -d "$FLUX_TESTDATA/flux-manifests" ] || bash acceptance-tests/testbed.sh testdata >/dev/null
if [ ! -x /usr/bin/time ]; then
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq time >/dev/null
fi
target=${CARGO_TARGET_DIR:-$root/target}
# BENCH_REV=<commit> measures that commit (a git archive of it, built in a temporary directory)
# instead of the working tree.
src=$root
if [ -n "${BENCH_REV:-}" ]; then
  export BENCH_VERSION
  BENCH_VERSION=$(git rev-parse --short "$BENCH_REV")
  # Extracted once per commit beside the build (a stable path keeps cargo's fingerprints).
  src=$target/peers-src
  if [ "$(cat "$src/.commit" 2>/dev/null)" != "$BENCH_VERSION" ]; then
    rm -rf "$src" && mkdir -p "$src"
    git archive "$BENCH_REV" | tar -x -C "$src"
    echo "$BENCH_VERSION" >"$src/.commit"
  fi
fi
(cd "$src" && CARGO_TARGET_DIR=$target nice -n 19 cargo build -q --release -p terraform-provider-flux -p acceptance-tests \
  --bin terraform-provider-flux --bin flux-render --bin ssa-floor --bin push-flux-artifact)
export TOFU KUBE_APISERVER FLUX_TESTDATA PEER_KUBERNETES PEER_KUBECTL
export BENCH_TARGET=$target/release BENCH_COMMAND=${BENCH_COMMAND:-"${BENCH_REV:+BENCH_REV=$BENCH_REV }bash bench/peers.sh"}
python3 bench/peers.py
echo "bench/peers.sh: $(( ($(date +%s) - started) / 60 )) min $(( ($(date +%s) - started) % 60 )) s" >&2
