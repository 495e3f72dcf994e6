//! `flux_oci_sync` as a provider resource: the pure parts of this module behind the shared
//! adapter.

use super::{AUTH_SUFFIX, OciSettings, attributes, render, validate};
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

/// The `flux_oci_sync` resource.
pub struct OciSync;

#[async_trait]
impl FluxResource for OciSync {
    type Settings = OciSettings;
    const TYPE_NAME: &'static str = "flux_oci_sync";
    const DESCRIPTION: &'static str = "Syncs a path of an OCI artifact to the cluster: a Flux OCIRepository, the \
        Kustomization that applies the path, and the Secrets holding the registry credentials and CA. With `wait`, \
        apply returns once Flux reports both Ready.";
    const NAME_DESCRIPTION: &'static str =
        "Name of the OCIRepository and Kustomization (and prefix of the Secrets).";
    const NAMESPACE_DESCRIPTION: &'static str =
        "Namespace of the Flux objects (`flux-system`, or a tenant namespace).";
    const CONFIG_RECORD: Option<&'static str> = Some(KUSTOMIZATION);

    fn attributes() -> Vec<Attribute> {
        attributes()
    }

    fn validate(config: &Value, diags: &mut Diagnostics) {
        validate(config, diags);
    }

    async fn settings(_ctx: &Context<'_>, v: &Value, diags: &mut Diagnostics) -> Option<OciSettings> {
        decode_settings(v, diags)
    }

    fn render(common: &Common, s: &OciSettings, _field_manager: &str) -> Vec<DynamicObject> {
        render(common, s)
    }

    async fn import(
        engine: &Engine,
        namespace: &str,
        name: &str,
        mut recorded: Attributes,
    ) -> Result<Attributes, Diagnostic> {
        let key = format!("/v1/Secret/{namespace}/{name}{AUTH_SUFFIX}");
        if let Some(secret) = read_for_import(engine, key).await? {
            let password = secrets::live_docker_password(&secret);
            secrets::restore(
                &mut recorded,
                &["artifact", "auth", "credentials"],
                "password",
                password,
            );
        }
        Ok(recorded)
    }
}
