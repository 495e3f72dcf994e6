//! The typed settings of `flux_tenant`, decoded from a wholly known value (after defaults).

use serde::Deserialize;

/// The settings of a tenant.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
pub struct TenantSettings {
    /// The ServiceAccount Flux impersonates in the tenant namespace.
    pub service_account: String,
    /// `namespace-admin` or `cluster-admin`.
    pub role: String,
    /// `resource_quota`.
    pub resource_quota: Quota,
}

/// `resource_quota`: the most Flux objects the namespace may hold.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
pub struct Quota {
    /// Kustomizations.
    pub kustomizations: i64,
    /// HelmReleases.
    pub helmreleases: i64,
}
