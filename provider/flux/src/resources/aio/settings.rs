//! The typed settings of `flux_aio`, decoded from a wholly known value (after defaults).

use crate::resources::secrets::SecretInput;
use serde::Deserialize;
use std::collections::BTreeMap;
use tfplugin::cty::Value;

/// The settings of a `flux_aio` instance (everything but the common attributes).
#[derive(Clone, Debug, PartialEq, Deserialize)]
pub struct AioSettings {
    /// `version`: the requested Flux version or range.
    pub version: String,
    /// `distribution`.
    pub distribution: DistributionSettings,
    /// `controllers`.
    pub controllers: Controllers,
    /// `expose`.
    pub expose: Expose,
    /// `proxy`.
    pub proxy: Proxy,
    /// `env`: extra environment variables, rendered sorted by name.
    #[serde(default)]
    pub env: BTreeMap<String, String>,
    /// `security_profile`.
    pub security_profile: SecurityProfile,
    /// `pod_security_profile`; `None` when empty.
    #[serde(default, deserialize_with = "tfplugin::decode::non_empty")]
    pub pod_security_profile: Option<String>,
    /// `log_level`.
    pub log_level: String,
    /// `host_network`.
    pub host_network: bool,
    /// `compatibility`.
    pub compatibility: Compatibility,
    /// `workload_identity`.
    pub workload_identity: Option<WorkloadIdentity>,
    /// `reconcile`.
    pub reconcile: Reconcile,
    /// `persistence`.
    pub persistence: Persistence,
    /// `tmpfs`.
    pub tmpfs: Tmpfs,
    /// `resources`: the default resources of every container.
    pub resources: Resources,
    /// `image_pull_secrets`: names of existing Secrets.
    #[serde(default)]
    pub image_pull_secrets: Vec<String>,
    /// `image_pull_secret`: credentials for a generated Secret.
    pub image_pull_secret: Option<PullSecret>,
    /// `tolerations` (the defaults unless set).
    pub tolerations: Vec<Toleration>,
    /// `security_context`, parsed; `None` for the default container securityContext.
    #[serde(default, deserialize_with = "json_object")]
    pub security_context: Option<serde_json::Value>,
    /// `node_selector`.
    #[serde(default)]
    pub node_selector: BTreeMap<String, String>,
    /// `pod_labels`.
    #[serde(default)]
    pub pod_labels: BTreeMap<String, String>,
    /// `pod_annotations`.
    #[serde(default)]
    pub pod_annotations: BTreeMap<String, String>,
    /// `priority_class_name`.
    pub priority_class_name: String,
    /// `affinity`, parsed; `None` for the fixed terms alone.
    #[serde(default, deserialize_with = "json_object")]
    pub affinity: Option<serde_json::Value>,
    /// `patches`, applied after rendering.
    #[serde(default)]
    pub patches: Vec<crate::render::patch::Patch>,
    /// `deletion_policy`.
    pub deletion_policy: DeletionPolicy,
}

impl Default for AioSettings {
    /// The settings of a configuration that sets nothing, decoded from the schema's defaults
    /// (the one place they are declared).
    fn default() -> Self {
        let schema = tfplugin::Schema {
            attributes: super::attributes(),
            ..tfplugin::Schema::default()
        };
        let empty = Value::Object(BTreeMap::new());
        let defaults = tfplugin::schema::fill_defaults(&schema, &empty, empty.clone());
        let mut diags = tfplugin::Diagnostics::new();
        crate::resources::decode_settings(&defaults, &mut diags)
            .unwrap_or_else(|| panic!("the flux_aio schema defaults do not decode: {diags:?}"))
    }
}

/// `distribution`.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
pub struct DistributionSettings {
    /// OCI repository of the distribution artifact.
    pub artifact: String,
    /// Registry of the default controller images.
    pub registry: String,
    /// Pull credentials.
    pub credentials: Option<Credentials>,
    /// Plain-HTTP registry.
    pub insecure: bool,
    /// PEM CA bundle of the registry.
    #[serde(default, deserialize_with = "non_blank")]
    pub ca: Option<String>,
}

/// Registry credentials (`distribution.credentials`).
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
pub struct Credentials {
    /// Username.
    pub username: String,
    /// Password or token (its `Debug` is redacted).
    pub password: SecretInput,
}

/// The five controllers of the pod, in container order.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Component {
    /// source-controller (always present).
    Source,
    /// kustomize-controller.
    Kustomize,
    /// helm-controller.
    Helm,
    /// notification-controller.
    Notification,
    /// source-watcher.
    Watcher,
}

impl Component {
    /// All components, in container order.
    pub const ALL: [Component; 5] = [
        Component::Source,
        Component::Kustomize,
        Component::Helm,
        Component::Notification,
        Component::Watcher,
    ];

    /// The container name, which is also the key of the distribution's image.
    #[must_use]
    pub fn container(self) -> &'static str {
        match self {
            Component::Source => "source-controller",
            Component::Kustomize => "kustomize-controller",
            Component::Helm => "helm-controller",
            Component::Notification => "notification-controller",
            Component::Watcher => "source-watcher",
        }
    }

    /// The attribute name under `controllers`.
    #[must_use]
    pub fn attribute(self) -> &'static str {
        match self {
            Component::Source => "source",
            Component::Kustomize => "kustomize",
            Component::Helm => "helm",
            Component::Notification => "notification",
            Component::Watcher => "watcher",
        }
    }
}

/// `controllers`.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
pub struct Controllers {
    /// source-controller (`enabled` is always true).
    pub source: Controller,
    /// kustomize-controller.
    pub kustomize: Controller,
    /// helm-controller.
    pub helm: Controller,
    /// notification-controller.
    pub notification: Controller,
    /// source-watcher.
    pub watcher: Controller,
}

impl Controllers {
    /// The settings of one controller.
    #[must_use]
    pub fn get(&self, c: Component) -> &Controller {
        match c {
            Component::Source => &self.source,
            Component::Kustomize => &self.kustomize,
            Component::Helm => &self.helm,
            Component::Notification => &self.notification,
            Component::Watcher => &self.watcher,
        }
    }

    /// The enabled controllers, in container order.
    pub fn enabled(&self) -> impl Iterator<Item = (Component, &Controller)> {
        Component::ALL
            .into_iter()
            .map(|c| (c, self.get(c)))
            .filter(|(_, ctl)| ctl.enabled)
    }
}

/// One controller's settings.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
pub struct Controller {
    /// Whether its container runs.
    #[serde(default = "always")]
    pub enabled: bool,
    /// Its image, replacing the distribution's.
    pub image: Option<ImageRef>,
    /// Its resources, replacing the top-level `resources`.
    pub resources: Option<Resources>,
    /// Extra flags, after the provider's own.
    #[serde(default)]
    pub args: Vec<String>,
    /// `--feature-gates`; none when empty.
    pub feature_gates: String,
}

/// A user-given image (design/rendering.md §2.3).
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
pub struct ImageRef {
    /// Repository; `None` keeps the distribution's.
    #[serde(default, deserialize_with = "tfplugin::decode::non_empty")]
    pub repository: Option<String>,
    /// Tag, if non-empty.
    #[serde(default, deserialize_with = "tfplugin::decode::non_empty")]
    pub tag: Option<String>,
    /// Digest, if non-empty.
    #[serde(default, deserialize_with = "tfplugin::decode::non_empty")]
    pub digest: Option<String>,
}

impl ImageRef {
    /// The image reference: `repo:tag@digest`, `repo@digest`, `repo:tag`, or `repo:latest`,
    /// the repository being the distribution's (`default`'s) when none is set; `None` when
    /// neither has one.
    #[must_use]
    pub fn reference(&self, default: Option<&str>) -> Option<String> {
        let repository = match &self.repository {
            Some(r) => r.clone(),
            None => repository_of(default?),
        };
        Some(match (&self.tag, &self.digest) {
            (Some(t), Some(d)) => format!("{repository}:{t}@{d}"),
            (None, Some(d)) => format!("{repository}@{d}"),
            (Some(t), None) => format!("{repository}:{t}"),
            (None, None) => format!("{repository}:latest"),
        })
    }
}

/// The repository of an image reference, without its tag and digest
/// (`registry:5000/fluxcd/source-controller:v1@sha256:...` → `registry:5000/fluxcd/source-controller`).
#[must_use]
pub fn repository_of(image: &str) -> String {
    let named = image.split_once('@').map_or(image, |(named, _)| named);
    match named.rsplit_once(':') {
        Some((repository, tag)) if !tag.contains('/') => repository.to_owned(),
        _ => named.to_owned(),
    }
}

/// Resource requests and limits.
#[derive(Clone, Debug, Default, PartialEq, Eq, Deserialize)]
pub struct Resources {
    /// Requests.
    #[serde(default)]
    pub requests: Quantities,
    /// Limits.
    #[serde(default)]
    pub limits: Quantities,
}

/// CPU and memory quantities; `None` when unset or empty.
#[derive(Clone, Debug, Default, PartialEq, Eq, Deserialize)]
pub struct Quantities {
    /// CPU.
    #[serde(default, deserialize_with = "tfplugin::decode::non_empty")]
    pub cpu: Option<String>,
    /// Memory.
    #[serde(default, deserialize_with = "tfplugin::decode::non_empty")]
    pub memory: Option<String>,
}

/// `expose`.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
pub struct Expose {
    /// Service `webhook-receiver`.
    pub webhook_receiver: bool,
    /// Service `notification-controller`.
    pub notification_server: bool,
    /// Service `source-controller`.
    pub source_server: bool,
}

/// `proxy`.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
pub struct Proxy {
    /// `HTTPS_PROXY`, if non-empty.
    #[serde(default, deserialize_with = "tfplugin::decode::non_empty")]
    pub https: Option<String>,
    /// `HTTP_PROXY`, if non-empty.
    #[serde(default, deserialize_with = "tfplugin::decode::non_empty")]
    pub http: Option<String>,
    /// `NO_PROXY`.
    pub no: String,
}

/// `security_profile`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum SecurityProfile {
    /// No lockdown.
    Privileged,
    /// Multi-tenancy lockdown (design/rendering.md §3.4).
    Restricted,
}

/// `compatibility`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Compatibility {
    /// Plain Kubernetes: pod `fsGroup: 1337`.
    Kubernetes,
    /// OpenShift: no pod `fsGroup`.
    Openshift,
}

/// `workload_identity.provider`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum WorkloadProvider {
    /// EKS IRSA.
    Aws,
    /// Azure Workload Identity.
    Azure,
    /// GKE Workload Identity.
    Gcp,
}

/// `workload_identity`.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
pub struct WorkloadIdentity {
    /// The cloud.
    pub provider: WorkloadProvider,
    /// Role ARN, client ID or service account.
    pub identity: String,
}

/// `reconcile`.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
pub struct Reconcile {
    /// `--concurrent`.
    pub concurrent: i64,
    /// `--requeue-dependency`, a Go duration.
    pub requeue_dependency: String,
}

/// `persistence`.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
pub struct Persistence {
    /// Render the PVC and mount it at `/data`.
    pub enabled: bool,
    /// StorageClass; `None` for the cluster's default class, `Some("")` for no class.
    #[serde(default)]
    pub storage_class: Option<String>,
    /// Requested size.
    pub size: String,
}

/// `tmpfs`.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
pub struct Tmpfs {
    /// RAM-backed `/tmp`.
    pub enabled: bool,
    /// Its size limit, if non-empty.
    #[serde(default, deserialize_with = "tfplugin::decode::non_empty")]
    pub size_limit: Option<String>,
}

/// `image_pull_secret`.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
pub struct PullSecret {
    /// Registry host.
    pub registry: String,
    /// Username.
    pub username: String,
    /// Password (its `Debug` is redacted).
    pub password: SecretInput,
}

/// One pod toleration; unset fields are omitted.
#[derive(Clone, Debug, Default, PartialEq, Eq, Deserialize)]
pub struct Toleration {
    /// `key`.
    #[serde(default, deserialize_with = "tfplugin::decode::non_empty")]
    pub key: Option<String>,
    /// `operator`.
    #[serde(default, deserialize_with = "tfplugin::decode::non_empty")]
    pub operator: Option<String>,
    /// `value`.
    #[serde(default, deserialize_with = "tfplugin::decode::non_empty")]
    pub value: Option<String>,
    /// `effect`.
    #[serde(default, deserialize_with = "tfplugin::decode::non_empty")]
    pub effect: Option<String>,
    /// `tolerationSeconds`.
    pub toleration_seconds: Option<i64>,
}

/// `deletion_policy`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum DeletionPolicy {
    /// Safe uninstall on destroy.
    Delete,
    /// Leave everything in the cluster on destroy.
    Orphan,
}

impl DeletionPolicy {
    /// The attribute value.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Delete => "delete",
            Self::Orphan => "orphan",
        }
    }
}

/// source-controller has no `enabled` attribute: it always runs. (The other controllers'
/// `enabled` has a schema default, so it is always given.)
fn always() -> bool {
    true
}

/// `distribution.ca`: blank is unset.
fn non_blank<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    let ca = Option::<String>::deserialize(d)?;
    Ok(ca.filter(|c| !c.trim().is_empty()))
}

/// `security_context`, a JSON object given as a string; anything else (which validation
/// rejects) is unset.
fn json_object<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<serde_json::Value>, D::Error> {
    let text = Option::<String>::deserialize(d)?;
    Ok(text
        .and_then(|t| serde_json::from_str::<serde_json::Value>(&t).ok())
        .filter(serde_json::Value::is_object))
}
