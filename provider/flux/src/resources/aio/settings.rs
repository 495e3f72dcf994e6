//! The typed settings of `flux_aio`, decoded from a wholly known value (after defaults).

use crate::resources::secrets::SecretInput;
use std::collections::BTreeMap;
use tfplugin::cty::Value;
use tfplugin::decode::{Decode, DecodeError, Field};

/// The settings of a `flux_aio` instance (everything but the common attributes).
#[derive(Clone, Debug, PartialEq)]
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
    pub env: BTreeMap<String, String>,
    /// `security_profile`.
    pub security_profile: SecurityProfile,
    /// `pod_security_profile`; `None` when empty.
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
    pub image_pull_secrets: Vec<String>,
    /// `image_pull_secret`: credentials for a generated Secret.
    pub image_pull_secret: Option<PullSecret>,
    /// `tolerations` (the defaults unless set).
    pub tolerations: Vec<Toleration>,
    /// `security_context`, parsed; `None` for the default container securityContext.
    pub security_context: Option<serde_json::Value>,
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
        Field::root(&defaults)
            .decode()
            .unwrap_or_else(|e| panic!("the flux_aio schema defaults do not decode: {e}"))
    }
}

/// `distribution`.
#[derive(Clone, Debug, PartialEq, Eq)]
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
    pub ca: Option<String>,
}

/// Registry credentials (`distribution.credentials`).
#[derive(Clone, Debug, PartialEq, Eq)]
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
#[derive(Clone, Debug, PartialEq, Eq)]
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
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Controller {
    /// Whether its container runs.
    pub enabled: bool,
    /// Its image, replacing the distribution's.
    pub image: Option<ImageRef>,
    /// Its resources, replacing the top-level `resources`.
    pub resources: Option<Resources>,
    /// `--feature-gates`; none when empty.
    pub feature_gates: String,
}

/// A user-given image (docs/design/rendering.md §2.3).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ImageRef {
    /// Repository.
    pub repository: String,
    /// Tag, if non-empty.
    pub tag: Option<String>,
    /// Digest, if non-empty.
    pub digest: Option<String>,
}

impl ImageRef {
    /// The image reference: `repo:tag@digest`, `repo@digest`, `repo:tag`, or `repo:latest`.
    #[must_use]
    pub fn reference(&self) -> String {
        match (&self.tag, &self.digest) {
            (Some(t), Some(d)) => format!("{}:{t}@{d}", self.repository),
            (None, Some(d)) => format!("{}@{d}", self.repository),
            (Some(t), None) => format!("{}:{t}", self.repository),
            (None, None) => format!("{}:latest", self.repository),
        }
    }
}

/// Resource requests and limits.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Resources {
    /// Requests.
    pub requests: Quantities,
    /// Limits.
    pub limits: Quantities,
}

/// CPU and memory quantities; `None` when unset or empty.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Quantities {
    /// CPU.
    pub cpu: Option<String>,
    /// Memory.
    pub memory: Option<String>,
}

/// `expose`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Expose {
    /// Service `webhook-receiver`.
    pub webhook_receiver: bool,
    /// Service `notification-controller`.
    pub notification_server: bool,
    /// Service `source-controller`.
    pub source_server: bool,
}

/// `proxy`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Proxy {
    /// `HTTPS_PROXY`, if non-empty.
    pub https: Option<String>,
    /// `HTTP_PROXY`, if non-empty.
    pub http: Option<String>,
    /// `NO_PROXY`.
    pub no: String,
}

/// `security_profile`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SecurityProfile {
    /// No lockdown.
    Privileged,
    /// Multi-tenancy lockdown (docs/design/rendering.md §3.4).
    Restricted,
}

/// `compatibility`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Compatibility {
    /// Plain Kubernetes: pod `fsGroup: 1337`.
    Kubernetes,
    /// OpenShift: no pod `fsGroup`.
    Openshift,
}

/// `workload_identity.provider`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum WorkloadProvider {
    /// EKS IRSA.
    Aws,
    /// Azure Workload Identity.
    Azure,
    /// GKE Workload Identity.
    Gcp,
}

/// `workload_identity`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct WorkloadIdentity {
    /// The cloud.
    pub provider: WorkloadProvider,
    /// Role ARN, client ID or service account.
    pub identity: String,
}

/// `reconcile`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Reconcile {
    /// `--concurrent`.
    pub concurrent: i64,
    /// `--requeue-dependency`, a Go duration.
    pub requeue_dependency: String,
}

/// `persistence`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Persistence {
    /// Render the PVC and mount it at `/data`.
    pub enabled: bool,
    /// StorageClass; `None` when empty (the cluster default).
    pub storage_class: Option<String>,
    /// Requested size.
    pub size: String,
}

/// `tmpfs`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Tmpfs {
    /// RAM-backed `/tmp`.
    pub enabled: bool,
    /// Its size limit, if non-empty.
    pub size_limit: Option<String>,
}

/// `image_pull_secret`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PullSecret {
    /// Registry host.
    pub registry: String,
    /// Username.
    pub username: String,
    /// Password (its `Debug` is redacted).
    pub password: SecretInput,
}

/// One pod toleration; unset fields are omitted.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Toleration {
    /// `key`.
    pub key: Option<String>,
    /// `operator`.
    pub operator: Option<String>,
    /// `value`.
    pub value: Option<String>,
    /// `effect`.
    pub effect: Option<String>,
    /// `tolerationSeconds`.
    pub toleration_seconds: Option<i64>,
}

/// `deletion_policy`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
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

impl Decode for AioSettings {
    /// `""` counts as unset for optional strings (`proxy.https`, `tmpfs.size_limit`,
    /// quantities, image tag and digest, `pod_security_profile`, `persistence.storage_class`).
    fn decode(v: &Field<'_>) -> Result<Self, DecodeError> {
        use Component::{Helm, Kustomize, Notification, Source, Watcher};
        let ctl = v.attr("controllers");
        let controller = |c: Component| Controller::decode(&ctl.attr(c.attribute()), c == Source);
        Ok(Self {
            version: v.get("version")?,
            distribution: v.get("distribution")?,
            controllers: Controllers {
                source: controller(Source)?,
                kustomize: controller(Kustomize)?,
                helm: controller(Helm)?,
                notification: controller(Notification)?,
                watcher: controller(Watcher)?,
            },
            expose: v.get("expose")?,
            proxy: v.get("proxy")?,
            env: v.get("env")?,
            security_profile: v.choice(
                "security_profile",
                &[
                    ("privileged", SecurityProfile::Privileged),
                    ("restricted", SecurityProfile::Restricted),
                ],
            )?,
            pod_security_profile: v.non_empty("pod_security_profile")?,
            log_level: v.get("log_level")?,
            host_network: v.get("host_network")?,
            compatibility: v.choice(
                "compatibility",
                &[
                    ("kubernetes", Compatibility::Kubernetes),
                    ("openshift", Compatibility::Openshift),
                ],
            )?,
            workload_identity: v.get("workload_identity")?,
            reconcile: v.get("reconcile")?,
            persistence: v.get("persistence")?,
            tmpfs: v.get("tmpfs")?,
            resources: v.get("resources")?,
            image_pull_secrets: v.get("image_pull_secrets")?,
            image_pull_secret: v.get("image_pull_secret")?,
            tolerations: v.get("tolerations")?,
            security_context: v
                .get::<Option<String>>("security_context")?
                .and_then(|s| serde_json::from_str::<serde_json::Value>(&s).ok())
                .filter(serde_json::Value::is_object),
            deletion_policy: v.choice(
                "deletion_policy",
                &[
                    ("delete", DeletionPolicy::Delete),
                    ("orphan", DeletionPolicy::Orphan),
                ],
            )?,
        })
    }
}

impl Decode for DistributionSettings {
    fn decode(d: &Field<'_>) -> Result<Self, DecodeError> {
        Ok(Self {
            artifact: d.get("artifact")?,
            registry: d.get("registry")?,
            credentials: d.get("credentials")?,
            insecure: d.get("insecure")?,
            ca: d.get::<Option<String>>("ca")?.filter(|c| !c.trim().is_empty()),
        })
    }
}

impl Decode for Credentials {
    fn decode(c: &Field<'_>) -> Result<Self, DecodeError> {
        Ok(Self {
            username: c.get("username")?,
            password: SecretInput::decode(c, "password")?,
        })
    }
}

impl Controller {
    /// Decodes `controllers.<name>`; source-controller has no `enabled` and always runs.
    fn decode(c: &Field<'_>, always_enabled: bool) -> Result<Self, DecodeError> {
        Ok(Self {
            enabled: always_enabled || c.get("enabled")?,
            image: c.get("image")?,
            resources: c.get("resources")?,
            feature_gates: c.get("feature_gates")?,
        })
    }
}

impl Decode for ImageRef {
    fn decode(i: &Field<'_>) -> Result<Self, DecodeError> {
        Ok(Self {
            repository: i.get("repository")?,
            tag: i.non_empty("tag")?,
            digest: i.non_empty("digest")?,
        })
    }
}

impl Decode for Resources {
    fn decode(r: &Field<'_>) -> Result<Self, DecodeError> {
        Ok(Self {
            requests: r.get::<Option<Quantities>>("requests")?.unwrap_or_default(),
            limits: r.get::<Option<Quantities>>("limits")?.unwrap_or_default(),
        })
    }
}

impl Decode for Quantities {
    fn decode(q: &Field<'_>) -> Result<Self, DecodeError> {
        Ok(Self {
            cpu: q.non_empty("cpu")?,
            memory: q.non_empty("memory")?,
        })
    }
}

impl Decode for Expose {
    fn decode(e: &Field<'_>) -> Result<Self, DecodeError> {
        Ok(Self {
            webhook_receiver: e.get("webhook_receiver")?,
            notification_server: e.get("notification_server")?,
            source_server: e.get("source_server")?,
        })
    }
}

impl Decode for Proxy {
    fn decode(p: &Field<'_>) -> Result<Self, DecodeError> {
        Ok(Self {
            https: p.non_empty("https")?,
            http: p.non_empty("http")?,
            no: p.get("no")?,
        })
    }
}

impl Decode for WorkloadIdentity {
    fn decode(w: &Field<'_>) -> Result<Self, DecodeError> {
        Ok(Self {
            provider: w.choice(
                "provider",
                &[
                    ("aws", WorkloadProvider::Aws),
                    ("azure", WorkloadProvider::Azure),
                    ("gcp", WorkloadProvider::Gcp),
                ],
            )?,
            identity: w.get("identity")?,
        })
    }
}

impl Decode for Reconcile {
    fn decode(r: &Field<'_>) -> Result<Self, DecodeError> {
        Ok(Self {
            concurrent: r.get("concurrent")?,
            requeue_dependency: r.get("requeue_dependency")?,
        })
    }
}

impl Decode for Persistence {
    fn decode(p: &Field<'_>) -> Result<Self, DecodeError> {
        Ok(Self {
            enabled: p.get("enabled")?,
            storage_class: p.non_empty("storage_class")?,
            size: p.get("size")?,
        })
    }
}

impl Decode for Tmpfs {
    fn decode(t: &Field<'_>) -> Result<Self, DecodeError> {
        Ok(Self {
            enabled: t.get("enabled")?,
            size_limit: t.non_empty("size_limit")?,
        })
    }
}

impl Decode for PullSecret {
    fn decode(p: &Field<'_>) -> Result<Self, DecodeError> {
        Ok(Self {
            registry: p.get("registry")?,
            username: p.get("username")?,
            password: SecretInput::decode(p, "password")?,
        })
    }
}

impl Decode for Toleration {
    fn decode(t: &Field<'_>) -> Result<Self, DecodeError> {
        Ok(Self {
            key: t.non_empty("key")?,
            operator: t.non_empty("operator")?,
            value: t.non_empty("value")?,
            effect: t.non_empty("effect")?,
            toleration_seconds: t.get("toleration_seconds")?,
        })
    }
}
