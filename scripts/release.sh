#!/usr/bin/env bash
# Builds a release: stripped, statically linked provider binaries for linux amd64 and arm64 (any
# target whose toolchain cannot be set up here is skipped, with the reason), packed the way the
# Terraform and OpenTofu registries expect, with checksums, the registry manifest, and a
# filesystem mirror that `tofu init` / `terraform init` install from.
#
#   bash scripts/release.sh [VERSION] [OUT]      (default: the crate version, dist/)
#   RELEASE_TARGETS=x86_64-unknown-linux-gnu bash scripts/release.sh   (only these targets)
#
# OUT/terraform-provider-flux_<version>_<os>_<arch>.zip
# OUT/terraform-provider-flux_<version>_manifest.json
# OUT/terraform-provider-flux_<version>_SHA256SUMS
# OUT/mirror/<registry host>/flux-aio/flux/terraform-provider-flux_<version>_<os>_<arch>.zip
set -euo pipefail
cd "$(dirname "$0")/.."

version=${1:-$(sed -n 's/^version = "\(.*\)"/\1/p' Cargo.toml | head -1)}
out=$(mkdir -p "${2:-dist}" && cd "${2:-dist}" && pwd)
name=terraform-provider-flux
host=$(rustc -vV | sed -n 's/^host: //p')
log() { printf '[release] %s\n' "$*" >&2; }

# can_build TRIPLE: the Rust target and, for a foreign one, its C cross compiler (aws-lc has C).
can_build() {
  local triple=$1
  [ "$triple" = "$host" ] && return 0
  rustup target list --installed 2>/dev/null | grep -qx "$triple" || rustup target add "$triple" >/dev/null 2>&1 || {
    log "skipping $triple: rustup cannot install its standard library here"
    return 1
  }
  local cc=${triple/-unknown-/-}-gcc
  command -v "$cc" >/dev/null || {
    [ "$(id -u)" = 0 ] && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "gcc-${triple%%-*}-linux-gnu" >/dev/null 2>&1
  } || true
  command -v "$cc" >/dev/null || {
    log "skipping $triple: no $cc (Debian package gcc-${triple%%-*}-linux-gnu)"
    return 1
  }
}

zips=()
# RELEASE_TARGETS (space-separated triples) limits the build, e.g. to the host for a quick test.
for pair in x86_64-unknown-linux-gnu:linux_amd64 aarch64-unknown-linux-gnu:linux_arm64; do
  triple=${pair%%:*} platform=${pair#*:}
  [ -n "${RELEASE_TARGETS:-}" ] && [[ " $RELEASE_TARGETS " != *" $triple "* ]] && continue
  can_build "$triple" || continue
  log "building $name $version for $platform"
  upper=$(echo "$triple" | tr 'a-z-' 'A-Z_')
  cc=${triple/-unknown-/-}-gcc
  env_cross=()
  [ "$triple" != "$host" ] && env_cross=("CARGO_TARGET_${upper}_LINKER=$cc" "CC_${triple//-/_}=$cc")
  # crt-static: one self-contained binary, whatever the user's libc.
  env "${env_cross[@]}" RUSTFLAGS="-C target-feature=+crt-static" \
    cargo build -q --release --locked -p terraform-provider-flux --bin terraform-provider-flux --target "$triple"
  stage=$(mktemp -d)
  cp "target/$triple/release/$name" "$stage/${name}_v$version"
  # Reproducible archives: fixed timestamps, no extra attributes.
  touch -d @0 "$stage/${name}_v$version"
  rm -f "$out/${name}_${version}_${platform}.zip"
  (cd "$stage" && zip -q -X "$out/${name}_${version}_${platform}.zip" "${name}_v$version")
  rm -rf "$stage"
  zips+=("${name}_${version}_${platform}.zip")
done
[ ${#zips[@]} -gt 0 ] || { log "no target could be built"; exit 1; }

printf '{\n  "version": 1,\n  "metadata": {\n    "protocol_versions": ["6.0"]\n  }\n}\n' >"$out/${name}_${version}_manifest.json"
(cd "$out" && sha256sum "${zips[@]}" "${name}_${version}_manifest.json" >"${name}_${version}_SHA256SUMS")

# The packed filesystem-mirror layout, for both registries' host names.
for registry in registry.opentofu.org registry.terraform.io; do
  dir=$out/mirror/$registry/flux-aio/flux
  mkdir -p "$dir"
  for z in "${zips[@]}"; do cp "$out/$z" "$dir/"; done
done
log "wrote ${zips[*]} and the mirror to $out"
