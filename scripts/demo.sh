#!/usr/bin/env bash
# The main job: build the provider, start a local control plane (etcd, kube-apiserver,
# kube-controller-manager on loopback), apply examples/tenant with the real tofu, print the plan
# and the objects created, then destroy and stop everything.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)

bash scripts/setup.sh
eval "$(bash acceptance-tests/testbed.sh paths)"
cargo build -q -p terraform-provider-flux

run=$(mktemp -d /tmp/flux-demo-XXXXXX)
trap 'bash "$root/acceptance-tests/testbed.sh" stop "$run/bed"; rm -rf "$run"' EXIT
bash acceptance-tests/testbed.sh start "$run/bed"
cp examples/tenant/*.tf "$run/"
cat >"$run/cli.tfrc" <<RC
provider_installation {
  dev_overrides { "flux-aio/flux" = "$root/target/debug" }
  direct {}
}
RC
export TF_CLI_CONFIG_FILE=$run/cli.tfrc TF_IN_AUTOMATION=1 TF_VAR_kubeconfig=$run/bed/kubeconfig
cd "$run"
echo "== tofu plan"
"$TOFU" plan -no-color
echo "== tofu apply"
"$TOFU" apply -auto-approve -no-color
echo "== the state, then the objects as the API server holds them"
"$TOFU" state show -no-color flux_tenant.dev_team
curl -fsS --cacert "$run/bed/pki/ca.crt" --cert "$run/bed/pki/admin.crt" --key "$run/bed/pki/admin.key" \
  "$(grep KUBE_HOST "$run/bed/env" | cut -d= -f2)/api/v1/namespaces/dev-team-apps/resourcequotas/flux-quota" |
  python3 -c 'import json,sys; o=json.load(sys.stdin); print(o["kind"], o["metadata"]["namespace"]+"/"+o["metadata"]["name"], json.dumps(o["spec"]))'
for path in api/v1/namespaces/dev-team-apps api/v1/namespaces/dev-team-apps/serviceaccounts/flux \
            apis/rbac.authorization.k8s.io/v1/namespaces/dev-team-apps/rolebindings/dev-team; do
  curl -fsS --cacert "$run/bed/pki/ca.crt" --cert "$run/bed/pki/admin.crt" --key "$run/bed/pki/admin.key" \
    "$(grep KUBE_HOST "$run/bed/env" | cut -d= -f2)/$path" |
    python3 -c 'import json,sys; o=json.load(sys.stdin); m=o["metadata"]; print(o["kind"], (m.get("namespace","")+"/" if m.get("namespace") else "")+m["name"], "labels:", json.dumps(m.get("labels",{})))'
done
echo "== tofu plan (must be empty)"
"$TOFU" plan -detailed-exitcode -no-color
echo "== tofu destroy"
"$TOFU" destroy -auto-approve -no-color
