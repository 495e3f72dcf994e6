//! `flux_oci_sync`: an OCIRepository and a Kustomization applying a path of the artifact, with
//! the registry credentials and CA Secrets (design/rendering.md §5).
//!
//! One file per step of the data flow: [`attributes`] (schema), [`OciSettings`] (typed
//! settings), [`validate`] (cross-attribute checks), [`render`], and [`OciSync`] (the resource
//! behind the shared adapter).

mod render;
mod resource;
mod schema;
mod settings;
mod validate;

pub use render::render;
pub use resource::OciSync;
pub use schema::attributes;
pub use settings::{Artifact, Auth, Credentials, OciSettings, OciSyncOptions, Tls};
pub use validate::validate;

/// Default of `artifact.tag`.
pub const DEFAULT_TAG: &str = "latest";
/// Default of `artifact.auth.provider`.
pub const DEFAULT_PROVIDER: &str = "generic";
/// The registry authentication providers.
pub const PROVIDERS: &[&str] = &["generic", "aws", "azure", "gcp"];
/// Name suffix of the credentials Secret.
pub const AUTH_SUFFIX: &str = "-oci-auth";
/// Name suffix of the CA Secret.
pub const TLS_SUFFIX: &str = "-oci-tls";
