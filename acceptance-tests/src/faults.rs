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
        let dir = tempfile::Builder::new()
            .prefix("flux-faults-")
            .tempdir()
            .expect("tempdir");
        let path = dir.path().display().to_string();
        assert!(
            testbed(&["start", &path]),
            "private control plane did not start; logs in {path}/logs"
        );
        let kubeconfig = dir.path().join("kubeconfig");
        Self { dir, kubeconfig }
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
