//! The shared test bed.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

/// Everything a test needs to reach the test bed.
#[derive(Debug)]
pub struct Bed {
    /// The test bed's run directory (logs, pki, kubeconfig).
    pub dir: PathBuf,
    /// Admin kubeconfig of the control plane.
    pub kubeconfig: PathBuf,
    /// The API server URL.
    pub host: String,
    /// The `tofu` binary.
    pub tofu: PathBuf,
    /// The directory holding `terraform-provider-flux`.
    pub provider_dir: PathBuf,
}

fn script() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("testbed.sh")
}

fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("workspace root")
        .to_path_buf()
}

/// The test bed's binaries and data, as `testbed.sh paths` prints them (`TOFU`, `FLUX_CRDS`,
/// `FLUX_SOURCE_CONTROLLER`, ...).
///
/// # Panics
/// When `testbed.sh` cannot be run.
#[must_use]
pub fn paths() -> std::collections::HashMap<String, String> {
    let out = Command::new("bash")
        .arg(script())
        .arg("paths")
        .output()
        .expect("run testbed.sh paths");
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .filter_map(|l| l.split_once('=').map(|(k, v)| (k.to_owned(), v.to_owned())))
        .collect()
}

fn read_env(dir: &Path) -> std::collections::HashMap<String, String> {
    std::fs::read_to_string(dir.join("env"))
        .unwrap_or_default()
        .lines()
        .filter_map(|l| l.split_once('=').map(|(k, v)| (k.to_owned(), v.to_owned())))
        .collect()
}

/// The test bed of this process, started on first use. `TESTBED_DIR` names one started outside
/// (by `testbed.sh start DIR`); otherwise one is started in a temporary directory and torn down
/// when the test process exits.
///
/// # Panics
/// When the binaries are not built (`acceptance-tests/testbed.sh build`), the provider is not
/// built (`cargo build -p terraform-provider-flux`), or the control plane does not start.
pub fn bed() -> &'static Bed {
    static BED: OnceLock<Bed> = OnceLock::new();
    BED.get_or_init(|| {
        let p = paths();
        // FLUX_TEST_CLI runs the suite with another CLI of the compatibility matrix.
        let tofu = std::env::var_os("FLUX_TEST_CLI")
            .filter(|v| !v.is_empty())
            .map_or_else(
                || PathBuf::from(p.get("TOFU").expect("testbed.sh paths prints TOFU")),
                PathBuf::from,
            );
        assert!(
            tofu.exists(),
            "{} is missing: run `acceptance-tests/testbed.sh build` first",
            tofu.display()
        );
        let provider_dir = std::env::var_os("PROVIDER_DIR").map_or_else(
            || {
                std::env::var_os("CARGO_TARGET_DIR")
                    .map_or_else(|| workspace_root().join("target"), PathBuf::from)
                    .join("debug")
            },
            PathBuf::from,
        );
        assert!(
            provider_dir.join("terraform-provider-flux").exists(),
            "{}/terraform-provider-flux is missing: run `cargo build -p terraform-provider-flux` first",
            provider_dir.display()
        );
        let dir = match std::env::var_os("TESTBED_DIR") {
            Some(d) => PathBuf::from(d),
            None => {
                let dir = tempfile::Builder::new()
                    .prefix("flux-testbed-")
                    .tempdir()
                    .expect("tempdir")
                    .keep();
                let status = Command::new("bash")
                    .arg(script())
                    .arg("start")
                    .arg(&dir)
                    .env("WATCH_PID", std::process::id().to_string())
                    .status()
                    .expect("run testbed.sh start");
                assert!(
                    status.success(),
                    "testbed.sh start failed; logs in {}/logs",
                    dir.display()
                );
                dir
            }
        };
        let env = read_env(&dir);
        Bed {
            kubeconfig: PathBuf::from(env.get("KUBECONFIG").expect("KUBECONFIG in the bed's env file")),
            host: env
                .get("KUBE_HOST")
                .cloned()
                .expect("KUBE_HOST in the bed's env file"),
            dir,
            tofu,
            provider_dir,
        }
    })
}

/// Which CLI drives the tests, and what it supports.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Cli {
    /// `tofu` or `terraform`.
    pub name: String,
    /// `(major, minor, patch)`.
    pub version: (u32, u32, u32),
}

impl Cli {
    /// Write-only attributes and ephemeral variables: OpenTofu and Terraform 1.11+.
    #[must_use]
    pub fn supports_write_only(&self) -> bool {
        self.version >= (1, 11, 0)
    }

    /// `import { identity = { ... } }`: OpenTofu and Terraform 1.12+.
    #[must_use]
    pub fn supports_identity(&self) -> bool {
        self.version >= (1, 12, 0)
    }
}

impl Bed {
    /// The CLI the tests run, from its `version -json`.
    ///
    /// # Panics
    /// When the CLI cannot say its version.
    #[must_use]
    pub fn cli(&self) -> Cli {
        let out = std::process::Command::new(&self.tofu)
            .args(["version", "-json"])
            .env("CHECKPOINT_DISABLE", "1")
            .env("TF_CLI_CONFIG_FILE", "/dev/null")
            .output()
            .expect("run the CLI");
        let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("version JSON");
        let text = v["terraform_version"]
            .as_str()
            .expect("terraform_version")
            .to_owned();
        let mut parts = text.split(['.', '-']).map(|p| p.parse::<u32>().unwrap_or(0));
        let version = (
            parts.next().unwrap_or(0),
            parts.next().unwrap_or(0),
            parts.next().unwrap_or(0),
        );
        let name = self
            .tofu
            .file_name()
            .and_then(|n| n.to_str())
            .filter(|n| n.starts_with("terraform"))
            .map_or("tofu", |_| "terraform");
        Cli {
            name: name.to_owned(),
            version,
        }
    }
}
