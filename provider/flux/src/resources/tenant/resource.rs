//! `flux_tenant` as a provider resource: the pure parts of this module behind the shared
//! adapter, and the import that reads a tenant back from its objects.

use super::schema::{DEFAULT_QUOTA, quota_value};
use super::{TenantSettings, attributes, render};
use crate::resources::{
    Attributes, Common, Context, FluxResource, decode_settings, import_error, read_for_import,
    read_namespace_for_import, shared_user_metadata, string_map_value,
};
use async_trait::async_trait;
use engine::Engine;
use kube::api::DynamicObject;
use std::collections::BTreeMap;
use tfplugin::cty::Value;
use tfplugin::schema::Attribute;
use tfplugin::{Diagnostic, Diagnostics};

/// `flux_tenant`.
pub struct Tenant;

#[async_trait]
impl FluxResource for Tenant {
    type Settings = TenantSettings;
    const TYPE_NAME: &'static str = "flux_tenant";
    const DESCRIPTION: &'static str = "Onboards a tenant: creates its namespace with a ServiceAccount that Flux \
        impersonates, bound to the `admin` role of that namespace (or to `cluster-admin`), and a quota on Flux \
        objects. Destroy removes the namespace and everything in it (off-boarding).";
    const NAME_DESCRIPTION: &'static str =
        "Tenant name: the RoleBinding name and the `toolkit.fluxcd.io/tenant` label.";
    const NAMESPACE_DESCRIPTION: &'static str = "The tenant namespace, created and owned by this resource.";

    fn attributes() -> Vec<Attribute> {
        attributes()
    }

    async fn settings(_ctx: &Context<'_>, v: &Value, diags: &mut Diagnostics) -> Option<TenantSettings> {
        decode_settings(v, diags)
    }

    fn render(common: &Common, s: &TenantSettings, _field_manager: &str) -> Vec<DynamicObject> {
        render(common, s)
    }

    async fn import(
        engine: &Engine,
        namespace: &str,
        name: &str,
        _recorded: Attributes,
    ) -> Result<Attributes, Diagnostic> {
        let read = |key: String| read_for_import(engine, key);
        let ns = read_namespace_for_import(engine, namespace).await?;
        let binding = read(format!(
            "rbac.authorization.k8s.io/v1/RoleBinding/{namespace}/{name}"
        ))
        .await?
        .ok_or_else(|| {
            import_error(format!(
                "no tenant {name:?} in namespace {namespace:?}: RoleBinding {namespace}/{name} not found"
            ))
        })?;
        let service_account = binding
            .data
            .pointer("/subjects/0/name")
            .and_then(|n| n.as_str())
            .ok_or_else(|| {
                import_error(format!(
                    "RoleBinding {namespace}/{name} has no ServiceAccount subject"
                ))
            })?
            .to_owned();
        let cluster_binding = read(format!(
            "rbac.authorization.k8s.io/v1/ClusterRoleBinding//{name}-{namespace}"
        ))
        .await?;
        let quota = read(format!("/v1/ResourceQuota/{namespace}/{service_account}-quota")).await?;
        let count = |kind: &str| {
            quota
                .as_ref()
                .and_then(|q| {
                    q.data
                        .pointer(&format!("/spec/hard/count~1{kind}"))
                        .and_then(|v| v.as_str())
                })
                .and_then(|v| v.parse::<i64>().ok())
                .unwrap_or(DEFAULT_QUOTA)
        };
        let (labels, annotations) = shared_user_metadata(&ns, &binding);
        Ok(BTreeMap::from([
            ("service_account".to_owned(), Value::string(service_account)),
            (
                "role".to_owned(),
                Value::string(if cluster_binding.is_some() {
                    "cluster-admin"
                } else {
                    "namespace-admin"
                }),
            ),
            (
                "resource_quota".to_owned(),
                quota_value(
                    count("kustomizations.kustomize.toolkit.fluxcd.io"),
                    count("helmreleases.helm.toolkit.fluxcd.io"),
                ),
            ),
            ("labels".to_owned(), string_map_value(&labels)),
            ("annotations".to_owned(), string_map_value(&annotations)),
        ]))
    }
}
