//! The one error type of the crate.

use std::path::PathBuf;

/// A boxed cause, as carried by the variants that wrap a lower-level failure.
pub type BoxError = Box<dyn std::error::Error + Send + Sync + 'static>;

/// `Result` with this crate's [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Everything that can go wrong while resolving, pulling, caching or parsing a Flux
/// distribution artifact.
///
/// Variants are named after the step that failed. Messages are lowercase, name the artifact
/// (`oci://host/repo`, with the tag or digest where known) and do not repeat their cause: render
/// the whole chain with [`Error::report`].
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The `version` attribute is not a version or a supported range.
    #[error("invalid version {input:?}: {reason}")]
    InvalidVersion {
        /// The attribute value as written.
        input: String,
        /// Why it was rejected, phrased for a diagnostic on `version`.
        reason: String,
    },

    /// `distribution.artifact` is not an `oci://host[:port]/repository` address.
    #[error("invalid artifact address {artifact:?}: {reason}")]
    InvalidArtifact {
        /// The address as written.
        artifact: String,
        /// What is wrong with it.
        reason: String,
    },

    /// A digest (from the state or a registry) is not `sha256:<64 hex digits>`.
    #[error("invalid digest {digest:?}: expected sha256:<64 lowercase hex digits>")]
    InvalidDigest {
        /// The digest as given.
        digest: String,
    },

    /// The registry client could not be built, typically because the CA certificate is not
    /// valid PEM.
    #[error("failed to configure the registry client for {artifact}")]
    ClientConfig {
        /// The artifact address.
        artifact: String,
        /// The cause.
        #[source]
        source: BoxError,
    },

    /// The registry answered 401 or 403.
    #[error(
        "the registry {} for {artifact}",
        if *.credentials_given { "refused the credentials" } else { "requires credentials" }
    )]
    Unauthorized {
        /// The artifact address.
        artifact: String,
        /// Whether `distribution.credentials` were set (they were refused) or not (they are
        /// needed).
        credentials_given: bool,
        /// The registry's answer.
        #[source]
        source: BoxError,
    },

    /// The registry could not be reached: connection refused, DNS failure, timeout, or a
    /// 429/502/503/504 answer. The offline fallback keys on this variant (see
    /// [`Error::is_unreachable`]).
    #[error("the registry {registry} cannot be reached")]
    Unreachable {
        /// `host[:port]` of the registry.
        registry: String,
        /// The cause.
        #[source]
        source: BoxError,
    },

    /// The TLS handshake with the registry failed (untrusted or invalid certificate, or a
    /// plain-HTTP registry addressed over HTTPS).
    #[error(
        "the tls connection to {registry} failed (set the registry's ca certificate, or `insecure` for a plain-http registry)"
    )]
    Tls {
        /// `host[:port]` of the registry.
        registry: String,
        /// The cause.
        #[source]
        source: BoxError,
    },

    /// Listing the tags of the repository failed for another reason (e.g. 404).
    #[error("failed to list the tags of {artifact}")]
    ListTags {
        /// The artifact address.
        artifact: String,
        /// The cause.
        #[source]
        source: BoxError,
    },

    /// No tag of the repository matches the version range.
    #[error(
        "no tag of {artifact} matches version {range:?} ({})",
        if .available.is_empty() { "the repository has no version tags".to_string() }
        else { format!("newest tags: {}", .available.join(", ")) }
    )]
    NoMatchingVersion {
        /// The artifact address.
        artifact: String,
        /// The range as written in `version`.
        range: String,
        /// The newest few version tags of the repository, newest first.
        available: Vec<String>,
    },

    /// Fetching the manifest (or its digest) failed.
    #[error("failed to fetch the manifest of {reference}")]
    FetchManifest {
        /// `oci://host/repo:tag` or `oci://host/repo@digest`.
        reference: String,
        /// The cause.
        #[source]
        source: BoxError,
    },

    /// Pulling the manifests layer failed (including a digest mismatch).
    #[error("failed to pull layer {digest} of {reference}")]
    PullLayer {
        /// `oci://host/repo@digest` of the manifest.
        reference: String,
        /// The layer digest.
        digest: String,
        /// The cause.
        #[source]
        source: BoxError,
    },

    /// The artifact is not a Flux distribution: wrong layout, no CRDs, or no source-controller
    /// Deployment.
    #[error("{artifact} holds no flux manifests: {reason}")]
    NoFluxManifests {
        /// The artifact reference.
        artifact: String,
        /// What is missing.
        reason: String,
    },

    /// The layer (compressed or unpacked) exceeds the size cap.
    #[error("the layer of {artifact} exceeds the size limit of {limit} bytes")]
    TooLarge {
        /// The artifact reference.
        artifact: String,
        /// The cap in bytes.
        limit: u64,
    },

    /// The layer holds an absolute path or one with `..`.
    #[error("the layer of {artifact} holds an unsafe path {path:?}")]
    UnsafePath {
        /// The artifact reference.
        artifact: String,
        /// The offending path.
        path: String,
    },

    /// The layer is not a valid gzip-compressed tar archive.
    #[error("failed to unpack the layer of {artifact}")]
    Unpack {
        /// The artifact reference.
        artifact: String,
        /// The cause.
        #[source]
        source: std::io::Error,
    },

    /// A YAML file of the layer does not parse.
    #[error("failed to parse {file} in {artifact}")]
    ParseYaml {
        /// The artifact reference.
        artifact: String,
        /// The file inside the layer.
        file: String,
        /// The cause.
        #[source]
        source: BoxError,
    },

    /// The manifests parse but are inconsistent (non-UTF-8 file, duplicate CRD, ...).
    #[error("invalid manifests in {artifact}: {reason}")]
    InvalidManifests {
        /// The artifact reference.
        artifact: String,
        /// What is wrong.
        reason: String,
    },

    /// Data does not match its digest.
    #[error("digest mismatch for {what}: expected {expected}, got {actual}")]
    DigestMismatch {
        /// What was checked.
        what: String,
        /// The digest it should have.
        expected: String,
        /// The digest it has.
        actual: String,
    },

    /// An offline load found no cached copy of the artifact.
    #[error("{artifact}@{digest} is not in the artifact cache {}", .dir.display())]
    NotCached {
        /// The artifact address.
        artifact: String,
        /// The manifest digest looked up.
        digest: String,
        /// The cache directory.
        dir: PathBuf,
    },

    /// Reading or writing the on-disk cache failed.
    #[error("failed to access the artifact cache at {}", .path.display())]
    Cache {
        /// The file or directory involved.
        path: PathBuf,
        /// The cause.
        #[source]
        source: std::io::Error,
    },

    /// Pushing an artifact failed (test helper).
    #[error("failed to push {reference}")]
    Push {
        /// The reference pushed to.
        reference: String,
        /// The cause.
        #[source]
        source: BoxError,
    },

    /// A background task was cancelled, e.g. because the runtime is shutting down.
    #[error("the {step} task was cancelled")]
    Cancelled {
        /// What was running.
        step: &'static str,
    },
}

impl Error {
    /// Whether the registry could not be reached at all ([`Error::Unreachable`]). A plan may
    /// then fall back to the cached artifact whose digest the state holds.
    #[must_use]
    pub fn is_unreachable(&self) -> bool {
        matches!(self, Error::Unreachable { .. })
    }

    /// The message followed by every cause, joined with `": "`, for a diagnostic detail.
    #[must_use]
    pub fn report(&self) -> String {
        let mut out = self.to_string();
        let mut cause = std::error::Error::source(self);
        while let Some(err) = cause {
            let text = err.to_string();
            // Transparent wrappers repeat their inner message; print it once.
            if !out.ends_with(&text) {
                out.push_str(": ");
                out.push_str(&text);
            }
            cause = err.source();
        }
        out
    }
}
