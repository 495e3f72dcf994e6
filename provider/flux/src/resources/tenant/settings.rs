//! The typed settings of `flux_tenant`, decoded from a wholly known value (after defaults).

use tfplugin::decode::{Decode, DecodeError, Field};

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

impl Decode for TenantSettings {
    fn decode(v: &Field<'_>) -> Result<Self, DecodeError> {
        let quota = v.attr("resource_quota");
        Ok(Self {
            service_account: v.get("service_account")?,
            role: v.get("role")?,
            kustomizations: quota.get("kustomizations")?,
            helmreleases: quota.get("helmreleases")?,
        })
    }
}
