#!/usr/bin/env bash
# Measures the release binary: its size (stripped) and its start-up time to the go-plugin
# handshake line, with AutoMTLS on (a fresh server certificate is generated at each start).
#   bash bench/startup.sh [runs]
set -euo pipefail
cd "$(dirname "$0")/.."
runs=${1:-30}
cargo build -q --release -p terraform-provider-flux
bin=${CARGO_TARGET_DIR:-target}/release/terraform-provider-flux
printf 'binary: %s bytes (%.1f MiB), %s\n' "$(stat -c %s "$bin")" \
  "$(echo "$(stat -c %s "$bin") / 1048576" | bc -l)" "$(file -b "$bin" | cut -d, -f1-2)"
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:secp521r1 -nodes -days 1 -subj /CN=localhost \
  -keyout "$tmp/k.pem" -out "$tmp/c.pem" 2>/dev/null
python3 - "$bin" "$tmp/c.pem" "$runs" <<'PY'
import os, statistics, subprocess, sys, time
binary, cert, runs = sys.argv[1], open(sys.argv[2]).read(), int(sys.argv[3])
env = dict(os.environ, TF_PLUGIN_MAGIC_COOKIE="d602bf8f470bc67ca7faa0386276bbdd4330efaf76d1a219cb4d6991ca9872b2",
           PLUGIN_PROTOCOL_VERSIONS="5,6", PLUGIN_CLIENT_CERT=cert)
times = []
for _ in range(runs):
    start = time.perf_counter()
    p = subprocess.Popen([binary], env=env, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
    line = p.stdout.readline()
    times.append((time.perf_counter() - start) * 1000)
    p.kill(); p.wait()
    assert line.startswith(b"1|6|unix|"), line
times.sort()
print(f"start-up to handshake over {runs} runs: median {statistics.median(times):.1f} ms, "
      f"p90 {times[int(len(times) * 0.9) - 1]:.1f} ms, max {times[-1]:.1f} ms")
PY
