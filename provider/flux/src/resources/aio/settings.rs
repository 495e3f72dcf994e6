//! The typed settings of `flux_aio`, decoded from a wholly known value (after defaults).

use super::{
    DEFAULT_ARTIFACT, DEFAULT_CONCURRENT, DEFAULT_FEATURE_GATES, DEFAULT_LIMITS_MEMORY, DEFAULT_NO_PROXY,
    DEFAULT_REGISTRY, DEFAULT_REQUESTS_CPU, DEFAULT_REQUESTS_MEMORY, DEFAULT_REQUEUE_DEPENDENCY,
    DEFAULT_STORAGE_CLASS, DEFAULT_STORAGE_SIZE, DEFAULT_VERSION,
};
use crate::resources::secrets::SecretInput;
use crate::resources::string_map;
use std::collections::BTreeMap;
use tfplugin::cty::Value;

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
    /// The settings of a configuration that sets nothing: the schema defaults.
    fn default() -> Self {
        Self {
            version: DEFAULT_VERSION.to_owned(),
            distribution: DistributionSettings::default(),
            controllers: Controllers::default(),
            expose: Expose::default(),
            proxy: Proxy::default(),
            env: BTreeMap::new(),
            security_profile: SecurityProfile::Privileged,
            pod_security_profile: None,
            log_level: "info".to_owned(),
            host_network: true,
            compatibility: Compatibility::Kubernetes,
            workload_identity: None,
            reconcile: Reconcile::default(),
            persistence: Persistence::default(),
            tmpfs: Tmpfs::default(),
            resources: Resources {
                requests: Quantities {
                    cpu: Some(DEFAULT_REQUESTS_CPU.to_owned()),
                    memory: Some(DEFAULT_REQUESTS_MEMORY.to_owned()),
                },
                limits: Quantities {
                    cpu: None,
                    memory: Some(DEFAULT_LIMITS_MEMORY.to_owned()),
                },
            },
            image_pull_secrets: Vec::new(),
            image_pull_secret: None,
            tolerations: default_tolerations(),
            security_context: None,
            deletion_policy: DeletionPolicy::Delete,
        }
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

impl Default for DistributionSettings {
    fn default() -> Self {
        Self {
            artifact: DEFAULT_ARTIFACT.to_owned(),
            registry: DEFAULT_REGISTRY.to_owned(),
            credentials: None,
            insecure: false,
            ca: None,
        }
    }
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

impl Default for Controllers {
    fn default() -> Self {
        Self {
            source: Controller::default(),
            kustomize: Controller {
                feature_gates: DEFAULT_FEATURE_GATES.to_owned(),
                ..Controller::default()
            },
            helm: Controller {
                feature_gates: DEFAULT_FEATURE_GATES.to_owned(),
                ..Controller::default()
            },
            notification: Controller::default(),
            watcher: Controller::default(),
        }
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

impl Default for Controller {
    fn default() -> Self {
        Self {
            enabled: true,
            image: None,
            resources: None,
            feature_gates: String::new(),
        }
    }
}

/// A user-given image (RENDERING §2.3).
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
#[derive(Clone, Debug, Default, PartialEq, Eq)]
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

impl Default for Proxy {
    fn default() -> Self {
        Self {
            https: None,
            http: None,
            no: DEFAULT_NO_PROXY.to_owned(),
        }
    }
}

/// `security_profile`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SecurityProfile {
    /// No lockdown.
    Privileged,
    /// Multi-tenancy lockdown (RENDERING §3.4).
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

impl Default for Reconcile {
    fn default() -> Self {
        Self {
            concurrent: DEFAULT_CONCURRENT,
            requeue_dependency: DEFAULT_REQUEUE_DEPENDENCY.to_owned(),
        }
    }
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

impl Default for Persistence {
    fn default() -> Self {
        Self {
            enabled: false,
            storage_class: Some(DEFAULT_STORAGE_CLASS.to_owned()),
            size: DEFAULT_STORAGE_SIZE.to_owned(),
        }
    }
}

/// `tmpfs`.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
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

/// The default tolerations (RENDERING §3.3.1).
#[must_use]
pub fn default_tolerations() -> Vec<Toleration> {
    vec![
        Toleration {
            key: Some("node.kubernetes.io/not-ready".to_owned()),
            operator: Some("Exists".to_owned()),
            ..Toleration::default()
        },
        Toleration {
            key: Some("node.kubernetes.io/unreachable".to_owned()),
            operator: Some("Exists".to_owned()),
            effect: Some("NoExecute".to_owned()),
            toleration_seconds: Some(300),
            ..Toleration::default()
        },
    ]
}

/// A non-empty string.
fn non_empty(v: &Value) -> Option<String> {
    v.as_str().filter(|s| !s.is_empty()).map(str::to_owned)
}

fn string_or(v: &Value, default: &str) -> String {
    v.as_str().unwrap_or(default).to_owned()
}

fn quantities(v: &Value) -> Quantities {
    Quantities {
        cpu: non_empty(v.get("cpu")),
        memory: non_empty(v.get("memory")),
    }
}

fn resources(v: &Value) -> Option<Resources> {
    v.as_object()?;
    Some(Resources {
        requests: quantities(v.get("requests")),
        limits: quantities(v.get("limits")),
    })
}

fn controller(v: &Value, default: &Controller, always_enabled: bool) -> Controller {
    let image = v.get("image");
    Controller {
        enabled: always_enabled || v.get("enabled").as_bool().unwrap_or(default.enabled),
        image: image.get("repository").as_str().map(|repository| ImageRef {
            repository: repository.to_owned(),
            tag: non_empty(image.get("tag")),
            digest: non_empty(image.get("digest")),
        }),
        resources: resources(v.get("resources")),
        feature_gates: string_or(v.get("feature_gates"), &default.feature_gates),
    }
}

/// Decodes the settings of a wholly known value; null attributes take the schema defaults, and
/// `""` counts as unset for optional strings (`proxy.https`, `tmpfs.size_limit`, quantities,
/// image tag and digest, `pod_security_profile`, `persistence.storage_class`).
#[must_use]
pub fn settings(v: &Value) -> AioSettings {
    let d = AioSettings::default();
    let dist = v.get("distribution");
    let ctl = v.get("controllers");
    let expose = v.get("expose");
    let proxy = v.get("proxy");
    let reconcile = v.get("reconcile");
    let persistence = v.get("persistence");
    let tmpfs = v.get("tmpfs");
    let flag = |o: &Value, name: &str| o.get(name).as_bool().unwrap_or(false);
    AioSettings {
        version: string_or(v.get("version"), &d.version),
        distribution: DistributionSettings {
            artifact: string_or(dist.get("artifact"), DEFAULT_ARTIFACT),
            registry: string_or(dist.get("registry"), DEFAULT_REGISTRY),
            credentials: dist.get("credentials").as_object().map(|_| Credentials {
                username: string_or(dist.get("credentials").get("username"), ""),
                password: SecretInput::decode(dist.get("credentials"), "password"),
            }),
            insecure: flag(dist, "insecure"),
            ca: dist
                .get("ca")
                .as_str()
                .filter(|c| !c.trim().is_empty())
                .map(str::to_owned),
        },
        controllers: Controllers {
            source: controller(ctl.get("source"), &d.controllers.source, true),
            kustomize: controller(ctl.get("kustomize"), &d.controllers.kustomize, false),
            helm: controller(ctl.get("helm"), &d.controllers.helm, false),
            notification: controller(ctl.get("notification"), &d.controllers.notification, false),
            watcher: controller(ctl.get("watcher"), &d.controllers.watcher, false),
        },
        expose: Expose {
            webhook_receiver: flag(expose, "webhook_receiver"),
            notification_server: flag(expose, "notification_server"),
            source_server: flag(expose, "source_server"),
        },
        proxy: Proxy {
            https: non_empty(proxy.get("https")),
            http: non_empty(proxy.get("http")),
            no: string_or(proxy.get("no"), DEFAULT_NO_PROXY),
        },
        env: string_map(v.get("env")),
        security_profile: match v.get("security_profile").as_str() {
            Some("restricted") => SecurityProfile::Restricted,
            _ => SecurityProfile::Privileged,
        },
        pod_security_profile: non_empty(v.get("pod_security_profile")),
        log_level: string_or(v.get("log_level"), &d.log_level),
        host_network: v.get("host_network").as_bool().unwrap_or(d.host_network),
        compatibility: match v.get("compatibility").as_str() {
            Some("openshift") => Compatibility::Openshift,
            _ => Compatibility::Kubernetes,
        },
        workload_identity: {
            let w = v.get("workload_identity");
            let provider = match w.get("provider").as_str() {
                Some("aws") => Some(WorkloadProvider::Aws),
                Some("azure") => Some(WorkloadProvider::Azure),
                Some("gcp") => Some(WorkloadProvider::Gcp),
                _ => None,
            };
            provider.map(|provider| WorkloadIdentity {
                provider,
                identity: string_or(w.get("identity"), ""),
            })
        },
        reconcile: Reconcile {
            concurrent: reconcile.get("concurrent").as_i64().unwrap_or(DEFAULT_CONCURRENT),
            requeue_dependency: string_or(reconcile.get("requeue_dependency"), DEFAULT_REQUEUE_DEPENDENCY),
        },
        persistence: Persistence {
            enabled: flag(persistence, "enabled"),
            storage_class: if persistence.get("storage_class").is_null() {
                d.persistence.storage_class.clone()
            } else {
                non_empty(persistence.get("storage_class"))
            },
            size: string_or(persistence.get("size"), DEFAULT_STORAGE_SIZE),
        },
        tmpfs: Tmpfs {
            enabled: flag(tmpfs, "enabled"),
            size_limit: non_empty(tmpfs.get("size_limit")),
        },
        resources: resources(v.get("resources")).unwrap_or(d.resources),
        image_pull_secrets: v
            .get("image_pull_secrets")
            .as_list()
            .unwrap_or_default()
            .iter()
            .filter_map(|s| s.as_str().map(str::to_owned))
            .collect(),
        image_pull_secret: {
            let p = v.get("image_pull_secret");
            p.as_object().map(|_| PullSecret {
                registry: string_or(p.get("registry"), ""),
                username: string_or(p.get("username"), ""),
                password: SecretInput::decode(p, "password"),
            })
        },
        tolerations: match v.get("tolerations").as_list() {
            Some(items) => items
                .iter()
                .map(|t| Toleration {
                    key: non_empty(t.get("key")),
                    operator: non_empty(t.get("operator")),
                    value: non_empty(t.get("value")),
                    effect: non_empty(t.get("effect")),
                    toleration_seconds: t.get("toleration_seconds").as_i64(),
                })
                .collect(),
            None => d.tolerations,
        },
        security_context: v
            .get("security_context")
            .as_str()
            .and_then(|s| serde_json::from_str::<serde_json::Value>(s).ok())
            .filter(serde_json::Value::is_object),
        deletion_policy: match v.get("deletion_policy").as_str() {
            Some("orphan") => DeletionPolicy::Orphan,
            _ => DeletionPolicy::Delete,
        },
    }
}
