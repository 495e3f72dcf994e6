//! Unpacking a distribution layer and extracting CRDs and controller images from it.

use std::collections::BTreeMap;
use std::io::Read;
use std::path::{Component, Path};

use serde_json::Value;

use crate::Distribution;
use crate::error::Error;

/// Upper bound on the unpacked size of a layer (and on the compressed download), in bytes.
/// The Flux manifests are about 350 KiB unpacked.
pub const MAX_LAYER_SIZE: u64 = 64 * 1024 * 1024;

/// The controllers whose default images a [`Distribution`] records, by Deployment name.
pub const CONTROLLERS: [&str; 5] = [
    "source-controller",
    "kustomize-controller",
    "helm-controller",
    "notification-controller",
    "source-watcher",
];

/// The file `flux install --export` writes, and that `flux-manifests` artifacts carry.
pub const GOTK_COMPONENTS: &str = "gotk-components.yaml";

/// Unpacks a tar+gzip layer in memory and parses it with [`parse_manifest_files`].
///
/// `artifact` names the artifact in errors; `version` (e.g. `2.9.4`) is copied into the
/// result; `registry` is the image registry rewrite (see [`rewrite_registry`]).
///
/// The unpacked stream is capped at [`MAX_LAYER_SIZE`]; absolute paths and paths with `..`
/// are rejected; directories, links and other special entries are skipped; a leading `./` is
/// dropped.
pub fn parse_layer(artifact: &str, version: &str, tgz: &[u8], registry: &str) -> Result<Distribution, Error> {
    let files = unpack(artifact, tgz, MAX_LAYER_SIZE)?;
    let files = files
        .into_iter()
        .filter(|(path, _)| is_yaml(path))
        .map(|(path, bytes)| match String::from_utf8(bytes) {
            Ok(text) => Ok((path, text)),
            Err(_) => Err(Error::InvalidManifests {
                artifact: artifact.to_string(),
                reason: format!("{path} is not valid UTF-8"),
            }),
        })
        .collect::<Result<Vec<_>, _>>()?;
    parse_manifest_files(artifact, version, files, registry)
}

/// Regular files of a tar+gzip archive, as `(normalised relative path, content)`, in archive
/// order; the unpacked stream (headers included) may not exceed `limit` bytes.
pub(crate) fn unpack(artifact: &str, tgz: &[u8], limit: u64) -> Result<Vec<(String, Vec<u8>)>, Error> {
    let capped = CappedReader {
        inner: flate2::read::GzDecoder::new(tgz),
        remaining: limit,
    };
    let mut archive = tar::Archive::new(capped);
    let io_error = |source: std::io::Error| {
        if source.get_ref().is_some_and(|e| e.is::<LimitExceeded>()) {
            Error::TooLarge {
                artifact: artifact.to_string(),
                limit,
            }
        } else {
            Error::Unpack {
                artifact: artifact.to_string(),
                source,
            }
        }
    };
    let mut files = Vec::new();
    for entry in archive.entries().map_err(io_error)? {
        let mut entry = entry.map_err(io_error)?;
        let raw_path = entry.path().map_err(io_error)?.into_owned();
        let Some(path) = normalise(&raw_path).map_err(|()| Error::UnsafePath {
            artifact: artifact.to_string(),
            path: raw_path.display().to_string(),
        })?
        else {
            continue;
        };
        let kind = entry.header().entry_type();
        if !(kind.is_file() || kind == tar::EntryType::Continuous) {
            tracing::debug!(path, ?kind, "skipping non-file layer entry");
            continue;
        }
        let mut content = Vec::new();
        entry.read_to_end(&mut content).map_err(io_error)?;
        files.push((path, content));
    }
    Ok(files)
}

/// `./a/b.yaml` → `a/b.yaml`; `.`/`./` → `None`; `..`, absolute or prefixed paths → `Err`.
fn normalise(path: &Path) -> Result<Option<String>, ()> {
    let mut parts = Vec::new();
    for component in path.components() {
        match component {
            Component::Normal(part) => parts.push(part.to_str().ok_or(())?),
            Component::CurDir => {}
            Component::ParentDir | Component::RootDir | Component::Prefix(_) => return Err(()),
        }
    }
    Ok((!parts.is_empty()).then(|| parts.join("/")))
}

/// Marker for the size cap, carried inside an `io::Error`.
#[derive(Debug)]
struct LimitExceeded;

impl std::fmt::Display for LimitExceeded {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("size limit exceeded")
    }
}

impl std::error::Error for LimitExceeded {}

struct CappedReader<R> {
    inner: R,
    remaining: u64,
}

impl<R: Read> Read for CappedReader<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        // Read one byte past the cap so that "exactly at the cap" still succeeds.
        let want = buf
            .len()
            .min(usize::try_from(self.remaining.saturating_add(1)).unwrap_or(usize::MAX));
        let n = self.inner.read(&mut buf[..want])?;
        let n64 = n as u64;
        if n64 > self.remaining {
            return Err(std::io::Error::other(LimitExceeded));
        }
        self.remaining -= n64;
        Ok(n)
    }
}

fn is_yaml(path: &str) -> bool {
    path.ends_with(".yaml") || path.ends_with(".yml")
}

fn file_name(path: &str) -> &str {
    path.rsplit('/').next().unwrap_or(path)
}

fn dir_name(path: &str) -> &str {
    path.rsplit_once('/').map_or("", |(dir, _)| dir)
}

fn depth(path: &str) -> usize {
    path.matches('/').count()
}

/// Builds a [`Distribution`] from the YAML files of a distribution layer, given as
/// `(relative path, content)`.
///
/// Which files are read:
///
/// 1. a `gotk-components.yaml` anywhere (the shallowest one), as in
///    `ghcr.io/fluxcd/flux-manifests`;
/// 2. otherwise every `*.yaml`/`*.yml` next to the shallowest `source-controller.yaml`, the
///    layout of the flux2 release asset `manifests.tar.gz`;
/// 3. otherwise every YAML file.
///
/// CRDs are every `kind: CustomResourceDefinition`, sorted by name; images are the first
/// container image of the Deployments named in [`CONTROLLERS`], rewritten with
/// [`rewrite_registry`]. YAML is read like kubectl does (YAML 1.1 booleans and legacy octal
/// numbers). No CRD, or no `source-controller` Deployment, is
/// [`Error::NoFluxManifests`].
pub fn parse_manifest_files(
    artifact: &str,
    version: &str,
    files: impl IntoIterator<Item = (String, String)>,
    registry: &str,
) -> Result<Distribution, Error> {
    let files: Vec<(String, String)> = files
        .into_iter()
        .map(|(path, text)| (path.trim_start_matches("./").to_string(), text))
        .filter(|(path, _)| is_yaml(path))
        .collect();
    let shallowest = |name: &str| {
        files
            .iter()
            .filter(|(path, _)| file_name(path) == name)
            .min_by(|(a, _), (b, _)| depth(a).cmp(&depth(b)).then_with(|| a.cmp(b)))
            .map(|(path, _)| path.clone())
    };
    let selected: Vec<&(String, String)> = if let Some(gotk) = shallowest(GOTK_COMPONENTS) {
        files.iter().filter(|(path, _)| *path == gotk).collect()
    } else if let Some(source) = shallowest("source-controller.yaml") {
        let dir = dir_name(&source);
        files.iter().filter(|(path, _)| dir_name(path) == dir).collect()
    } else {
        files.iter().collect()
    };
    if selected.is_empty() {
        return Err(Error::NoFluxManifests {
            artifact: artifact.to_string(),
            reason: "the layer holds no YAML file".into(),
        });
    }

    let mut crds: BTreeMap<String, Value> = BTreeMap::new();
    let mut images = BTreeMap::new();
    for (path, text) in &selected {
        let options = serde_saphyr::options! { legacy_octal_numbers: true };
        let docs: Vec<Value> =
            serde_saphyr::from_multiple_with_options(text, options).map_err(|e| Error::ParseYaml {
                artifact: artifact.to_string(),
                file: path.clone(),
                source: Box::new(e),
            })?;
        for doc in docs {
            let kind = doc.get("kind").and_then(Value::as_str).unwrap_or_default();
            let name = doc
                .pointer("/metadata/name")
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_string();
            match kind {
                "CustomResourceDefinition" => {
                    if name.is_empty() {
                        return Err(Error::InvalidManifests {
                            artifact: artifact.to_string(),
                            reason: format!("a CustomResourceDefinition in {path} has no name"),
                        });
                    }
                    if crds.insert(name.clone(), doc).is_some() {
                        return Err(Error::InvalidManifests {
                            artifact: artifact.to_string(),
                            reason: format!("the CustomResourceDefinition {name} appears twice"),
                        });
                    }
                }
                "Deployment" if CONTROLLERS.contains(&name.as_str()) => {
                    let image = doc
                        .pointer("/spec/template/spec/containers/0/image")
                        .and_then(Value::as_str)
                        .ok_or_else(|| Error::InvalidManifests {
                            artifact: artifact.to_string(),
                            reason: format!("the Deployment {name} in {path} has no container image"),
                        })?;
                    if images
                        .insert(name.clone(), rewrite_registry(image, registry))
                        .is_some()
                    {
                        return Err(Error::InvalidManifests {
                            artifact: artifact.to_string(),
                            reason: format!("the Deployment {name} appears twice"),
                        });
                    }
                }
                _ => {}
            }
        }
    }

    let read: Vec<&str> = selected.iter().map(|(path, _)| path.as_str()).collect();
    let missing = |what: &str| Error::NoFluxManifests {
        artifact: artifact.to_string(),
        reason: format!("no {what} in {}", read.join(", ")),
    };
    if crds.is_empty() {
        return Err(missing("CustomResourceDefinition"));
    }
    if !images.contains_key("source-controller") {
        return Err(missing("source-controller Deployment"));
    }
    Ok(Distribution {
        version: version.to_string(),
        crds: crds.into_values().collect(),
        images,
    })
}

/// Points a controller image at `registry`: `<registry>/<last path segment>[:tag][@digest]`.
///
/// Both `ghcr.io/fluxcd/source-controller:v1.9.4` (gotk-components) and
/// `fluxcd/source-controller:v1.9.4` (release files, no registry host) become
/// `<registry>/source-controller:v1.9.4`. A trailing `/` on `registry` is ignored; an empty
/// `registry` leaves the image unchanged.
#[must_use]
pub fn rewrite_registry(image: &str, registry: &str) -> String {
    let registry = registry.trim().trim_end_matches('/');
    if registry.is_empty() {
        return image.to_string();
    }
    let parts = ImageRef::split(image);
    let mut out = format!("{registry}/{}", parts.name());
    if let Some(tag) = parts.tag {
        out.push(':');
        out.push_str(tag);
    }
    if let Some(digest) = parts.digest {
        out.push('@');
        out.push_str(digest);
    }
    out
}

/// The parts of an image reference.
#[derive(Debug, PartialEq, Eq)]
struct ImageRef<'a> {
    /// `ghcr.io`, `localhost:5000`; `None` for `fluxcd/x` (Docker Hub).
    host: Option<&'a str>,
    /// `fluxcd/source-controller`.
    path: &'a str,
    tag: Option<&'a str>,
    digest: Option<&'a str>,
}

impl<'a> ImageRef<'a> {
    fn split(image: &'a str) -> Self {
        let (rest, digest) = match image.split_once('@') {
            Some((rest, digest)) => (rest, Some(digest)),
            None => (image, None),
        };
        let slash = rest.rfind('/');
        let (name, tag) = match rest.rfind(':') {
            Some(colon) if slash.is_none_or(|s| colon > s) => (&rest[..colon], Some(&rest[colon + 1..])),
            _ => (rest, None),
        };
        // Docker's rule: the first segment is a host if it has a `.` or `:` or is `localhost`.
        let (host, path) = match name.split_once('/') {
            Some((first, path)) if first.contains('.') || first.contains(':') || first == "localhost" => {
                (Some(first), path)
            }
            _ => (None, name),
        };
        Self {
            host,
            path,
            tag,
            digest,
        }
    }

    fn name(&self) -> &'a str {
        self.path.rsplit('/').next().unwrap_or(self.path)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn image_refs() {
        let cases = [
            (
                "fluxcd/source-controller:v1.9.4",
                None,
                "fluxcd/source-controller",
                Some("v1.9.4"),
                None,
            ),
            (
                "ghcr.io/fluxcd/source-controller:v1.9.4",
                Some("ghcr.io"),
                "fluxcd/source-controller",
                Some("v1.9.4"),
                None,
            ),
            ("localhost:5000/a/b", Some("localhost:5000"), "a/b", None, None),
            ("localhost/b:1", Some("localhost"), "b", Some("1"), None),
            ("b@sha256:ab", None, "b", None, Some("sha256:ab")),
            (
                "r.example:5000/x/y:t@sha256:ab",
                Some("r.example:5000"),
                "x/y",
                Some("t"),
                Some("sha256:ab"),
            ),
        ];
        for (image, host, path, tag, digest) in cases {
            assert_eq!(
                ImageRef::split(image),
                ImageRef {
                    host,
                    path,
                    tag,
                    digest
                },
                "{image}"
            );
        }
    }

    #[test]
    fn rewrites() {
        let cases = [
            (
                "fluxcd/source-controller:v1.9.4",
                "ghcr.io/fluxcd",
                "ghcr.io/fluxcd/source-controller:v1.9.4",
            ),
            (
                "ghcr.io/fluxcd/source-controller:v1.9.4",
                "registry.example:5000/mirror/",
                "registry.example:5000/mirror/source-controller:v1.9.4",
            ),
            (
                "ghcr.io/fluxcd/helm-controller:v1.6.3@sha256:0123",
                "docker.io/fluxcd",
                "docker.io/fluxcd/helm-controller:v1.6.3@sha256:0123",
            ),
            (
                "localhost:5000/helm-controller",
                "m.example",
                "m.example/helm-controller",
            ),
            (
                "fluxcd/source-controller:v1.9.4",
                "",
                "fluxcd/source-controller:v1.9.4",
            ),
        ];
        for (image, registry, want) in cases {
            assert_eq!(rewrite_registry(image, registry), want, "{image} -> {registry}");
        }
    }

    #[test]
    fn normalises_paths() {
        assert_eq!(normalise(Path::new("./a/b.yaml")), Ok(Some("a/b.yaml".into())));
        assert_eq!(normalise(Path::new("a/./b.yaml")), Ok(Some("a/b.yaml".into())));
        assert_eq!(normalise(Path::new(".")), Ok(None));
        assert_eq!(normalise(Path::new("./")), Ok(None));
        assert_eq!(normalise(Path::new("../x")), Err(()));
        assert_eq!(normalise(Path::new("a/../../x")), Err(()));
        assert_eq!(normalise(Path::new("/etc/passwd")), Err(()));
    }
}
