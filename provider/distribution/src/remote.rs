//! Talking to the registry: tag listing, version resolution, pull, and the offline path.

use std::fmt;
use std::time::Duration;

use oci_client::client::{Certificate, CertificateEncoding, ClientConfig, ClientProtocol};
use oci_client::errors::{OciDistributionError, OciErrorCode};
use oci_client::manifest::{OciDescriptor, OciManifest};
use oci_client::secrets::RegistryAuth;
use oci_client::{Client, Reference};

use crate::Distribution;
use crate::cache::{Cache, validate_digest};
use crate::error::{BoxError, Error};
use crate::parse::{MAX_LAYER_SIZE, parse_layer};
use crate::version::{VersionRange, newest_tags, select_tag};

/// The default `distribution.artifact`.
pub const DEFAULT_ARTIFACT: &str = "oci://ghcr.io/fluxcd/flux-manifests";

/// The default `distribution.registry`.
pub const DEFAULT_REGISTRY: &str = "ghcr.io/fluxcd";

/// Layer media types accepted as the manifests layer.
pub const LAYER_MEDIA_TYPES: [&str; 2] = [
    "application/vnd.cncf.flux.content.v1.tar+gzip",
    "application/vnd.oci.image.layer.v1.tar+gzip",
];

/// Tags requested per `tags/list` page.
pub const TAG_PAGE_SIZE: usize = 1000;

/// The smallest page size a registry is assumed to cap `n` to silently.
const SERVER_PAGE_CAP_MIN: usize = 100;

/// How many version tags a "no match" error lists.
const AVAILABLE_IN_ERRORS: usize = 5;

/// Where the distribution comes from: the `distribution` block of `flux_aio`.
#[derive(Clone, PartialEq, Eq)]
pub struct Source {
    /// The artifact repository, `oci://host[:port]/repository`, without tag or digest.
    pub artifact: String,
    /// The registry that controller images are rewritten to, e.g. `ghcr.io/fluxcd`
    /// (see [`crate::rewrite_registry`]); empty keeps the images as the artifact names them.
    pub registry: String,
    /// Username and password for the registry (HTTP Basic, or the token exchange of a Bearer
    /// challenge). `None` pulls anonymously.
    pub credentials: Option<(String, String)>,
    /// Talk plain HTTP to the registry.
    pub insecure: bool,
    /// Extra PEM certificate(s) to trust for the registry, on top of the system roots.
    pub ca_pem: Option<String>,
}

impl Default for Source {
    /// The Flux defaults: [`DEFAULT_ARTIFACT`] and [`DEFAULT_REGISTRY`], anonymous, HTTPS.
    fn default() -> Self {
        Self {
            artifact: DEFAULT_ARTIFACT.to_string(),
            registry: DEFAULT_REGISTRY.to_string(),
            credentials: None,
            insecure: false,
            ca_pem: None,
        }
    }
}

impl fmt::Debug for Source {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Source")
            .field("artifact", &self.artifact)
            .field("registry", &self.registry)
            .field(
                "credentials",
                &self.credentials.as_ref().map(|(user, _)| (user, "<redacted>")),
            )
            .field("insecure", &self.insecure)
            .field("ca_pem", &self.ca_pem.as_ref().map(|_| "<pem>"))
            .finish()
    }
}

/// A resolved and loaded distribution.
#[derive(Clone, Debug, PartialEq)]
pub struct Resolved {
    /// The version, without `v` (`2.9.4`): `resolved_version` in state.
    pub version: String,
    /// The tag it was found under (`v2.9.4`).
    pub tag: String,
    /// The manifest digest (`sha256:…`): `artifact_digest` in state.
    pub digest: String,
    /// The CRDs and controller images.
    pub distribution: Distribution,
}

/// The artifact address split into registry and repository.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Artifact {
    /// `host[:port]`.
    pub registry: String,
    /// `fluxcd/flux-manifests`.
    pub repository: String,
}

impl Artifact {
    pub(crate) fn parse(artifact: &str) -> Result<Self, Error> {
        let invalid = |reason: &str| Error::InvalidArtifact {
            artifact: artifact.to_string(),
            reason: reason.to_string(),
        };
        let rest = artifact
            .trim()
            .strip_prefix("oci://")
            .ok_or_else(|| invalid("it must start with oci://"))?;
        let rest = rest.trim_end_matches('/');
        if rest.contains('@') {
            return Err(invalid(
                "it must not carry a digest; the digest is resolved from `version`",
            ));
        }
        let (host, path) = rest.split_once('/').ok_or_else(|| {
            invalid("it needs a repository after the host, as in oci://ghcr.io/fluxcd/flux-manifests")
        })?;
        if path.contains(':') {
            return Err(invalid(
                "it must not carry a tag; the tag is resolved from `version`",
            ));
        }
        if host.is_empty() || !(host.contains('.') || host.contains(':') || host == "localhost") {
            return Err(invalid(
                "it needs a registry host (with a dot or a port, or localhost), as in oci://ghcr.io/fluxcd/flux-manifests",
            ));
        }
        if !is_registry_host(host) {
            return Err(invalid(&format!(
                "{host:?} is not a registry host name or address"
            )));
        }
        if !is_repository(path) {
            return Err(invalid(&format!(
                "{path:?} is not a repository name: lowercase letters and digits in parts \
                 separated by `/`, with `.`, `_`, `__` or dashes between them"
            )));
        }
        // Docker Hub's official images live under `library/`, as every registry client has it.
        let repository = if host == "docker.io" && !path.contains('/') {
            format!("library/{path}")
        } else {
            path.to_owned()
        };
        Ok(Self {
            registry: host.to_owned(),
            repository,
        })
    }

    fn with_tag(&self, tag: &str) -> Reference {
        Reference::with_tag(self.registry.clone(), self.repository.clone(), tag.to_string())
    }

    fn with_digest(&self, digest: &str) -> Reference {
        Reference::with_digest(self.registry.clone(), self.repository.clone(), digest.to_string())
    }

    /// `oci://host/repo`.
    fn display(&self) -> String {
        format!("oci://{}/{}", self.registry, self.repository)
    }
}

// The reference grammar of the OCI distribution spec, checked by hand: oci-spec's reference
// regular expression is Unicode-aware, and compiling it took 15 MB, more than half of the
// provider's peak memory in a `flux_aio` plan.

/// `host[:port]`, a bracketed IPv6 address allowed: DNS labels of letters, digits and inner
/// dashes, joined by dots.
fn is_registry_host(host: &str) -> bool {
    let (name, port) = if let Some(v6) = host.strip_prefix('[') {
        let Some((address, rest)) = v6.split_once(']') else {
            return false;
        };
        if address.is_empty() || !address.chars().all(|c| c.is_ascii_hexdigit() || c == ':') {
            return false;
        }
        match rest {
            "" => (None, None),
            _ => match rest.strip_prefix(':') {
                Some(port) => (None, Some(port)),
                None => return false,
            },
        }
    } else {
        match host.rsplit_once(':') {
            Some((name, port)) => (Some(name), Some(port)),
            None => (Some(host), None),
        }
    };
    let port_ok = port.is_none_or(|p| !p.is_empty() && p.len() <= 5 && p.bytes().all(|b| b.is_ascii_digit()));
    let label = |l: &str| {
        let b = l.as_bytes();
        !b.is_empty()
            && b.len() <= 63
            && b[0].is_ascii_alphanumeric()
            && b[b.len() - 1].is_ascii_alphanumeric()
            && b.iter().all(|c| c.is_ascii_alphanumeric() || *c == b'-')
    };
    port_ok && name.is_none_or(|n| n.split('.').all(label))
}

/// Path components `[a-z0-9]+((\.|_|__|-+)[a-z0-9]+)*` joined by `/`, at most 255 bytes.
fn is_repository(path: &str) -> bool {
    let alnum = |c: u8| c.is_ascii_lowercase() || c.is_ascii_digit();
    let component = |part: &str| {
        let b = part.as_bytes();
        let mut i = 0;
        while i < b.len() {
            if !alnum(b[i]) {
                return false;
            }
            while i < b.len() && alnum(b[i]) {
                i += 1;
            }
            if i == b.len() {
                return true;
            }
            let separator = i;
            match b[i] {
                b'.' => i += 1,
                b'_' => i += if b.get(i + 1) == Some(&b'_') { 2 } else { 1 },
                b'-' => {
                    while b.get(i) == Some(&b'-') {
                        i += 1;
                    }
                }
                _ => return false,
            }
            // A separator sits between alphanumerics, never at the end.
            if i == b.len() || i == separator {
                return false;
            }
        }
        false
    };
    path.len() <= 255 && path.split('/').all(component)
}

/// A registry client plus what error mapping needs.
pub(crate) struct Remote {
    pub(crate) client: Client,
    pub(crate) auth: RegistryAuth,
    pub(crate) artifact: Artifact,
    credentials_given: bool,
}

impl Remote {
    pub(crate) fn new(source: &Source) -> Result<Self, Error> {
        let artifact = Artifact::parse(&source.artifact)?;
        let config = ClientConfig {
            protocol: if source.insecure {
                ClientProtocol::Http
            } else {
                ClientProtocol::Https
            },
            extra_root_certificates: match &source.ca_pem {
                Some(pem) => ca_certificates(pem).map_err(|reason| Error::ClientConfig {
                    artifact: artifact.display(),
                    source: reason.into(),
                })?,
                None => Vec::new(),
            },
            // No platform resolution: the artifact is a single image manifest.
            platform_resolver: None,
            connect_timeout: Some(Duration::from_secs(15)),
            read_timeout: Some(Duration::from_secs(60)),
            user_agent: concat!("terraform-provider-flux/", env!("CARGO_PKG_VERSION")),
            ..ClientConfig::default()
        };
        // `Client::new` would silently fall back to a default configuration on error.
        let client = Client::try_from(config).map_err(|e| Error::ClientConfig {
            artifact: artifact.display(),
            source: Box::new(e),
        })?;
        let auth = match &source.credentials {
            Some((user, password)) => RegistryAuth::Basic(user.clone(), password.clone()),
            None => RegistryAuth::Anonymous,
        };
        Ok(Self {
            client,
            auth,
            artifact,
            credentials_given: source.credentials.is_some(),
        })
    }

    /// Maps a registry error: access and connectivity problems get their own variants,
    /// everything else goes through `other`.
    pub(crate) fn classify(&self, err: OciDistributionError, other: impl FnOnce(BoxError) -> Error) -> Error {
        let registry = self.artifact.registry.clone();
        let unauthorized = |source: OciDistributionError| Error::Unauthorized {
            artifact: self.artifact.display(),
            credentials_given: self.credentials_given,
            source: Box::new(source),
        };
        let unreachable = |source: OciDistributionError| Error::Unreachable {
            registry: registry.clone(),
            source: Box::new(source),
        };
        match &err {
            OciDistributionError::UnauthorizedError { .. }
            | OciDistributionError::AuthenticationFailure(_) => unauthorized(err),
            OciDistributionError::RegistryError { envelope, .. }
                if envelope
                    .errors
                    .iter()
                    .any(|e| matches!(e.code, OciErrorCode::Unauthorized | OciErrorCode::Denied)) =>
            {
                unauthorized(err)
            }
            OciDistributionError::RegistryError { envelope, .. }
                if envelope
                    .errors
                    .iter()
                    .any(|e| e.code == OciErrorCode::Toomanyrequests) =>
            {
                unreachable(err)
            }
            OciDistributionError::ServerError { code: 401 | 403, .. } => unauthorized(err),
            OciDistributionError::ServerError {
                code: 429 | 502 | 503 | 504,
                ..
            } => unreachable(err),
            OciDistributionError::RequestError(e) if is_tls_error(e) => Error::Tls {
                registry,
                source: Box::new(err),
            },
            OciDistributionError::RequestError(e)
                if e.is_connect() || e.is_timeout() || (e.is_request() && chain_has::<std::io::Error>(e)) =>
            {
                unreachable(err)
            }
            _ => other(Box::new(err)),
        }
    }

    /// Every tag of the repository, following `n`/`last` pagination (oci-client does not
    /// expose the `Link` header). Tags are deduplicated, in registry order.
    pub(crate) async fn list_tags(&self, page_size: usize) -> Result<Vec<String>, Error> {
        let reference = self.artifact.with_tag("latest");
        let page_size = page_size.max(1);
        let mut tags: Vec<String> = Vec::new();
        let mut seen = std::collections::HashSet::new();
        let mut last: Option<String> = None;
        // A registry that ignores `last` would loop forever; 10 000 pages is far beyond any
        // real repository.
        for _ in 0..10_000 {
            let page = self
                .client
                .list_tags(&reference, &self.auth, Some(page_size), last.as_deref())
                .await
                .map_err(|e| {
                    self.classify(e, |source| Error::ListTags {
                        artifact: self.artifact.display(),
                        source,
                    })
                })?;
            // A short page ends the listing, unless it is long enough to be a server-side cap
            // on `n` (ghcr.io without `n`, Docker Hub and Harbor answer 100): then one more
            // request with `last` confirms, so a silently capped page cannot hide newer tags.
            let short = page.tags.len() < page_size && page.tags.len() < SERVER_PAGE_CAP_MIN;
            let new_last = page.tags.last().cloned();
            let before = tags.len();
            for tag in page.tags {
                if seen.insert(tag.clone()) {
                    tags.push(tag);
                }
            }
            if short || tags.len() == before || new_last.is_none() || new_last == last {
                break;
            }
            last = new_last;
        }
        Ok(tags)
    }

    /// The digest of the manifest a tag points at (HEAD, falling back to GET).
    async fn manifest_digest(&self, tag: &str) -> Result<String, Error> {
        let reference = self.artifact.with_tag(tag);
        let digest = self
            .client
            .fetch_manifest_digest(&reference, &self.auth)
            .await
            .map_err(|e| {
                self.classify(e, |source| Error::FetchManifest {
                    reference: format!("{}:{tag}", self.artifact.display()),
                    source,
                })
            })?;
        validate_digest(&digest)?;
        Ok(digest)
    }

    /// Pulls the manifest by digest and returns the descriptor and bytes of its manifests
    /// layer (verified against the descriptor).
    async fn pull_layer(&self, digest: &str) -> Result<(OciDescriptor, Vec<u8>), Error> {
        let reference = self.artifact.with_digest(digest);
        let display = format!("{}@{digest}", self.artifact.display());
        let (manifest, _) = self
            .client
            .pull_manifest(&reference, &self.auth)
            .await
            .map_err(|e| {
                self.classify(e, |source| Error::FetchManifest {
                    reference: display.clone(),
                    source,
                })
            })?;
        let no_flux = |reason: String| Error::NoFluxManifests {
            artifact: display.clone(),
            reason,
        };
        let manifest = match manifest {
            OciManifest::Image(m) => m,
            OciManifest::ImageIndex(_) => {
                return Err(no_flux(
                    "it is an image index, not a single artifact manifest".into(),
                ));
            }
        };
        let layer = manifest
            .layers
            .iter()
            .find(|l| LAYER_MEDIA_TYPES.contains(&l.media_type.as_str()))
            .ok_or_else(|| {
                let found: Vec<&str> = manifest.layers.iter().map(|l| l.media_type.as_str()).collect();
                no_flux(format!(
                    "no layer of media type {} (found: {})",
                    LAYER_MEDIA_TYPES.join(" or "),
                    if found.is_empty() {
                        "no layers".to_string()
                    } else {
                        found.join(", ")
                    }
                ))
            })?
            .clone();
        if u64::try_from(layer.size).unwrap_or(u64::MAX) > MAX_LAYER_SIZE {
            return Err(Error::TooLarge {
                artifact: display,
                limit: MAX_LAYER_SIZE,
            });
        }
        let mut buf = CappedBuf {
            data: Vec::with_capacity(usize::try_from(layer.size).unwrap_or(0)),
            limit: MAX_LAYER_SIZE,
        };
        let pull_err = |source: BoxError| Error::PullLayer {
            reference: display.clone(),
            digest: layer.digest.clone(),
            source,
        };
        if let Err(e) = self.client.pull_blob(&reference, &layer, &mut buf).await {
            if let OciDistributionError::IoError(io) = &e
                && io.get_ref().is_some_and(|inner| inner.is::<TooLargeMarker>())
            {
                return Err(Error::TooLarge {
                    artifact: display,
                    limit: MAX_LAYER_SIZE,
                });
            }
            return Err(self.classify(e, pull_err));
        }
        Ok((layer, buf.data))
    }
}

/// The certificates of a PEM bundle, as DER. reqwest silently accepts PEM text without any
/// certificate in it, so the bundle is checked here.
fn ca_certificates(pem: &str) -> Result<Vec<Certificate>, String> {
    use rustls::pki_types::CertificateDer;
    use rustls::pki_types::pem::PemObject;
    let certs = CertificateDer::pem_slice_iter(pem.as_bytes())
        .map(|cert| {
            cert.map(|der| Certificate {
                encoding: CertificateEncoding::Der,
                data: der.to_vec(),
            })
        })
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| format!("the CA certificate is not valid PEM: {e}"))?;
    if certs.is_empty() {
        return Err("the CA certificate holds no PEM CERTIFICATE block".into());
    }
    Ok(certs)
}

fn chain_has<T: std::error::Error + 'static>(err: &(dyn std::error::Error + 'static)) -> bool {
    let mut cause: Option<&(dyn std::error::Error + 'static)> = Some(err);
    while let Some(e) = cause {
        if e.is::<T>() {
            return true;
        }
        cause = e.source();
    }
    false
}

/// Whether a rustls error sits anywhere in the chain (`io::Error` hides its inner error from
/// `source()`, so look inside it too).
fn is_tls_error(err: &(dyn std::error::Error + 'static)) -> bool {
    let mut cause: Option<&(dyn std::error::Error + 'static)> = Some(err);
    while let Some(e) = cause {
        if e.is::<rustls::Error>() {
            return true;
        }
        if let Some(io) = e.downcast_ref::<std::io::Error>()
            && let Some(inner) = io.get_ref()
            && (inner.is::<rustls::Error>() || is_tls_error(inner))
        {
            return true;
        }
        cause = e.source();
    }
    false
}

#[derive(Debug)]
struct TooLargeMarker;

impl fmt::Display for TooLargeMarker {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("layer exceeds the size limit")
    }
}

impl std::error::Error for TooLargeMarker {}

/// An in-memory sink that refuses to grow past `limit`.
struct CappedBuf {
    data: Vec<u8>,
    limit: u64,
}

impl tokio::io::AsyncWrite for CappedBuf {
    fn poll_write(
        self: std::pin::Pin<&mut Self>,
        _cx: &mut std::task::Context<'_>,
        buf: &[u8],
    ) -> std::task::Poll<std::io::Result<usize>> {
        let this = self.get_mut();
        if (this.data.len() + buf.len()) as u64 > this.limit {
            return std::task::Poll::Ready(Err(std::io::Error::other(TooLargeMarker)));
        }
        this.data.extend_from_slice(buf);
        std::task::Poll::Ready(Ok(buf.len()))
    }

    fn poll_flush(
        self: std::pin::Pin<&mut Self>,
        _cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<std::io::Result<()>> {
        std::task::Poll::Ready(Ok(()))
    }

    fn poll_shutdown(
        self: std::pin::Pin<&mut Self>,
        _cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<std::io::Result<()>> {
        std::task::Poll::Ready(Ok(()))
    }
}

/// Runs CPU- or disk-bound work off the async worker threads.
async fn blocking<T: Send + 'static>(
    step: &'static str,
    f: impl FnOnce() -> Result<T, Error> + Send + 'static,
) -> Result<T, Error> {
    match tokio::task::spawn_blocking(f).await {
        Ok(result) => result,
        Err(e) => match e.try_into_panic() {
            Ok(panic) => std::panic::resume_unwind(panic),
            Err(_) => Err(Error::Cancelled { step }),
        },
    }
}

/// Lists every tag of the artifact repository (all pages).
pub async fn list_tags(source: &Source) -> Result<Vec<String>, Error> {
    list_tags_paged(source, TAG_PAGE_SIZE).await
}

/// [`list_tags`] with an explicit page size (to exercise pagination in tests).
#[doc(hidden)]
pub async fn list_tags_paged(source: &Source, page_size: usize) -> Result<Vec<String>, Error> {
    Remote::new(source)?.list_tags(page_size).await
}

/// Resolves `range` against the artifact's tags and loads that release.
///
/// # Expected flow
///
/// 1. list the tags (all pages) and pick the highest version matching `range`
///    ([`crate::select_tag`]); `latest`, signature tags and other non-versions are ignored;
/// 2. fetch the digest of the manifest behind that tag;
/// 3. if the cache holds that digest, parse the cached layer (no pull);
/// 4. otherwise pull the manifest by digest and its manifests layer (media type in
///    [`LAYER_MEDIA_TYPES`], at most [`crate::MAX_LAYER_SIZE`]), parse it, then store it in
///    the cache.
///
/// # Errors
///
/// [`Error::Unreachable`] when the registry cannot be reached (the caller may then fall back
/// to [`load_pinned`]), [`Error::Unauthorized`] on 401/403, [`Error::Tls`],
/// [`Error::NoMatchingVersion`], [`Error::NoFluxManifests`], and the other variants for the
/// remaining steps. Cache read and write failures are logged, not returned (the artifact is pulled instead).
pub async fn resolve(source: &Source, range: &VersionRange, cache: &Cache) -> Result<Resolved, Error> {
    let remote = Remote::new(source)?;
    let tags = remote.list_tags(TAG_PAGE_SIZE).await?;
    let Some((version, tag)) = select_tag(tags.iter().map(String::as_str), range) else {
        return Err(Error::NoMatchingVersion {
            artifact: remote.artifact.display(),
            range: range.as_str().to_string(),
            available: newest_tags(tags.iter().map(String::as_str), AVAILABLE_IN_ERRORS),
        });
    };
    let version = version.to_string();
    let digest = remote.manifest_digest(&tag).await?;
    tracing::debug!(artifact = %remote.artifact.display(), %tag, %digest, "resolved flux version");

    let shown = format!("{}:{tag}", remote.artifact.display());
    let registry = source.registry.clone();

    // Cache hit: no pull. A cached entry that no longer parses is replaced.
    let hit = {
        let (cache, digest, shown, version, registry) = (
            cache.clone(),
            digest.clone(),
            shown.clone(),
            version.clone(),
            registry.clone(),
        );
        blocking("cache read", move || {
            // The cache is an optimisation: an unreadable one means a pull, not a failure.
            let layer = match cache.get(&digest) {
                Ok(Some(layer)) => layer,
                Ok(None) => return Ok(None),
                Err(e) => {
                    tracing::warn!(error = %e.report(), "ignoring unreadable artifact cache");
                    return Ok(None);
                }
            };
            match parse_layer(&shown, &version, &layer, &registry) {
                Ok(distribution) => Ok(Some(distribution)),
                Err(e) => {
                    tracing::warn!(error = %e.report(), "ignoring unreadable cache entry");
                    Ok(None)
                }
            }
        })
        .await?
    };
    if let Some(distribution) = hit {
        tracing::debug!(artifact = %shown, %digest, "flux distribution served from the cache");
        return Ok(Resolved {
            version,
            tag,
            digest,
            distribution,
        });
    }

    let (layer, data) = remote.pull_layer(&digest).await?;
    tracing::info!(artifact = %shown, %digest, bytes = data.len(), "pulled flux distribution");
    let distribution = {
        let (cache, digest, shown, version) = (cache.clone(), digest.clone(), shown.clone(), version.clone());
        blocking("parse", move || {
            let distribution = parse_layer(&shown, &version, &data, &registry)?;
            // Only a verified, parseable layer is cached.
            match cache.put(&digest, &layer.digest, &data) {
                Ok(_) => {}
                Err(e @ Error::DigestMismatch { .. }) => return Err(e),
                Err(e) => tracing::warn!(error = %e.report(), "could not cache the flux distribution"),
            }
            Ok(distribution)
        })
        .await?
    };
    Ok(Resolved {
        version,
        tag,
        digest,
        distribution,
    })
}

/// The distribution with manifest digest `digest` from the cache alone (no network), or
/// `None` when it is not cached. `version` is what the state recorded (`2.9.4`); the tag is
/// assumed to be `v<version>`.
pub fn cached(
    source: &Source,
    version: &str,
    digest: &str,
    cache: &Cache,
) -> Result<Option<Resolved>, Error> {
    let artifact = Artifact::parse(&source.artifact)?;
    let Some(layer) = cache.get(digest)? else {
        return Ok(None);
    };
    let display = format!("{}@{digest}", artifact.display());
    let distribution = parse_layer(&display, version, &layer, &source.registry)?;
    Ok(Some(Resolved {
        version: version.to_string(),
        tag: format!("v{version}"),
        digest: digest.to_string(),
        distribution,
    }))
}

/// The offline path: loads the release the state already pinned (`resolved_version`,
/// `artifact_digest`) from the cache, without touching the network. Use it for plans when the
/// configured `version` is unchanged and either exact or the registry is
/// [unreachable](Error::is_unreachable).
///
/// # Errors
///
/// [`Error::NotCached`] when the cache has no entry for `digest`; parse errors if the entry is
/// not a Flux distribution.
pub async fn load_pinned(
    source: &Source,
    version: &str,
    digest: &str,
    cache: &Cache,
) -> Result<Resolved, Error> {
    let (source, version, digest, cache) = (
        source.clone(),
        version.to_string(),
        digest.to_string(),
        cache.clone(),
    );
    blocking("cache read", move || {
        cached(&source, &version, &digest, &cache)?.ok_or_else(|| Error::NotCached {
            artifact: source.artifact.trim().to_string(),
            digest: digest.clone(),
            dir: cache.dir().to_path_buf(),
        })
    })
    .await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn artifact_addresses() {
        let ok = [
            (
                "oci://ghcr.io/fluxcd/flux-manifests",
                "ghcr.io",
                "fluxcd/flux-manifests",
            ),
            (
                "oci://127.0.0.1:5000/flux-manifests/",
                "127.0.0.1:5000",
                "flux-manifests",
            ),
            ("oci://localhost/a/b/c", "localhost", "a/b/c"),
            ("oci://docker.io/flux", "docker.io", "library/flux"),
            (
                "oci://[::1]:5000/a.b/c__d/e--f_g",
                "[::1]:5000",
                "a.b/c__d/e--f_g",
            ),
            ("oci://my-registry.example/x0/1y", "my-registry.example", "x0/1y"),
            (
                " oci://registry.example:5000/mirror/flux-manifests ",
                "registry.example:5000",
                "mirror/flux-manifests",
            ),
        ];
        for (input, registry, repository) in ok {
            let a = Artifact::parse(input).unwrap_or_else(|e| panic!("{input}: {e}"));
            assert_eq!(
                (a.registry.as_str(), a.repository.as_str()),
                (registry, repository)
            );
        }
        for bad in [
            "ghcr.io/fluxcd/flux-manifests",
            "https://ghcr.io/fluxcd/flux-manifests",
            "oci://ghcr.io",
            "oci://ghcr.io/fluxcd/flux-manifests:v2.9.4",
            "oci://ghcr.io/fluxcd/flux-manifests@sha256:00",
            "oci://fluxcd/flux-manifests",
            "oci://ghcr.io/FluxCD/flux-manifests",
            "oci:///flux",
            "oci://ghcr.io/flux__-manifests",
            "oci://ghcr.io/flux___manifests",
            "oci://ghcr.io/flux-/manifests",
            "oci://ghcr.io/flux//manifests",
            "oci://ghcr.io/.flux",
            "oci://ghcr.io/flux manifests",
            "oci://ghcr.io/fluxé",
            "oci://gh_cr.io/flux",
            "oci://-ghcr.io/flux",
            "oci://ghcr..io/flux",
            "oci://ghcr.io:port/flux",
            "oci://ghcr.io:/flux",
            "oci://[::1/flux",
        ] {
            match Artifact::parse(bad) {
                Err(Error::InvalidArtifact { artifact, reason }) => {
                    assert_eq!(artifact, bad);
                    assert!(!reason.is_empty());
                }
                other => panic!("{bad:?} should be rejected, got {other:?}"),
            }
        }
    }

    #[test]
    fn source_debug_redacts_password() {
        let source = Source {
            credentials: Some(("user".into(), "hunter2".into())),
            ca_pem: Some("-----BEGIN CERTIFICATE-----".into()),
            ..Source::default()
        };
        let text = format!("{source:?}");
        assert!(!text.contains("hunter2"), "{text}");
        assert!(text.contains("user"), "{text}");
    }

    #[test]
    fn bad_ca_is_a_client_config_error() {
        let source = Source {
            ca_pem: Some("not a certificate".into()),
            ..Source::default()
        };
        match Remote::new(&source) {
            Err(e @ Error::ClientConfig { .. }) => {
                assert!(e.to_string().contains(DEFAULT_ARTIFACT), "{e}");
            }
            Err(other) => panic!("expected ClientConfig, got {other:?}"),
            Ok(_) => panic!("an invalid CA must not silently give a default client"),
        }
    }

    #[tokio::test]
    async fn offline_load_misses_and_hits() {
        let tmp = tempfile::tempdir().expect("tempdir");
        let cache = Cache::new(tmp.path());
        let digest = crate::cache::sha256_digest(b"m");
        let source = Source::default();
        match load_pinned(&source, "2.9.4", &digest, &cache).await {
            Err(Error::NotCached { digest: d, .. }) => assert_eq!(d, digest),
            other => panic!("expected NotCached, got {other:?}"),
        }
        match load_pinned(&source, "2.9.4", "sha256:../x", &cache).await {
            Err(Error::InvalidDigest { .. }) => {}
            other => panic!("expected InvalidDigest, got {other:?}"),
        }
    }

    #[tokio::test]
    async fn unreachable_registry_is_distinguishable() {
        // A port nothing listens on: bind, note the port, close.
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .map(|a| a.port())
            .expect("free port");
        let source = Source {
            artifact: format!("oci://127.0.0.1:{port}/flux-manifests"),
            insecure: true,
            ..Source::default()
        };
        let tmp = tempfile::tempdir().expect("tempdir");
        let range = VersionRange::parse("2.x").expect("range");
        let err = resolve(&source, &range, &Cache::new(tmp.path()))
            .await
            .expect_err("nothing listens there");
        assert!(err.is_unreachable(), "{}", err.report());
        assert_eq!(
            err.to_string(),
            format!("the registry 127.0.0.1:{port} cannot be reached")
        );
    }
}
