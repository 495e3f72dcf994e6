//! The typed settings of `flux_oci_sync`, decoded from a wholly known value (after defaults).

use crate::resources::secrets::SecretInput;
use crate::resources::sync::kustomization::{KustomizeOptions, SyncOptions};
use serde::Deserialize;

/// The settings of a `flux_oci_sync`, decoded from a wholly known value.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
pub struct OciSettings {
    /// `artifact`.
    pub artifact: Artifact,
    /// `sync`, with the path in the artifact.
    pub sync: OciSyncOptions,
    /// `substitute`, `substitute_from`, `patches`, `decryption`.
    #[serde(flatten)]
    pub kustomize: KustomizeOptions,
}

/// `sync` of a `flux_oci_sync`: the Kustomization options and `sync.path`.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
pub struct OciSyncOptions {
    /// Path inside the artifact the Kustomization applies.
    pub path: String,
    /// The options both sync resources share.
    #[serde(flatten)]
    pub options: SyncOptions,
}

/// `artifact`.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
pub struct Artifact {
    /// `oci://` address of the artifact repository.
    pub url: String,
    /// Tag to pull, when `semver` is unset.
    pub tag: String,
    /// Semver range; wins over `tag` when set and not empty.
    #[serde(default, deserialize_with = "tfplugin::decode::non_empty")]
    pub semver: Option<String>,
    /// OCIRepository `spec.interval`, a Go duration.
    pub interval: String,
    /// `.gitignore`-syntax exclusions; omitted when empty.
    pub ignore: String,
    /// `auth`.
    pub auth: Auth,
    /// `tls`.
    pub tls: Tls,
}

/// `artifact.auth`.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
pub struct Auth {
    /// `generic`, `aws`, `azure` or `gcp`.
    pub provider: String,
    /// Registry credentials, for a generated Secret.
    pub credentials: Option<Credentials>,
}

/// `artifact.tls`.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
pub struct Tls {
    /// Plain HTTP.
    pub insecure: bool,
    /// PEM CA of the registry; none when empty.
    pub ca: String,
}

/// `artifact.auth.credentials`.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
pub struct Credentials {
    /// Registry username.
    pub username: String,
    /// Registry password or token.
    pub password: SecretInput,
}
