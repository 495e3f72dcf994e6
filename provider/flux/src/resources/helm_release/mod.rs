//! `flux_helm_release`: a Helm chart deployed by Flux from an HTTP/S Helm repository or an OCI
//! registry, as the `flux-helm-release` Timoni module renders it (design/rendering.md §6).
//!
//! The pure parts live here: the resource's own [`attributes`], the typed
//! [`HelmReleaseSettings`] decoded by [`settings`], the cross-attribute checks of [`validate`],
//! and the rendering ([`render`]).
//!
//! Decisions where the spec leaves room:
//! - `drift_detection` has no default: unset omits `spec.driftDetection` (the module's code,
//!   design/rendering.md §9; Flux then behaves as `disabled`).
//! - Durations are rendered as given (`"60m"`, `"1h30m"`).
//! - Empty strings in optional string attributes (`cert_secret_name`, `service_account_name`,
//!   `target_namespace`, `values_key`, `target_path`, `depends_on[].namespace`) mean unset.
//! - A trailing `/` of an `oci://` repository URL is dropped before `/<chart>` is appended.

mod render;
mod resource;
mod schema;
mod settings;
mod validate;

#[cfg(test)]
mod tests;

pub use render::render;
pub use resource::HelmRelease;
pub use schema::attributes;
pub use settings::{Chart, Credentials, HelmReleaseSettings, Repository, SyncSettings, ValuesFrom};
pub use validate::validate;

/// Default of `repository.provider`.
pub const DEFAULT_PROVIDER: &str = "generic";
/// The values of `repository.provider`.
pub const PROVIDERS: &[&str] = &["generic", "aws", "azure", "gcp"];
/// Default of `chart.version`: any version.
pub const DEFAULT_CHART_VERSION: &str = "*";
/// Default of `sync.retries`: retry forever.
pub const DEFAULT_RETRIES: i64 = -1;
/// Default of `sync.interval`.
pub const DEFAULT_INTERVAL: &str = "60m";
/// Default of `sync.timeout`.
pub const DEFAULT_TIMEOUT: &str = "5m";
/// The values of `drift_detection`.
pub const DRIFT_DETECTION_MODES: &[&str] = &["enabled", "warn", "disabled"];
/// The values of `values_from[].kind`.
pub const VALUES_FROM_KINDS: &[&str] = &["ConfigMap", "Secret"];
/// The `interval` of a HelmRepository (fixed, as in the module).
pub const HELM_REPOSITORY_INTERVAL: &str = "12h";
/// The media type of a Helm chart layer, selected from an OCI artifact.
pub const HELM_CHART_MEDIA_TYPE: &str = "application/vnd.cncf.helm.chart.content.v1.tar+gzip";
/// Suffix of the name of the generated credentials Secret.
pub const AUTH_SUFFIX: &str = "-helm-auth";
