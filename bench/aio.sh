#!/usr/bin/env bash
# Applies and destroys flux_aio against the test bed (real kube-apiserver, real registry with the
# Flux 2.9.4 artifact) with the release provider, and reports wall times, the provider's peak
# RSS and its API requests per apply and per no-op refresh (from its own info log lines).
#   bash bench/aio.sh [runs]
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
runs=${1:-3}
bash acceptance-tests/testbed.sh build >/dev/null
# FLUX_TESTDATA comes from the test bed (assembled from the Go module proxy on first use).
eval "$(bash acceptance-tests/testbed.sh paths)"
[ -d "$FLUX_TESTDATA/flux-manifests" ] || bash acceptance-tests/testbed.sh testdata >/dev/null
testdata=$FLUX_TESTDATA
cargo build -q --release -p terraform-provider-flux -p acceptance-tests --bin terraform-provider-flux --bin push-flux-artifact

run=$(mktemp -d /tmp/flux-bench-XXXXXX)
cleanup() { [ -n "${reg_pid:-}" ] && kill "$reg_pid" 2>/dev/null; bash "$root/acceptance-tests/testbed.sh" stop "$run/bed"; rm -rf "$run"; }
trap cleanup EXIT
bash acceptance-tests/testbed.sh start "$run/bed" 2>/dev/null
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
cat >"$run/registry.yml" <<YML
version: 0.1
log: { level: error, accesslog: { disabled: true } }
storage: { filesystem: { rootdirectory: $run/registry } }
http: { addr: "127.0.0.1:$port", secret: bench }
YML
docker-registry serve "$run/registry.yml" >/dev/null 2>&1 & reg_pid=$!
for _ in $(seq 1 50); do (exec 3<>/dev/tcp/127.0.0.1/$port) 2>/dev/null && break; sleep 0.1; done
target/release/push-flux-artifact "oci://127.0.0.1:$port/flux-manifests:v2.9.4" "$testdata/flux-manifests/v2.9.4" --insecure

mkdir -p "$run/tf"
cat >"$run/tf/main.tf" <<HCL
terraform {
  required_providers {
    flux = { source = "flux-aio/flux" }
  }
}
provider "flux" {
  kubernetes = { config_path = "$run/bed/kubeconfig" }
}
# No kubelet runs in the test bed, so the rollout is not awaited.
resource "flux_aio" "flux" {
  wait         = false
  distribution = { artifact = "oci://127.0.0.1:$port/flux-manifests", insecure = true }
}
HCL
cat >"$run/tf/cli.tfrc" <<RC
provider_installation {
  dev_overrides { "flux-aio/flux" = "$root/target/release" }
  direct {}
}
RC
export TF_CLI_CONFIG_FILE=$run/tf/cli.tfrc TF_IN_AUTOMATION=1 FLUX_PROVIDER_CACHE_DIR=$run/cache TF_LOG_PROVIDER=info
cd "$run/tf"
field() { grep -o "\"$2\":[0-9]*" "$1" | tail -1 | cut -d: -f2; }
for i in $(seq 1 "$runs"); do
  s=$(date +%s.%N); "$TOFU" apply -auto-approve -no-color >/dev/null 2>"$run/apply.log"; e=$(date +%s.%N)
  apply_s=$(echo "$e - $s" | bc)
  s=$(date +%s.%N); "$TOFU" plan -detailed-exitcode -no-color >/dev/null 2>"$run/plan.log" || [ $? -eq 0 ]; e=$(date +%s.%N)
  plan_s=$(echo "$e - $s" | bc)
  s=$(date +%s.%N); "$TOFU" destroy -auto-approve -no-color >/dev/null 2>"$run/destroy.log"; e=$(date +%s.%N)
  destroy_s=$(echo "$e - $s" | bc)
  # The provider's JSON log lines, as go-plugin relays them, carry the figures.
  apply_req=$(grep '"apply finished"\|apply finished' "$run/apply.log" | grep -o 'api_requests=[0-9]*' | tail -1 | cut -d= -f2)
  apply_rss=$(grep 'apply finished' "$run/apply.log" | grep -o 'peak_rss_kib=[0-9]*' | tail -1 | cut -d= -f2)
  refresh_req=$(grep 'refresh finished' "$run/plan.log" | grep -o 'api_requests=[0-9]*' | tail -1 | cut -d= -f2)
  refresh_rss=$(grep 'refresh finished' "$run/plan.log" | grep -o 'peak_rss_kib=[0-9]*' | tail -1 | cut -d= -f2)
  printf 'run %d: apply %.2fs (%s API requests, peak RSS %s KiB) | no-op plan %.2fs (refresh: %s API requests, peak RSS %s KiB) | destroy %.2fs\n' \
    "$i" "$apply_s" "${apply_req:-?}" "${apply_rss:-?}" "$plan_s" "${refresh_req:-?}" "${refresh_rss:-?}" "$destroy_s"
done
