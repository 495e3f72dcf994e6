//! The typed settings of `flux_helm_release`, decoded from a wholly known value (after
//! defaults).

use crate::resources::DependsOn;
use crate::resources::secrets::SecretInput;
use serde::Deserialize;
use tfplugin::Diagnostics;
use tfplugin::cty;
use tfplugin::cty::Value;

/// The settings of a `flux_helm_release` instance (everything but the common attributes).
#[derive(Clone, Debug, PartialEq, Deserialize)]
pub struct HelmReleaseSettings {
    /// `repository`.
    pub repository: Repository,
    /// `chart`.
    pub chart: Chart,
    /// `values` as a JSON object; `None` when unset (see [`HelmReleaseSettings::decode`]).
    #[serde(skip)]
    pub values: Option<serde_json::Map<String, serde_json::Value>>,
    /// `values_from`.
    #[serde(default)]
    pub values_from: Vec<ValuesFrom>,
    /// `sync`.
    pub sync: SyncSettings,
    /// `test`.
    pub test: bool,
    /// `drift_detection`; `None` when unset (the field is omitted).
    #[serde(default, deserialize_with = "tfplugin::decode::non_empty")]
    pub drift_detection: Option<String>,
}

impl HelmReleaseSettings {
    /// Decodes the settings of a wholly known value. `values` is free-form and taken as JSON as
    /// it is: a null in it means something to Helm (remove the chart's default), while the typed
    /// decoder leaves nulls out. `values` that is not an object (reported by
    /// [`super::validate`]) counts as unset.
    pub fn decode(value: &Value, diags: &mut Diagnostics) -> Option<Self> {
        let mut settings: Self = crate::resources::decode_settings(value, diags)?;
        settings.values = match cty::to_plain_json(value.get("values")) {
            Some(serde_json::Value::Object(m)) => Some(m),
            _ => None,
        };
        Some(settings)
    }

    /// Whether the chart comes from an OCI registry (`oci://`) rather than a Helm repository.
    #[must_use]
    pub fn is_oci(&self) -> bool {
        self.repository.url.starts_with("oci://")
    }
}

/// `repository`.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
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
    #[serde(default, deserialize_with = "tfplugin::decode::non_empty")]
    pub cert_secret_name: Option<String>,
}

/// `repository.auth`.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
pub struct Credentials {
    /// Username.
    pub username: String,
    /// Password or token (its `Debug` is redacted).
    pub password: SecretInput,
}

/// `chart`.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
pub struct Chart {
    /// Chart name.
    pub name: String,
    /// Version or semver range.
    pub version: String,
}

/// One `values_from` entry; empty strings are `None`.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
pub struct ValuesFrom {
    /// `ConfigMap` or `Secret`.
    pub kind: String,
    /// Object name.
    pub name: String,
    /// Data key.
    #[serde(default, deserialize_with = "tfplugin::decode::non_empty")]
    pub values_key: Option<String>,
    /// Values path.
    #[serde(default, deserialize_with = "tfplugin::decode::non_empty")]
    pub target_path: Option<String>,
    /// Tolerate a missing object or key.
    pub optional: Option<bool>,
}

/// `sync`.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
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
    #[serde(default, deserialize_with = "tfplugin::decode::non_empty")]
    pub service_account_name: Option<String>,
    /// Install and storage namespace.
    #[serde(default, deserialize_with = "tfplugin::decode::non_empty")]
    pub target_namespace: Option<String>,
    /// Dependencies.
    #[serde(default)]
    pub depends_on: Vec<DependsOn>,
}
