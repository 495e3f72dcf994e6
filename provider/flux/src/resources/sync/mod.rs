//! `flux_git_sync` and `flux_oci_sync`: a Flux source (GitRepository over HTTPS, or
//! OCIRepository) and a Kustomization applying a path of it, as the `flux-git-sync` and
//! `flux-oci-sync` Timoni modules render them (design/rendering.md §4, §5).
//!
//! Each resource has the same rooms as the others (schema, settings, validate, render,
//! resource); the Kustomization half both share is in [`kustomization`].

pub mod git;
pub mod kustomization;
pub mod oci;

#[cfg(test)]
mod tests;
