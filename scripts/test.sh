#!/usr/bin/env bash
# Every test: formatting, lints, unit and golden tests, and the acceptance suite (real tofu
# against a real kube-apiserver on etcd). Sets up whatever is missing first.
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/setup.sh
cargo fmt --all -- --check
cargo clippy --workspace --all-targets -q -- -D warnings
cargo build -q -p terraform-provider-flux
cargo test --workspace --no-fail-fast -- --test-threads 4
