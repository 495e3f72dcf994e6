//! The typed settings of `flux_oci_sync`, decoded from a wholly known value (after defaults).

use crate::resources::secrets::SecretInput;
use crate::resources::sync::kustomization::{KustomizeOptions, SyncOptions};
use tfplugin::decode::{Decode, DecodeError, Field};

/// The settings of a `flux_oci_sync`, decoded from a wholly known value.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OciSettings {
    /// `artifact`.
    pub artifact: Artifact,
    /// `sync` (with `sync.path`).
    pub sync: SyncOptions,
    /// `substitute`, `substitute_from`, `patches`, `decryption`.
    pub kustomize: KustomizeOptions,
}

/// `artifact`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Artifact {
    /// `oci://` address of the artifact repository.
    pub url: String,
    /// Tag to pull, when `semver` is empty.
    pub tag: String,
    /// Semver range; wins over `tag` when set and not empty.
    pub semver: Option<String>,
    /// OCIRepository `spec.interval`, a Go duration.
    pub interval: String,
    /// `.gitignore`-syntax exclusions; omitted when empty.
    pub ignore: String,
    /// `auth.provider`: `generic`, `aws`, `azure` or `gcp`.
    pub provider: String,
    /// `auth.credentials`.
    pub credentials: Option<Credentials>,
    /// `tls.insecure`: plain HTTP.
    pub insecure: bool,
    /// `tls.ca`: PEM CA of the registry; none when empty.
    pub ca: String,
}

/// `artifact.auth.credentials`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Credentials {
    /// Registry username.
    pub username: String,
    /// Registry password or token.
    pub password: SecretInput,
}

impl Decode for OciSettings {
    fn decode(v: &Field<'_>) -> Result<Self, DecodeError> {
        let sync = v.attr("sync");
        Ok(Self {
            artifact: v.get("artifact")?,
            sync: SyncOptions::decode(&sync, sync.get("path")?)?,
            kustomize: v.decode()?,
        })
    }
}

impl Decode for Artifact {
    fn decode(a: &Field<'_>) -> Result<Self, DecodeError> {
        let (auth, tls) = (a.attr("auth"), a.attr("tls"));
        Ok(Self {
            url: a.get("url")?,
            tag: a.get("tag")?,
            semver: a.non_empty("semver")?,
            interval: a.get("interval")?,
            ignore: a.get("ignore")?,
            provider: auth.get("provider")?,
            credentials: auth.get("credentials")?,
            insecure: tls.get("insecure")?,
            ca: tls.get("ca")?,
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
