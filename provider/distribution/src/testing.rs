//! Test helpers shared with the acceptance tests: building and pushing Flux-style artifacts,
//! the Flux test data, and a throwaway `docker-registry` on loopback.
//!
//! Not part of the provider's behaviour; hidden from the docs.

use std::collections::BTreeMap;
use std::io::Write;
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use oci_client::client::{Config, ImageLayer};
use oci_client::manifest::{OCI_IMAGE_MEDIA_TYPE, OciImageManifest};

use crate::cache::sha256_digest;
use crate::error::Error;
use crate::remote::{Remote, Source};

/// Flux's artifact config media type.
pub const FLUX_CONFIG_MEDIA_TYPE: &str = "application/vnd.cncf.flux.config.v1+json";
/// Flux's artifact content (layer) media type.
pub const FLUX_CONTENT_MEDIA_TYPE: &str = "application/vnd.cncf.flux.content.v1.tar+gzip";

/// The Flux 2.9.4 test data (`flux-crds/<controller>/*.yaml`, `flux-manifests/v2.9.4/*.yaml`):
/// `$FLUX_TESTDATA` if set, else `flux/testdata` in the test bed's cache (`$FLUX_TESTBED_CACHE`,
/// else `~/.cache/terraform-provider-flux-testbed`). `bash acceptance-tests/testbed.sh build-flux`
/// assembles it there (its `testdata` step) from the Go modules of Flux's release recipe.
///
/// # Panics
/// When the folder does not exist, saying how to make it.
#[must_use]
pub fn testdata_dir() -> PathBuf {
    let dir = testdata_location();
    assert!(
        dir.is_dir(),
        "no Flux test data at {}: run `bash acceptance-tests/testbed.sh build-flux` (or only its \
         last step, `bash acceptance-tests/testbed.sh testdata`), or set FLUX_TESTDATA",
        dir.display()
    );
    dir
}

fn testdata_location() -> PathBuf {
    let var = |name| {
        std::env::var_os(name)
            .filter(|v| !v.is_empty())
            .map(PathBuf::from)
    };
    var("FLUX_TESTDATA").unwrap_or_else(|| {
        var("FLUX_TESTBED_CACHE")
            .unwrap_or_else(|| {
                var("HOME")
                    .expect("HOME is set")
                    .join(".cache/terraform-provider-flux-testbed")
            })
            .join("flux/testdata")
    })
}

/// The `*.yaml` files of a directory, sorted by name, as `(file name, content)`; e.g. the flux2
/// v2.9.4 release files in `testdata_dir().join("flux-manifests/v2.9.4")`.
pub fn yaml_files(dir: &Path) -> std::io::Result<Vec<(String, Vec<u8>)>> {
    let mut files = Vec::new();
    for entry in std::fs::read_dir(dir)? {
        let entry = entry?;
        let name = entry.file_name().to_string_lossy().into_owned();
        if name.ends_with(".yaml") && entry.file_type()?.is_file() {
            files.push((name, std::fs::read(entry.path())?));
        }
    }
    files.sort();
    Ok(files)
}

/// A `gotk-components.yaml` made from per-component release files: the documents concatenated
/// with `---` separators, and `fluxcd/` images rewritten to `ghcr.io/fluxcd/`, as
/// `flux install --export` does.
#[must_use]
pub fn gotk_components(files: &[(String, Vec<u8>)]) -> Vec<u8> {
    let mut out = String::new();
    for (_, content) in files {
        let text = String::from_utf8_lossy(content);
        out.push_str("---\n");
        out.push_str(&text.replace("image: fluxcd/", "image: ghcr.io/fluxcd/"));
        if !out.ends_with('\n') {
            out.push('\n');
        }
    }
    out.into_bytes()
}

/// Replaces every `from` with `to` in every file (e.g. image tags, for a synthetic release).
#[must_use]
pub fn replace_in_files(
    files: &[(String, Vec<u8>)],
    replacements: &[(&str, &str)],
) -> Vec<(String, Vec<u8>)> {
    files
        .iter()
        .map(|(name, content)| {
            let mut text = String::from_utf8_lossy(content).into_owned();
            for (from, to) in replacements {
                text = text.replace(from, to);
            }
            (name.clone(), text.into_bytes())
        })
        .collect()
}

fn tar_header(kind: tar::EntryType, mode: u32, size: u64) -> tar::Header {
    let mut header = tar::Header::new_gnu();
    header.set_entry_type(kind);
    header.set_mode(mode);
    header.set_size(size);
    header.set_mtime(0);
    header.set_uid(0);
    header.set_gid(0);
    header
}

/// A header whose name is written verbatim (the builder refuses `..` and absolute paths, which
/// the tests need).
#[must_use]
pub fn raw_tar_header(name: &[u8], kind: tar::EntryType, size: u64) -> tar::Header {
    let mut header = tar_header(kind, 0o644, size);
    if let Some(gnu) = header.as_gnu_mut() {
        let len = name.len().min(gnu.name.len());
        gnu.name[..len].copy_from_slice(&name[..len]);
    }
    header.set_cksum();
    header
}

/// A tar+gzip layer the way Flux builds it: a `./` root directory entry, then the files under
/// their relative paths with mode 0644 and zeroed uid/gid/mtime.
pub fn build_layer(files: &[(String, Vec<u8>)]) -> Result<Vec<u8>, Error> {
    let io = |source: std::io::Error| Error::Unpack {
        artifact: "<test layer>".into(),
        source,
    };
    let gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    let mut builder = tar::Builder::new(gz);
    builder
        .append(
            &raw_tar_header(b"./", tar::EntryType::Directory, 0),
            std::io::empty(),
        )
        .map_err(io)?;
    let mut sorted: Vec<&(String, Vec<u8>)> = files.iter().collect();
    sorted.sort_by(|a, b| a.0.cmp(&b.0));
    for (path, content) in sorted {
        let mut header = tar_header(tar::EntryType::Regular, 0o644, content.len() as u64);
        builder
            .append_data(&mut header, path, content.as_slice())
            .map_err(io)?;
    }
    let gz = builder.into_inner().map_err(io)?;
    gz.finish().map_err(io)
}

/// Pushes `files` as a Flux artifact to `reference` (`oci://host[:port]/repo:tag`) and returns
/// the manifest digest. See [`push_artifact_to`].
pub async fn push_artifact(
    reference: &str,
    files: Vec<(String, Vec<u8>)>,
    credentials: Option<(String, String)>,
    insecure: bool,
) -> Result<String, Error> {
    let (artifact, tag) = match reference.rsplit_once(':') {
        Some((artifact, tag)) if !tag.contains('/') => (artifact, tag),
        _ => {
            return Err(Error::InvalidArtifact {
                artifact: reference.to_string(),
                reason: "expected oci://host[:port]/repository:tag".into(),
            });
        }
    };
    let source = Source {
        artifact: artifact.to_string(),
        registry: String::new(),
        credentials,
        insecure,
        ca_pem: None,
    };
    push_artifact_to(&source, tag, files).await
}

/// Pushes `files` as a Flux artifact (config `application/vnd.cncf.flux.config.v1+json`, one
/// layer `application/vnd.cncf.flux.content.v1.tar+gzip` built by [`build_layer`], Flux's
/// annotations) to `source.artifact` under `tag`, with the source's credentials, protocol and
/// CA. Returns the manifest digest.
pub async fn push_artifact_to(
    source: &Source,
    tag: &str,
    files: Vec<(String, Vec<u8>)>,
) -> Result<String, Error> {
    let annotations = BTreeMap::from([
        (
            "org.opencontainers.image.created".to_string(),
            "1970-01-01T00:00:00Z".to_string(),
        ),
        (
            "org.opencontainers.image.source".to_string(),
            "https://github.com/fluxcd/flux2".to_string(),
        ),
        (
            "org.opencontainers.image.revision".to_string(),
            format!("{tag}@sha1:0000000000000000000000000000000000000000"),
        ),
    ]);
    push_oci_artifact(
        source,
        tag,
        (FLUX_CONFIG_MEDIA_TYPE, b"{}".to_vec()),
        (FLUX_CONTENT_MEDIA_TYPE, build_layer(&files)?),
        annotations,
    )
    .await
}

/// Pushes an OCI artifact of one config blob and one layer, each `(media type, bytes)`, to
/// `source.artifact` under `tag` (e.g. a Helm chart: config
/// `application/vnd.cncf.helm.config.v1+json`, layer
/// `application/vnd.cncf.helm.chart.content.v1.tar+gzip`). Returns the manifest digest.
pub async fn push_oci_artifact(
    source: &Source,
    tag: &str,
    config: (&str, Vec<u8>),
    layer: (&str, Vec<u8>),
    annotations: BTreeMap<String, String>,
) -> Result<String, Error> {
    let remote = Remote::new(source)?;
    let display = format!("{}:{tag}", source.artifact.trim());
    let push_err = |source: crate::error::BoxError| Error::Push {
        reference: display.clone(),
        source,
    };
    let reference = oci_client::Reference::with_tag(
        remote.artifact.registry.clone(),
        remote.artifact.repository.clone(),
        tag.to_string(),
    );
    let layer = ImageLayer::new(layer.1, layer.0.to_string(), None);
    let config = Config::new(config.1, config.0.to_string(), None);
    let mut manifest = OciImageManifest::build(std::slice::from_ref(&layer), &config, Some(annotations));
    manifest.media_type = Some(OCI_IMAGE_MEDIA_TYPE.to_string());

    remote
        .client
        .store_auth_if_needed(reference.resolve_registry(), &remote.auth)
        .await;
    let classify = |e| remote.classify(e, push_err);
    remote
        .client
        .push_blob(&reference, layer.data.clone(), &manifest.layers[0].digest)
        .await
        .map_err(classify)?;
    remote
        .client
        .push_blob(&reference, config.data.clone(), &manifest.config.digest)
        .await
        .map_err(classify)?;
    let body = serde_json::to_vec(&manifest).map_err(|e| push_err(Box::new(e)))?;
    let digest = sha256_digest(&body);
    let content_type = OCI_IMAGE_MEDIA_TYPE
        .parse()
        .map_err(|e| push_err(format!("{e}").into()))?;
    remote
        .client
        .push_manifest_raw(&reference, body, content_type)
        .await
        .map_err(classify)?;
    Ok(digest)
}

/// Options for [`TestRegistry::start`].
#[derive(Clone, Debug, Default)]
pub struct RegistryOptions {
    /// Require HTTP Basic auth with this user and password (bcrypt htpasswd, made with
    /// `python3`'s `crypt`).
    pub credentials: Option<(String, String)>,
    /// Serve HTTPS with this PEM certificate (chain) and PEM private key.
    pub tls: Option<(String, String)>,
}

/// Debian's `docker-registry` (distribution 2.8) on a free loopback port, in its own
/// temporary directory. Killed (and its directory removed) on drop.
pub struct TestRegistry {
    child: Option<Child>,
    dir: PathBuf,
    addr: SocketAddr,
}

/// Where Debian installs the registry binary.
pub const DOCKER_REGISTRY: &str = "/usr/bin/docker-registry";

impl TestRegistry {
    /// Starts a registry and waits until it accepts connections. `Ok(None)` when
    /// [`DOCKER_REGISTRY`] is not installed.
    pub fn start(options: &RegistryOptions) -> std::io::Result<Option<Self>> {
        if !Path::new(DOCKER_REGISTRY).is_file() {
            return Ok(None);
        }
        let dir = unique_temp_dir()?;
        // From here on, `registry`'s Drop cleans up, also on early returns.
        let mut registry = Self {
            child: None,
            dir: dir.clone(),
            addr: free_loopback_addr()?,
        };
        let mut config = format!(
            "version: 0.1\nlog:\n  level: warn\n  accesslog:\n    disabled: true\nstorage:\n  filesystem:\n    rootdirectory: {data}\n  delete:\n    enabled: true\nhttp:\n  addr: {addr}\n  secret: fixed-test-secret\n",
            data = dir.join("data").display(),
            addr = registry.addr,
        );
        if let Some((cert, key)) = &options.tls {
            std::fs::write(dir.join("tls.crt"), cert)?;
            std::fs::write(dir.join("tls.key"), key)?;
            config.push_str(&format!(
                "  tls:\n    certificate: {}\n    key: {}\n",
                dir.join("tls.crt").display(),
                dir.join("tls.key").display()
            ));
        }
        if let Some((user, password)) = &options.credentials {
            let hash = bcrypt(password)?;
            std::fs::write(dir.join("htpasswd"), format!("{user}:{hash}\n"))?;
            config.push_str(&format!(
                "auth:\n  htpasswd:\n    realm: test-realm\n    path: {}\n",
                dir.join("htpasswd").display()
            ));
        }
        std::fs::write(dir.join("config.yml"), config)?;
        let log = std::fs::File::create(dir.join("registry.log"))?;
        registry.child = Some(
            Command::new(DOCKER_REGISTRY)
                .arg("serve")
                .arg(dir.join("config.yml"))
                .stdin(Stdio::null())
                .stdout(log.try_clone()?)
                .stderr(log)
                .spawn()?,
        );
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            if TcpStream::connect_timeout(&registry.addr, Duration::from_millis(200)).is_ok() {
                return Ok(Some(registry));
            }
            if let Some(child) = registry.child.as_mut()
                && let Some(status) = child.try_wait()?
            {
                return Err(std::io::Error::other(format!(
                    "docker-registry exited with {status}: {}",
                    registry.log()
                )));
            }
            if Instant::now() > deadline {
                return Err(std::io::Error::other(format!(
                    "docker-registry did not listen on {} within 20 s: {}",
                    registry.addr,
                    registry.log()
                )));
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// `127.0.0.1:<port>`.
    #[must_use]
    pub fn addr(&self) -> String {
        self.addr.to_string()
    }

    /// `oci://127.0.0.1:<port>/<repository>`.
    #[must_use]
    pub fn artifact(&self, repository: &str) -> String {
        format!("oci://{}/{repository}", self.addr)
    }

    /// The registry's log so far.
    #[must_use]
    pub fn log(&self) -> String {
        std::fs::read_to_string(self.dir.join("registry.log")).unwrap_or_default()
    }

    /// Kills the registry process (the port stops answering); the directory stays until drop.
    pub fn stop(&mut self) {
        if let Some(mut child) = self.child.take() {
            // Already exited is fine; then wait() reaps it.
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

impl Drop for TestRegistry {
    fn drop(&mut self) {
        self.stop();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

fn free_loopback_addr() -> std::io::Result<SocketAddr> {
    TcpListener::bind("127.0.0.1:0")?.local_addr()
}

fn unique_temp_dir() -> std::io::Result<PathBuf> {
    use std::sync::atomic::{AtomicU64, Ordering};
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or_default();
    let dir = std::env::temp_dir().join(format!(
        "flux-distribution-registry-{}-{nanos}-{}",
        std::process::id(),
        COUNTER.fetch_add(1, Ordering::Relaxed)
    ));
    std::fs::create_dir_all(&dir)?;
    Ok(dir)
}

/// A bcrypt hash (cost 4: the registry checks it on every request) via Python's `crypt`.
fn bcrypt(password: &str) -> std::io::Result<String> {
    let mut child = Command::new("python3")
        .args([
            "-W",
            "ignore",
            "-c",
            "import crypt, sys; print(crypt.crypt(sys.stdin.read(), crypt.mksalt(crypt.METHOD_BLOWFISH, rounds=16)))",
        ])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()?;
    if let Some(mut stdin) = child.stdin.take() {
        stdin.write_all(password.as_bytes())?;
    }
    let out = child.wait_with_output()?;
    let hash = String::from_utf8_lossy(&out.stdout).trim().to_string();
    if !out.status.success() || !hash.starts_with("$2") {
        return Err(std::io::Error::other(format!(
            "python3 crypt could not make a bcrypt hash (Python >= 3.13 has no crypt module): {}",
            String::from_utf8_lossy(&out.stderr)
        )));
    }
    Ok(hash)
}
