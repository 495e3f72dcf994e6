#!/usr/bin/env bash
# Builds a release: stripped provider binaries packed the way the Terraform and OpenTofu
# registries expect, with checksums, their GPG signature, the registry manifest, and a filesystem
# mirror that `tofu init` / `terraform init` install from.
#
#   bash scripts/release.sh [VERSION] [OUT]      (default: the crate version, dist/)
#   RELEASE_TARGETS=x86_64-unknown-linux-gnu bash scripts/release.sh   (only these targets)
#
# OUT/terraform-provider-flux_<version>_<os>_<arch>.zip
# OUT/terraform-provider-flux_<version>_manifest.json
# OUT/terraform-provider-flux_<version>_SHA256SUMS
# OUT/terraform-provider-flux_<version>_SHA256SUMS.sig   (binary detached signature; signed only)
# OUT/terraform-provider-flux_<version>_signing-key.asc  (the signing key's public half, armored)
# OUT/mirror/<registry host>/flux-aio/flux/terraform-provider-flux_<version>_<os>_<arch>.zip
#
# Targets (a target whose toolchain cannot be set up here is skipped, with the reason):
#   linux_amd64    x86_64-unknown-linux-gnu, statically linked (crt-static).
#   linux_arm64    aarch64-unknown-linux-gnu, statically linked, with Debian's
#                  gcc-aarch64-linux-gnu as C compiler and linker.
#   darwin_amd64   x86_64-apple-darwin and aarch64-apple-darwin, for macOS 11 and later, with zig
#   darwin_arm64   (PyPI package ziglang) as C compiler (aws-lc) and linker, through cargo-zigbuild
#                  (PyPI), both installed in a virtualenv under RELEASE_TOOLS (default
#                  ~/.cache/terraform-provider-flux-release). There is no macOS
#                  SDK here (it is on no package registry), and zig ships only libSystem, not
#                  Apple's frameworks; the binary imports a few functions from Security and
#                  CoreFoundation (the platform certificate verifier), so it links against text
#                  stubs (.tbd) that scripts/macos-stubs.py writes from the declarations of the
#                  crates that bind them (security-framework-sys, core-foundation-sys); dyld binds
#                  those imports to the real frameworks at run time (rustc's warning that
#                  xcrun is missing is expected). zig signs the arm64 binary ad hoc, as arm64
#                  macOS requires of native code; the x86_64 one, which needs none, is unsigned.
#                  Neither is notarized.
#   windows_amd64  not built: the provider's go-plugin server (provider/tfplugin/src/plugin/
#                  serve.rs) listens on a Unix socket and waits for SIGTERM, and go-plugin on
#                  Windows talks TCP on 127.0.0.1 instead, so the crate does not compile for
#                  Windows (tokio::net::UnixListener and tokio::signal::unix are Unix-only). The
#                  toolchain is there: zig with cargo-zigbuild builds every dependency, aws-lc
#                  included, for x86_64-pc-windows-gnu.
#
# Signing (the Terraform Registry requires a signed SHA256SUMS; it takes RSA or DSA keys):
#   GPG_PRIVATE_KEY    an ASCII-armored secret key (say, a CI secret), imported into a throw-away
#                      GNUPGHOME that is removed on exit.
#   GPG_FINGERPRINT    the key to sign with: alone, a secret key already in the keyring
#                      (GNUPGHOME or ~/.gnupg); with GPG_PRIVATE_KEY, which of its keys
#                      (default: the first it holds).
#   GPG_PASSPHRASE     the key's passphrase, if it has one; given to gpg on a file descriptor,
#                      never on a command line nor in the log.
#   RELEASE_REQUIRE_SIGNATURE=1   no key is an error (before anything is built). Without it and
#                      without a key the release is unsigned, with a warning, and no .sig is
#                      left in OUT.
set -euo pipefail
cd "$(dirname "$0")/.."

version=${1:-$(sed -n 's/^version = "\(.*\)"/\1/p' Cargo.toml | head -1)}
out=$(mkdir -p "${2:-dist}" && cd "${2:-dist}" && pwd)
name=terraform-provider-flux
host=$(rustc -vV | sed -n 's/^host: //p')
tools=${RELEASE_TOOLS:-$HOME/.cache/terraform-provider-flux-release}
# Pinned: the darwin binaries are what this pair produces.
ziglang_version=0.17.1
zigbuild_version=0.24.1
macos_min=11.0
log() { printf '[release] %s\n' "$*" >&2; }

as_root_apt() { # as_root_apt PACKAGE: installs a Debian package when running as root
  [ "$(id -u)" = 0 ] || return 1
  { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$1"; } >/dev/null 2>&1
}

# --- signing set-up, first, so that a bad key fails before the builds ------------------------
sums=${name}_${version}_SHA256SUMS
pubkey=${name}_${version}_signing-key.asc
rm -f "$out/$sums.sig" "$out/$pubkey"
signing_key=
gnupg_tmp=
cleanup() {
  if [ -n "$gnupg_tmp" ]; then
    gpgconf --homedir "$gnupg_tmp" --kill gpg-agent >/dev/null 2>&1 || true
    rm -rf "$gnupg_tmp"
  fi
}
trap cleanup EXIT
# gpg_ GPG-ARGS...: gpg in batch mode, with the passphrase (if any) on descriptor 3.
gpg_() {
  if [ -n "${GPG_PASSPHRASE:-}" ]; then
    gpg --batch --no-tty --pinentry-mode loopback --passphrase-fd 3 "$@" 3< <(printf '%s' "$GPG_PASSPHRASE")
  else
    gpg --batch --no-tty "$@"
  fi
}
if [ -n "${GPG_PRIVATE_KEY:-}" ] || [ -n "${GPG_FINGERPRINT:-}" ]; then
  command -v gpg >/dev/null || as_root_apt gnupg || true
  command -v gpg >/dev/null || { log "a signing key is given but gpg is missing (Debian package gnupg)"; exit 1; }
  if [ -n "${GPG_PRIVATE_KEY:-}" ]; then
    gnupg_tmp=$(mktemp -d /tmp/release-gnupg.XXXXXX)
    chmod 700 "$gnupg_tmp"
    export GNUPGHOME=$gnupg_tmp
    printf '%s\n' "$GPG_PRIVATE_KEY" | gpg_ --quiet --import 2>/dev/null || {
      log "GPG_PRIVATE_KEY could not be imported (not an armored secret key?)"
      exit 1
    }
  fi
  listed=$(gpg --batch --with-colons --list-secret-keys ${GPG_FINGERPRINT:+"$GPG_FINGERPRINT"} 2>/dev/null) || true
  signing_key=$(awk -F: '$1 == "sec" { s = 1 } s && $1 == "fpr" { print $10; exit }' <<<"$listed")
  [ -n "$signing_key" ] || {
    log "no secret key ${GPG_FINGERPRINT:-in GPG_PRIVATE_KEY} in the keyring"
    exit 1
  }
  # A wrong passphrase or an unusable key fails here, not after the builds.
  # (To stdout, not --output /dev/null: gpg would replace /dev/null with a regular file.)
  printf 'probe\n' | gpg_ --quiet --local-user "$signing_key" --detach-sign >/dev/null 2>&1 || {
    log "key $signing_key cannot sign (wrong or missing GPG_PASSPHRASE?)"
    exit 1
  }
  log "signing with key $signing_key"
elif [ "${RELEASE_REQUIRE_SIGNATURE:-0}" = 1 ]; then
  log "RELEASE_REQUIRE_SIGNATURE=1 but no signing key: set GPG_PRIVATE_KEY or GPG_FINGERPRINT"
  exit 1
else
  log "WARNING: no signing key (GPG_PRIVATE_KEY or GPG_FINGERPRINT): $sums will be UNSIGNED;"
  log "WARNING: the registries refuse an unsigned release (RELEASE_REQUIRE_SIGNATURE=1 makes this an error)"
fi

# --- toolchains ------------------------------------------------------------------------------
# zig_tools: zig and cargo-zigbuild from PyPI in a virtualenv, on PATH.
zig_tools() {
  local venv=$tools/zig-$ziglang_version-zigbuild-$zigbuild_version err
  if [ ! -x "$venv/bin/cargo-zigbuild" ]; then
    err=$( { python3 -m venv "$venv" &&
      "$venv/bin/pip" install -q --disable-pip-version-check "ziglang==$ziglang_version" "cargo-zigbuild==$zigbuild_version"; } 2>&1) || {
      rm -rf "$venv"
      zig_error="pip cannot install ziglang==$ziglang_version and cargo-zigbuild==$zigbuild_version: $(printf '%s\n' "$err" | tail -1)"
      return 1
    }
  fi
  case ":$PATH:" in *":$venv/bin:"*) ;; *) PATH=$venv/bin:$PATH ;; esac
}

# can_build TRIPLE: the Rust standard library for the target and its C compiler and linker
# (aws-lc is C).
can_build() {
  local triple=$1 err
  case $triple in
    *-windows-*)
      log "skipping $triple: the provider's go-plugin server is Unix-only (a Unix socket and SIGTERM in provider/tfplugin/src/plugin/serve.rs; go-plugin on Windows uses TCP), so the crate does not compile for Windows"
      return 1 ;;
  esac
  [ "$triple" = "$host" ] && return 0
  if ! rustup target list --installed 2>/dev/null | grep -qx "$triple"; then
    err=$(timeout 600 rustup target add "$triple" 2>&1) || {
      log "skipping $triple: rustup cannot install its standard library: $(printf '%s\n' "$err" | tail -1)"
      return 1
    }
  fi
  case $triple in
    *-apple-darwin)
      zig_tools || { log "skipping $triple: $zig_error"; return 1; } ;;
    *-linux-gnu)
      local cc=${triple/-unknown-/-}-gcc
      command -v "$cc" >/dev/null || as_root_apt "gcc-${triple%%-*}-linux-gnu" || true
      command -v "$cc" >/dev/null || {
        log "skipping $triple: no $cc (Debian package gcc-${triple%%-*}-linux-gnu)"
        return 1
      } ;;
  esac
}

# build TRIPLE: target/TRIPLE/release/terraform-provider-flux[.exe]
build() {
  local triple=$1
  local cargo_args=(--release --locked -p terraform-provider-flux --bin terraform-provider-flux --target "$triple")
  case $triple in
    *-linux-gnu)
      local cc=${triple/-unknown-/-}-gcc upper env_cross=()
      upper=$(echo "$triple" | tr 'a-z-' 'A-Z_')
      [ "$triple" != "$host" ] && env_cross=("CARGO_TARGET_${upper}_LINKER=$cc" "CC_${triple//-/_}=$cc")
      # crt-static: one self-contained binary, whatever the user's libc.
      env "${env_cross[@]}" RUSTFLAGS="-C target-feature=+crt-static" cargo build -q "${cargo_args[@]}" ;;
    *-apple-darwin)
      # Stubs of Security and CoreFoundation (see the header), at a fixed path so that RUSTFLAGS,
      # and with them cargo's incremental builds, stay the same from one release to the next.
      local frameworks=$PWD/target/macos-frameworks
      python3 scripts/macos-stubs.py "$frameworks" "$triple"
      MACOSX_DEPLOYMENT_TARGET=$macos_min RUSTFLAGS="-C link-arg=-F$frameworks" \
        cargo-zigbuild zigbuild -q "${cargo_args[@]}" ;;
    *)
      cargo-zigbuild zigbuild -q "${cargo_args[@]}" ;;
  esac
}

zips=()
targets="x86_64-unknown-linux-gnu:linux_amd64 aarch64-unknown-linux-gnu:linux_arm64
  x86_64-apple-darwin:darwin_amd64 aarch64-apple-darwin:darwin_arm64
  x86_64-pc-windows-gnu:windows_amd64"
# RELEASE_TARGETS (space-separated triples) limits the build, e.g. to the host for a quick test.
for pair in $targets; do
  triple=${pair%%:*} platform=${pair#*:}
  [ -n "${RELEASE_TARGETS:-}" ] && [[ " $RELEASE_TARGETS " != *" $triple "* ]] && continue
  can_build "$triple" || continue
  log "building $name $version for $platform"
  build "$triple"
  exe=
  [[ $triple == *-windows-* ]] && exe=.exe
  stage=$(mktemp -d)
  cp "target/$triple/release/$name$exe" "$stage/${name}_v$version$exe"
  # Reproducible archives: fixed timestamps, no extra attributes.
  touch -d @0 "$stage/${name}_v$version$exe"
  rm -f "$out/${name}_${version}_${platform}.zip"
  (cd "$stage" && zip -q -X "$out/${name}_${version}_${platform}.zip" "${name}_v$version$exe")
  rm -rf "$stage"
  zips+=("${name}_${version}_${platform}.zip")
done
[ ${#zips[@]} -gt 0 ] || { log "no target could be built"; exit 1; }

printf '{\n  "version": 1,\n  "metadata": {\n    "protocol_versions": ["6.0"]\n  }\n}\n' >"$out/${name}_${version}_manifest.json"
(cd "$out" && sha256sum "${zips[@]}" "${name}_${version}_manifest.json" >"$sums")

if [ -n "$signing_key" ]; then
  gpg_ --quiet --yes --local-user "$signing_key" --detach-sign --output "$out/$sums.sig" "$out/$sums"
  gpg --batch --quiet --verify "$out/$sums.sig" "$out/$sums" 2>/dev/null || {
    log "the signature just made does not verify"
    exit 1
  }
  gpg --batch --armor --export-options export-minimal --export "$signing_key" >"$out/$pubkey"
  log "signed $sums with $signing_key (public key: $pubkey)"
fi

# The packed filesystem-mirror layout, for both registries' host names.
for registry in registry.opentofu.org registry.terraform.io; do
  dir=$out/mirror/$registry/flux-aio/flux
  mkdir -p "$dir"
  for z in "${zips[@]}"; do cp "$out/$z" "$dir/"; done
done
log "wrote ${zips[*]} and the mirror to $out"
