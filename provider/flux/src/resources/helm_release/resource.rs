//! `flux_helm_release` as a provider resource: the pure parts of this module behind the
//! shared adapter.

use super::{AUTH_SUFFIX, HelmReleaseSettings, attributes, render, validate};
use crate::resources::{Attributes, Common, Context, FluxResource, read_for_import, secrets};
use async_trait::async_trait;
use engine::Engine;
use kube::api::DynamicObject;
use tfplugin::Diagnostic;
use tfplugin::cty::Value;
use tfplugin::diag::Diagnostics;
use tfplugin::schema::Attribute;

/// The `flux_helm_release` resource.
pub struct HelmRelease;

#[async_trait]
impl FluxResource for HelmRelease {
    type Settings = HelmReleaseSettings;
    const TYPE_NAME: &'static str = "flux_helm_release";
    const DESCRIPTION: &'static str = "Deploys a Helm chart with Flux: a HelmRepository (`http(s)://`) or an \
        OCIRepository (`oci://`) source, the HelmRelease, and the Secret holding the repository credentials. \
        Changing the repository kind replaces the source and prunes the old one. With `wait`, apply returns once \
        the release is installed (Ready).";
    const NAME_DESCRIPTION: &'static str =
        "Name of the HelmRelease and its source (and prefix of the Secret).";
    const NAMESPACE_DESCRIPTION: &'static str = "Namespace of the Flux objects (`flux-system`, or a tenant \
        namespace); the chart is installed into `sync.target_namespace` when set.";
    const CONFIG_RECORD: Option<&'static str> = Some("helm.toolkit.fluxcd.io/v2/HelmRelease");
    const RECORDED_IN_SPEC: &'static [(&'static str, &'static str)] = &[("values", "/spec/values")];

    fn attributes() -> Vec<Attribute> {
        attributes()
    }

    fn validate(config: &Value, diags: &mut Diagnostics) {
        validate(config, diags);
    }

    async fn settings(_ctx: &Context<'_>, v: &Value, diags: &mut Diagnostics) -> Option<HelmReleaseSettings> {
        HelmReleaseSettings::decode(v, diags)
    }

    fn render(common: &Common, s: &HelmReleaseSettings, _field_manager: &str) -> Vec<DynamicObject> {
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
            let password =
                secrets::live_data(&secret, "password").or_else(|| secrets::live_docker_password(&secret));
            secrets::restore(&mut recorded, &["repository", "auth"], "password", password);
        }
        Ok(recorded)
    }
}
