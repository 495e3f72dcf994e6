#!/usr/bin/env bash
# Applies, refreshes and destroys N each of flux_git_sync, flux_oci_sync and flux_helm_release
# (wait = false: no Flux controllers run in the test bed) against the test bed with the real
# Flux CRDs and the release provider; reports wall times, API requests per instance and the
# provider's peak RSS (from its own log lines).
#   bash bench/sync.sh [instances per resource type]
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
n=${1:-20}
bash acceptance-tests/testbed.sh build >/dev/null
# FLUX_TESTDATA comes from the test bed (assembled from the Go module proxy on first use).
eval "$(bash acceptance-tests/testbed.sh paths)"
[ -d "$FLUX_TESTDATA/flux-manifests" ] || bash acceptance-tests/testbed.sh testdata >/dev/null
testdata=$FLUX_TESTDATA
cargo build -q --release -p terraform-provider-flux
cargo build -q --release -p acceptance-tests --bin ssa-floor

run=$(mktemp -d /tmp/flux-bench-XXXXXX)
cleanup() { bash "$root/acceptance-tests/testbed.sh" stop "$run/bed"; rm -rf "$run"; }
trap cleanup EXIT
bash acceptance-tests/testbed.sh start "$run/bed" 2>/dev/null
# The Flux CRDs, applied and waited for (Established) by the plain server-side-apply loop.
"${CARGO_TARGET_DIR:-target}/release/ssa-floor" "$run/bed/kubeconfig" "$testdata"/flux-crds/*/*.yaml >/dev/null

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
resource "flux_git_sync" "git" {
  count     = $n
  name      = "git-\${count.index}"
  namespace = "default"
  wait      = false
  git       = { url = "https://github.com/org/repo", path = "./apps", token = "t" }
  patches   = [{ patch = jsonencode({ apiVersion = "v1", kind = "ConfigMap", metadata = { name = "x" } }) }]
}
resource "flux_oci_sync" "oci" {
  count     = $n
  name      = "oci-\${count.index}"
  namespace = "default"
  wait      = false
  artifact  = { url = "oci://ghcr.io/org/manifests", semver = ">=1.0.0", auth = { credentials = { username = "u", password = "p" } } }
}
resource "flux_helm_release" "helm" {
  count      = $n
  name       = "helm-\${count.index}"
  namespace  = "default"
  wait       = false
  repository = { url = "https://charts.example.com" }
  chart      = { name = "app" }
  values     = { replicaCount = 2, image = { tag = "v1" }, args = ["a", "b"] }
}
HCL
cat >"$run/tf/cli.tfrc" <<RC
provider_installation {
  dev_overrides { "flux-aio/flux" = "$root/target/release" }
  direct {}
}
RC
export TF_CLI_CONFIG_FILE=$run/tf/cli.tfrc TF_IN_AUTOMATION=1 TF_LOG_PROVIDER=info
cd "$run/tf"
# The provider's engine counts every request of the run; its last total is exact.
sum() { grep "$2" "$1" | grep -o 'api_requests_total=[0-9]*' | cut -d= -f2 | sort -n | tail -1; }
peak() { grep -o 'peak_rss_kib=[0-9]*' "$1" | cut -d= -f2 | sort -n | tail -1; }
s=$(date +%s.%N); "$TOFU" apply -auto-approve -no-color >/dev/null 2>"$run/apply.log"; e=$(date +%s.%N)
printf 'apply of %d instances: %.2fs, %s API requests (%.1f per instance), peak RSS %s KiB\n' \
  $((3 * n)) "$(echo "$e - $s" | bc)" "$(sum "$run/apply.log" 'apply finished')" \
  "$(echo "$(sum "$run/apply.log" 'apply finished') / (3 * $n)" | bc -l)" "$(peak "$run/apply.log")"
s=$(date +%s.%N); code=0; "$TOFU" plan -detailed-exitcode -no-color >/dev/null 2>"$run/plan.log" || code=$?; e=$(date +%s.%N)
printf 'no-op plan: %.2fs (exit %d: 0 = no changes), refresh %s API requests, peak RSS %s KiB\n' \
  "$(echo "$e - $s" | bc)" "$code" "$(sum "$run/plan.log" 'refresh finished')" "$(peak "$run/plan.log")"
s=$(date +%s.%N); "$TOFU" destroy -auto-approve -no-color >/dev/null 2>"$run/destroy.log"; e=$(date +%s.%N)
printf 'destroy: %.2fs\n' "$(echo "$e - $s" | bc)"
