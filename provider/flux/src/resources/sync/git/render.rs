//! The objects of a `flux_git_sync`.

use super::{DEFAULT_PROVIDER, GitSettings, flux_url};
use crate::VERSION;
use crate::render::{Meta, object};
use crate::resources::Common;
use crate::resources::secrets;
use crate::resources::sync::kustomization::source_and_kustomization;
use kube::api::DynamicObject;
use serde_json::{Map, json};

/// Renders the objects of a `flux_git_sync`, in apply order: the Secret (when a token, CA,
/// GitHub App or SSH key is given), the GitRepository, the Kustomization.
#[must_use]
pub fn render(common: &Common, s: &GitSettings) -> Vec<DynamicObject> {
    let (name, ns) = (common.name.as_str(), common.namespace.as_str());
    let meta = Meta::new(name, VERSION, &common.labels, &common.annotations, &[]);
    let mut objects = Vec::new();
    if s.has_secret() {
        let mut data = Map::new();
        let mut inputs = Vec::new();
        if let Some(ssh) = &s.git.ssh {
            data.insert("identity".into(), json!(ssh.private_key.value));
            data.insert("known_hosts".into(), json!(ssh.known_hosts));
            inputs.push(("identity", &ssh.private_key));
            if ssh.passphrase.is_set() {
                data.insert("password".into(), json!(ssh.passphrase.value));
                inputs.push(("password", &ssh.passphrase));
            }
        } else {
            data.insert("username".into(), json!(s.git.username));
        }
        if s.git.token.is_set() {
            data.insert("password".into(), json!(s.git.token.value));
            inputs.push(("password", &s.git.token));
        }
        if !s.git.ca.is_empty() {
            data.insert("ca.crt".into(), json!(s.git.ca));
        }
        if let Some(app) = &s.github {
            data.insert("githubAppID".into(), json!(app.app_id));
            data.insert("githubAppInstallationID".into(), json!(app.app_installation_id));
            data.insert("githubAppPrivateKey".into(), json!(app.app_private_key.value));
            inputs.push(("githubAppPrivateKey", &app.app_private_key));
        }
        let mut metadata = meta.metadata(name, Some(ns));
        secrets::annotate(&mut metadata, &inputs);
        objects.push(object("v1", "Secret", metadata, json!({"stringData": data})));
    }
    let mut spec = Map::new();
    spec.insert("interval".into(), json!(s.git.interval));
    spec.insert("url".into(), json!(flux_url(&s.git.url)));
    spec.insert("ref".into(), json!({"name": s.git.git_ref}));
    if s.has_secret() {
        spec.insert("secretRef".into(), json!({"name": name}));
    }
    if s.provider() != DEFAULT_PROVIDER {
        spec.insert("provider".into(), json!(s.provider()));
    }
    if !s.git.ignore.is_empty() {
        spec.insert("ignore".into(), json!(s.git.ignore));
    }
    objects.extend(source_and_kustomization(
        &meta,
        name,
        ns,
        "GitRepository",
        spec,
        &s.git.path,
        &s.sync,
        &s.kustomize,
    ));
    objects
}
