//! The typed settings of `flux_helm_release`, decoded from a wholly known value (after
//! defaults).

use super::{DEFAULT_CHART_VERSION, DEFAULT_INTERVAL, DEFAULT_PROVIDER, DEFAULT_RETRIES, DEFAULT_TIMEOUT};
use crate::resources::secrets::SecretInput;
use tfplugin::cty::{self, Value};

/// The settings of a `flux_helm_release` instance (everything but the common attributes).
#[derive(Clone, Debug, PartialEq)]
pub struct HelmReleaseSettings {
    /// `repository`.
    pub repository: Repository,
    /// `chart`.
    pub chart: Chart,
    /// `values` as a JSON object; `None` when unset.
    pub values: Option<serde_json::Map<String, serde_json::Value>>,
    /// `values_from`.
    pub values_from: Vec<ValuesFrom>,
    /// `sync`.
    pub sync: SyncSettings,
    /// `test`.
    pub test: bool,
    /// `drift_detection`; `None` when unset (the field is omitted).
    pub drift_detection: Option<String>,
}

impl HelmReleaseSettings {
    /// Whether the chart comes from an OCI registry (`oci://`) rather than a Helm repository.
    #[must_use]
    pub fn is_oci(&self) -> bool {
        self.repository.url.starts_with("oci://")
    }
}

/// `repository`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Repository {
    /// `http(s)://` or `oci://` URL.
    pub url: String,
    /// Credentials for the generated `<name>-helm-auth` Secret.
    pub auth: Option<Credentials>,
    /// `generic`, `aws`, `azure` or `gcp`.
    pub provider: String,
    /// Plain HTTP.
    pub insecure: bool,
    /// Existing TLS Secret (Helm repositories only); `None` when unset or empty.
    pub cert_secret_name: Option<String>,
}

/// `repository.auth`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Credentials {
    /// Username.
    pub username: String,
    /// Password or token (its `Debug` is redacted).
    pub password: SecretInput,
}

/// `chart`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Chart {
    /// Chart name.
    pub name: String,
    /// Version or semver range.
    pub version: String,
}

/// One `values_from` entry; empty strings are `None`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ValuesFrom {
    /// `ConfigMap` or `Secret`.
    pub kind: String,
    /// Object name.
    pub name: String,
    /// Data key.
    pub values_key: Option<String>,
    /// Values path.
    pub target_path: Option<String>,
    /// Tolerate a missing object or key.
    pub optional: Option<bool>,
}

/// `sync`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SyncSettings {
    /// Remediation retries (`-1`: forever).
    pub retries: i64,
    /// Reconcile interval, a Go duration as given.
    pub interval: String,
    /// Helm operation timeout, a Go duration as given.
    pub timeout: String,
    /// Do not wait for resources and Jobs.
    pub disable_wait: bool,
    /// Create the target namespace on install.
    pub create_namespace: bool,
    /// Impersonated ServiceAccount.
    pub service_account_name: Option<String>,
    /// Install and storage namespace.
    pub target_namespace: Option<String>,
    /// Dependencies.
    pub depends_on: Vec<DependsOn>,
}

impl Default for SyncSettings {
    fn default() -> Self {
        Self {
            retries: DEFAULT_RETRIES,
            interval: DEFAULT_INTERVAL.to_owned(),
            timeout: DEFAULT_TIMEOUT.to_owned(),
            disable_wait: false,
            create_namespace: false,
            service_account_name: None,
            target_namespace: None,
            depends_on: Vec::new(),
        }
    }
}

/// One `sync.depends_on` entry.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DependsOn {
    /// HelmRelease name.
    pub name: String,
    /// Its namespace; `None` for the same namespace.
    pub namespace: Option<String>,
}

fn non_empty(v: &Value) -> Option<String> {
    v.as_str().filter(|s| !s.is_empty()).map(str::to_owned)
}

fn string_or(v: &Value, default: &str) -> String {
    v.as_str().unwrap_or(default).to_owned()
}

/// Decodes the settings of a wholly known value (schema validation has passed). `values` that
/// is not an object (reported by [`super::validate`]) counts as unset.
#[must_use]
pub fn settings(v: &Value) -> HelmReleaseSettings {
    let repo = v.get("repository");
    let auth = repo.get("auth");
    let chart = v.get("chart");
    let sync = v.get("sync");
    let values = match cty::to_plain_json(v.get("values")) {
        Some(serde_json::Value::Object(m)) => Some(m),
        _ => None,
    };
    let list = |v: &Value| v.as_list().unwrap_or_default().to_vec();
    HelmReleaseSettings {
        repository: Repository {
            url: string_or(repo.get("url"), ""),
            auth: (!auth.is_null()).then(|| Credentials {
                username: string_or(auth.get("username"), ""),
                password: SecretInput::decode(auth, "password"),
            }),
            provider: string_or(repo.get("provider"), DEFAULT_PROVIDER),
            insecure: repo.get("insecure").as_bool().unwrap_or(false),
            cert_secret_name: non_empty(repo.get("cert_secret_name")),
        },
        chart: Chart {
            name: string_or(chart.get("name"), ""),
            version: string_or(chart.get("version"), DEFAULT_CHART_VERSION),
        },
        values,
        values_from: list(v.get("values_from"))
            .iter()
            .filter(|e| !e.is_null())
            .map(|e| ValuesFrom {
                kind: string_or(e.get("kind"), ""),
                name: string_or(e.get("name"), ""),
                values_key: non_empty(e.get("values_key")),
                target_path: non_empty(e.get("target_path")),
                optional: e.get("optional").as_bool(),
            })
            .collect(),
        sync: SyncSettings {
            retries: sync.get("retries").as_i64().unwrap_or(DEFAULT_RETRIES),
            interval: string_or(sync.get("interval"), DEFAULT_INTERVAL),
            timeout: string_or(sync.get("timeout"), DEFAULT_TIMEOUT),
            disable_wait: sync.get("disable_wait").as_bool().unwrap_or(false),
            create_namespace: sync.get("create_namespace").as_bool().unwrap_or(false),
            service_account_name: non_empty(sync.get("service_account_name")),
            target_namespace: non_empty(sync.get("target_namespace")),
            depends_on: list(sync.get("depends_on"))
                .iter()
                .filter(|e| !e.is_null())
                .map(|e| DependsOn {
                    name: string_or(e.get("name"), ""),
                    namespace: non_empty(e.get("namespace")),
                })
                .collect(),
        },
        test: v.get("test").as_bool().unwrap_or(false),
        drift_detection: non_empty(v.get("drift_detection")),
    }
}
