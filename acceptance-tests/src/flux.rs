//! Flux on the test bed: the CRDs of the controllers the test bed builds (so kube-apiserver
//! checks every rendered Flux object against Flux's own OpenAPI schema), the real controllers
//! running as local processes ([`controllers`]), and, for tests about the provider's own logic
//! (timeouts, terminal reasons), a stand-in that patches `status` instead ([`StandIn`]).
//!
//! Which of the two plays Flux is a process-wide mode: tests of one mode run together, a test
//! of the other mode waits for them. Tests that install and delete the CRDs themselves
//! (flux_aio) run alone ([`exclusive`]).

use crate::cluster::Kind;
use crate::cluster::kinds::CRD;
use crate::controllers::{Controllers, Profile};
use crate::{Bed, Cluster};
use serde_json::{Value, json};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Condvar, Mutex, RwLock, RwLockReadGuard, RwLockWriteGuard};
use std::thread::JoinHandle;
use std::time::Duration;

/// GitRepository.
pub const GIT_REPOSITORY: Kind = ("source.toolkit.fluxcd.io/v1", "GitRepository", "gitrepositories");
/// OCIRepository.
pub const OCI_REPOSITORY: Kind = ("source.toolkit.fluxcd.io/v1", "OCIRepository", "ocirepositories");
/// HelmRepository.
pub const HELM_REPOSITORY: Kind = (
    "source.toolkit.fluxcd.io/v1",
    "HelmRepository",
    "helmrepositories",
);
/// HelmChart (made by helm-controller from a HelmRelease).
pub const HELM_CHART: Kind = ("source.toolkit.fluxcd.io/v1", "HelmChart", "helmcharts");
/// Kustomization.
pub const KUSTOMIZATION: Kind = (
    "kustomize.toolkit.fluxcd.io/v1",
    "Kustomization",
    "kustomizations",
);
/// HelmRelease.
pub const HELM_RELEASE: Kind = ("helm.toolkit.fluxcd.io/v2", "HelmRelease", "helmreleases");

/// The Flux kinds the provider renders.
pub const FLUX_KINDS: [Kind; 5] = [
    GIT_REPOSITORY,
    OCI_REPOSITORY,
    HELM_REPOSITORY,
    KUSTOMIZATION,
    HELM_RELEASE,
];

static CRDS: RwLock<()> = RwLock::new(());
static INSTALL: Mutex<()> = Mutex::new(());

/// Who plays the Flux controllers.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mode {
    /// Nobody but the [`StandIn`] a test starts (or nobody, for tests that do not wait).
    StandIn,
    /// The real controllers, with this profile.
    Real(Profile),
}

struct ModeState {
    mode: Option<Mode>,
    users: usize,
    controllers: Option<Controllers>,
}

static MODE: Mutex<ModeState> = Mutex::new(ModeState {
    mode: None,
    users: 0,
    controllers: None,
});
static MODE_CHANGED: Condvar = Condvar::new();

fn lock_mode() -> std::sync::MutexGuard<'static, ModeState> {
    MODE.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// Held by a test that needs the Flux CRDs and a [`Mode`]; on a failing test in the real mode,
/// prints the controllers' logs.
pub struct FluxGuard {
    mode: Mode,
    _crds: RwLockReadGuard<'static, ()>,
}

impl FluxGuard {
    /// The last `lines` lines of each real controller's log (empty in the stand-in mode).
    #[must_use]
    pub fn logs(&self, lines: usize) -> String {
        lock_mode()
            .controllers
            .as_ref()
            .map(|c| c.logs(lines))
            .unwrap_or_default()
    }
}

impl Drop for FluxGuard {
    fn drop(&mut self) {
        if std::thread::panicking() && matches!(self.mode, Mode::Real(_)) {
            eprintln!("The Flux controllers' logs:\n{}", self.logs(80));
        }
        let mut state = lock_mode();
        state.users -= 1;
        MODE_CHANGED.notify_all();
    }
}

/// For tests that install and delete the Flux CRDs themselves (flux_aio): no other test that
/// needs the CRDs runs meanwhile, and the real controllers are stopped.
pub fn exclusive() -> RwLockWriteGuard<'static, ()> {
    let guard = CRDS.write().unwrap_or_else(std::sync::PoisonError::into_inner);
    let mut state = lock_mode();
    state.controllers = None;
    state.mode = None;
    guard
}

/// For tests that need the Flux CRDs and play the controllers with a [`StandIn`] (or do not
/// wait for them): installs the CRDs unless they are there, keeps the flux_aio tests out, and
/// waits until no test runs the real controllers.
///
/// # Panics
/// When the CRDs cannot be read or do not become established.
pub fn crds(cluster: &Cluster) -> FluxGuard {
    enter(cluster, Mode::StandIn)
}

/// For tests against the real Flux controllers: installs the CRDs, starts the controllers with
/// `profile` (or reuses the running ones), and keeps stand-in tests and flux_aio tests out.
///
/// # Panics
/// When the CRDs cannot be installed or the controllers do not start.
pub fn controllers(cluster: &Cluster, profile: Profile) -> FluxGuard {
    enter(cluster, Mode::Real(profile))
}

fn enter(cluster: &Cluster, mode: Mode) -> FluxGuard {
    let crds = CRDS.read().unwrap_or_else(std::sync::PoisonError::into_inner);
    install_crds(cluster);
    let mut state = lock_mode();
    while state.users > 0 && state.mode != Some(mode) {
        state = MODE_CHANGED
            .wait(state)
            .unwrap_or_else(std::sync::PoisonError::into_inner);
    }
    if state.mode != Some(mode) {
        if state.controllers.take().is_some() {
            release_terminating(cluster);
        }
        state.mode = Some(mode);
    }
    // FLUX_TEST_CONTROLLERS=off runs the real-controller tests with nobody playing Flux: each
    // must then fail, which shows it depends on what the controllers do.
    let off = std::env::var("FLUX_TEST_CONTROLLERS").is_ok_and(|v| v == "off");
    if let (Mode::Real(profile), false) = (mode, off) {
        let dead = state.controllers.as_mut().is_none_or(|c| !c.alive());
        if dead {
            state.controllers = None;
            let ca = &crate::sources::trusted_ca().1;
            state.controllers = Some(Controllers::start(crate::bed(), profile, ca));
        }
    }
    state.users += 1;
    FluxGuard { mode, _crds: crds }
}

/// Once the real controllers are gone, nobody removes their finalizers: objects left being
/// deleted by a finished test are released so their namespaces can go.
fn release_terminating(cluster: &Cluster) {
    for kind in FLUX_KINDS.into_iter().chain([HELM_CHART]) {
        for object in cluster.list(kind, None) {
            let meta = &object["metadata"];
            if meta["deletionTimestamp"].is_null() || meta["finalizers"].is_null() {
                continue;
            }
            let (ns, name) = (
                meta["namespace"].as_str().unwrap_or_default(),
                meta["name"].as_str().unwrap_or_default(),
            );
            cluster.merge_patch(kind, Some(ns), name, json!({"metadata": {"finalizers": null}}));
        }
    }
}

/// Installs the CRDs of the built Flux controllers (unless there and established) and waits
/// until each is established.
///
/// # Panics
/// When a CRD cannot be applied or does not become established.
pub fn install_crds(cluster: &Cluster) {
    let _install = INSTALL.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
    for crd in crd_documents() {
        let name = crd["metadata"]["name"].as_str().expect("CRD name").to_owned();
        match cluster.get(CRD, None, &name) {
            Some(live) if live["metadata"]["deletionTimestamp"].is_null() && established(&live) => continue,
            // Left terminating by a flux_aio test: let it go before installing it again.
            Some(live) if !live["metadata"]["deletionTimestamp"].is_null() => {
                assert!(
                    cluster.wait_gone(CRD, None, &name, 120),
                    "CRD {name} still terminating"
                );
            }
            _ => {}
        }
        cluster.apply(CRD, None, &name, &crd);
        let mut ok = false;
        for _ in 0..200 {
            if cluster.get(CRD, None, &name).is_some_and(|l| established(&l)) {
                ok = true;
                break;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        assert!(ok, "CRD {name} not established");
    }
}

fn established(crd: &Value) -> bool {
    crd["status"]["conditions"].as_array().is_some_and(|c| {
        c.iter()
            .any(|c| c["type"] == "Established" && c["status"] == "True")
    })
}

/// The CRDs of the controllers the test bed built (`FLUX_CRDS`: their modules'
/// `config/crd/bases`), one document each.
fn crd_documents() -> Vec<Value> {
    let paths = crate::bed::paths();
    let root = std::path::PathBuf::from(paths.get("FLUX_CRDS").expect("testbed.sh paths prints FLUX_CRDS"));
    let mut docs = Vec::new();
    for controller in [
        "source-controller",
        "kustomize-controller",
        "helm-controller",
        "notification-controller",
    ] {
        let dir = root.join(controller);
        let mut files: Vec<_> = std::fs::read_dir(&dir)
            .unwrap_or_else(|e| {
                panic!(
                    "read {}: {e} (run `bash acceptance-tests/testbed.sh build-flux`)",
                    dir.display()
                )
            })
            .filter_map(Result::ok)
            .map(|e| e.path())
            .filter(|p| p.extension().is_some_and(|x| x == "yaml"))
            .collect();
        files.sort();
        for file in files {
            let text = std::fs::read_to_string(&file).expect("read CRD file");
            for doc in text.split("\n---") {
                if doc.trim().is_empty() {
                    continue;
                }
                let v: Value = serde_saphyr::from_str(doc).expect("CRD YAML");
                if v["kind"] == "CustomResourceDefinition" {
                    docs.push(v);
                }
            }
        }
    }
    docs
}

/// What the stand-in controller reports for objects it reconciles.
#[derive(Clone, Debug)]
pub struct Verdict {
    /// `Ready` condition status.
    pub ready: bool,
    /// Condition reason.
    pub reason: String,
    /// Condition message.
    pub message: String,
}

impl Verdict {
    /// `Ready=True`.
    #[must_use]
    pub fn ready() -> Self {
        Self {
            ready: true,
            reason: "ReconciliationSucceeded".into(),
            message: "Applied revision: stand-in".into(),
        }
    }

    /// `Ready=False` with `reason` and `message`.
    #[must_use]
    pub fn failed(reason: &str, message: &str) -> Self {
        Self {
            ready: false,
            reason: reason.into(),
            message: message.into(),
        }
    }
}

/// A stand-in for the Flux controllers, for tests about the provider's own logic (timeouts,
/// terminal reasons): every Flux object in its namespaces gets the status its verdict says, for
/// its current generation, until dropped. Start it only under [`crds`] (the stand-in mode).
pub struct StandIn {
    stop: Arc<AtomicBool>,
    verdict: Arc<Mutex<Verdict>>,
    thread: Option<JoinHandle<()>>,
}

impl StandIn {
    /// Starts reporting every Flux object in `namespaces` Ready.
    #[must_use]
    pub fn start(bed: &'static Bed, namespaces: &[&str]) -> Self {
        Self::start_on(bed.kubeconfig.clone(), namespaces, Verdict::ready())
    }

    /// Starts reporting `verdict` for every Flux object in `namespaces` of the cluster of
    /// `kubeconfig` (a private control plane).
    #[must_use]
    pub fn start_on(kubeconfig: std::path::PathBuf, namespaces: &[&str], verdict: Verdict) -> Self {
        let stop = Arc::new(AtomicBool::new(false));
        let verdict = Arc::new(Mutex::new(verdict));
        let namespaces: Vec<String> = namespaces.iter().map(|s| (*s).to_owned()).collect();
        let thread = {
            let (stop, verdict) = (stop.clone(), verdict.clone());
            std::thread::spawn(move || {
                let cluster = Cluster::for_kubeconfig(&kubeconfig);
                while !stop.load(Ordering::Relaxed) {
                    let v = verdict.lock().unwrap().clone();
                    for ns in &namespaces {
                        for kind in FLUX_KINDS {
                            report(&cluster, kind, ns, &v);
                        }
                    }
                    std::thread::sleep(Duration::from_millis(200));
                }
            })
        };
        Self {
            stop,
            verdict,
            thread: Some(thread),
        }
    }

    /// Changes what is reported from now on.
    pub fn set(&self, verdict: Verdict) {
        *self.verdict.lock().unwrap() = verdict;
    }
}

impl Drop for StandIn {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

/// Sets the status of every `kind` object of `namespace` whose status does not say `verdict`
/// for its generation yet.
fn report(cluster: &Cluster, kind: Kind, namespace: &str, verdict: &Verdict) {
    for object in cluster.list(kind, Some(namespace)) {
        if !object["metadata"]["deletionTimestamp"].is_null() {
            continue;
        }
        let generation = object["metadata"]["generation"].as_i64().unwrap_or(1);
        let status = if verdict.ready { "True" } else { "False" };
        let current = &object["status"];
        let reported = current["observedGeneration"].as_i64() == Some(generation)
            && current["conditions"][0]["status"] == status
            && current["conditions"][0]["reason"] == verdict.reason.as_str();
        if reported {
            continue;
        }
        let name = object["metadata"]["name"].as_str().unwrap_or_default();
        let patch = json!({"status": {
            "observedGeneration": generation,
            "conditions": [{
                "type": "Ready", "status": status, "reason": verdict.reason, "message": verdict.message,
                "observedGeneration": generation, "lastTransitionTime": "2026-01-01T00:00:00Z",
            }],
        }});
        cluster.try_patch_status(kind, Some(namespace), name, patch);
    }
}
