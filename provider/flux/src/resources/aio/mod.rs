//! `flux_aio`: Flux All-In-One, the Flux controllers as one Deployment with one Pod, as the
//! `flux-aio` Timoni module renders it (design/rendering.md §3), with the CRDs and default
//! images taken from the Flux distribution of the resolved version.
//!
//! One file per step of the data flow: [`attributes`] (schema), [`AioSettings`] (typed
//! settings), [`validate`] (cross-attribute checks), [`render`] (with [`images`]), and [`Aio`]
//! (the resource behind the shared adapter, which also resolves the distribution).

mod render;
mod resource;
mod schema;
mod settings;
mod validate;

#[cfg(test)]
mod tests;

pub use render::{images, missing_images, render};
pub use resource::{Aio, Resolution};
pub use schema::attributes;
pub use settings::{
    AioSettings, Compatibility, Component, Controller, Controllers, Credentials, DeletionPolicy,
    DistributionSettings, Expose, ImageRef, Persistence, Proxy, PullSecret, Quantities, Reconcile, Resources,
    SecurityProfile, Tmpfs, Toleration, WorkloadIdentity, WorkloadProvider, repository_of,
};
pub use validate::{storage_class_change, validate};

/// Default of `version`: the Flux minor the provider release is tested with, as a patch range.
pub const DEFAULT_VERSION: &str = "2.9.x";
/// Default of `distribution.artifact`.
pub const DEFAULT_ARTIFACT: &str = distribution::DEFAULT_ARTIFACT;
/// Default of `distribution.registry`.
pub const DEFAULT_REGISTRY: &str = distribution::DEFAULT_REGISTRY;
/// Default of `proxy.no`.
pub const DEFAULT_NO_PROXY: &str = ".cluster.local.,.cluster.local,.svc";
/// Default `feature_gates` of kustomize-controller and helm-controller.
pub const DEFAULT_FEATURE_GATES: &str = "ExternalArtifact=true";
/// Default of `reconcile.concurrent`.
pub const DEFAULT_CONCURRENT: i64 = 5;
/// Default of `reconcile.requeue_dependency`.
pub const DEFAULT_REQUEUE_DEPENDENCY: &str = "30s";
/// Default of `priority_class_name`, as in the Timoni module.
pub const DEFAULT_PRIORITY_CLASS: &str = "system-cluster-critical";
/// Default of `persistence.size`.
pub const DEFAULT_STORAGE_SIZE: &str = "8Gi";
/// Default of `resources.requests.cpu`.
pub const DEFAULT_REQUESTS_CPU: &str = "100m";
/// Default of `resources.requests.memory`.
pub const DEFAULT_REQUESTS_MEMORY: &str = "64Mi";
/// Default of `resources.limits.memory`.
pub const DEFAULT_LIMITS_MEMORY: &str = "1Gi";
/// The values of `security_profile`.
pub const SECURITY_PROFILES: &[&str] = &["privileged", "restricted"];
/// The values of `pod_security_profile`.
pub const POD_SECURITY_PROFILES: &[&str] = &["", "restricted", "privileged"];
/// The values of `log_level`.
pub const LOG_LEVELS: &[&str] = &["trace", "debug", "info", "error"];
/// The values of `compatibility`.
pub const COMPATIBILITIES: &[&str] = &["kubernetes", "openshift"];
/// The values of `workload_identity.provider`.
pub const WORKLOAD_PROVIDERS: &[&str] = &["aws", "azure", "gcp"];
/// The values of `deletion_policy`.
pub const DELETION_POLICIES: &[&str] = &["delete", "orphan"];
