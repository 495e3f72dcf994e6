//! Against a real registry: Debian's `docker-registry` (distribution 2.8) on loopback, fed with
//! artifacts built from the flux2 v2.9.4 release files.

use std::os::unix::fs::MetadataExt;
use std::time::Instant;

use distribution::testing::{
    RegistryOptions, TestRegistry, gotk_components, push_artifact, push_artifact_to, replace_in_files,
    testdata_dir, yaml_files,
};
use distribution::{Cache, Error, Source, VersionRange, list_tags, list_tags_paged, load_pinned, resolve};

const USER: &str = "flux";
const PASSWORD: &str = "s3cret-pa55";
const REPOSITORY: &str = "fluxcd/flux-manifests";

fn start(options: &RegistryOptions) -> Option<TestRegistry> {
    match TestRegistry::start(options) {
        Ok(Some(registry)) => Some(registry),
        Ok(None) => {
            eprintln!(
                "SKIPPED: {} is not installed (apt-get install docker-registry)",
                distribution::testing::DOCKER_REGISTRY
            );
            None
        }
        Err(e) => panic!("starting docker-registry: {e}"),
    }
}

fn release_files() -> Vec<(String, Vec<u8>)> {
    let dir = testdata_dir().join("flux-manifests/v2.9.4");
    yaml_files(&dir).unwrap_or_else(|e| panic!("reading {}: {e}", dir.display()))
}

/// A synthetic 2.8.0: the same files with older controller image tags.
fn files_v280() -> Vec<(String, Vec<u8>)> {
    replace_in_files(
        &release_files(),
        &[
            ("source-controller:v1.9.4", "source-controller:v1.8.0"),
            ("kustomize-controller:v1.9.4", "kustomize-controller:v1.8.0"),
            ("helm-controller:v1.6.3", "helm-controller:v1.5.0"),
            ("notification-controller:v1.9.3", "notification-controller:v1.8.0"),
            ("source-watcher:v2.2.3", "source-watcher:v2.1.0"),
        ],
    )
}

fn range(s: &str) -> VersionRange {
    VersionRange::parse(s).expect("range")
}

fn inode(path: &std::path::Path) -> u64 {
    std::fs::metadata(path).expect("cache entry").ino()
}

#[tokio::test]
async fn plain_http_registry_with_basic_auth() {
    let creds = Some((USER.to_string(), PASSWORD.to_string()));
    let Some(mut registry) = start(&RegistryOptions {
        credentials: creds.clone(),
        tls: None,
    }) else {
        return;
    };
    let artifact = registry.artifact(REPOSITORY);

    // v2.9.4 in the real flux-manifests form (one gotk-components.yaml), v2.8.0 in the
    // release-asset form (per-component files), plus the tags a real repository carries.
    let gotk = vec![(
        "gotk-components.yaml".to_string(),
        gotk_components(&release_files()),
    )];
    let started = Instant::now();
    let digest_294 = push_artifact(&format!("{artifact}:v2.9.4"), gotk.clone(), creds.clone(), true)
        .await
        .expect("push v2.9.4");
    eprintln!("push v2.9.4: {:?}", started.elapsed());
    let digest_280 = push_artifact(&format!("{artifact}:v2.8.0"), files_v280(), creds.clone(), true)
        .await
        .expect("push v2.8.0");
    push_artifact(&format!("{artifact}:latest"), gotk.clone(), creds.clone(), true)
        .await
        .expect("push latest");
    let sig_tag = format!("{}.sig", digest_294.replace(':', "-"));
    push_artifact(
        &format!("{artifact}:{sig_tag}"),
        gotk.clone(),
        creds.clone(),
        true,
    )
    .await
    .expect("push signature tag");
    push_artifact(
        &format!("{artifact}:v2.6.0"),
        vec![("README.md".to_string(), b"not flux".to_vec())],
        creds.clone(),
        true,
    )
    .await
    .expect("push v2.6.0");
    assert_ne!(digest_294, digest_280);

    let source = Source {
        artifact: artifact.clone(),
        registry: "ghcr.io/fluxcd".into(),
        credentials: creds.clone(),
        insecure: true,
        ca_pem: None,
    };

    // Pagination: every page size sees the same tags.
    let mut all = list_tags(&source).await.expect("tags");
    all.sort();
    let mut want = vec![
        sig_tag.clone(),
        "latest".into(),
        "v2.6.0".into(),
        "v2.8.0".into(),
        "v2.9.4".into(),
    ];
    want.sort();
    assert_eq!(all, want);
    for page in [1, 2, 5] {
        let mut paged = list_tags_paged(&source, page).await.expect("paged tags");
        paged.sort();
        assert_eq!(paged, all, "page size {page}");
    }

    let cache_dir = tempfile::tempdir().expect("tempdir");
    let cache = Cache::new(cache_dir.path());

    // 2.x → 2.9.4: pulled, parsed, cached.
    let started = Instant::now();
    let resolved = resolve(&source, &range("2.x"), &cache)
        .await
        .expect("resolve 2.x");
    let pull_time = started.elapsed();
    assert_eq!(resolved.version, "2.9.4");
    assert_eq!(resolved.tag, "v2.9.4");
    assert_eq!(resolved.digest, digest_294);
    assert_eq!(resolved.distribution.version, "2.9.4");
    assert_eq!(resolved.distribution.crds.len(), 15);
    assert_eq!(
        resolved.distribution.images["source-controller"],
        "ghcr.io/fluxcd/source-controller:v1.9.4"
    );
    assert_eq!(resolved.distribution.images.len(), 5);
    let entry = cache.path(&digest_294).expect("path");
    assert!(entry.is_file(), "cached at {}", entry.display());
    let first_inode = inode(&entry);

    // Again: served from the cache (the entry is not rewritten).
    let started = Instant::now();
    let again = resolve(&source, &range("2.x"), &cache)
        .await
        .expect("resolve again");
    let hit_time = started.elapsed();
    assert_eq!(again, resolved);
    assert_eq!(inode(&entry), first_inode, "cache hit: no new entry was written");

    // Exact and narrower ranges; a mirror registry rewrite.
    let exact = resolve(&source, &range("2.9.4"), &cache)
        .await
        .expect("resolve 2.9.4");
    assert_eq!(exact.digest, digest_294);
    let mirror = Source {
        registry: "registry.example:5000/mirror".into(),
        ..source.clone()
    };
    let old = resolve(&mirror, &range("2.8.x"), &cache)
        .await
        .expect("resolve 2.8.x");
    assert_eq!((old.version.as_str(), old.tag.as_str()), ("2.8.0", "v2.8.0"));
    assert_eq!(old.digest, digest_280);
    let want: Vec<(&str, &str)> = vec![
        (
            "helm-controller",
            "registry.example:5000/mirror/helm-controller:v1.5.0",
        ),
        (
            "kustomize-controller",
            "registry.example:5000/mirror/kustomize-controller:v1.8.0",
        ),
        (
            "notification-controller",
            "registry.example:5000/mirror/notification-controller:v1.8.0",
        ),
        (
            "source-controller",
            "registry.example:5000/mirror/source-controller:v1.8.0",
        ),
        (
            "source-watcher",
            "registry.example:5000/mirror/source-watcher:v2.1.0",
        ),
    ];
    let got: Vec<(&str, &str)> = old
        .distribution
        .images
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    assert_eq!(got, want);
    assert_eq!(old.distribution.crds, resolved.distribution.crds);

    // A range that matches nothing.
    match resolve(&source, &range("2.7.x"), &cache).await {
        Err(e @ Error::NoMatchingVersion { .. }) => {
            let Error::NoMatchingVersion {
                available,
                artifact: a,
                range: r,
            } = &e
            else {
                unreachable!()
            };
            assert_eq!(available, &["v2.9.4", "v2.8.0", "v2.6.0"]);
            assert_eq!(a, &artifact);
            assert_eq!(r, "2.7.x");
            assert_eq!(
                e.to_string(),
                format!(
                    "no tag of {artifact} matches version \"2.7.x\" (newest tags: v2.9.4, v2.8.0, v2.6.0)"
                )
            );
        }
        other => panic!("expected NoMatchingVersion, got {other:?}"),
    }

    // An artifact without Flux manifests.
    match resolve(&source, &range("2.6.0"), &cache).await {
        Err(e @ Error::NoFluxManifests { .. }) => {
            assert!(
                e.to_string()
                    .starts_with(&format!("{artifact}:v2.6.0 holds no flux manifests")),
                "{e}"
            );
        }
        other => panic!("expected NoFluxManifests, got {other:?}"),
    }

    // Wrong and missing credentials: 401.
    let wrong = Source {
        credentials: Some((USER.into(), "wrong".into())),
        ..source.clone()
    };
    match resolve(&wrong, &range("2.x"), &cache).await {
        Err(
            e @ Error::Unauthorized {
                credentials_given: true,
                ..
            },
        ) => {
            assert_eq!(
                e.to_string(),
                format!("the registry refused the credentials for {artifact}")
            );
            assert!(!e.is_unreachable());
        }
        other => panic!("expected Unauthorized, got {other:?}"),
    }
    let anonymous = Source {
        credentials: None,
        ..source.clone()
    };
    match resolve(&anonymous, &range("2.x"), &cache).await {
        Err(
            e @ Error::Unauthorized {
                credentials_given: false,
                ..
            },
        ) => {
            assert_eq!(
                e.to_string(),
                format!("the registry requires credentials for {artifact}")
            );
        }
        other => panic!("expected Unauthorized, got {other:?}"),
    }

    // `insecure = true` is what makes the plain-HTTP registry work.
    let https = Source {
        insecure: false,
        ..source.clone()
    };
    match resolve(&https, &range("2.x"), &cache).await {
        Err(e @ Error::Tls { .. }) => assert!(!e.is_unreachable(), "{}", e.report()),
        other => panic!("expected a TLS error talking HTTPS to a plain-HTTP registry, got {other:?}"),
    }

    // Registry gone: the pinned release loads offline; resolving says "unreachable".
    registry.stop();
    let started = Instant::now();
    let offline = load_pinned(&source, "2.9.4", &digest_294, &cache)
        .await
        .expect("load pinned offline");
    let offline_time = started.elapsed();
    assert_eq!(offline, resolved);
    match resolve(&source, &range("2.x"), &cache).await {
        Err(e) if e.is_unreachable() => {
            assert_eq!(
                e.to_string(),
                format!("the registry {} cannot be reached", registry.addr())
            );
            eprintln!("offline resolve: {}", e.report());
        }
        other => panic!("expected Unreachable, got {other:?}"),
    }
    match load_pinned(&source, "2.7.0", &format!("sha256:{}", "0".repeat(64)), &cache).await {
        Err(Error::NotCached { .. }) => {}
        other => panic!("expected NotCached, got {other:?}"),
    }

    eprintln!(
        "v2.9.4 from loopback registry: pull+parse {pull_time:?}; cache hit (tags+HEAD+parse) {hit_time:?}; offline load_pinned {offline_time:?}; layer {} bytes",
        std::fs::metadata(&entry).map(|m| m.len()).unwrap_or_default()
    );
}

#[tokio::test]
async fn https_registry_with_custom_ca() {
    // A CA and a serving certificate for 127.0.0.1 (CA:FALSE).
    let ca_key = rcgen::KeyPair::generate().expect("ca key");
    let mut ca_params = rcgen::CertificateParams::new(Vec::<String>::new()).expect("ca params");
    ca_params.is_ca = rcgen::IsCa::Ca(rcgen::BasicConstraints::Unconstrained);
    ca_params
        .distinguished_name
        .push(rcgen::DnType::CommonName, "flux-distribution test CA");
    let ca_cert = ca_params.self_signed(&ca_key).expect("ca cert");
    let issuer = rcgen::Issuer::new(ca_params, ca_key);
    let key = rcgen::KeyPair::generate().expect("key");
    let params = rcgen::CertificateParams::new(vec!["127.0.0.1".to_string(), "localhost".to_string()])
        .expect("params");
    let cert = params.signed_by(&key, &issuer).expect("cert");

    let Some(registry) = start(&RegistryOptions {
        credentials: None,
        tls: Some((cert.pem(), key.serialize_pem())),
    }) else {
        return;
    };
    let source = Source {
        artifact: registry.artifact(REPOSITORY),
        registry: String::new(),
        credentials: None,
        insecure: false,
        ca_pem: Some(ca_cert.pem()),
    };
    let digest = push_artifact_to(&source, "v2.9.4", release_files())
        .await
        .expect("push over https");

    let cache_dir = tempfile::tempdir().expect("tempdir");
    let cache = Cache::new(cache_dir.path());
    let resolved = resolve(&source, &range("2.9.x"), &cache)
        .await
        .expect("resolve over https");
    assert_eq!(resolved.digest, digest);
    // An empty registry keeps the images as the release files name them.
    assert_eq!(
        resolved.distribution.images["helm-controller"],
        "fluxcd/helm-controller:v1.6.3"
    );

    // Without the CA: a TLS error, not "unreachable" (no silent offline fallback).
    let untrusted = Source {
        ca_pem: None,
        ..source.clone()
    };
    match resolve(
        &untrusted,
        &range("2.9.x"),
        &Cache::new(cache_dir.path().join("other")),
    )
    .await
    {
        Err(e @ Error::Tls { .. }) => {
            assert!(!e.is_unreachable());
            eprintln!("untrusted CA: {}", e.report());
        }
        other => panic!("expected a TLS error, got {other:?}"),
    }
}
