#!/usr/bin/env bash
# The main job: build the provider, start a local control plane (etcd, kube-apiserver,
# kube-controller-manager on loopback) with the real Flux controllers, serve a tenant's Git
# repository on loopback, apply examples/tenant with the real tofu, print the plan, the
# Kustomization's Ready condition as Flux reports it and the objects Flux created, then
# off-board the tenant and stop everything (acceptance-tests/src/bin/demo.rs).
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/setup.sh
cargo build -q -p terraform-provider-flux
cargo run -q -p acceptance-tests --bin demo
