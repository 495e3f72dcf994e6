#!/usr/bin/env bash
# The acceptance-test bed: real OpenTofu, etcd, kube-apiserver, kube-controller-manager and the
# Flux controllers built from the Go module proxy into a cache outside the repository, Debian's
# docker-registry and git, and a local control plane on loopback. (The acceptance harness runs
# the Flux controllers as processes: acceptance-tests/src/controllers.rs.)
#
#   testbed.sh build           build (or reuse) every binary; idempotent
#   testbed.sh start DIR       start etcd + kube-apiserver + kube-controller-manager, write
#                              DIR/kubeconfig and DIR/env; waits for /readyz
#   testbed.sh stop DIR        stop everything started in DIR
#   testbed.sh build-flux      build source-, kustomize-, helm- and notification-controller (Flux
#                              2.9.4's, as far as the proxy serves them: see FLUX_CONTROLLERS),
#                              copy their CRDs and assemble the test data
#   testbed.sh testdata        assemble the Flux 2.9.4 test data from the Go modules (build-flux does)
#   testbed.sh build-clis      build the CLI matrix: OpenTofu $TOFU_MATRIX and Terraform $TERRAFORM_VERSION
#   testbed.sh build-peers     build the peer providers the benchmark compares with (hashicorp/kubernetes
#                              and alekc/kubectl: see PEER_PROVIDERS) into $CACHE/peers, laid out for
#                              dev_overrides and as a filesystem mirror (PEERS_MIRROR)
#   testbed.sh paths           print the resolved binary paths as shell assignments
set -euo pipefail

TOFU_VERSION=${TOFU_VERSION:-1.12.6}
KUBE_VERSION=${KUBE_VERSION:-1.36.3}
ETCD_VERSION=${ETCD_VERSION:-3.6.14}
CACHE=${FLUX_TESTBED_CACHE:-$HOME/.cache/terraform-provider-flux-testbed}
BIN=$CACHE/bin
export GOFLAGS=${GOFLAGS:--mod=mod}
export GOPROXY=${GOPROXY:-https://proxy.golang.org,direct}
# Debian's /usr/bin/go (1.19) is too old; prefer the machine's current Go.
for d in /usr/local/go/bin "$HOME/go/bin"; do [ -x "$d/go" ] && PATH=$d:$PATH; done
export PATH

TOFU=$BIN/tofu-$TOFU_VERSION
# Older OpenTofu minors and the last MPL Terraform, for the compatibility matrix.
TOFU_MATRIX=${TOFU_MATRIX:-"1.9.4 1.10.10 1.11.14"}
TERRAFORM_VERSION=${TERRAFORM_VERSION:-1.5.7}
ETCD=$BIN/etcd-$ETCD_VERSION
APISERVER=$BIN/kube-apiserver-$KUBE_VERSION
KCM=$BIN/kube-controller-manager-$KUBE_VERSION
# The controllers of Flux 2.9.4 as far as the Go module proxy serves them:
# - source-controller v1.9.4 requires github.com/fluxcd/pkg/artifact v0.18.2, which the proxy
#   refuses (403); v0.18.0 is served and is replaced in (FLUX_REPLACES_source_controller);
# - helm-controller v1.6.3 (Flux 2.9.4's) replaces helm with a fork the proxy refuses; v1.6.4,
#   the next patch, requires upstream helm.sh/helm/v4 v4.2.4 and needs no fork;
# - kustomize-controller v1.9.4 and notification-controller v1.9.3 are Flux 2.9.4's own.
FLUX_CONTROLLERS=${FLUX_CONTROLLERS:-"source-controller@v1.9.4 kustomize-controller@v1.9.4 helm-controller@v1.6.4 notification-controller@v1.9.3"}
FLUX_REPLACES_source_controller=${FLUX_REPLACES_source_controller:-"github.com/fluxcd/pkg/artifact=github.com/fluxcd/pkg/artifact@v0.18.0"}
# What the built controllers' modules carry: their CRDs (config/crd/bases), laid out as
# flux-crds/<controller>/*.yaml, the layout the tests read.
FLUX_DIR=$CACHE/flux
# The peer providers, as NAMESPACE/TYPE@MODULE@MODULE_VERSION@MIRROR_VERSION. Neither module path has
# its /vN suffix, so the proxy serves their main branches only as v1 pseudo-versions:
# - hashicorp/kubernetes: main after v3.2.1 (its CHANGELOG's newest release), main package at the
#   module root; its Version is a constant ("dev"), so no -X;
# - alekc/kubectl: main after v2.2.0 (it has upgrade_api_version); `@latest` answers nothing.
# MIRROR_VERSION is the version the filesystem mirror files them under (a pseudo-version would be
# a prerelease, which no constraint but an exact one selects).
PEER_PROVIDERS=${PEER_PROVIDERS:-"hashicorp/kubernetes@github.com/hashicorp/terraform-provider-kubernetes@v1.13.4-0.20260821094251-3a33fb6cc605@3.2.1 alekc/kubectl@github.com/alekc/terraform-provider-kubectl@v1.13.2-0.20260422205830-382f717da42b@2.2.0"}
# Each built binary lives at $PEERS_DIR/TYPE/MODULE_VERSION/terraform-provider-TYPE (that directory
# is a dev_overrides target) and is hard-linked into the unpacked filesystem mirror PEERS_MIRROR as
# HOST/NAMESPACE/TYPE/MIRROR_VERSION/OS_ARCH/terraform-provider-TYPE for both registry hosts.
PEERS_DIR=$CACHE/peers
PEERS_MIRROR=$PEERS_DIR/mirror

log() { printf '[testbed] %s\n' "$*" >&2; }

# go_wrapper DIR: a throwaway module outside the repository to build a tool from the proxy.
go_wrapper() {
  rm -rf "$1" && mkdir -p "$1" && cd "$1"
  go mod init example.invalid/testbed-build >/dev/null 2>&1
}

# build_tofu [VERSION]: OpenTofu (default $TOFU_VERSION) into $BIN/tofu-VERSION.
build_tofu() {
  local version=${1:-$TOFU_VERSION}
  local out=$BIN/tofu-$version
  [ -x "$out" ] && return 0
  log "building OpenTofu $version (first run only)"
  local w=$CACHE/build/tofu-$version
  go_wrapper "$w"
  # OpenTofu's go.mod replaces hcl with its fork; a dependent module must repeat that replace.
  local gomod hclrep
  gomod=$(go mod download -json "github.com/opentofu/opentofu@v$version" | python3 -c 'import json,sys; print(json.load(sys.stdin)["GoMod"])')
  hclrep=$(awk '/^replace github.com\/hashicorp\/hcl\/v2/ {print $(NF-1)" "$NF}' "$gomod")
  go mod edit -replace="github.com/hashicorp/hcl/v2=${hclrep% *}@${hclrep#* }"
  copy_godebug "$gomod"
  # The wrapper builds with the machine's Go whatever the tag's go line says.
  go mod edit -go="$(go env GOVERSION | sed 's/^go//')"
  go get "github.com/opentofu/opentofu@v$version"
  CGO_ENABLED=0 go build -trimpath -ldflags "-s -w -X github.com/opentofu/opentofu/version.dev=no" \
    -o "$out.tmp" github.com/opentofu/opentofu/cmd/tofu
  mv "$out.tmp" "$out"
}

# build_terraform: Terraform $TERRAFORM_VERSION, the last MPL-2.0 release (no replaces).
build_terraform() {
  local out=$BIN/terraform-$TERRAFORM_VERSION
  [ -x "$out" ] && return 0
  log "building Terraform $TERRAFORM_VERSION (first run only)"
  go_wrapper "$CACHE/build/terraform-$TERRAFORM_VERSION"
  go get "github.com/hashicorp/terraform@v$TERRAFORM_VERSION"
  CGO_ENABLED=0 go build -trimpath -ldflags "-s -w" -o "$out.tmp" github.com/hashicorp/terraform
  mv "$out.tmp" "$out"
}

cmd_build_clis() {
  mkdir -p "$BIN"
  local v
  for v in $TOFU_MATRIX; do ( build_tofu "$v" ); done
  ( build_terraform )
}

# copy_godebug GOMOD: repeat a dependency's godebug settings in the wrapper module.
copy_godebug() {
  python3 - "$1" <<'PY'
import re, subprocess, sys
text = open(sys.argv[1]).read()
settings = []
for m in re.finditer(r'^godebug\s*\((.*?)\)', text, re.S | re.M):
    settings += [l.strip() for l in m.group(1).splitlines() if l.strip() and not l.strip().startswith("//")]
settings += re.findall(r'^godebug\s+([^\s(]\S*)', text, re.M)
for s in settings:
    subprocess.run(["go", "mod", "edit", "-godebug=" + s], check=True)
m = re.search(r'^go\s+(\S+)', text, re.M)
if m:
    subprocess.run(["go", "mod", "edit", "-go=" + m.group(1)], check=True)
PY
}

build_etcd() {
  [ -x "$ETCD" ] && return 0
  log "building etcd $ETCD_VERSION (first run only)"
  go_wrapper "$CACHE/build/etcd-$ETCD_VERSION"
  go get "go.etcd.io/etcd/server/v3@v$ETCD_VERSION"
  CGO_ENABLED=0 go build -trimpath -ldflags "-s -w" -o "$ETCD.tmp" go.etcd.io/etcd/server/v3
  mv "$ETCD.tmp" "$ETCD"
}

build_kube() {
  [ -x "$APISERVER" ] && [ -x "$KCM" ] && return 0
  log "building kube-apiserver and kube-controller-manager $KUBE_VERSION (first run only)"
  go_wrapper "$CACHE/build/kube-$KUBE_VERSION"
  local gomod minor=${KUBE_VERSION#*.}; minor=${minor%%.*}
  gomod=$(go mod download -json "k8s.io/kubernetes@v$KUBE_VERSION" | python3 -c 'import json,sys; print(json.load(sys.stdin)["GoMod"])')
  # k8s.io/kubernetes requires its staging modules as v0.0.0 and replaces them with local paths;
  # point each one at the published tag instead.
  for m in $(awk '$1 ~ /^k8s\.io\// && $2 == "v0.0.0" {print $1}' "$gomod" | sort -u); do
    go mod edit -replace="$m=$m@v0.${KUBE_VERSION#1.}"
  done
  copy_godebug "$gomod"
  go get "k8s.io/kubernetes@v$KUBE_VERSION"
  local ld="-s -w -X k8s.io/component-base/version.gitVersion=v$KUBE_VERSION -X k8s.io/component-base/version.gitMajor=1 -X k8s.io/component-base/version.gitMinor=$minor"
  CGO_ENABLED=0 go build -trimpath -ldflags "$ld" -o "$APISERVER.tmp" k8s.io/kubernetes/cmd/kube-apiserver
  mv "$APISERVER.tmp" "$APISERVER"
  CGO_ENABLED=0 go build -trimpath -ldflags "$ld" -o "$KCM.tmp" k8s.io/kubernetes/cmd/kube-controller-manager
  mv "$KCM.tmp" "$KCM"
}

# build_flux_controller NAME@TAG: a controller's go.mod replaces its own api module with ./api
# (and pins a few dependencies): a wrapper requires both at the tag and repeats the other replaces,
# plus FLUX_REPLACES_<name> for modules the proxy refuses. Then copies the module's CRDs.
build_flux_controller() {
  local name=${1%@*} tag=${1#*@}
  local out=$BIN/$name-$tag
  if [ -x "$out" ] && [ -d "$FLUX_DIR/crds/$name" ]; then
    log "$name $tag: built ($out)"
    return 0
  fi
  log "building $name $tag (first run only)"
  go_wrapper "$CACHE/build/$name-$tag"
  local gomod
  gomod=$(go mod download -json "github.com/fluxcd/$name@$tag" | python3 -c 'import json,sys; print(json.load(sys.stdin)["GoMod"])')
  python3 - "$gomod" "$name" <<'PY'
import re, subprocess, sys
text, name = open(sys.argv[1]).read(), sys.argv[2]
lines = re.findall(r'^replace\s+(\S+)\s+=>\s+(\S+)\s+(\S+)\s*$', text, re.M)
for block in re.findall(r'^replace\s*\((.*?)\)', text, re.S | re.M):
    lines += re.findall(r'^\s*(\S+)\s+=>\s+(\S+)\s+(\S+)\s*$', block, re.M)
for old, new, version in lines:
    if old != f"github.com/fluxcd/{name}/api":
        subprocess.run(["go", "mod", "edit", f"-replace={old}={new}@{version}"], check=True)
PY
  local extra_var=FLUX_REPLACES_${name//-/_} r
  for r in ${!extra_var:-}; do go mod edit -replace="$r"; done
  copy_godebug "$gomod"
  go get "github.com/fluxcd/$name@$tag" "github.com/fluxcd/$name/api@$tag"
  CGO_ENABLED=0 go build -trimpath -ldflags "-s -w" -o "$out.tmp" "github.com/fluxcd/$name"
  mv "$out.tmp" "$out"
  local src
  src="$(go env GOMODCACHE)/github.com/fluxcd/$name@$tag/config/crd/bases"
  rm -rf "$FLUX_DIR/crds/$name" && mkdir -p "$FLUX_DIR/crds/$name"
  cp "$src"/*.yaml "$FLUX_DIR/crds/$name/" && chmod -R u+w "$FLUX_DIR/crds/$name"
  log "$name $tag: built ($out, $(du -m "$out" | cut -f1) MB; CRDs in $FLUX_DIR/crds/$name)"
}

cmd_build_flux() {
  mkdir -p "$BIN" "$FLUX_DIR"
  local c
  for c in $FLUX_CONTROLLERS; do ( build_flux_controller "$c" ); done
  printf '%s\n' $FLUX_CONTROLLERS >"$FLUX_DIR/controllers"
  cmd_testdata
}

# peer_binary ADDR MODULE_VERSION: where build_peer puts a peer provider's binary.
peer_binary() { printf '%s' "$PEERS_DIR/${1#*/}/$2/terraform-provider-${1#*/}"; }

# build_peer SPEC: a peer provider (a PEER_PROVIDERS entry) from the proxy through a wrapper module,
# then its filesystem-mirror entries.
build_peer() {
  local addr module module_version mirror_version out
  IFS=@ read -r addr module module_version mirror_version <<<"$1"
  out=$(peer_binary "$addr" "$module_version")
  if [ -x "$out" ]; then
    log "$addr $module_version: built ($out)"
  else
    log "building $addr ($module@$module_version; first run only)"
    local start=$SECONDS gomod
    go_wrapper "$CACHE/build/peer-${addr#*/}-$module_version"
    gomod=$(go mod download -json "$module@$module_version" | python3 -c 'import json,sys; print(json.load(sys.stdin)["GoMod"])')
    # Neither go.mod has replace directives today; say so if a newer version brings some.
    if grep -qE '^replace' "$gomod"; then
      log "warning: $module@$module_version's go.mod has replace directives the wrapper does not repeat"
    fi
    copy_godebug "$gomod"
    go get "$module@$module_version"
    mkdir -p "${out%/*}"
    CGO_ENABLED=0 go build -trimpath -ldflags "-s -w" -o "$out.tmp" "$module"
    mv "$out.tmp" "$out"
    log "$addr $module_version: built ($out, $(du -m "$out" | cut -f1) MB, $((SECONDS - start)) s)"
  fi
  local host dir
  for host in registry.opentofu.org registry.terraform.io; do
    dir=$PEERS_MIRROR/$host/$addr/$mirror_version/$(go env GOOS)_$(go env GOARCH)
    mkdir -p "$dir"
    ln -f "$out" "$dir/${out##*/}" 2>/dev/null || cp -f "$out" "$dir/${out##*/}"
  done
}

cmd_build_peers() {
  mkdir -p "$PEERS_DIR"
  local p
  for p in $PEER_PROVIDERS; do ( build_peer "$p" ); done
  log "peers: dev_overrides directories are the binaries' own; filesystem mirror at $PEERS_MIRROR"
}

# cmd_testdata: the Flux test data the unit and acceptance tests read (FLUX_TESTDATA):
# flux-crds/<controller>/ and flux-manifests/v<version>/, rebuilt from the release recipe in the
# flux2 module and the controller modules it names, all from the Go module proxy. Seconds, once
# the modules are downloaded; never writes to a FLUX_TESTDATA set by the caller.
cmd_testdata() {
  python3 "$(dirname "${BASH_SOURCE[0]}")/assemble-testdata.py" "$CACHE/flux/testdata" "${FLUX_TESTDATA_VERSION:-2.9.4}"
}

install_debian() {
  local need=()
  command -v docker-registry >/dev/null || need+=(docker-registry)
  command -v git >/dev/null || need+=(git)
  command -v ssh-keygen >/dev/null || need+=(openssh-client)   # SSH keys of the Git-over-SSH tests
  [ -x /usr/sbin/sshd ] || need+=(openssh-server)               # the test bed's Git server over SSH
  command -v openssl >/dev/null || need+=(openssl)
  command -v curl >/dev/null || need+=(curl)
  command -v zip >/dev/null || need+=(zip)            # scripts/release.sh (the release test)
  command -v gpg >/dev/null || need+=(gnupg)          # the release test's signing key
  [ ${#need[@]} -eq 0 ] && return 0
  log "installing Debian packages: ${need[*]}"
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need[@]}" >/dev/null
  # The package ships a service listening on :5000; we only want the binary.
  (systemctl disable --now docker-registry 2>/dev/null || service docker-registry stop 2>/dev/null || true) >/dev/null 2>&1
  # Likewise openssh-server's on :22: the tests start sshd on a port and configuration of their own.
  (systemctl disable --now ssh 2>/dev/null || service ssh stop 2>/dev/null || true) >/dev/null 2>&1
}

cmd_build() {
  mkdir -p "$BIN"
  install_debian
  ( build_etcd ) && ( build_tofu ) && ( build_kube )
  cmd_paths
}

cmd_paths() {
  printf 'TOFU=%s\nETCD=%s\nKUBE_APISERVER=%s\nKUBE_CONTROLLER_MANAGER=%s\n' "$TOFU" "$ETCD" "$APISERVER" "$KCM"
  local v clis=""
  for v in $TOFU_MATRIX; do clis="$clis $BIN/tofu-$v"; done
  printf 'MATRIX_CLIS="%s"\n' "${clis# } $BIN/terraform-$TERRAFORM_VERSION"
  local c name
  for c in $FLUX_CONTROLLERS; do
    name=${c%@*}; name=${name//-/_}
    printf 'FLUX_%s=%s\n' "${name^^}" "$BIN/${c%@*}-${c#*@}"
  done
  printf 'FLUX_CRDS=%s\n' "$FLUX_DIR/crds"
  printf 'FLUX_TESTDATA=%s\n' "$CACHE/flux/testdata"
  local p addr module_version type
  for p in $PEER_PROVIDERS; do
    IFS=@ read -r addr _ module_version _ <<<"$p"
    type=${addr#*/}; type=${type//-/_}
    printf 'PEER_%s=%s\n' "${type^^}" "$(peer_binary "$addr" "$module_version")"
  done
  printf 'PEERS_MIRROR=%s\n' "$PEERS_MIRROR"
}

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

cmd_start() {
  local dir=${1:?usage: testbed.sh start DIR}
  mkdir -p "$dir/pki" "$dir/etcd" "$dir/logs"
  dir=$(cd "$dir" && pwd)
  for b in "$ETCD" "$APISERVER" "$KCM"; do [ -x "$b" ] || { log "missing $b: run 'testbed.sh build' first"; exit 1; }; done
  gen_pki "$dir/pki"
  printf 'ETCD_PORT=%s\nPEER_PORT=%s\nAPI_PORT=%s\n' "$(free_port)" "$(free_port)" "$(free_port)" >"$dir/ports"
  # Extra kube-apiserver flags (a token webhook for a test), kept for `revive`.
  printf '%s' "${APISERVER_EXTRA_ARGS:-}" >"$dir/apiserver-args"
  start_etcd "$dir"
  start_apiserver "$dir"
  start_kcm "$dir"
  # shellcheck disable=SC1091
  . "$dir/ports"
  cat >"$dir/env" <<ENV
KUBECONFIG=$dir/kubeconfig
KUBE_HOST=https://127.0.0.1:$API_PORT
TESTBED_DIR=$dir
ENV
  log "control plane ready at https://127.0.0.1:$API_PORT (kubeconfig: $dir/kubeconfig)"
  # With WATCH_PID, tear everything down once that process (a test run) exits.
  if [ -n "${WATCH_PID:-}" ]; then
    nohup bash -c "while kill -0 $WATCH_PID 2>/dev/null; do sleep 1; done; '$0' stop '$dir'" >/dev/null 2>&1 &
  fi
}

start_etcd() {
  local dir=$1
  # shellcheck disable=SC1091
  . "$dir/ports"
  "$ETCD" --data-dir "$dir/etcd" --name testbed \
    --listen-client-urls "http://127.0.0.1:$ETCD_PORT" --advertise-client-urls "http://127.0.0.1:$ETCD_PORT" \
    --listen-peer-urls "http://127.0.0.1:$PEER_PORT" --initial-advertise-peer-urls "http://127.0.0.1:$PEER_PORT" \
    --initial-cluster "testbed=http://127.0.0.1:$PEER_PORT" \
    --unsafe-no-fsync --log-level warn >>"$dir/logs/etcd.log" 2>&1 &
  echo $! >"$dir/etcd.pid"
  wait_http "http://127.0.0.1:$ETCD_PORT/health" "" 60 etcd "$dir/logs/etcd.log"
}

start_apiserver() {
  local dir=$1 pki=$1/pki
  # shellcheck disable=SC1091
  . "$dir/ports"
  "$APISERVER" --advertise-address=127.0.0.1 --bind-address=127.0.0.1 --secure-port="$API_PORT" \
    --etcd-servers="http://127.0.0.1:$ETCD_PORT" --cert-dir="$pki" \
    --tls-cert-file="$pki/apiserver.crt" --tls-private-key-file="$pki/apiserver.key" \
    --client-ca-file="$pki/ca.crt" --authorization-mode=RBAC \
    --service-cluster-ip-range=10.0.0.0/24 --allow-privileged=true \
    --disable-admission-plugins=ServiceAccount \
    --service-account-issuer="https://127.0.0.1:$API_PORT/" \
    --service-account-key-file="$pki/sa.pub" --service-account-signing-key-file="$pki/sa.key" \
    --enable-priority-and-fairness=false \
    $(cat "$dir/apiserver-args" 2>/dev/null) \
    >>"$dir/logs/kube-apiserver.log" 2>&1 &
  echo $! >"$dir/kube-apiserver.pid"
  write_kubeconfig "$dir" "https://127.0.0.1:$API_PORT"
  wait_http "https://127.0.0.1:$API_PORT/readyz" "$pki" 180 kube-apiserver "$dir/logs/kube-apiserver.log"
}

start_kcm() {
  local dir=$1 pki=$1/pki
  "$KCM" --kubeconfig="$dir/kubeconfig" --controllers=namespace-controller,garbage-collector-controller,serviceaccount-token-controller,persistentvolumeclaim-protection-controller,clusterrole-aggregation-controller \
    --service-account-private-key-file="$pki/sa.key" --root-ca-file="$pki/ca.crt" \
    --leader-elect=false --secure-port=0 --use-service-account-credentials=false \
    >>"$dir/logs/kube-controller-manager.log" 2>&1 &
  echo $! >"$dir/kube-controller-manager.pid"
}

# Fault injection: `kill DIR etcd|kube-apiserver` kills the process at once (SIGKILL, as a
# crash would), `revive DIR etcd|kube-apiserver` starts it again on the same ports and data.
cmd_kill() {
  local dir=${1:?usage: testbed.sh kill DIR COMPONENT} component=${2:?component}
  [ -f "$dir/$component.pid" ] || { log "no $component in $dir"; exit 1; }
  kill -9 "$(cat "$dir/$component.pid")" 2>/dev/null || true
  for _ in $(seq 1 50); do kill -0 "$(cat "$dir/$component.pid")" 2>/dev/null || break; sleep 0.1; done
}

cmd_revive() {
  local dir=${1:?usage: testbed.sh revive DIR COMPONENT} component=${2:?component}
  case "$component" in
    etcd) start_etcd "$dir" ;;
    kube-apiserver) start_apiserver "$dir" ;;
    *) log "cannot revive $component"; exit 2 ;;
  esac
}

gen_pki() {
  local pki=$1
  [ -f "$pki/admin.crt" ] && return 0
  (
    cd "$pki"
    openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 3650 \
      -keyout ca.key -out ca.crt -subj "/CN=testbed-ca" \
      -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign" 2>/dev/null
    # Serving cert: CA:FALSE, or rustls rejects it (CaUsedAsEndEntity).
    openssl req -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -keyout apiserver.key \
      -out apiserver.csr -subj "/CN=kube-apiserver" 2>/dev/null
    openssl x509 -req -in apiserver.csr -CA ca.crt -CAkey ca.key -CAcreateserial -days 3650 -out apiserver.crt \
      -extfile <(printf 'basicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature,keyEncipherment\nextendedKeyUsage=serverAuth\nsubjectAltName=IP:127.0.0.1,DNS:localhost,DNS:kubernetes,DNS:kubernetes.default,DNS:kubernetes.default.svc,IP:10.0.0.1\n') 2>/dev/null
    openssl req -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -keyout admin.key \
      -out admin.csr -subj "/O=system:masters/CN=testbed-admin" 2>/dev/null
    openssl x509 -req -in admin.csr -CA ca.crt -CAkey ca.key -CAcreateserial -days 3650 -out admin.crt \
      -extfile <(printf 'basicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature\nextendedKeyUsage=clientAuth\n') 2>/dev/null
    openssl genrsa -out sa.key 2048 2>/dev/null
    openssl rsa -in sa.key -pubout -out sa.pub 2>/dev/null
    rm -f ./*.csr
  )
}

write_kubeconfig() {
  local dir=$1 server=$2 pki=$1/pki
  cat >"$dir/kubeconfig" <<KC
apiVersion: v1
kind: Config
clusters:
- name: testbed
  cluster:
    server: $server
    certificate-authority: $pki/ca.crt
users:
- name: admin
  user:
    client-certificate: $pki/admin.crt
    client-key: $pki/admin.key
contexts:
- name: testbed
  context: { cluster: testbed, user: admin }
current-context: testbed
KC
}

# wait_http URL PKI SECONDS NAME LOG: poll until the URL answers 200 or give up with the log tail.
wait_http() {
  local url=$1 pki=$2 secs=$3 name=$4 logf=$5 i
  local args=(-fsS -o /dev/null --max-time 2)
  [ -n "$pki" ] && args+=(--cacert "$pki/ca.crt" --cert "$pki/admin.crt" --key "$pki/admin.key")
  for ((i = 0; i < secs * 2; i++)); do
    curl "${args[@]}" "$url" 2>/dev/null && return 0
    sleep 0.5
  done
  log "$name did not become ready within ${secs}s; last log lines:"
  tail -n 30 "$logf" >&2
  exit 1
}

cmd_stop() {
  local dir=${1:?usage: testbed.sh stop DIR} p
  for p in kube-controller-manager kube-apiserver etcd; do
    if [ -f "$dir/$p.pid" ]; then
      kill "$(cat "$dir/$p.pid")" 2>/dev/null || true
      for _ in $(seq 1 50); do kill -0 "$(cat "$dir/$p.pid")" 2>/dev/null || break; sleep 0.1; done
      kill -9 "$(cat "$dir/$p.pid")" 2>/dev/null || true
      rm -f "$dir/$p.pid"
    fi
  done
}

case "${1:-}" in
  build) cmd_build ;;
  build-flux) cmd_build_flux ;;
  testdata) cmd_testdata ;;
  build-clis) cmd_build_clis ;;
  build-peers) cmd_build_peers ;;
  start) shift; cmd_start "$@" ;;
  kill) shift; cmd_kill "$@" ;;
  revive) shift; cmd_revive "$@" ;;
  stop) shift; cmd_stop "$@" ;;
  paths) cmd_paths ;;
  *) echo "usage: $0 build|build-flux|build-clis|build-peers|testdata|start DIR|stop DIR|kill DIR COMPONENT|revive DIR COMPONENT|paths" >&2; exit 2 ;;
esac
