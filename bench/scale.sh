#!/usr/bin/env bash
# How the cost grows with the size of one state: 1, 10, 100 and 1000 flux_oci_sync instances
# (2 objects each, wait = false: no Flux controllers run) in one configuration, on a fresh test
# bed with the real Flux CRDs and the release provider. For each size: wall time of the create
# plan, the apply, the no-op plan (its refresh) and the destroy; the API requests each command
# made (counted in the apiserver's audit log: the requests of the kubeconfig's user, which only
# the provider uses while the command runs) and the provider's peak RSS (its own /proc reading,
# logged at info).
# Writes the table into bench/benchmarks.md between the scale markers, and the plot to bench/scale.svg.
#   bash bench/scale.sh [sizes...]        (default: 1 10 100 1000)
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
sizes=${*:-1 10 100 1000}
target=${CARGO_TARGET_DIR:-$root/target}
bash acceptance-tests/testbed.sh build >/dev/null
bash acceptance-tests/testbed.sh build-flux >/dev/null
eval "$(bash acceptance-tests/testbed.sh paths)"
cargo build -q --release -p terraform-provider-flux --bin terraform-provider-flux
cargo build -q --release -p acceptance-tests --bin ssa-floor

run=$(mktemp -d /tmp/flux-scale-XXXXXX)
cleanup() { bash "$root/acceptance-tests/testbed.sh" stop "$run/bed" >/dev/null 2>&1 || true; rm -rf "$run"; }
trap cleanup EXIT
mkdir -p "$run/bed"
cat >"$run/audit-policy.yaml" <<YML
apiVersion: audit.k8s.io/v1
kind: Policy
omitStages: ["RequestReceived", "ResponseStarted"]
rules:
  - level: Metadata
YML
APISERVER_EXTRA_ARGS="--audit-policy-file=$run/audit-policy.yaml --audit-log-path=$run/audit.log --audit-log-format=json" \
  bash acceptance-tests/testbed.sh start "$run/bed" 2>/dev/null
"$target/release/ssa-floor" "$run/bed/kubeconfig" "$FLUX_CRDS"/*/*.yaml 2>/dev/null

mkdir -p "$run/tf"
cat >"$run/tf/cli.tfrc" <<RC
provider_installation {
  dev_overrides { "flux-aio/flux" = "$target/release" }
  direct {}
}
RC
export TF_CLI_CONFIG_FILE=$run/tf/cli.tfrc TF_IN_AUTOMATION=1 TF_LOG_PROVIDER=info
cd "$run/tf"
# Requests: the audit log's events since line $1, less the control plane's own: the
# kube-controller-manager uses the test bed's admin kubeconfig too, so it is told apart by its
# user agent; the apiserver's loopback client is user system:apiserver. What is left is the
# provider's (the only other client while a command runs). Waits half a second first, for the
# last requests' events.
mark() { wc -l <"$run/audit.log"; }
requests() {
  sleep 0.5
  python3 - "$run/audit.log" "$1" <<'PY'
import json, sys
path, start = sys.argv[1], int(sys.argv[2])
count = 0
with open(path) as f:
    for i, line in enumerate(f):
        if i < start:
            continue
        e = json.loads(line)
        agent = e.get("userAgent", "")
        if e.get("stage") != "ResponseComplete" or e.get("user", {}).get("username") == "system:apiserver":
            continue
        if agent.startswith(("kube-controller-manager", "kube-apiserver")):
            continue
        count += 1
print(count)
PY
}
peak() { grep -o 'peak_rss_kib=[0-9]*' "$1" | cut -d= -f2 | sort -n | tail -1; }
# timed LOG CMD...: runs CMD (stdout dropped, stderr to LOG) and prints its wall time in seconds.
timed() {
  local log=$1 s e; shift
  s=$(date +%s.%N)
  "$@" >/dev/null 2>"$log" || { echo "failed: $* (its log: $log)" >&2; tail -20 "$log" >&2; return 1; }
  e=$(date +%s.%N); echo "$e - $s" | bc
}
# config N: a configuration of N flux_oci_sync instances.
config() {
  cat >main.tf <<HCL
terraform {
  required_providers {
    flux = { source = "flux-aio/flux" }
  }
}
provider "flux" {
  kubernetes = { config_path = "$run/bed/kubeconfig" }
}
resource "flux_oci_sync" "app" {
  count     = $1
  name      = "app-\${count.index}"
  namespace = "default"
  wait      = false
  artifact  = { url = "oci://ghcr.io/org/manifests", semver = ">=1.0.0" }
}
HCL
}
# Warm-up, not measured: the API server sets up a custom resource's storage and compiles its
# CRD's validation rules on the first request for it, which took about 2 s and would be charged
# to the first size.
config 1
"$TOFU" apply -auto-approve -no-color >/dev/null 2>&1
"$TOFU" destroy -auto-approve -no-color >/dev/null 2>&1
rows=""
: >"$run/points.dat"
for n in $sizes; do
  config "$n"
  m=$(mark); plan_s=$(timed plan.log "$TOFU" plan -out=plan.bin -no-color)
  plan_req=$(requests "$m")
  m=$(mark); apply_s=$(timed apply.log "$TOFU" apply -no-color plan.bin)
  apply_req=$(requests "$m")
  apply_rss=$(peak apply.log)
  code=0
  m=$(mark)
  s=$(date +%s.%N); "$TOFU" plan -detailed-exitcode -no-color >/dev/null 2>noop.log || code=$?; e=$(date +%s.%N)
  noop_s=$(echo "$e - $s" | bc)
  [ "$code" -eq 0 ] || { echo "the plan after apply of $n instances is not empty (exit $code)" >&2; exit 1; }
  refresh_req=$(requests "$m")
  refresh_rss=$(peak noop.log)
  m=$(mark); destroy_s=$(timed destroy.log "$TOFU" destroy -auto-approve -no-color)
  destroy_req=$(requests "$m")
  row=$(printf '| %d | %d | %.2f | %s | %.2f | %s (%.1f/instance) | %s | %.2f | %s (%.1f/instance) | %s | %.2f | %s |' \
    "$n" $((2 * n)) "$plan_s" "$plan_req" "$apply_s" "$apply_req" "$(echo "$apply_req / $n" | bc -l)" \
    "$apply_rss" "$noop_s" "$refresh_req" "$(echo "$refresh_req / $n" | bc -l)" "$refresh_rss" "$destroy_s" "$destroy_req")
  echo "$row"
  rows+="$row"$'\n'
  echo "$n $plan_s $apply_s $noop_s $destroy_s" >>"$run/points.dat"
done

# The curve as a plot (gnuplot from Debian), log-log: a straight line of slope 1 is linear growth.
command -v gnuplot >/dev/null || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq gnuplot-nox >/dev/null; }
gnuplot <<GP
set terminal svg size 720,440 dynamic noenhanced font "sans,12"
set output "$root/bench/scale.svg"
set title "flux_oci_sync instances in one state: wall time per command"
set logscale xy
set xlabel "instances (2 objects each)"
set ylabel "seconds"
set key top left
set grid
plot "$run/points.dat" using 1:2 with linespoints title "create plan", \\
     "" using 1:3 with linespoints title "apply", \\
     "" using 1:4 with linespoints title "no-op plan (refresh)", \\
     "" using 1:5 with linespoints title "destroy"
GP

doc=$root/bench/benchmarks.md
[ -f "$doc" ] || printf '# Benchmarks\n' >"$doc"
table=$(cat <<MD
<!-- scale:begin -->
## Scale: 1 to 1000 instances in one state

\`bash bench/scale.sh $sizes\` on $(date -u +%Y-%m-%d), $(nproc) cores, $(awk '/MemTotal/ {printf "%.0f GiB", $2 / 1048576}' /proc/meminfo),
OpenTofu $("$TOFU" version | head -1 | awk '{print $2}'), release provider: \`flux_oci_sync\` instances (2 objects each,
\`wait = false\`) against a fresh test bed with the Flux CRDs. Requests are counted in the apiserver's audit log,
less the control plane's own (kube-controller-manager, told apart by its user agent since it shares the
kubeconfig's user, and the apiserver's loopback client): what is left is the provider's. RSS is the provider's
peak, read from its \`/proc/self/status\` (VmHWM) and logged. A warm-up apply and destroy of one instance
comes first, unmeasured. The apply applies the saved plan (\`tofu apply plan.bin\`); its 4 requests per object
are the apply-time plan's ownership read, the apply's own (another writer may have come since the plan), the
create, and the patch that makes the create's fields the provider's apply entry. The refresh reads each
object once.

| instances | objects | create plan (s) | plan requests | apply (s) | apply requests | apply peak RSS (KiB) | no-op plan (s) | refresh requests | refresh peak RSS (KiB) | destroy (s) | destroy requests |
| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |
$rows
![Wall time per command against the number of instances, log-log](scale.svg)
<!-- scale:end -->
MD
)
python3 - "$doc" "$table" <<'PY'
import re, sys
path, table = sys.argv[1], sys.argv[2]
text = open(path).read()
if "<!-- scale:begin -->" in text:
    text = re.sub(r"<!-- scale:begin -->.*?<!-- scale:end -->", lambda _: table, text, flags=re.S)
else:
    text = text.rstrip() + "\n\n" + table + "\n"
open(path, "w").write(text)
PY
echo "wrote the scale table to bench/benchmarks.md"
