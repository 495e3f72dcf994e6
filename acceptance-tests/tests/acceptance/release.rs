use acceptance_tests::flux::{self, KUSTOMIZATION, StandIn};
use acceptance_tests::{Cluster, WorkDir, bed};
use std::path::{Path, PathBuf};
use std::process::Command;

/// The provider's address at both registries, as the CLI config's patterns name it.
const MIRRORED: &str = "\"registry.opentofu.org/flux-aio/flux\", \"registry.terraform.io/flux-aio/flux\"";

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// The release command, writing to `target/<out>`, for the host's target only unless
/// RELEASE_TEST_TARGETS names others (scripts/release.sh alone builds every target; a darwin
/// build from scratch takes 15-20 minutes here). The signing variables of the test's own
/// environment are not passed on.
fn release_command(out: &str) -> (String, PathBuf, Command) {
    let version = env!("CARGO_PKG_VERSION").to_owned();
    let out = repo().join("target").join(out);
    let mut cmd = Command::new("bash");
    cmd.arg(repo().join("scripts/release.sh"))
        .args([&version, out.to_str().unwrap()])
        .env(
            "RELEASE_TARGETS",
            std::env::var("RELEASE_TEST_TARGETS").unwrap_or_else(|_| "x86_64-unknown-linux-gnu".into()),
        );
    for var in [
        "GPG_PRIVATE_KEY",
        "GPG_FINGERPRINT",
        "GPG_PASSPHRASE",
        "RELEASE_REQUIRE_SIGNATURE",
    ] {
        cmd.env_remove(var);
    }
    (version, out, cmd)
}

/// The release of the provider's current version, built by the release command, unsigned (once
/// per test run; cargo makes rebuilds incremental).
fn release() -> (String, PathBuf) {
    let (version, out, mut cmd) = release_command("release-test");
    let status = cmd.status().expect("run scripts/release.sh");
    assert!(status.success(), "the release command failed");
    (version, out)
}

/// `tofu init` installs the provider from the filesystem mirror the release command wrote, with
/// the checksums of its SHA256SUMS in the lock file, and the tenant example applies with it.
#[test]
fn init_installs_from_the_release_mirror_and_an_example_applies() {
    let (version, out) = release();
    let sums =
        std::fs::read_to_string(out.join(format!("terraform-provider-flux_{version}_SHA256SUMS"))).unwrap();
    let zip = format!("terraform-provider-flux_{version}_linux_amd64.zip");
    let zip_sum = sums
        .lines()
        .find(|l| l.ends_with(&zip))
        .and_then(|l| l.split_whitespace().next())
        .expect("the amd64 zip is in SHA256SUMS")
        .to_owned();
    let manifest: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(out.join(format!("terraform-provider-flux_{version}_manifest.json")))
            .unwrap(),
    )
    .unwrap();
    assert_eq!(manifest["metadata"]["protocol_versions"][0], "6.0");

    let _turn = super::examples::tenant_example_lock();
    let (bed, cluster) = (bed(), Cluster::new(bed()));
    let _crds = flux::crds(&cluster);
    let _flux = StandIn::start(bed, &["dev-team-apps"]);
    let wd = WorkDir::new(bed, "release-mirror");
    wd.copy_from(&repo().join("examples/tenant"));
    let cli_config = wd.file("mirror.tfrc");
    std::fs::write(
        &cli_config,
        format!(
            "provider_installation {{\n  filesystem_mirror {{\n    path    = \"{}\"\n    include = [{MIRRORED}]\n  }}\n  direct {{\n    exclude = [{MIRRORED}]\n  }}\n}}\n",
            out.join("mirror").display()
        ),
    )
    .unwrap();
    let run = |args: &[&str]| {
        let mut cmd = wd.command(args);
        cmd.env("TF_CLI_CONFIG_FILE", &cli_config);
        wd.run_command(cmd, args)
    };
    let init = run(&["init", "-no-color"]);
    assert_eq!(init.code, 0, "{init}");
    assert!(
        init.output()
            .contains(&format!("Installed flux-aio/flux v{version}")),
        "{init}"
    );
    // A filesystem mirror gives the CLI the package only: it records the package's h1 hash. The
    // archive it installed is the one SHA256SUMS names.
    let lock = std::fs::read_to_string(wd.file(".terraform.lock.hcl")).unwrap();
    assert!(
        lock.contains(&format!("version = \"{version}\"")) && lock.contains("\"h1:"),
        "{lock}"
    );
    let mirrored = out.join("mirror/registry.opentofu.org/flux-aio/flux").join(&zip);
    let sha = Command::new("sha256sum")
        .arg(&mirrored)
        .output()
        .expect("sha256sum");
    assert!(
        String::from_utf8_lossy(&sha.stdout).starts_with(&zip_sum),
        "the mirrored zip matches SHA256SUMS"
    );

    let kubeconfig = format!("kubeconfig={}", bed.kubeconfig.display());
    let vars = ["-var", &kubeconfig, "-var", "devteam_token=t0ken"];
    let apply = run(&[&["apply", "-auto-approve", "-no-color"][..], &vars].concat());
    assert_eq!(apply.code, 0, "{apply}");
    assert!(
        cluster
            .get(KUSTOMIZATION, Some("dev-team-apps"), "dev-team-apps")
            .is_some(),
        "applied with the released binary"
    );
    let destroy = run(&[&["destroy", "-auto-approve", "-no-color"][..], &vars].concat());
    assert_eq!(destroy.code, 0, "{destroy}");
    assert!(
        cluster.wait_gone(
            acceptance_tests::cluster::kinds::NAMESPACE,
            None,
            "dev-team-apps",
            60
        ),
        "off-boarded"
    );
}

/// The throw-away signing key's passphrase.
const PASSPHRASE: &str = "pass-phrase-of-the-throw-away-key";

/// A throw-away GnuPG home: its agent is stopped and the directory removed on drop.
struct GnupgHome(tempfile::TempDir);

impl GnupgHome {
    fn new() -> Self {
        // Under /tmp: the agent's socket path must stay short.
        let dir = tempfile::Builder::new()
            .prefix("release-gpg")
            .tempdir_in("/tmp")
            .unwrap();
        std::fs::set_permissions(dir.path(), std::os::unix::fs::PermissionsExt::from_mode(0o700)).unwrap();
        GnupgHome(dir)
    }

    fn gpg(&self, args: &[&str]) -> std::process::Output {
        Command::new("gpg")
            .env("GNUPGHOME", self.0.path())
            .args(["--batch", "--no-tty"])
            .args(args)
            .output()
            .expect("run gpg (Debian package gnupg)")
    }
}

impl Drop for GnupgHome {
    fn drop(&mut self) {
        let _ = Command::new("gpgconf")
            .args([
                "--homedir",
                self.0.path().to_str().unwrap(),
                "--kill",
                "gpg-agent",
            ])
            .output();
    }
}

/// The one file of a zip written by `zip -X` (stored or deflated, sizes in the local header):
/// its name and contents.
fn unzip_single(zip: &[u8]) -> (String, Vec<u8>) {
    let u16_at = |o: usize| u16::from_le_bytes([zip[o], zip[o + 1]]) as usize;
    let u32_at = |o: usize| u32::from_le_bytes(zip[o..o + 4].try_into().unwrap()) as usize;
    assert_eq!(u32_at(0), 0x0403_4b50, "a zip local file header");
    let (method, size, name_len, extra_len) = (u16_at(8), u32_at(18), u16_at(26), u16_at(28));
    let name = String::from_utf8(zip[30..30 + name_len].to_vec()).unwrap();
    let data = &zip[30 + name_len + extra_len..][..size];
    let contents = match method {
        0 => data.to_vec(),
        8 => {
            let mut out = Vec::new();
            std::io::Read::read_to_end(&mut flate2::read::DeflateDecoder::new(data), &mut out).unwrap();
            out
        }
        m => panic!("zip compression method {m}"),
    };
    (name, contents)
}

/// What the release's binary for `platform` must be: ELF for Linux, PE for Windows, and for
/// macOS a Mach-O for the architecture, for macOS 11 and later, importing from libSystem and the
/// two frameworks the stubs stand for, and for arm64 with a code signature whose page hashes
/// match (arm64 macOS kills a native binary without one, or whose signature does not match).
fn check_binary(platform: &str, bin: &[u8]) {
    let u16_at = |o: usize| u16::from_le_bytes([bin[o], bin[o + 1]]);
    let u32_at = |o: usize| u32::from_le_bytes(bin[o..o + 4].try_into().unwrap());
    let (os, arch) = platform.split_once('_').unwrap();
    match os {
        "linux" => {
            assert_eq!(&bin[..4], b"\x7fELF", "{platform}: an ELF binary");
            let machine = match arch {
                "amd64" => 62,
                "arm64" => 183,
                a => panic!("{a}"),
            };
            assert_eq!(u16_at(18), machine, "{platform}: ELF e_machine");
        }
        "windows" => {
            assert_eq!(&bin[..2], b"MZ", "{platform}: a PE binary");
            let pe = u32_at(0x3c) as usize;
            assert_eq!(&bin[pe..pe + 4], b"PE\0\0");
            assert_eq!(u16_at(pe + 4), 0x8664, "{platform}: PE machine");
        }
        "darwin" => {
            assert_eq!(u32_at(0), 0xfeed_facf, "{platform}: a 64-bit Mach-O binary");
            let cpu = match arch {
                "amd64" => 0x0100_0007,
                "arm64" => 0x0100_000c,
                a => panic!("{a}"),
            };
            assert_eq!(u32_at(4), cpu, "{platform}: Mach-O cputype");
            let (mut off, mut dylibs, mut minos, mut signature) = (32, Vec::new(), None, None);
            for _ in 0..u32_at(16) {
                let (cmd, size) = (u32_at(off), u32_at(off + 4) as usize);
                match cmd {
                    // LC_LOAD_DYLIB
                    0xc => {
                        let name = &bin[off + u32_at(off + 8) as usize..off + size];
                        let end = name.iter().position(|&b| b == 0).unwrap();
                        dylibs.push(String::from_utf8(name[..end].to_vec()).unwrap());
                    }
                    // LC_BUILD_VERSION: platform 1 is macOS, minos is xxxx.yy.zz in nibbles.
                    0x32 => {
                        assert_eq!(u32_at(off + 8), 1, "{platform}: built for macOS");
                        minos = Some(u32_at(off + 12));
                    }
                    // LC_CODE_SIGNATURE
                    0x1d => signature = Some((u32_at(off + 8) as usize, u32_at(off + 12) as usize)),
                    _ => {}
                }
                off += size;
            }
            assert_eq!(minos, Some(11 << 16), "{platform}: runs on macOS 11 and later");
            for lib in [
                "/usr/lib/libSystem.B.dylib",
                "/System/Library/Frameworks/Security.framework/Versions/A/Security",
                "/System/Library/Frameworks/CoreFoundation.framework/Versions/A/CoreFoundation",
            ] {
                assert!(
                    dylibs.iter().any(|d| d == lib),
                    "{platform} loads {lib}: {dylibs:?}"
                );
            }
            // The signature's CodeDirectory: SHA-256 of every page up to the signature. Only arm64
            // needs one (zig signs arm64 binaries ad hoc, not x86_64 ones).
            let Some((sig_off, sig_len)) = signature else {
                assert_eq!(arch, "amd64", "{platform}: a code signature");
                return;
            };
            let be = |o: usize| u32::from_be_bytes(bin[o..o + 4].try_into().unwrap());
            assert_eq!(be(sig_off), 0xfade_0cc0, "{platform}: an embedded signature");
            assert!(sig_off + sig_len <= bin.len());
            let cd = (0..be(sig_off + 8) as usize)
                .map(|i| sig_off + be(sig_off + 16 + 8 * i) as usize)
                .find(|&o| be(o) == 0xfade_0c02)
                .expect("a CodeDirectory");
            let (hash_off, pages, code_limit) =
                (be(cd + 16) as usize, be(cd + 28) as usize, be(cd + 32) as usize);
            assert_eq!(
                (bin[cd + 36], bin[cd + 37]),
                (32, 2),
                "{platform}: SHA-256 page hashes"
            );
            assert_eq!(
                code_limit, sig_off,
                "{platform}: the signature covers the whole binary"
            );
            let page = 1usize << bin[cd + 39];
            assert_eq!(pages, code_limit.div_ceil(page));
            for k in 0..pages {
                let data = &bin[k * page..((k + 1) * page).min(code_limit)];
                let want = &bin[cd + hash_off + 32 * k..][..32];
                assert_eq!(
                    <sha2::Sha256 as sha2::Digest>::digest(data).as_slice(),
                    want,
                    "{platform}: page {k} of the code signature"
                );
            }
        }
        o => panic!("unknown OS {o}"),
    }
}

/// With a key in the environment (a throw-away RSA key with a passphrase, as a CI secret would
/// hold it) the release's SHA256SUMS carries a binary detached signature that gpg verifies with
/// nothing but the public key the release exports; a tampered SHA256SUMS fails verification.
/// Every archive SHA256SUMS lists holds the binary for its platform. Without a key,
/// RELEASE_REQUIRE_SIGNATURE=1 stops the release before it builds anything.
#[test]
fn sha256sums_is_signed_with_the_key_from_the_environment() {
    let signer = GnupgHome::new();
    let made = signer.gpg(&[
        "--pinentry-mode",
        "loopback",
        "--passphrase",
        PASSPHRASE,
        "--quick-gen-key",
        "Release Test <release-test@example.invalid>",
        "rsa2048",
        "sign",
        "never",
    ]);
    assert!(made.status.success(), "{}", String::from_utf8_lossy(&made.stderr));
    let listed = String::from_utf8(signer.gpg(&["--with-colons", "--list-secret-keys"]).stdout).unwrap();
    let fingerprint = listed
        .lines()
        .find_map(|l| l.strip_prefix("fpr:"))
        .and_then(|l| l.split(':').find(|f| f.len() == 40))
        .expect("the new key's fingerprint")
        .to_owned();
    let secret = signer.gpg(&[
        "--pinentry-mode",
        "loopback",
        "--passphrase",
        PASSPHRASE,
        "--armor",
        "--export-secret-keys",
        &fingerprint,
    ]);
    let secret = String::from_utf8(secret.stdout).unwrap();
    assert!(
        secret.starts_with("-----BEGIN PGP PRIVATE KEY BLOCK-----"),
        "{secret}"
    );

    // No key and a signature required: an error before any build, nothing signed.
    let (version, out, mut cmd) = release_command("release-test-signed");
    let sig = out.join(format!("terraform-provider-flux_{version}_SHA256SUMS.sig"));
    let _ = std::fs::remove_file(&sig);
    let refused = cmd.env("RELEASE_REQUIRE_SIGNATURE", "1").output().unwrap();
    let said = String::from_utf8_lossy(&refused.stderr);
    assert!(!refused.status.success(), "{said}");
    assert!(
        said.contains("no signing key") && !said.contains("building"),
        "{said}"
    );
    assert!(!sig.exists());
    // A wrong passphrase: also an error before any build.
    let (_, _, mut cmd) = release_command("release-test-signed");
    let refused = cmd
        .env("GPG_PRIVATE_KEY", &secret)
        .env("GPG_PASSPHRASE", "not-the-passphrase")
        .output()
        .unwrap();
    let said = String::from_utf8_lossy(&refused.stderr);
    assert!(
        !refused.status.success() && said.contains("cannot sign") && !said.contains("building"),
        "{said}"
    );
    assert!(
        !said.contains("not-the-passphrase"),
        "the passphrase is never logged: {said}"
    );

    let (_, _, mut cmd) = release_command("release-test-signed");
    let released = cmd
        .env("GPG_PRIVATE_KEY", &secret)
        .env("GPG_PASSPHRASE", PASSPHRASE)
        .env("RELEASE_REQUIRE_SIGNATURE", "1")
        .output()
        .unwrap();
    let said = String::from_utf8_lossy(&released.stderr);
    assert!(released.status.success(), "{said}");
    assert!(
        said.contains(&format!("signing with key {fingerprint}")),
        "{said}"
    );
    assert!(
        !said.contains(PASSPHRASE) && !said.contains("PRIVATE KEY"),
        "no secret is logged: {said}"
    );

    // The Terraform Registry wants a binary signature, not an armored one.
    let signature = std::fs::read(&sig).expect("SHA256SUMS.sig");
    assert!(signature[0] & 0x80 != 0, "a binary OpenPGP packet, not armor");

    // Verified in a keyring holding only the public key the release exported.
    let verifier = GnupgHome::new();
    let public = out.join(format!("terraform-provider-flux_{version}_signing-key.asc"));
    let imported = verifier.gpg(&["--import", public.to_str().unwrap()]);
    assert!(
        imported.status.success(),
        "{}",
        String::from_utf8_lossy(&imported.stderr)
    );
    assert!(
        String::from_utf8_lossy(&verifier.gpg(&["--list-secret-keys"]).stdout).is_empty(),
        "the exported key is public only"
    );
    let sums_path = out.join(format!("terraform-provider-flux_{version}_SHA256SUMS"));
    let verify = |sums: &Path| {
        verifier.gpg(&[
            "--status-fd",
            "1",
            "--verify",
            sig.to_str().unwrap(),
            sums.to_str().unwrap(),
        ])
    };
    let good = verify(&sums_path);
    let status = String::from_utf8_lossy(&good.stdout);
    assert!(
        good.status.success() && status.contains(&format!("[GNUPG:] VALIDSIG {fingerprint} ")),
        "{status}{}",
        String::from_utf8_lossy(&good.stderr)
    );
    // One changed checksum: the signature no longer verifies.
    let sums = std::fs::read_to_string(&sums_path).unwrap();
    let tampered_sums = sums.replacen(&sums[..1], if &sums[..1] == "0" { "1" } else { "0" }, 1);
    assert_ne!(sums, tampered_sums);
    let tampered = tempfile::NamedTempFile::new().unwrap();
    std::fs::write(tampered.path(), &tampered_sums).unwrap();
    let bad = verify(tampered.path());
    assert!(!bad.status.success(), "a tampered SHA256SUMS verifies");
    assert!(String::from_utf8_lossy(&bad.stdout).contains("[GNUPG:] BADSIG"));

    // Each archive: its checksum, one file named as the registries expect, the platform's binary.
    let mut platforms = Vec::new();
    for line in sums.lines() {
        let (sum, file) = line.split_once("  ").unwrap();
        let bytes = std::fs::read(out.join(file)).unwrap();
        let digest = <sha2::Sha256 as sha2::Digest>::digest(&bytes);
        assert_eq!(
            sum,
            digest.iter().map(|b| format!("{b:02x}")).collect::<String>(),
            "{file}"
        );
        let Some(platform) = file
            .strip_prefix(&format!("terraform-provider-flux_{version}_"))
            .and_then(|p| p.strip_suffix(".zip"))
        else {
            continue;
        };
        let (name, bin) = unzip_single(&bytes);
        let exe = if platform.starts_with("windows") {
            ".exe"
        } else {
            ""
        };
        assert_eq!(name, format!("terraform-provider-flux_v{version}{exe}"));
        check_binary(platform, &bin);
        platforms.push(platform.to_owned());
    }
    // Every platform asked for, but Windows (see scripts/release.sh).
    let asked = std::env::var("RELEASE_TEST_TARGETS").unwrap_or_else(|_| "x86_64-unknown-linux-gnu".into());
    let mut expected: Vec<_> = asked
        .split_whitespace()
        .filter(|t| !t.contains("windows"))
        .map(|t| match t {
            "x86_64-unknown-linux-gnu" => "linux_amd64",
            "aarch64-unknown-linux-gnu" => "linux_arm64",
            "x86_64-apple-darwin" => "darwin_amd64",
            "aarch64-apple-darwin" => "darwin_arm64",
            t => panic!("RELEASE_TEST_TARGETS: unknown target {t}"),
        })
        .collect();
    expected.sort_unstable();
    platforms.sort();
    assert_eq!(platforms, expected);
}
