//! The Flux distribution: the CRDs and default controller images of one Flux version, taken from
//! a distribution artifact (`oci://ghcr.io/fluxcd/flux-manifests:v<version>`).
//!
//! * [`VersionRange`] parses the `version` attribute (`2.9.4` is exact; `2.9.x`, `>=2.7.0 <3`,
//!   `~2.9`, `*` are ranges);
//! * [`resolve`] lists the artifact's tags, picks the highest match, and loads it from the
//!   [`Cache`] or pulls it (then caches it by manifest digest);
//! * [`load_pinned`] is the offline path for a digest the state already holds;
//! * [`parse_layer`] / [`parse_manifest_files`] read either layout: a single
//!   `gotk-components.yaml` (what `flux-manifests` artifacts hold) or the per-component files
//!   of the flux2 release asset `manifests.tar.gz`;
//! * [`rewrite_registry`] points the controller images at a mirror (`distribution.registry`).
//!
//! Every failure is an [`Error`]; [`Error::is_unreachable`] tells a registry that cannot be
//! reached (plan offline from the cache) from every other failure.

use std::collections::BTreeMap;

mod cache;
mod error;
mod parse;
#[cfg(test)]
mod parse_tests;
mod remote;
#[cfg(any(test, feature = "testing"))]
pub mod testing;
mod version;

pub use cache::{CACHE_DIR_ENV, Cache, sha256_digest, validate_digest, verify_digest};
pub use error::{BoxError, Error, Result};
pub use parse::{
    CONTROLLERS, GOTK_COMPONENTS, MAX_LAYER_SIZE, parse_layer, parse_manifest_files, rewrite_registry,
};
pub use remote::{
    DEFAULT_ARTIFACT, DEFAULT_REGISTRY, LAYER_MEDIA_TYPES, Resolved, Source, TAG_PAGE_SIZE, cached,
    list_tags, list_tags_paged, load_pinned, resolve,
};
pub use version::{VersionRange, newest_tags, select_tag, tag_version};

/// What `flux_aio` renders from a Flux release.
#[derive(Clone, Debug, PartialEq)]
pub struct Distribution {
    /// The Flux version, without the `v` (e.g. `2.9.4`).
    pub version: String,
    /// Every CustomResourceDefinition of the release, as JSON objects, sorted by name.
    pub crds: Vec<serde_json::Value>,
    /// The default image of each controller, keyed by controller (its Deployment name in the
    /// release: `source-controller`, `kustomize-controller`, `helm-controller`,
    /// `notification-controller`, `source-watcher`), e.g.
    /// `ghcr.io/fluxcd/source-controller:v1.9.4`, already rewritten to the configured
    /// registry. Controllers a release lacks (source-watcher in older releases) are absent.
    pub images: BTreeMap<String, String>,
}
