//! `flux_git_sync`: a GitRepository over HTTPS or SSH and a Kustomization applying one of its
//! paths, with the Secret holding the token, CA, SSH key or GitHub App key (design/rendering.md §4).
//!
//! One file per step of the data flow: [`attributes`] (schema), [`GitSettings`] (typed
//! settings), [`validate`] (cross-attribute checks), [`render`], and [`GitSync`] (the resource
//! behind the shared adapter).

mod render;
mod resource;
mod schema;
mod settings;
mod validate;

pub use render::render;
pub use resource::GitSync;
pub use schema::attributes;
pub use settings::{Git, GitHubApp, GitSettings, Ssh, Transport, flux_url, transport};
pub use validate::validate;

/// Default of `git.ref`.
pub const DEFAULT_REF: &str = "refs/heads/main";
/// Default of `git.username`, the username of token authentication.
pub const DEFAULT_USERNAME: &str = "git";
/// Default of `git.provider`.
pub const DEFAULT_PROVIDER: &str = "generic";
/// The values of `git.provider` (the GitRepository's `spec.provider`).
pub const PROVIDERS: &[&str] = &["generic", "aws", "azure", "github"];
