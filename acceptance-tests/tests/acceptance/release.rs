use acceptance_tests::flux::{self, KUSTOMIZATION, StandIn};
use acceptance_tests::{Cluster, WorkDir, bed};
use std::path::{Path, PathBuf};
use std::process::Command;

/// The provider's address at both registries, as the CLI config's patterns name it.
const MIRRORED: &str = "\"registry.opentofu.org/flux-aio/flux\", \"registry.terraform.io/flux-aio/flux\"";

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// The release of the provider's current version, built by the release command (once per
/// test run; cargo makes rebuilds incremental).
fn release() -> (String, PathBuf) {
    let version = env!("CARGO_PKG_VERSION").to_owned();
    let out = repo().join("target/release-test");
    let status = Command::new("bash")
        .arg(repo().join("scripts/release.sh"))
        .args([&version, out.to_str().unwrap()])
        // The host's archive is what `tofu init` installs here; scripts/release.sh alone builds
        // every target.
        .env("RELEASE_TARGETS", "x86_64-unknown-linux-gnu")
        .status()
        .expect("run scripts/release.sh");
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
