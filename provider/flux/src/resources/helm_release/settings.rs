//! The typed settings of `flux_helm_release`, decoded from a wholly known value (after
//! defaults).

use crate::resources::DependsOn;
use crate::resources::secrets::SecretInput;
use tfplugin::cty;
use tfplugin::decode::{Decode, DecodeError, Field};

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

impl Decode for HelmReleaseSettings {
    /// `values` that is not an object (reported by [`super::validate`]) counts as unset.
    fn decode(v: &Field<'_>) -> Result<Self, DecodeError> {
        let values = match cty::to_plain_json(v.value().get("values")) {
            Some(serde_json::Value::Object(m)) => Some(m),
            _ => None,
        };
        Ok(Self {
            repository: v.get("repository")?,
            chart: v.get("chart")?,
            values,
            values_from: v.get("values_from")?,
            sync: v.get("sync")?,
            test: v.get("test")?,
            drift_detection: v.non_empty("drift_detection")?,
        })
    }
}

impl Decode for Repository {
    fn decode(r: &Field<'_>) -> Result<Self, DecodeError> {
        Ok(Self {
            url: r.get("url")?,
            auth: r.get("auth")?,
            provider: r.get("provider")?,
            insecure: r.get("insecure")?,
            cert_secret_name: r.non_empty("cert_secret_name")?,
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

impl Decode for Chart {
    fn decode(c: &Field<'_>) -> Result<Self, DecodeError> {
        Ok(Self {
            name: c.get("name")?,
            version: c.get("version")?,
        })
    }
}

impl Decode for ValuesFrom {
    fn decode(e: &Field<'_>) -> Result<Self, DecodeError> {
        Ok(Self {
            kind: e.get("kind")?,
            name: e.get("name")?,
            values_key: e.non_empty("values_key")?,
            target_path: e.non_empty("target_path")?,
            optional: e.get("optional")?,
        })
    }
}

impl Decode for SyncSettings {
    fn decode(s: &Field<'_>) -> Result<Self, DecodeError> {
        Ok(Self {
            retries: s.get("retries")?,
            interval: s.get("interval")?,
            timeout: s.get("timeout")?,
            disable_wait: s.get("disable_wait")?,
            create_namespace: s.get("create_namespace")?,
            service_account_name: s.non_empty("service_account_name")?,
            target_namespace: s.non_empty("target_namespace")?,
            depends_on: s.get("depends_on")?,
        })
    }
}
