//! `flux_git_sync`: a GitRepository over HTTPS and a Kustomization applying one of its paths,
//! with the Secret holding the token, CA or GitHub App key (design/rendering.md §4).
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
pub use settings::{Git, GitHubApp, GitSettings};
pub use validate::validate;

/// Default of `git.ref`.
pub const DEFAULT_REF: &str = "refs/heads/main";
/// The username of token authentication.
pub const GIT_USERNAME: &str = "git";
