//! The objects of a `flux_tenant`.

use super::TenantSettings;
use crate::VERSION;
use crate::render::{Meta, object};
use crate::resources::Common;
use kube::api::DynamicObject;
use serde_json::json;

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
                "count/kustomizations.kustomize.toolkit.fluxcd.io": s.resource_quota.kustomizations.to_string(),
                "count/helmreleases.helm.toolkit.fluxcd.io": s.resource_quota.helmreleases.to_string(),
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
