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
bash acceptance-tests/testbed.sh build >/dev/null
bash acceptance-tests/testbed.sh build-flux >/dev/null
