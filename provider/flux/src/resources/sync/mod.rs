//! `flux_git_sync` and `flux_oci_sync`: a Flux source (GitRepository over HTTPS, or
//! OCIRepository) and a Kustomization applying a path of it, as the `flux-git-sync` and
//! `flux-oci-sync` Timoni modules render them (RENDERING.md §4, §5).
//!
//! The pure parts live here: each resource's own `attributes`, typed settings decoded by
//! `settings`, the cross-attribute checks of `validate`, and `render`. The Kustomization half
//! both share is in [`shared`].

pub mod git;
pub mod oci;
pub mod shared;

#[cfg(test)]
mod tests;
