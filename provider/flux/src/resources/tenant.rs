//! `flux_tenant`: onboards a tenant namespace with a restricted Flux identity, as the
//! `flux-tenant` module does (RENDERING.md §7): Namespace, ServiceAccount, RoleBinding to
//! `admin`, ResourceQuota on Flux objects, and a ClusterRoleBinding for `cluster-admin` tenants.

use super::{
    Common, Context, FluxResource, import_error, read_for_import, shared_user_metadata, string_map_value,
};
use crate::VERSION;
use crate::render::{Meta, object};
use async_trait::async_trait;
use engine::Engine;
use kube::api::DynamicObject;
use serde_json::json;
use std::collections::BTreeMap;
use tfplugin::cty::{Number, Value};
use tfplugin::schema::validators;
use tfplugin::schema::{Attribute, Nesting};
use tfplugin::{Diagnostic, Diagnostics};

/// The tenant roles.
pub const ROLES: &[&str] = &["namespace-admin", "cluster-admin"];
const DEFAULT_QUOTA: i64 = 100;

/// `flux_tenant`.
pub struct Tenant;

/// The settings of a tenant.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TenantSettings {
    /// The ServiceAccount Flux impersonates in the tenant namespace.
    pub service_account: String,
    /// `namespace-admin` or `cluster-admin`.
    pub role: String,
    /// Maximum Kustomizations in the namespace.
    pub kustomizations: i64,
    /// Maximum HelmReleases in the namespace.
    pub helmreleases: i64,
}

fn quota_value(kustomizations: i64, helmreleases: i64) -> Value {
    Value::Object(BTreeMap::from([
        (
            "kustomizations".to_owned(),
            Value::Number(Number::from_i64(kustomizations)),
        ),
        (
            "helmreleases".to_owned(),
            Value::Number(Number::from_i64(helmreleases)),
        ),
    ]))
}

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
        vec![
            Attribute::string("service_account")
                .default(Value::string("flux"))
                .validate(validators::rfc1123_subdomain())
                .describe("ServiceAccount that Flux impersonates for the tenant's syncs."),
            Attribute::string("role")
                .default(Value::string("namespace-admin"))
                .validate(validators::one_of(ROLES))
                .describe("`namespace-admin` (RoleBinding to `admin` in the namespace) or `cluster-admin` (adds a ClusterRoleBinding)."),
            Attribute::nested(
                "resource_quota",
                Nesting::Single,
                vec![
                    Attribute::number("kustomizations")
                        .default(Value::Number(Number::from_i64(DEFAULT_QUOTA)))
                        .validate(validators::int_at_least(0))
                        .describe("Maximum Kustomizations in the namespace."),
                    Attribute::number("helmreleases")
                        .default(Value::Number(Number::from_i64(DEFAULT_QUOTA)))
                        .validate(validators::int_at_least(0))
                        .describe("Maximum HelmReleases in the namespace."),
                ],
            )
            .default(quota_value(DEFAULT_QUOTA, DEFAULT_QUOTA))
            .describe("Quota on Flux objects in the namespace."),
        ]
    }

    async fn settings(_ctx: &Context<'_>, v: &Value, _diags: &mut Diagnostics) -> Option<TenantSettings> {
        Some(decode(v))
    }

    fn render(common: &Common, s: &TenantSettings, _field_manager: &str) -> Vec<DynamicObject> {
        render(common, s)
    }
    async fn import(
        engine: &Engine,
        namespace: &str,
        name: &str,
        _recorded: BTreeMap<String, Value>,
    ) -> Result<BTreeMap<String, Value>, Diagnostic> {
        let read = |key: String| read_for_import(engine, key);
        let ns = read(format!("/v1/Namespace//{namespace}"))
            .await?
            .ok_or_else(|| import_error(format!("namespace {namespace:?} does not exist")))?;
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

/// Decodes the settings of a wholly known value.
#[must_use]
pub fn decode(v: &Value) -> TenantSettings {
    let quota = v.get("resource_quota");
    let count = |name: &str| quota.get(name).as_i64().unwrap_or(DEFAULT_QUOTA);
    TenantSettings {
        service_account: v.get("service_account").as_str().unwrap_or("flux").to_owned(),
        role: v.get("role").as_str().unwrap_or("namespace-admin").to_owned(),
        kustomizations: count("kustomizations"),
        helmreleases: count("helmreleases"),
    }
}

/// Renders a tenant's objects.
#[must_use]
pub fn render(common: &Common, s: &TenantSettings) -> Vec<DynamicObject> {
    let ns = common.namespace.as_str();
    let meta = Meta::new(
        &common.name,
        VERSION,
        &common.labels,
        &common.annotations,
        &[("toolkit.fluxcd.io/tenant", &common.name)],
    );
    let subject = json!([{"kind": "ServiceAccount", "name": s.service_account, "namespace": ns}]);
    let mut objects = vec![
        object("v1", "Namespace", meta.metadata(ns, None), json!({})),
        object(
            "v1",
            "ServiceAccount",
            meta.metadata(&s.service_account, Some(ns)),
            json!({}),
        ),
        object(
            "rbac.authorization.k8s.io/v1",
            "RoleBinding",
            meta.metadata(&common.name, Some(ns)),
            json!({
                "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole", "name": "admin"},
                "subjects": subject,
            }),
        ),
        object(
            "v1",
            "ResourceQuota",
            meta.metadata(&format!("{}-quota", s.service_account), Some(ns)),
            json!({"spec": {"hard": {
                "count/kustomizations.kustomize.toolkit.fluxcd.io": s.kustomizations.to_string(),
                "count/helmreleases.helm.toolkit.fluxcd.io": s.helmreleases.to_string(),
            }}}),
        ),
    ];
    if s.role == "cluster-admin" {
        objects.push(object(
            "rbac.authorization.k8s.io/v1",
            "ClusterRoleBinding",
            meta.metadata(&format!("{}-{ns}", common.name), None),
            json!({
                "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole", "name": "cluster-admin"},
                "subjects": subject,
            }),
        ));
    }
    objects
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::render::to_yaml;
    use crate::resources::schema;

    fn common(name: &str, ns: &str) -> Common {
        Common {
            name: name.into(),
            namespace: ns.into(),
            labels: BTreeMap::new(),
            annotations: BTreeMap::new(),
            wait: true,
            takeover: false,
            create_timeout: super::super::DEFAULT_TIMEOUT,
            update_timeout: super::super::DEFAULT_TIMEOUT,
            delete_timeout: super::super::DEFAULT_TIMEOUT,
        }
    }

    fn settings(role: &str) -> TenantSettings {
        TenantSettings {
            service_account: "flux".into(),
            role: role.into(),
            kustomizations: 100,
            helmreleases: 100,
        }
    }

    #[test]
    fn schema_is_valid() {
        schema::<Tenant>().validate_implementation().unwrap();
    }

    #[test]
    fn golden_namespace_admin() {
        let objects = render(&common("dev-team", "dev-team-apps"), &settings("namespace-admin"));
        crate::golden::assert_golden("tenant/namespace-admin.yaml", &to_yaml(&objects));
    }

    #[test]
    fn golden_cluster_admin_with_metadata() {
        let mut c = common("dev-team", "dev-team-apps");
        c.labels.insert("team".into(), "dev".into());
        c.annotations.insert("owner".into(), "platform".into());
        let s = TenantSettings {
            kustomizations: 5,
            helmreleases: 7,
            ..settings("cluster-admin")
        };
        let objects = render(&c, &s);
        crate::golden::assert_golden("tenant/cluster-admin.yaml", &to_yaml(&objects));
    }

    #[test]
    fn cluster_admin_adds_exactly_one_binding() {
        let a = render(&common("t", "ns"), &settings("namespace-admin"));
        let b = render(&common("t", "ns"), &settings("cluster-admin"));
        assert_eq!(a.len() + 1, b.len());
        let extra = engine::ObjectRef::of(&b[4]);
        assert_eq!(
            extra.key(),
            "rbac.authorization.k8s.io/v1/ClusterRoleBinding//t-ns"
        );
    }
}
