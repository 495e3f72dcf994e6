#!/usr/bin/env bash
# Every test: formatting, lints, unit and golden tests, and the acceptance suite (real tofu
# against a real kube-apiserver on etcd). Sets up whatever is missing first.
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/setup.sh
cargo fmt --all -- --check
cargo clippy --workspace --all-targets -q -- -D warnings
cargo build -q -p terraform-provider-flux
log=$(mktemp); trap 'rm -f "$log"' EXIT
status=0
cargo test --workspace --all-targets --no-fail-fast -- --test-threads 4 2>&1 | tee "$log" || status=$?
# One closing line for the whole run, summed over every test binary.
# The compatibility matrix, within CI's budget: the acceptance suite again with the oldest
# OpenTofu (1.9) and Terraform 1.5.7; OpenTofu 1.10 and 1.11 run in the full
# `bash scripts/matrix.sh`. flux_aio's own tests and the end-to-end scenarios with the real
# controllers (which exercise Flux, not the CLI) and the fault injection (which exercises the
# provider and the control plane) run with the default CLI only.
TOFU_MATRIX=${TOFU_MATRIX:-1.9.4} MATRIX_SKIP_DEFAULT=1 bash scripts/matrix.sh --skip aio:: --skip examples::aio --skip e2e:: --skip faults:: 2>&1 | tee -a "$log" || status=$?
awk '/^test result:/ { for (i = 1; i <= NF; i++) { if ($(i+1) ~ /^passed/) p += $i; if ($(i+1) ~ /^failed/) f += $i } }
     END { printf "cargo test: %d passed, %d failed\n", p, f }' "$log"
exit "$status"
