//! The typed settings of `flux_git_sync`, decoded from a wholly known value (after defaults).

use crate::resources::secrets::SecretInput;
use crate::resources::sync::kustomization::{KustomizeOptions, SyncOptions};
use serde::Deserialize;

/// The settings of a `flux_git_sync`, decoded from a wholly known value.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
pub struct GitSettings {
    /// `git`.
    pub git: Git,
    /// `github`, when GitHub App authentication is configured.
    pub github: Option<GitHubApp>,
    /// `sync` (the Kustomization path is `git.path`).
    pub sync: SyncOptions,
    /// `substitute`, `substitute_from`, `patches`, `decryption`.
    #[serde(flatten)]
    pub kustomize: KustomizeOptions,
}

/// `git`.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
pub struct Git {
    /// HTTPS URL of the repository.
    pub url: String,
    /// Full Git reference (`refs/heads/main`).
    #[serde(rename = "ref")]
    pub git_ref: String,
    /// Path in the repository the Kustomization applies.
    pub path: String,
    /// GitRepository `spec.interval`, a Go duration.
    pub interval: String,
    /// `.gitignore`-syntax exclusions; omitted when empty.
    pub ignore: String,
    /// Token (password of user `git`); none when unset.
    pub token: SecretInput,
    /// PEM CA of a self-hosted server; none when empty.
    pub ca: String,
}

/// `github`: GitHub App authentication.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
pub struct GitHubApp {
    /// The App ID.
    pub app_id: String,
    /// The installation ID.
    pub app_installation_id: String,
    /// The App's PEM private key.
    pub app_private_key: SecretInput,
}

impl GitSettings {
    /// Whether a Secret is rendered: a token, a CA (difference 6) or a GitHub App.
    #[must_use]
    pub fn has_secret(&self) -> bool {
        self.git.token.is_set() || !self.git.ca.is_empty() || self.github.is_some()
    }
}
