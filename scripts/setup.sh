#!/usr/bin/env bash
# Installs what the project needs on a fresh Debian machine: Debian packages, the Rust
# toolchain's components, and the test bed's binaries (built from the Go module proxy into a
# cache outside the repository). Idempotent; later runs reuse the cache.
set -euo pipefail
cd "$(dirname "$0")/.."

if ! command -v cargo >/dev/null; then
  echo "cargo is required (rustup: https://rustup.rs)" >&2
  exit 1
fi
rustup component add rustfmt clippy >/dev/null 2>&1 || true
# The control plane and the Flux controllers build side by side, so downloads and links overlap
# (measured cold on two cores: 24m48s and 26m21s wall, side by side).
bash acceptance-tests/testbed.sh build >/dev/null &
control_plane=$!
bash acceptance-tests/testbed.sh build-flux >/dev/null &
flux=$!
status=0
wait "$control_plane" || status=$?
wait "$flux" || status=$?
exit "$status"
