//! Object references, their inventory keys, and the API resources of the kinds the engine
//! knows without asking the server.

use kube::core::{ApiResource, DynamicObject, GroupVersionKind};
use std::fmt;

/// Identifies one Kubernetes object: group, version, kind, namespace (empty for cluster-scoped
/// objects) and name.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ObjectRef {
    /// API group, empty for the core group.
    pub group: String,
    /// API version.
    pub version: String,
    /// Kind.
    pub kind: String,
    /// Namespace, empty for cluster-scoped objects.
    pub namespace: String,
    /// Name.
    pub name: String,
}

/// Why a string is not an inventory key.
#[derive(Debug, thiserror::Error)]
#[error("invalid object key {0:?}: expected group/version/kind/namespace/name")]
pub struct InvalidKey(pub String);

impl ObjectRef {
    /// The reference of a rendered object.
    #[must_use]
    pub fn of(object: &DynamicObject) -> Self {
        let (group, version) = object
            .types
            .as_ref()
            .map(|t| match t.api_version.split_once('/') {
                Some((g, v)) => (g.to_owned(), v.to_owned()),
                None => (String::new(), t.api_version.clone()),
            })
            .unwrap_or_default();
        Self {
            group,
            version,
            kind: object.types.as_ref().map(|t| t.kind.clone()).unwrap_or_default(),
            namespace: object.metadata.namespace.clone().unwrap_or_default(),
            name: object.metadata.name.clone().unwrap_or_default(),
        }
    }

    /// The inventory key `group/version/kind/namespace/name`; empty parts stay empty.
    #[must_use]
    pub fn key(&self) -> String {
        format!(
            "{}/{}/{}/{}/{}",
            self.group, self.version, self.kind, self.namespace, self.name
        )
    }

    /// Parses an inventory key.
    ///
    /// # Errors
    /// When the key does not have five parts with version, kind and name set.
    pub fn parse(key: &str) -> Result<Self, InvalidKey> {
        let parts: Vec<&str> = key.splitn(5, '/').collect();
        match parts.as_slice() {
            [group, version, kind, namespace, name]
                if !version.is_empty() && !kind.is_empty() && !name.is_empty() =>
            {
                Ok(Self {
                    group: (*group).to_owned(),
                    version: (*version).to_owned(),
                    kind: (*kind).to_owned(),
                    namespace: (*namespace).to_owned(),
                    name: (*name).to_owned(),
                })
            }
            _ => Err(InvalidKey(key.to_owned())),
        }
    }

    /// `apiVersion` as written in manifests.
    #[must_use]
    pub fn api_version(&self) -> String {
        if self.group.is_empty() {
            self.version.clone()
        } else {
            format!("{}/{}", self.group, self.version)
        }
    }

    /// The group-version-kind.
    #[must_use]
    pub fn gvk(&self) -> GroupVersionKind {
        GroupVersionKind::gvk(&self.group, &self.version, &self.kind)
    }

    /// Whether this is a CustomResourceDefinition.
    #[must_use]
    pub fn is_crd(&self) -> bool {
        self.group == "apiextensions.k8s.io" && self.kind == "CustomResourceDefinition"
    }

    /// Whether this is a Namespace.
    #[must_use]
    pub fn is_namespace(&self) -> bool {
        self.group.is_empty() && self.kind == "Namespace"
    }
}

impl fmt::Display for ObjectRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.namespace.is_empty() {
            write!(f, "{} {}", self.kind, self.name)
        } else {
            write!(f, "{} {}/{}", self.kind, self.namespace, self.name)
        }
    }
}

/// Plural and scope of the kinds the provider renders, so applying them needs no discovery
/// request. Other kinds are discovered once and cached.
const KNOWN_KINDS: &[(&str, &str, &str, bool)] = &[
    ("", "Namespace", "namespaces", false),
    ("", "ServiceAccount", "serviceaccounts", true),
    ("", "Secret", "secrets", true),
    ("", "ConfigMap", "configmaps", true),
    ("", "Service", "services", true),
    ("", "ResourceQuota", "resourcequotas", true),
    ("", "PersistentVolumeClaim", "persistentvolumeclaims", true),
    ("apps", "Deployment", "deployments", true),
    ("rbac.authorization.k8s.io", "Role", "roles", true),
    ("rbac.authorization.k8s.io", "RoleBinding", "rolebindings", true),
    ("rbac.authorization.k8s.io", "ClusterRole", "clusterroles", false),
    (
        "rbac.authorization.k8s.io",
        "ClusterRoleBinding",
        "clusterrolebindings",
        false,
    ),
    ("networking.k8s.io", "NetworkPolicy", "networkpolicies", true),
    (
        "apiextensions.k8s.io",
        "CustomResourceDefinition",
        "customresourcedefinitions",
        false,
    ),
    (
        "source.toolkit.fluxcd.io",
        "GitRepository",
        "gitrepositories",
        true,
    ),
    (
        "source.toolkit.fluxcd.io",
        "OCIRepository",
        "ocirepositories",
        true,
    ),
    (
        "source.toolkit.fluxcd.io",
        "HelmRepository",
        "helmrepositories",
        true,
    ),
    ("source.toolkit.fluxcd.io", "HelmChart", "helmcharts", true),
    ("source.toolkit.fluxcd.io", "Bucket", "buckets", true),
    (
        "kustomize.toolkit.fluxcd.io",
        "Kustomization",
        "kustomizations",
        true,
    ),
    ("helm.toolkit.fluxcd.io", "HelmRelease", "helmreleases", true),
];

/// The API resource and whether it is namespaced, for a kind in the built-in table.
#[must_use]
pub fn known_resource(reference: &ObjectRef) -> Option<(ApiResource, bool)> {
    KNOWN_KINDS
        .iter()
        .find(|(g, k, _, _)| *g == reference.group && *k == reference.kind)
        .map(|(_, _, plural, namespaced)| {
            (
                ApiResource::from_gvk_with_plural(&reference.gvk(), plural),
                *namespaced,
            )
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_round_trip() {
        for key in [
            "/v1/Namespace//dev-team-apps",
            "rbac.authorization.k8s.io/v1/RoleBinding/ns/x",
        ] {
            assert_eq!(ObjectRef::parse(key).unwrap().key(), key);
        }
        assert!(ObjectRef::parse("v1/Namespace/x").is_err());
        let r = ObjectRef::parse("/v1/Namespace//a").unwrap();
        assert_eq!(r.api_version(), "v1");
        assert!(r.is_namespace());
        assert_eq!(r.to_string(), "Namespace a");
        assert!(known_resource(&r).is_some_and(|(ar, ns)| ar.plural == "namespaces" && !ns));
    }
}
