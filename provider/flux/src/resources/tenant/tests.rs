//! Tests of the `flux_tenant` schema and rendering.

use super::*;
use crate::render::to_yaml;
use crate::resources::schema;
use crate::resources::testing::common;

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
