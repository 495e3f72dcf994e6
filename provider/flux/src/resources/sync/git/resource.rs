//! `flux_git_sync` as a provider resource: the pure parts of this module behind the shared
//! adapter.

use super::{GitSettings, attributes, render, validate};
use crate::resources::secrets;
use crate::resources::sync::kustomization::KUSTOMIZATION;
use crate::resources::{Attributes, Common, Context, FluxResource, decode_settings, read_for_import};
use async_trait::async_trait;
use engine::Engine;
use kube::api::DynamicObject;
use tfplugin::Diagnostic;
use tfplugin::cty::Value;
use tfplugin::diag::Diagnostics;
use tfplugin::schema::Attribute;

/// The `flux_git_sync` resource.
pub struct GitSync;

#[async_trait]
impl FluxResource for GitSync {
    type Settings = GitSettings;
    const TYPE_NAME: &'static str = "flux_git_sync";
    const DESCRIPTION: &'static str = "Syncs a path of a Git repository (HTTPS or SSH) to the cluster: a Flux \
        GitRepository, the Kustomization that applies the path, and the Secret holding the token, CA, SSH key or \
        GitHub App key. With `wait`, apply returns once Flux reports both Ready.";
    const NAME_DESCRIPTION: &'static str = "Name of the GitRepository, Kustomization and Secret.";
    const NAMESPACE_DESCRIPTION: &'static str =
        "Namespace of the Flux objects (`flux-system`, or a tenant namespace).";
    const CONFIG_RECORD: Option<&'static str> = Some(KUSTOMIZATION);

    fn attributes() -> Vec<Attribute> {
        attributes()
    }

    fn validate(config: &Value, diags: &mut Diagnostics) {
        validate(config, diags);
    }

    async fn settings(_ctx: &Context<'_>, v: &Value, diags: &mut Diagnostics) -> Option<GitSettings> {
        decode_settings(v, diags)
    }

    fn render(common: &Common, s: &GitSettings, _field_manager: &str) -> Vec<DynamicObject> {
        render(common, s)
    }

    async fn import(
        engine: &Engine,
        namespace: &str,
        name: &str,
        mut recorded: Attributes,
    ) -> Result<Attributes, Diagnostic> {
        if let Some(secret) = read_for_import(engine, format!("/v1/Secret/{namespace}/{name}")).await? {
            let ssh = matches!(recorded.get("git"), Some(git) if !git.get("ssh").is_null());
            if ssh {
                let key = secrets::live_data(&secret, "identity");
                secrets::restore(&mut recorded, &["git", "ssh"], "private_key", key);
                let passphrase = secrets::live_data(&secret, "password");
                secrets::restore(&mut recorded, &["git", "ssh"], "passphrase", passphrase);
            } else {
                let token = secrets::live_data(&secret, "password");
                secrets::restore(&mut recorded, &["git"], "token", token);
            }
            let key = secrets::live_data(&secret, "githubAppPrivateKey");
            secrets::restore(&mut recorded, &["github"], "app_private_key", key);
        }
        Ok(recorded)
    }
}
