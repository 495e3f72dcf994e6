//! The real Flux controllers (built from the Go module proxy by `testbed.sh build-flux`) as
//! local processes against the test bed's API server, as their developers run them: a
//! kubeconfig instead of an in-cluster identity, loopback ports, storage in a temporary
//! directory. Their flags are those the `flux_aio` Deployment gives them (docs: the rendering
//! design), with the multi-tenancy lockdown flags for [`Profile::Restricted`].
//!
//! The admin identity of the kubeconfig may impersonate, so a Kustomization or HelmRelease with
//! a service account is applied with that account's RBAC, enforced by the real API server.

use crate::Bed;
use std::io::{Read as _, Write as _};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// Which `security_profile` the controllers run with.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Profile {
    /// No lockdown: every object is reconciled with the controllers' own (admin) identity.
    Privileged,
    /// `security_profile = "restricted"`: no cross-namespace references, no remote bases, and
    /// objects without a service account impersonate `flux` in their own namespace.
    Restricted,
}

/// The four controllers, running. Stopped on drop.
pub struct Controllers {
    profile: Profile,
    dir: PathBuf,
    processes: Vec<(String, Child)>,
}

/// The controllers and the test bed paths of their binaries.
const CONTROLLERS: [(&str, &str); 4] = [
    ("notification-controller", "FLUX_NOTIFICATION_CONTROLLER"),
    ("source-controller", "FLUX_SOURCE_CONTROLLER"),
    ("kustomize-controller", "FLUX_KUSTOMIZE_CONTROLLER"),
    ("helm-controller", "FLUX_HELM_CONTROLLER"),
];

/// Ports and storage of the controllers, the same for every start in one test process: a
/// restart (another profile) must not leave Flux objects pointing at an artifact URL nobody
/// serves any more.
struct Layout {
    dir: PathBuf,
    events: u16,
    storage: u16,
    health: [u16; 4],
}

fn layout() -> &'static Layout {
    static LAYOUT: std::sync::OnceLock<Layout> = std::sync::OnceLock::new();
    LAYOUT.get_or_init(|| {
        let dir = tempfile::Builder::new()
            .prefix("flux-controllers-")
            .tempdir()
            .expect("tempdir")
            .keep();
        std::fs::create_dir_all(dir.join("storage")).expect("storage dir");
        Layout {
            dir,
            events: free_port(),
            storage: free_port(),
            health: [free_port(), free_port(), free_port(), free_port()],
        }
    })
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("free port")
        .port()
}

impl Controllers {
    /// Starts the four controllers and waits until each answers `/readyz`.
    ///
    /// `trusted_ca` is the CA file the controllers trust for HTTPS sources (`SSL_CERT_FILE`).
    ///
    /// # Panics
    /// When a binary is missing (run `acceptance-tests/testbed.sh build-flux`) or a controller
    /// is not ready within 60 s (its log is in the message).
    #[must_use]
    pub fn start(bed: &Bed, profile: Profile, trusted_ca: &Path) -> Self {
        let paths = crate::bed::paths();
        let layout = layout();
        let dir = layout.dir.clone();
        let mut processes = Vec::new();
        let mut health = Vec::new();
        for ((name, key), health_port) in CONTROLLERS.into_iter().zip(layout.health) {
            let binary = PathBuf::from(
                paths
                    .get(key)
                    .unwrap_or_else(|| panic!("testbed.sh paths prints {key}")),
            );
            assert!(
                binary.exists(),
                "{} is missing: run `bash acceptance-tests/testbed.sh build-flux`",
                binary.display()
            );
            let args = args(name, profile, layout, health_port);
            let log = std::fs::OpenOptions::new()
                .create(true)
                .append(true)
                .open(dir.join(format!("{name}.log")))
                .expect("log file");
            let child = Command::new(&binary)
                .args(&args)
                .env("KUBECONFIG", &bed.kubeconfig)
                .env("RUNTIME_NAMESPACE", "flux-system")
                .env("SSL_CERT_FILE", trusted_ca)
                .env("HOME", &dir)
                .env("TMPDIR", &dir)
                .stdin(Stdio::null())
                .stdout(log.try_clone().expect("log file"))
                .stderr(log)
                .spawn()
                .unwrap_or_else(|e| panic!("start {}: {e}", binary.display()));
            processes.push((name.to_owned(), child));
            health.push((name, health_port));
        }
        // The controllers outlive a test process that exits without dropping them (they sit in
        // a static): a watcher stops them once this process is gone.
        let pids: Vec<String> = processes.iter().map(|(_, c)| c.id().to_string()).collect();
        let _ = Command::new("bash")
            .arg("-c")
            .arg(format!(
                "while kill -0 {} 2>/dev/null; do sleep 1; done; kill {} 2>/dev/null",
                std::process::id(),
                pids.join(" ")
            ))
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn();
        let mut controllers = Self {
            profile,
            dir,
            processes,
        };
        let deadline = Instant::now() + Duration::from_secs(60);
        for (name, port) in health {
            while !ready(port) {
                assert!(
                    Instant::now() < deadline && controllers.alive(),
                    "{name} did not become ready:\n{}",
                    controllers.logs(60)
                );
                std::thread::sleep(Duration::from_millis(200));
            }
        }
        controllers
    }

    /// The profile they run with.
    #[must_use]
    pub fn profile(&self) -> Profile {
        self.profile
    }

    /// Whether every controller process is still running.
    pub fn alive(&mut self) -> bool {
        self.processes
            .iter_mut()
            .all(|(_, child)| matches!(child.try_wait(), Ok(None)))
    }

    /// The last `lines` lines of each controller's log.
    #[must_use]
    pub fn logs(&self, lines: usize) -> String {
        let mut out = String::new();
        for (name, _) in &self.processes {
            let text = std::fs::read_to_string(self.dir.join(format!("{name}.log"))).unwrap_or_default();
            let tail: Vec<&str> = text.lines().rev().take(lines).collect();
            out.push_str(&format!("--- {name} ({}/{name}.log)\n", self.dir.display()));
            for line in tail.into_iter().rev() {
                out.push_str(line);
                out.push('\n');
            }
        }
        out
    }
}

impl Drop for Controllers {
    fn drop(&mut self) {
        for (_, child) in &mut self.processes {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

/// The flags of design/rendering.md §3.3.4 (per-container details), on loopback ports.
fn args(name: &str, profile: Profile, layout: &Layout, health_port: u16) -> Vec<String> {
    let events_port = layout.events;
    let restricted = profile == Profile::Restricted;
    let mut args: Vec<String> = vec![
        "--watch-all-namespaces".into(),
        "--log-level=debug".into(),
        "--log-encoding=json".into(),
        "--enable-leader-election=false".into(),
        format!("--metrics-addr=127.0.0.1:{}", free_port()),
        format!("--health-addr=127.0.0.1:{health_port}"),
    ];
    let events = format!("--events-addr=http://127.0.0.1:{events_port}");
    let reconcile = [
        "--watch-label-selector=!sharding.fluxcd.io/key".to_owned(),
        "--concurrent=5".to_owned(),
        "--requeue-dependency=5s".to_owned(),
    ];
    match name {
        "source-controller" => {
            let storage = layout.storage;
            args.extend([
                format!("--storage-addr=127.0.0.1:{storage}"),
                format!("--storage-path={}", layout.dir.join("storage").display()),
                format!("--storage-adv-addr=127.0.0.1:{storage}"),
                "--helm-cache-max-size=10".into(),
                "--helm-cache-ttl=60m".into(),
                "--helm-cache-purge-interval=5m".into(),
                events,
            ]);
            args.extend(reconcile);
        }
        "kustomize-controller" | "helm-controller" => {
            args.extend(reconcile);
            args.push(events);
            if name == "kustomize-controller" {
                args.push("--override-manager=timoni".into());
            }
            if restricted {
                args.push("--no-cross-namespace-refs=true".into());
                if name == "kustomize-controller" {
                    args.push("--no-remote-bases=true".into());
                }
                args.push("--default-service-account=flux".into());
            }
            args.push("--feature-gates=ExternalArtifact=true".into());
        }
        _ => {
            args.extend([
                format!("--receiverAddr=127.0.0.1:{}", free_port()),
                format!("--events-addr=127.0.0.1:{events_port}"),
            ]);
            if restricted {
                args.push("--no-cross-namespace-refs=true".into());
            }
        }
    }
    args
}

/// `GET /readyz` on a controller's health port answers 200.
fn ready(port: u16) -> bool {
    let Ok(mut stream) = TcpStream::connect(("127.0.0.1", port)) else {
        return false;
    };
    let _ = stream.set_read_timeout(Some(Duration::from_secs(2)));
    if stream
        .write_all(b"GET /readyz HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n")
        .is_err()
    {
        return false;
    }
    let mut response = String::new();
    let _ = stream.read_to_string(&mut response);
    response.starts_with("HTTP/1.0 200") || response.starts_with("HTTP/1.1 200")
}
