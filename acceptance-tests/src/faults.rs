//! Fault injection: a private control plane (its own etcd, kube-apiserver and
//! kube-controller-manager, started by `testbed.sh start`) whose etcd or API server a test can
//! kill, as a crash would, and start again on the same ports and data. Private, so killing it
//! disturbs no other test.

use std::path::{Path, PathBuf};
use std::process::Command;

/// A component of the control plane that a test can kill.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Component {
    /// etcd: the API server stays up but cannot read or write.
    Etcd,
    /// kube-apiserver: connections are refused.
    ApiServer,
}

impl Component {
    fn name(self) -> &'static str {
        match self {
            Self::Etcd => "etcd",
            Self::ApiServer => "kube-apiserver",
        }
    }
}

/// A private control plane, stopped when dropped.
pub struct ControlPlane {
    dir: tempfile::TempDir,
    /// Its admin kubeconfig.
    pub kubeconfig: PathBuf,
}

fn testbed(args: &[&str]) -> bool {
    Command::new("bash")
        .arg(Path::new(env!("CARGO_MANIFEST_DIR")).join("testbed.sh"))
        .args(args)
        .env("WATCH_PID", std::process::id().to_string())
        .status()
        .is_ok_and(|s| s.success())
}

impl ControlPlane {
    /// Starts one.
    ///
    /// # Panics
    /// When it does not start.
    #[must_use]
    pub fn start() -> Self {
        Self::start_with(&[])
    }

    /// Starts one whose kube-apiserver gets `extra_args` too (kept when it is revived).
    ///
    /// # Panics
    /// When it does not start.
    #[must_use]
    pub fn start_with(extra_args: &[String]) -> Self {
        let dir = tempfile::Builder::new()
            .prefix("flux-faults-")
            .tempdir()
            .expect("tempdir");
        let path = dir.path().display().to_string();
        let started = Command::new("bash")
            .arg(Path::new(env!("CARGO_MANIFEST_DIR")).join("testbed.sh"))
            .args(["start", &path])
            .env("WATCH_PID", std::process::id().to_string())
            .env("APISERVER_EXTRA_ARGS", extra_args.join(" "))
            .status()
            .is_ok_and(|s| s.success());
        assert!(
            started,
            "private control plane did not start; logs in {path}/logs"
        );
        let kubeconfig = dir.path().join("kubeconfig");
        Self { dir, kubeconfig }
    }

    /// Its API server URL.
    ///
    /// # Panics
    /// When its env file cannot be read.
    #[must_use]
    pub fn host(&self) -> String {
        std::fs::read_to_string(self.dir.path().join("env"))
            .expect("env file")
            .lines()
            .find_map(|l| l.strip_prefix("KUBE_HOST=").map(str::to_owned))
            .expect("KUBE_HOST")
    }

    /// The directory holding its pki (`pki/ca.crt`), logs and kubeconfig.
    #[must_use]
    pub fn dir(&self) -> &Path {
        self.dir.path()
    }

    /// Kills `component` at once (SIGKILL).
    ///
    /// # Panics
    /// When it cannot be killed.
    pub fn kill(&self, component: Component) {
        let path = self.dir.path().display().to_string();
        assert!(
            testbed(&["kill", &path, component.name()]),
            "kill {}",
            component.name()
        );
    }

    /// Starts `component` again and waits until it is ready.
    ///
    /// # Panics
    /// When it does not come back.
    pub fn revive(&self, component: Component) {
        let path = self.dir.path().display().to_string();
        assert!(
            testbed(&["revive", &path, component.name()]),
            "revive {}; logs in {path}/logs",
            component.name()
        );
    }
}

impl Drop for ControlPlane {
    fn drop(&mut self) {
        let path = self.dir.path().display().to_string();
        testbed(&["stop", &path]);
    }
}

/// A small deterministic generator (xorshift64*), so a fault run is repeatable from its seed.
pub struct Rng(u64);

impl Rng {
    /// A generator from `seed` (zero is replaced: xorshift needs a non-zero state).
    #[must_use]
    pub fn new(seed: u64) -> Self {
        Self(seed.max(1))
    }

    /// The next number below `bound` (`bound` > 0).
    pub fn below(&mut self, bound: u64) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D) % bound.max(1)
    }
}
