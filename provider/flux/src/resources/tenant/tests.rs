//! Tests of the `flux_tenant` schema and rendering.

use super::*;
use crate::render::to_yaml;
use crate::resources::schema;
use crate::resources::testing::{common, decoded, planned, schema_of};
use serde_json::json;

/// The settings of a configuration given as JSON, with the schema defaults.
fn configured(j: &serde_json::Value) -> TenantSettings {
    decoded(&planned(&schema_of(attributes()), j))
}

fn settings(role: &str) -> TenantSettings {
    configured(&json!({ "role": role }))
}

#[test]
fn defaults_come_from_the_schema() {
    let s = configured(&json!({}));
    assert_eq!(s.service_account, "flux");
    assert_eq!(s.role, "namespace-admin");
    assert_eq!(
        (s.resource_quota.kustomizations, s.resource_quota.helmreleases),
        (100, 100)
    );
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
    let s = configured(&json!({
        "role": "cluster-admin",
        "resource_quota": {"kustomizations": 5, "helmreleases": 7},
    }));
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
