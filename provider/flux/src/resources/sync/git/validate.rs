//! Cross-attribute checks of `flux_git_sync`.

use super::{Transport, transport};
use crate::resources::secrets;
use crate::resources::sync::kustomization;
use tfplugin::cty::Value;
use tfplugin::diag::Diagnostics;
use tfplugin::path::AttributePath;

/// The GitHub App attributes.
const GITHUB_FIELDS: &[&str] = &["app_id", "app_installation_id", "app_private_key"];

/// Cross-attribute checks of a configuration that may hold unknowns: GitHub App fields given
/// partly, authentication that does not fit the URL's transport or the provider, and the shared
/// Kustomization options.
pub fn validate(config: &Value, diags: &mut Diagnostics) {
    let github = config.get("github");
    if !github.is_null() && !github.is_unknown() {
        let unset = |v: &Value| v.as_str().is_some_and(str::is_empty) || v.is_null();
        let missing: Vec<&str> = GITHUB_FIELDS
            .iter()
            .copied()
            .filter(|a| unset(github.get(a)) && github.get(&format!("{a}_wo")).is_null())
            .collect();
        if !missing.is_empty() {
            diags.error_at(
                AttributePath::root("github"),
                "Incomplete GitHub App",
                format!(
                    "GitHub App authentication needs app_id, app_installation_id and app_private_key; missing: {}.",
                    missing.join(", ")
                ),
            );
        }
    }
    let git = config.get("git");
    secrets::validate(git, &AttributePath::root("git"), "token", false, diags);
    let ssh = git.get("ssh");
    if !git.is_unknown() && !ssh.is_unknown() {
        let path = AttributePath::root("git").attr("ssh");
        secrets::validate(ssh, &path, "private_key", true, diags);
        secrets::validate(ssh, &path, "passphrase", false, diags);
        let known_hosts = ssh.get("known_hosts");
        if !ssh.is_null() && !given(known_hosts) {
            diags.error_at(
                path.attr("known_hosts"),
                "Missing known_hosts",
                "git.ssh.known_hosts is empty: Flux checks the server against these host keys \
                 (`ssh-keyscan -p <port> <host>` prints them).",
            );
        }
    }
    if !git.is_null() && !git.is_unknown() {
        authentication(git, github, diags);
    }
    if !github.is_unknown() {
        secrets::validate(
            github,
            &AttributePath::root("github"),
            "app_private_key",
            false,
            diags,
        );
    }
    kustomization::validate(config, diags);
}

/// Whether the secret triplet `<name>` of `parent` is given in any form (or may be: unknown).
fn secret_given(parent: &Value, name: &str) -> bool {
    let plain = parent.get(name);
    plain.is_unknown()
        || plain.as_str().is_some_and(|s| !s.is_empty())
        || !parent.get(&format!("{name}_wo")).is_null()
        || !parent.get(&format!("{name}_wo_version")).is_null()
}

/// Whether an optional string is given non-empty (or may be: unknown).
fn given(v: &Value) -> bool {
    v.is_unknown() || v.as_str().is_some_and(|s| !s.is_empty())
}

/// Authentication against the URL's transport and `git.provider`: SSH takes `git.ssh` and
/// nothing of HTTPS's (`token`, `username`, `ca`, `github`, a cloud provider); HTTPS takes no
/// `git.ssh`; `username` goes with a token; a cloud provider's workload identity takes no token
/// and `github` goes with the `github` block (which implies it).
fn authentication(git: &Value, github: &Value, diags: &mut Diagnostics) {
    let at = |name: &str| AttributePath::root("git").attr(name);
    let url = git.get("url");
    let provider = git.get("provider");
    let provider_name = provider.as_str();
    let token = secret_given(git, "token");
    let github_set = !github.is_null();
    match url.as_str().and_then(transport) {
        Some(Transport::Ssh) => {
            if git.get("ssh").is_null() {
                diags.error_at(
                    at("ssh"),
                    "Missing SSH authentication",
                    "git.url is an SSH URL: set git.ssh with private_key (or private_key_wo) and known_hosts, \
                     which Flux checks the server against.",
                );
            }
            for (name, set) in [
                ("token", token),
                ("username", !git.get("username").is_null()),
                ("ca", given(git.get("ca"))),
            ] {
                if set {
                    diags.error_at(
                        at(name),
                        "HTTPS setting with an SSH URL",
                        format!(
                            "git.{name} applies to HTTPS only, but git.url is an SSH URL: authenticate with git.ssh."
                        ),
                    );
                }
            }
            if github_set {
                diags.error_at(
                    AttributePath::root("github"),
                    "GitHub App with an SSH URL",
                    "GitHub App authentication works over HTTPS only: use an https:// git.url.",
                );
            } else if provider_name.is_some_and(|p| p != "generic") {
                diags.error_at(
                    at("provider"),
                    "Provider with an SSH URL",
                    "git.provider other than \"generic\" authenticates over HTTPS only: use an https:// git.url \
                     or git.ssh.",
                );
            }
        }
        Some(Transport::Https) if !git.get("ssh").is_null() => {
            diags.error_at(
                at("ssh"),
                "SSH authentication with an HTTPS URL",
                "git.ssh applies to SSH URLs (ssh://... or git@host:path) only: use git.token over HTTPS.",
            );
        }
        Some(Transport::Https) | None => {}
    }
    if !git.get("username").is_null() && !token && url.as_str().and_then(transport) != Some(Transport::Ssh) {
        diags.error_at(
            at("username"),
            "Username without a token",
            "git.username is sent with git.token: set the token (or token_wo) too.",
        );
    }
    match provider_name {
        Some(p @ ("azure" | "aws")) => {
            if token {
                diags.error_at(
                    at("token"),
                    "Token with workload identity",
                    format!("git.provider = \"{p}\" authenticates with the workload identity: remove git.token."),
                );
            }
            if github_set {
                diags.error_at(
                    at("provider"),
                    "Conflicting providers",
                    format!("The github block authenticates as a GitHub App (provider github), not \"{p}\"."),
                );
            }
        }
        Some("github") if !github.is_unknown() && !github_set => diags.error_at(
            at("provider"),
            "GitHub App missing",
            "git.provider = \"github\" needs the github block (app_id, app_installation_id, app_private_key).",
        ),
        Some("generic") if github_set => diags.error_at(
            at("provider"),
            "Conflicting providers",
            "The github block authenticates as a GitHub App (provider github): remove git.provider or set it to \
             \"github\".",
        ),
        _ => {}
    }
}
