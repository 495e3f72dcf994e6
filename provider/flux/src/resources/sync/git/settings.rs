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
    /// URL of the repository: HTTPS, `ssh://` or scp-like (`git@host:org/repo`).
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
    /// Username of token authentication over HTTPS.
    pub username: String,
    /// Token (password of `username`); none when unset.
    pub token: SecretInput,
    /// PEM CA of a self-hosted server; none when empty.
    pub ca: String,
    /// SSH authentication, for an SSH URL.
    pub ssh: Option<Ssh>,
    /// GitRepository `spec.provider`: `generic`, `aws`, `azure` or `github`.
    pub provider: String,
}

/// `git.ssh`: SSH authentication.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
pub struct Ssh {
    /// The private key (`identity` of the Secret).
    pub private_key: SecretInput,
    /// The server's host keys (`known_hosts` of the Secret).
    pub known_hosts: String,
    /// The passphrase of an encrypted key (`password` of the Secret); none when unset.
    pub passphrase: SecretInput,
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

/// How a repository URL is reached.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Transport {
    /// `https://`.
    Https,
    /// `ssh://` or scp-like `user@host:path`.
    Ssh,
}

/// The transport of a repository URL, `None` for a URL of no supported form (the schema's
/// validator names it).
#[must_use]
pub fn transport(url: &str) -> Option<Transport> {
    if url.starts_with("https://") {
        Some(Transport::Https)
    } else if url.starts_with("ssh://") || scp_like(url).is_some() {
        Some(Transport::Ssh)
    } else {
        None
    }
}

/// The `(user@host, path)` of an scp-like URL (`git@github.com:org/repo`): a user and a host
/// before the first colon, no `/` before it, and no `://`.
fn scp_like(url: &str) -> Option<(&str, &str)> {
    if url.contains("://") {
        return None;
    }
    // A bracketed IPv6 host holds colons of its own.
    let colon = match url.find("@[") {
        Some(at) => at + url[at..].find("]:")? + 1,
        None => url.find(':')?,
    };
    let (authority, path) = (&url[..colon], &url[colon + 1..]);
    let (user, host) = authority.split_once('@')?;
    (!user.is_empty() && !host.is_empty() && !authority.contains('/') && !path.is_empty())
        .then_some((authority, path))
}

/// The URL as `spec.url` takes it: an scp-like URL becomes `ssh://user@host/path` (the
/// source-controller accepts only URLs; the `flux` CLI converts the same way), any other is
/// kept.
#[must_use]
pub fn flux_url(url: &str) -> String {
    match scp_like(url) {
        Some((authority, path)) => format!("ssh://{authority}/{}", path.trim_start_matches('/')),
        None => url.to_owned(),
    }
}

impl GitSettings {
    /// Whether a Secret is rendered: a token, a CA (difference 6), a GitHub App or an SSH key.
    #[must_use]
    pub fn has_secret(&self) -> bool {
        self.git.token.is_set() || !self.git.ca.is_empty() || self.github.is_some() || self.git.ssh.is_some()
    }

    /// The GitRepository's `spec.provider`: `github` with a GitHub App, else `git.provider`.
    #[must_use]
    pub fn provider(&self) -> &str {
        if self.github.is_some() {
            "github"
        } else {
            &self.git.provider
        }
    }
}
