//! A small synchronous cluster client for assertions.

use kube::api::{Api, DeleteParams, DynamicObject, Patch, PatchParams};
use kube::core::{ApiResource, GroupVersionKind};
use kube::{Client, Config};
use serde_json::Value;
use tokio::runtime::Runtime;

/// Reads and changes objects on the test bed, as an out-of-band actor would.
pub struct Cluster {
    rt: Runtime,
    client: Client,
}

/// `(apiVersion, kind, plural)` of an object kind.
pub type Kind = (&'static str, &'static str, &'static str);

/// Common kinds.
pub mod kinds {
    use super::Kind;
    /// Namespace.
    pub const NAMESPACE: Kind = ("v1", "Namespace", "namespaces");
    /// ServiceAccount.
    pub const SERVICE_ACCOUNT: Kind = ("v1", "ServiceAccount", "serviceaccounts");
    /// ResourceQuota.
    pub const RESOURCE_QUOTA: Kind = ("v1", "ResourceQuota", "resourcequotas");
    /// Deployment.
    pub const DEPLOYMENT: Kind = ("apps/v1", "Deployment", "deployments");
    /// CustomResourceDefinition.
    pub const CRD: Kind = (
        "apiextensions.k8s.io/v1",
        "CustomResourceDefinition",
        "customresourcedefinitions",
    );
    /// ClusterRole.
    pub const CLUSTER_ROLE: Kind = ("rbac.authorization.k8s.io/v1", "ClusterRole", "clusterroles");
    /// Service.
    pub const SERVICE: Kind = ("v1", "Service", "services");
    /// Secret.
    pub const SECRET: Kind = ("v1", "Secret", "secrets");
    /// RoleBinding.
    pub const ROLE_BINDING: Kind = ("rbac.authorization.k8s.io/v1", "RoleBinding", "rolebindings");
    /// ClusterRoleBinding.
    pub const CLUSTER_ROLE_BINDING: Kind = (
        "rbac.authorization.k8s.io/v1",
        "ClusterRoleBinding",
        "clusterrolebindings",
    );
}

impl Cluster {
    /// A client for the test bed.
    ///
    /// # Panics
    /// When the kubeconfig cannot be loaded.
    #[must_use]
    pub fn new(bed: &crate::Bed) -> Self {
        Self::for_kubeconfig(&bed.kubeconfig)
    }

    /// A client for the cluster of another kubeconfig (a private control plane).
    ///
    /// # Panics
    /// When the kubeconfig cannot be loaded.
    #[must_use]
    pub fn for_kubeconfig(path: &std::path::Path) -> Self {
        let _ = rustls::crypto::aws_lc_rs::default_provider().install_default();
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("runtime");
        let kubeconfig = kube::config::Kubeconfig::read_from(path).expect("read kubeconfig");
        let client = rt.block_on(async {
            let config = Config::from_custom_kubeconfig(kubeconfig, &Default::default())
                .await
                .expect("config");
            Client::try_from(config).expect("client")
        });
        Self { rt, client }
    }

    fn api(&self, kind: Kind, namespace: Option<&str>) -> Api<DynamicObject> {
        let (group, version) = kind.0.split_once('/').unwrap_or(("", kind.0));
        let ar = ApiResource::from_gvk_with_plural(&GroupVersionKind::gvk(group, version, kind.1), kind.2);
        match namespace {
            Some(ns) => Api::namespaced_with(self.client.clone(), ns, &ar),
            None => Api::all_with(self.client.clone(), &ar),
        }
    }

    /// The object as JSON, or `None` when it does not exist.
    ///
    /// # Panics
    /// On API errors other than not found.
    #[must_use]
    pub fn get(&self, kind: Kind, namespace: Option<&str>, name: &str) -> Option<Value> {
        let api = self.api(kind, namespace);
        self.rt
            .block_on(api.get_opt(name))
            .expect("get object")
            .map(|o| serde_json::to_value(o).expect("object as JSON"))
    }

    /// Deletes an object (background propagation).
    ///
    /// # Panics
    /// On API errors.
    pub fn delete(&self, kind: Kind, namespace: Option<&str>, name: &str) {
        let api = self.api(kind, namespace);
        self.rt
            .block_on(api.delete(name, &DeleteParams::background()))
            .expect("delete object");
    }

    /// Applies a merge patch as another field manager would (e.g. `kubectl edit`).
    ///
    /// # Panics
    /// On API errors.
    pub fn merge_patch(&self, kind: Kind, namespace: Option<&str>, name: &str, patch: Value) {
        let api = self.api(kind, namespace);
        self.rt
            .block_on(api.patch(name, &PatchParams::default(), &Patch::Merge(patch)))
            .expect("patch object");
    }

    /// Stands in for the kubelet, which the test bed lacks: marks a Deployment's rollout as
    /// complete (observed generation, updated and available replicas).
    ///
    /// # Panics
    /// On API errors other than not found.
    pub fn complete_rollout(&self, namespace: &str, name: &str) -> bool {
        let api = self.api(kinds::DEPLOYMENT, Some(namespace));
        let Some(d) = self.rt.block_on(api.get_opt(name)).expect("get deployment") else {
            return false;
        };
        let generation = d.metadata.generation.unwrap_or(1);
        let replicas = d
            .data
            .pointer("/spec/replicas")
            .and_then(Value::as_i64)
            .unwrap_or(1);
        let status = serde_json::json!({"status": {
            "observedGeneration": generation, "replicas": replicas, "updatedReplicas": replicas,
            "readyReplicas": replicas, "availableReplicas": replicas,
            "conditions": [{"type": "Available", "status": "True", "reason": "MinimumReplicasAvailable", "message": "stand-in kubelet"}],
        }});
        self.rt
            .block_on(api.patch_status(name, &PatchParams::default(), &Patch::Merge(&status)))
            .expect("patch deployment status");
        true
    }

    /// Names of the objects of a kind (cluster-wide for cluster-scoped kinds).
    ///
    /// # Panics
    /// On API errors.
    #[must_use]
    pub fn names(&self, kind: Kind, namespace: Option<&str>) -> Vec<String> {
        let api = self.api(kind, namespace);
        let list = self
            .rt
            .block_on(api.list(&Default::default()))
            .expect("list objects");
        list.items.into_iter().filter_map(|o| o.metadata.name).collect()
    }

    /// Applies a strategic merge patch, as `kubectl patch` does by default.
    ///
    /// # Panics
    /// On API errors.
    pub fn strategic_patch(&self, kind: Kind, namespace: Option<&str>, name: &str, patch: Value) {
        let api = self.api(kind, namespace);
        self.rt
            .block_on(api.patch(name, &PatchParams::default(), &Patch::Strategic(patch)))
            .expect("patch object");
    }

    /// Creates an object.
    ///
    /// # Panics
    /// On API errors.
    pub fn create(&self, kind: Kind, namespace: Option<&str>, object: Value) {
        let api = self.api(kind, namespace);
        let object: DynamicObject = serde_json::from_value(object).expect("object");
        self.rt
            .block_on(api.create(&Default::default(), &object))
            .expect("create object");
    }

    /// Applies an object server-side as the field manager `acceptance-tests` (forced).
    ///
    /// # Panics
    /// On API errors.
    pub fn apply(&self, kind: Kind, namespace: Option<&str>, name: &str, object: &Value) {
        self.apply_as("acceptance-tests", kind, namespace, name, object);
    }

    /// Applies an object server-side as another tool would, with its field manager (forced).
    ///
    /// # Panics
    /// On API errors.
    pub fn apply_as(&self, manager: &str, kind: Kind, namespace: Option<&str>, name: &str, object: &Value) {
        let api = self.api(kind, namespace);
        let params = PatchParams::apply(manager).force();
        self.rt
            .block_on(api.patch(name, &params, &Patch::Apply(object)))
            .unwrap_or_else(|e| panic!("apply {} {name}: {e}", kind.1));
    }

    /// The objects of a kind as JSON (an empty list when the kind is not served).
    #[must_use]
    pub fn list(&self, kind: Kind, namespace: Option<&str>) -> Vec<Value> {
        let api = self.api(kind, namespace);
        self.rt
            .block_on(api.list(&Default::default()))
            .map(|l| {
                l.items
                    .into_iter()
                    .filter_map(|o| serde_json::to_value(o).ok())
                    .collect()
            })
            .unwrap_or_default()
    }

    /// Every object of a kind, found by discovery (an empty list when the kind is not served),
    /// or `None` when the API server does not answer.
    #[must_use]
    pub fn list_kind(&self, group: &str, version: &str, kind: &str) -> Option<Vec<Value>> {
        self.rt.block_on(async {
            let gvk = GroupVersionKind::gvk(group, version, kind);
            let (ar, _) = match kube::discovery::pinned_kind(&self.client, &gvk).await {
                Ok(found) => found,
                Err(kube::Error::Api(_) | kube::Error::Discovery(_)) => return Some(Vec::new()),
                Err(_) => return None,
            };
            let api: Api<DynamicObject> = Api::all_with(self.client.clone(), &ar);
            let list = api.list(&Default::default()).await.ok()?;
            Some(
                list.items
                    .into_iter()
                    .filter_map(|o| serde_json::to_value(o).ok())
                    .collect(),
            )
        })
    }

    /// Merge-patches the status of an object, as its controller would; a conflict or a vanished
    /// object is ignored (the caller tries again).
    pub fn try_patch_status(&self, kind: Kind, namespace: Option<&str>, name: &str, status: Value) {
        let api = self.api(kind, namespace);
        let _ = self
            .rt
            .block_on(api.patch_status(name, &PatchParams::default(), &Patch::Merge(&status)));
    }

    /// Waits up to `seconds` until the object is gone; returns whether it is.
    #[must_use]
    pub fn wait_gone(&self, kind: Kind, namespace: Option<&str>, name: &str, seconds: u64) -> bool {
        for _ in 0..seconds * 4 {
            if self.get(kind, namespace, name).is_none() {
                return true;
            }
            std::thread::sleep(std::time::Duration::from_millis(250));
        }
        false
    }
}
