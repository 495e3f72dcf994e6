//! Parsing tests on the flux2 v2.9.4 release files (the test bed's test data, see
//! [`testdata_dir`]), in both layouts.

use std::collections::BTreeMap;

use crate::parse::unpack;
use crate::testing::{build_layer, gotk_components, raw_tar_header, testdata_dir, yaml_files};
use crate::{Distribution, Error, parse_layer, parse_manifest_files};

const ARTIFACT: &str = "oci://registry.test/flux-manifests:v2.9.4";

fn release_files() -> Vec<(String, Vec<u8>)> {
    let dir = testdata_dir().join("flux-manifests/v2.9.4");
    let files = yaml_files(&dir).unwrap_or_else(|e| panic!("reading {}: {e}", dir.display()));
    assert_eq!(files.len(), 9, "the v2.9.4 release has 9 files");
    files
}

/// CRD names counted straight from the text, independently of the parser.
fn crd_names_in_data(files: &[(String, Vec<u8>)]) -> Vec<String> {
    let mut names = Vec::new();
    for (_, content) in files {
        let text = String::from_utf8_lossy(content);
        for doc in text.split("\n---") {
            if doc.lines().any(|l| l == "kind: CustomResourceDefinition") {
                let name = doc
                    .lines()
                    .skip_while(|l| *l != "metadata:")
                    .find_map(|l| l.strip_prefix("  name: "))
                    .expect("a CRD has metadata.name");
                names.push(name.to_string());
            }
        }
    }
    names.sort();
    names
}

fn expected_images(registry: &str) -> BTreeMap<String, String> {
    [
        ("source-controller", "v1.9.4"),
        ("kustomize-controller", "v1.9.4"),
        ("helm-controller", "v1.6.3"),
        ("notification-controller", "v1.9.3"),
        ("source-watcher", "v2.2.3"),
    ]
    .into_iter()
    .map(|(name, tag)| (name.to_string(), format!("{registry}/{name}:{tag}")))
    .collect()
}

fn crd_names(d: &Distribution) -> Vec<String> {
    d.crds
        .iter()
        .map(|crd| {
            crd.pointer("/metadata/name")
                .and_then(|n| n.as_str())
                .expect("name")
                .to_string()
        })
        .collect()
}

fn check(d: &Distribution, files: &[(String, Vec<u8>)], registry: &str) {
    let want = crd_names_in_data(files);
    assert_eq!(want.len(), 15, "the v2.9.4 release has 15 CRDs");
    assert_eq!(d.crds.len(), want.len());
    assert_eq!(crd_names(d), want, "CRDs sorted by name");
    assert!(
        d.crds
            .iter()
            .all(|c| c["kind"] == "CustomResourceDefinition" && c["apiVersion"] == "apiextensions.k8s.io/v1")
    );
    assert_eq!(d.images, expected_images(registry));
    assert_eq!(d.version, "2.9.4");
}

#[test]
fn per_component_layout() {
    let files = release_files();
    let tgz = build_layer(&files).expect("layer");
    let started = std::time::Instant::now();
    let d = parse_layer(ARTIFACT, "2.9.4", &tgz, "ghcr.io/fluxcd").expect("parse");
    eprintln!(
        "per-component layout: {} bytes gzip, parsed in {:?}",
        tgz.len(),
        started.elapsed()
    );
    check(&d, &files, "ghcr.io/fluxcd");

    let mirrored = parse_layer(ARTIFACT, "2.9.4", &tgz, "registry.example:5000/mirror").expect("parse");
    check(&mirrored, &files, "registry.example:5000/mirror");
    assert_eq!(mirrored.crds, d.crds);
}

#[test]
fn gotk_components_layout() {
    let files = release_files();
    let gotk = gotk_components(&files);
    assert!(String::from_utf8_lossy(&gotk).contains("image: ghcr.io/fluxcd/source-controller:v1.9.4"));
    let per_component = parse_layer(
        ARTIFACT,
        "2.9.4",
        &build_layer(&files).expect("layer"),
        "ghcr.io/fluxcd",
    )
    .expect("per-component");
    for path in ["gotk-components.yaml", "flux-system/gotk-components.yaml"] {
        // Other YAML next to it is ignored: gotk-components.yaml wins.
        let layer = build_layer(&[
            (path.to_string(), gotk.clone()),
            (
                "kustomization.yaml".to_string(),
                b"resources: [gotk-components.yaml]\n".to_vec(),
            ),
            ("README.md".to_string(), b"# not yaml".to_vec()),
        ])
        .expect("layer");
        for registry in ["ghcr.io/fluxcd", "registry.example:5000/mirror"] {
            let started = std::time::Instant::now();
            let d = parse_layer(ARTIFACT, "2.9.4", &layer, registry).expect("parse");
            eprintln!(
                "gotk-components layout ({path}): parsed in {:?}",
                started.elapsed()
            );
            check(&d, &files, registry);
            assert_eq!(d.crds, per_component.crds, "both layouts give the same CRDs");
        }
    }
}

#[test]
fn per_component_directory_is_chosen() {
    // A vendored layout: the release files in one directory, unrelated YAML elsewhere.
    let mut files: Vec<(String, String)> = release_files()
        .into_iter()
        .map(|(name, content)| {
            (
                format!("./flux/v2.9.4/{name}"),
                String::from_utf8(content).expect("utf-8"),
            )
        })
        .collect();
    files.push(("other/broken.yaml".into(), "{ not: [yaml".into()));
    let d = parse_manifest_files(ARTIFACT, "2.9.4", files, "ghcr.io/fluxcd").expect("parse");
    assert_eq!(d.images, expected_images("ghcr.io/fluxcd"));
}

#[test]
fn no_flux_manifests() {
    let files = release_files();
    let pick = |names: &[&str]| -> Files {
        files
            .iter()
            .filter(|(n, _)| names.contains(&n.as_str()))
            .cloned()
            .collect()
    };
    type Files = Vec<(String, Vec<u8>)>;
    let cases: Vec<(Files, &str)> = vec![
        (
            pick(&["rbac.yaml", "policies.yaml"]),
            "no CustomResourceDefinition",
        ),
        (pick(&["helm-controller.yaml"]), "no source-controller Deployment"),
        (
            vec![("README.md".into(), b"hello".to_vec())],
            "the layer holds no YAML file",
        ),
        (vec![], "the layer holds no YAML file"),
    ];
    for (files, reason_part) in cases {
        let layer = build_layer(&files).expect("layer");
        match parse_layer(ARTIFACT, "2.9.4", &layer, "ghcr.io/fluxcd") {
            Err(e @ Error::NoFluxManifests { .. }) => {
                let msg = e.to_string();
                assert!(
                    msg.starts_with(&format!("{ARTIFACT} holds no flux manifests")),
                    "{msg}"
                );
                assert!(msg.contains(reason_part), "{msg}");
            }
            other => panic!("expected NoFluxManifests, got {other:?}"),
        }
    }
}

#[test]
fn duplicate_crds_are_rejected() {
    let files: Vec<(String, String)> = release_files()
        .into_iter()
        .filter(|(n, _)| n == "source-controller.yaml")
        .flat_map(|(n, c)| {
            let text = String::from_utf8(c).expect("utf-8");
            [(n.clone(), text.clone()), (format!("copy-{n}"), text)]
        })
        .collect();
    match parse_manifest_files(ARTIFACT, "2.9.4", files, "") {
        Err(Error::InvalidManifests { reason, .. }) => assert!(reason.contains("appears twice"), "{reason}"),
        other => panic!("expected InvalidManifests, got {other:?}"),
    }
}

#[test]
fn yaml_errors_name_the_file() {
    let files = vec![(
        "source-controller.yaml".to_string(),
        "kind: [unclosed\n".to_string(),
    )];
    match parse_manifest_files(ARTIFACT, "2.9.4", files, "") {
        Err(e @ Error::ParseYaml { .. }) => {
            assert!(e.to_string().contains("source-controller.yaml"), "{e}");
            assert!(
                e.report().len() > e.to_string().len(),
                "the cause is in the chain"
            );
        }
        other => panic!("expected ParseYaml, got {other:?}"),
    }
}

#[test]
fn legacy_octal_and_booleans_like_kubectl() {
    // Mode bits in CRD defaults or workloads must come out as kubectl reads them.
    let crd = "apiVersion: apiextensions.k8s.io/v1\nkind: CustomResourceDefinition\nmetadata:\n  name: xs.example.io\nspec:\n  mode: 0755\n  flag: yes\n";
    let deploy = "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: source-controller\nspec:\n  template:\n    spec:\n      containers:\n      - name: manager\n        image: fluxcd/source-controller:v1.0.0\n";
    let d = parse_manifest_files(
        ARTIFACT,
        "1.0.0",
        [(
            "source-controller.yaml".to_string(),
            format!("{crd}---\n{deploy}"),
        )],
        "ghcr.io/fluxcd",
    )
    .expect("parse");
    assert_eq!(d.crds[0]["spec"]["mode"], 493);
    assert_eq!(d.crds[0]["spec"]["flag"], true);
    assert_eq!(
        d.images["source-controller"],
        "ghcr.io/fluxcd/source-controller:v1.0.0"
    );
    assert_eq!(d.images.len(), 1);
}

fn tgz_with(entries: &[(&[u8], tar::EntryType, Vec<u8>)]) -> Vec<u8> {
    let gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    let mut builder = tar::Builder::new(gz);
    for (name, kind, content) in entries {
        let header = raw_tar_header(name, *kind, content.len() as u64);
        builder.append(&header, content.as_slice()).expect("append");
    }
    builder.into_inner().expect("tar").finish().expect("gzip")
}

#[test]
fn tar_safety() {
    for name in [&b"../x.yaml"[..], b"a/../../x.yaml", b"/etc/x.yaml"] {
        let tgz = tgz_with(&[(name, tar::EntryType::Regular, b"kind: X\n".to_vec())]);
        match parse_layer(ARTIFACT, "2.9.4", &tgz, "") {
            Err(Error::UnsafePath { path, artifact }) => {
                assert_eq!(path.as_bytes(), name);
                assert_eq!(artifact, ARTIFACT);
            }
            other => panic!(
                "{} should be rejected, got {other:?}",
                String::from_utf8_lossy(name)
            ),
        }
    }

    // Directories, links and `./` prefixes.
    let tgz = tgz_with(&[
        (b"./", tar::EntryType::Directory, vec![]),
        (b"./dir/", tar::EntryType::Directory, vec![]),
        (b"./dir/a.yaml", tar::EntryType::Regular, b"a: 1\n".to_vec()),
        (b"link.yaml", tar::EntryType::Symlink, vec![]),
    ]);
    let files = unpack(ARTIFACT, &tgz, 1 << 20).expect("unpack");
    assert_eq!(files, vec![("dir/a.yaml".to_string(), b"a: 1\n".to_vec())]);

    // Size cap on the unpacked stream (the file compresses to almost nothing).
    let big = vec![b'a'; 2 << 20];
    let tgz = tgz_with(&[(b"big.yaml", tar::EntryType::Regular, big)]);
    match unpack(ARTIFACT, &tgz, 1 << 20) {
        Err(Error::TooLarge { limit, .. }) => assert_eq!(limit, 1 << 20),
        other => panic!("expected TooLarge, got {:?}", other.map(|f| f.len())),
    }
    assert!(unpack(ARTIFACT, &tgz, 3 << 20).is_ok(), "fits a larger cap");

    // Not a gzip stream.
    match parse_layer(ARTIFACT, "2.9.4", b"definitely not gzip", "") {
        Err(Error::Unpack { artifact, .. }) => assert_eq!(artifact, ARTIFACT),
        other => panic!("expected Unpack, got {other:?}"),
    }

    // Truncated gzip (the CRC/trailer protects cache entries).
    let good = build_layer(&release_files()).expect("layer");
    let truncated = &good[..good.len() / 2];
    assert!(matches!(
        parse_layer(ARTIFACT, "2.9.4", truncated, ""),
        Err(Error::Unpack { .. })
    ));
}
