//! `flux_tenant`: onboards a tenant namespace with a restricted Flux identity, as the
//! `flux-tenant` module does (design/rendering.md §7): Namespace, ServiceAccount,
//! RoleBinding to `admin`, ResourceQuota on Flux objects, and a ClusterRoleBinding for
//! `cluster-admin` tenants.
//!
//! One file per step of the data flow: [`attributes`] (schema), [`TenantSettings`] (typed
//! settings), [`render`], and [`Tenant`] (the resource behind the shared adapter). A tenant has
//! no cross-attribute checks.

mod render;
mod resource;
mod schema;
mod settings;

#[cfg(test)]
mod tests;

pub use render::render;
pub use resource::Tenant;
pub use schema::attributes;
pub use settings::{Quota, TenantSettings};

/// The tenant roles.
pub const ROLES: &[&str] = &["namespace-admin", "cluster-admin"];
