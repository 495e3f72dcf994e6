//! The on-disk cache of pulled distribution layers, addressed by manifest digest.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

use sha2::{Digest, Sha256};

use crate::error::Error;

/// Environment variable that overrides the cache directory.
pub const CACHE_DIR_ENV: &str = "FLUX_PROVIDER_CACHE_DIR";

/// The on-disk artifact cache.
///
/// One file per artifact, named after the **manifest** digest with `:` replaced by `-`
/// (`sha256-<hex>`), holding the raw tar+gzip layer, beside a `.sha256` file recording the
/// layer's digest. Entries are written atomically (temporary file in the same directory, then
/// rename) and only after the layer has been checked against the digest of its descriptor, and
/// every read checks it again, so a reader never sees a partial, altered or unverified entry.
/// Entries are immutable: the same digest always names the same content.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Cache {
    dir: PathBuf,
}

impl Cache {
    /// A cache in `dir` (created on first write).
    #[must_use]
    pub fn new(dir: impl Into<PathBuf>) -> Self {
        Self { dir: dir.into() }
    }

    /// The default cache: `$FLUX_PROVIDER_CACHE_DIR` if set and non-empty, else
    /// `$XDG_CACHE_HOME/terraform-provider-flux/artifacts`, else
    /// `~/.cache/terraform-provider-flux/artifacts`, else (no home directory, as in some CI
    /// containers) `.terraform/flux-artifacts` in the working directory the CLI runs the
    /// provider in. Never the system temporary directory: anyone may write there, and a planted
    /// entry would be applied to the cluster.
    #[must_use]
    pub fn from_env() -> Self {
        Self::new(default_dir(|name| std::env::var_os(name)))
    }

    /// The cache directory.
    #[must_use]
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// The file of the entry for a manifest digest (which may not exist).
    pub fn path(&self, manifest_digest: &str) -> Result<PathBuf, Error> {
        validate_digest(manifest_digest)?;
        Ok(self.dir.join(manifest_digest.replace(':', "-")))
    }

    /// Whether an entry exists for the manifest digest.
    #[must_use]
    pub fn contains(&self, manifest_digest: &str) -> bool {
        self.path(manifest_digest).is_ok_and(|p| p.is_file())
    }

    /// The file recording the layer digest of an entry, written before the entry itself.
    fn digest_path(path: &Path) -> PathBuf {
        let mut name = path.as_os_str().to_owned();
        name.push(".sha256");
        PathBuf::from(name)
    }

    /// The cached layer of the artifact with this manifest digest, if any, verified against the
    /// layer digest recorded beside it on every read: a truncated or altered entry is an error,
    /// never content. An entry without a recorded digest (from an interrupted write) is absent.
    pub fn get(&self, manifest_digest: &str) -> Result<Option<Vec<u8>>, Error> {
        let path = self.path(manifest_digest)?;
        let read = |p: &Path| match std::fs::read(p) {
            Ok(bytes) => Ok(Some(bytes)),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(source) => Err(Error::Cache {
                path: p.to_path_buf(),
                source,
            }),
        };
        let Some(layer) = read(&path)? else {
            return Ok(None);
        };
        let Some(recorded) = read(&Self::digest_path(&path))? else {
            return Ok(None);
        };
        let recorded = String::from_utf8_lossy(&recorded).trim().to_owned();
        verify_digest(&format!("cached layer of {manifest_digest}"), &recorded, &layer)?;
        Ok(Some(layer))
    }

    /// Stores `layer` as the entry for `manifest_digest`, after checking that its sha256 is
    /// `layer_digest` (the digest of the layer descriptor in that manifest), which is recorded
    /// beside it so every read can check it again.
    pub fn put(&self, manifest_digest: &str, layer_digest: &str, layer: &[u8]) -> Result<PathBuf, Error> {
        let path = self.path(manifest_digest)?;
        verify_digest(&format!("layer of {manifest_digest}"), layer_digest, layer)?;
        std::fs::create_dir_all(&self.dir).map_err(|source| Error::Cache {
            path: self.dir.clone(),
            source,
        })?;
        self.write_atomically(
            manifest_digest,
            &Self::digest_path(&path),
            layer_digest.as_bytes(),
        )?;
        self.write_atomically(manifest_digest, &path, layer)?;
        Ok(path)
    }

    /// Writes `content` to a temporary file and renames it to `path`, so a reader never sees a
    /// partial file.
    fn write_atomically(&self, manifest_digest: &str, path: &Path, content: &[u8]) -> Result<(), Error> {
        static COUNTER: AtomicU64 = AtomicU64::new(0);
        let tmp = self.dir.join(format!(
            ".tmp-{}-{}-{}",
            manifest_digest.replace(':', "-"),
            std::process::id(),
            COUNTER.fetch_add(1, Ordering::Relaxed)
        ));
        let write = || -> std::io::Result<()> {
            let mut file = std::fs::File::create(&tmp)?;
            file.write_all(content)?;
            file.sync_all()?;
            std::fs::rename(&tmp, path)
        };
        write().map_err(|source| {
            // Best effort: the temporary file is garbage either way.
            let _ = std::fs::remove_file(&tmp);
            Error::Cache {
                path: path.to_path_buf(),
                source,
            }
        })
    }
}

/// [`Cache::from_env`]'s directory, with `var` reading the environment.
fn default_dir(var: impl Fn(&str) -> Option<std::ffi::OsString>) -> PathBuf {
    let var = |name: &str| var(name).filter(|v| !v.is_empty());
    if let Some(dir) = var(CACHE_DIR_ENV) {
        return PathBuf::from(dir);
    }
    match var("XDG_CACHE_HOME")
        .map(PathBuf::from)
        .or_else(|| var("HOME").map(|home| PathBuf::from(home).join(".cache")))
    {
        Some(base) => base.join("terraform-provider-flux").join("artifacts"),
        None => PathBuf::from(".terraform").join("flux-artifacts"),
    }
}

/// Checks that `digest` is `sha256:<64 lowercase hex digits>`, the only form the cache and the
/// state accept (it becomes a file name).
pub fn validate_digest(digest: &str) -> Result<(), Error> {
    let ok = digest.strip_prefix("sha256:").is_some_and(|hex| {
        hex.len() == 64
            && hex
                .bytes()
                .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
    });
    if ok {
        Ok(())
    } else {
        Err(Error::InvalidDigest {
            digest: digest.to_string(),
        })
    }
}

/// `sha256:<hex>` of `data`.
#[must_use]
pub fn sha256_digest(data: &[u8]) -> String {
    let hash = Sha256::digest(data);
    let mut out = String::with_capacity(7 + 64);
    out.push_str("sha256:");
    for byte in hash {
        out.push_str(&format!("{byte:02x}"));
    }
    out
}

/// Checks `data` against `expected` (`sha256:<hex>`); `what` names the data in the error.
pub fn verify_digest(what: &str, expected: &str, data: &[u8]) -> Result<(), Error> {
    validate_digest(expected)?;
    let actual = sha256_digest(data);
    if actual == expected {
        Ok(())
    } else {
        Err(Error::DigestMismatch {
            what: what.to_string(),
            expected: expected.to_string(),
            actual,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_default_directory_is_never_the_shared_temporary_directory() {
        let env = |pairs: &'static [(&'static str, &'static str)]| {
            move |name: &str| {
                pairs
                    .iter()
                    .find(|(k, _)| *k == name)
                    .map(|(_, v)| std::ffi::OsString::from(v))
            }
        };
        assert_eq!(
            default_dir(env(&[(CACHE_DIR_ENV, "/x"), ("HOME", "/home/u")])),
            PathBuf::from("/x")
        );
        assert_eq!(
            default_dir(env(&[("HOME", "/home/u")])),
            PathBuf::from("/home/u/.cache/terraform-provider-flux/artifacts")
        );
        let nothing = default_dir(env(&[("HOME", "")]));
        assert_eq!(nothing, PathBuf::from(".terraform/flux-artifacts"));
        assert!(!nothing.starts_with(std::env::temp_dir()));
    }

    #[test]
    fn round_trip_with_verification() {
        let tmp = tempfile::tempdir().expect("tempdir");
        let cache = Cache::new(tmp.path().join("nested/artifacts"));
        let manifest = sha256_digest(b"manifest");
        let layer = b"layer bytes".to_vec();
        let layer_digest = sha256_digest(&layer);

        assert_eq!(cache.get(&manifest).expect("get"), None);
        assert!(!cache.contains(&manifest));

        // Wrong layer digest: refused, nothing written.
        let wrong = sha256_digest(b"other");
        match cache.put(&manifest, &wrong, &layer) {
            Err(Error::DigestMismatch { expected, actual, .. }) => {
                assert_eq!(expected, wrong);
                assert_eq!(actual, layer_digest);
            }
            other => panic!("expected a digest mismatch, got {other:?}"),
        }
        assert!(!cache.contains(&manifest));

        let path = cache.put(&manifest, &layer_digest, &layer).expect("put");
        assert_eq!(
            path.file_name().and_then(|n| n.to_str()),
            Some(manifest.replace(':', "-").as_str())
        );
        assert!(cache.contains(&manifest));
        assert_eq!(cache.get(&manifest).expect("get"), Some(layer.clone()));
        // Overwrite is harmless, and leaves no temporary files behind.
        cache.put(&manifest, &layer_digest, &layer).expect("put again");
        let names: Vec<_> = std::fs::read_dir(cache.dir())
            .expect("read_dir")
            .map(|e| e.expect("entry").file_name())
            .collect();
        assert_eq!(names.len(), 2, "the entry and its digest: {names:?}");

        // Every read verifies: an altered entry is an error, never content.
        let mut altered = layer.clone();
        altered[0] ^= 1;
        std::fs::write(&path, &altered).expect("alter the entry");
        assert!(
            matches!(cache.get(&manifest), Err(Error::DigestMismatch { .. })),
            "an altered entry is refused"
        );
        std::fs::write(&path, &layer[..3]).expect("truncate the entry");
        assert!(matches!(cache.get(&manifest), Err(Error::DigestMismatch { .. })));
        // An entry whose digest was never recorded (an interrupted write) is not there.
        std::fs::write(&path, &layer).expect("restore");
        std::fs::remove_file(Cache::digest_path(&path)).expect("remove the digest");
        assert_eq!(cache.get(&manifest).expect("get"), None);
    }

    #[test]
    fn rejects_bad_digests() {
        let cache = Cache::new("/nonexistent");
        for digest in [
            "",
            "sha256:",
            "sha256:../../etc/passwd",
            "sha512:00",
            &format!("sha256:{}", "A".repeat(64)),
            &format!("sha256:{}/", "a".repeat(63)),
        ] {
            assert!(
                matches!(cache.get(digest), Err(Error::InvalidDigest { .. })),
                "{digest:?}"
            );
        }
    }

    #[test]
    fn known_digest() {
        assert_eq!(
            sha256_digest(b""),
            "sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
        );
    }
}
