//! Flux on the test bed without its controllers: the real Flux CRDs (so kube-apiserver checks
//! every rendered Flux object against Flux's own OpenAPI schema), a lock that keeps the tests
//! installing and removing CRDs (flux_aio) apart from the tests that need them, and a stand-in
//! controller that reports Flux objects Ready, or failed, as the real ones would.

use crate::cluster::Kind;
use crate::cluster::kinds::CRD;
use crate::{Bed, Cluster};
use distribution::testing::testdata_dir;
use serde_json::{Value, json};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, RwLock, RwLockReadGuard, RwLockWriteGuard};
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

/// For tests that install and delete the Flux CRDs themselves (flux_aio): no other test that
/// needs the CRDs runs meanwhile.
pub fn exclusive() -> RwLockWriteGuard<'static, ()> {
    CRDS.write().unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// For tests that need the Flux CRDs: installs the real Flux 2.9.4 CRDs from the test data
/// (`$FLUX_TESTDATA/flux-crds`) unless they are there, and keeps the flux_aio tests out.
///
/// # Panics
/// When the test data cannot be read or the CRDs do not become established.
pub fn crds(cluster: &Cluster) -> RwLockReadGuard<'static, ()> {
    let guard = CRDS.read().unwrap_or_else(std::sync::PoisonError::into_inner);
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
    guard
}

fn established(crd: &Value) -> bool {
    crd["status"]["conditions"].as_array().is_some_and(|c| {
        c.iter()
            .any(|c| c["type"] == "Established" && c["status"] == "True")
    })
}

/// The CRDs of the test data, one document each.
fn crd_documents() -> Vec<Value> {
    let root = testdata_dir().join("flux-crds");
    let mut docs = Vec::new();
    for controller in [
        "source-controller",
        "kustomize-controller",
        "helm-controller",
        "notification-controller",
    ] {
        let files = distribution::testing::yaml_files(&root.join(controller))
            .unwrap_or_else(|e| panic!("read {}: {e}", root.join(controller).display()));
        for (_, content) in files {
            let text = String::from_utf8(content).expect("UTF-8");
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

/// Plays the Flux controllers, which the test bed does not run: every Flux object in its
/// namespaces gets the status its verdict says, for its current generation, until dropped.
pub struct StandIn {
    stop: Arc<AtomicBool>,
    verdict: Arc<Mutex<Verdict>>,
    thread: Option<JoinHandle<()>>,
}

impl StandIn {
    /// Starts reporting every Flux object in `namespaces` Ready.
    #[must_use]
    pub fn start(bed: &'static Bed, namespaces: &[&str]) -> Self {
        let stop = Arc::new(AtomicBool::new(false));
        let verdict = Arc::new(Mutex::new(Verdict::ready()));
        let namespaces: Vec<String> = namespaces.iter().map(|s| (*s).to_owned()).collect();
        let thread = {
            let (stop, verdict) = (stop.clone(), verdict.clone());
            std::thread::spawn(move || {
                let cluster = Cluster::new(bed);
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
