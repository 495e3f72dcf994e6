//! The typed settings of `flux_git_sync`, decoded from a wholly known value (after defaults).

use crate::resources::secrets::SecretInput;
use crate::resources::sync::kustomization::{KustomizeOptions, SyncOptions};
use tfplugin::decode::{Decode, DecodeError, Field};

/// The settings of a `flux_git_sync`, decoded from a wholly known value.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct GitSettings {
    /// `git`.
    pub git: Git,
    /// `github`, when GitHub App authentication is configured.
    pub github: Option<GitHubApp>,
    /// `sync` (with `git.path`).
    pub sync: SyncOptions,
    /// `substitute`, `substitute_from`, `patches`, `decryption`.
    pub kustomize: KustomizeOptions,
}

/// `git`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Git {
    /// HTTPS URL of the repository.
    pub url: String,
    /// Full Git reference (`refs/heads/main`).
    pub git_ref: String,
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
#[derive(Clone, Debug, PartialEq, Eq)]
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

impl Decode for GitSettings {
    fn decode(v: &Field<'_>) -> Result<Self, DecodeError> {
        let git = v.attr("git");
        Ok(Self {
            git: git.decode()?,
            github: v.get("github")?,
            sync: SyncOptions::decode(&v.attr("sync"), git.get("path")?)?,
            kustomize: v.decode()?,
        })
    }
}

impl Decode for Git {
    fn decode(git: &Field<'_>) -> Result<Self, DecodeError> {
        Ok(Self {
            url: git.get("url")?,
            git_ref: git.get("ref")?,
            interval: git.get("interval")?,
            ignore: git.get("ignore")?,
            token: SecretInput::decode(git, "token")?,
            ca: git.get("ca")?,
        })
    }
}

impl Decode for GitHubApp {
    fn decode(app: &Field<'_>) -> Result<Self, DecodeError> {
        Ok(Self {
            app_id: app.get("app_id")?,
            app_installation_id: app.get("app_installation_id")?,
            app_private_key: SecretInput::decode(app, "app_private_key")?,
        })
    }
}
