//! Cross-check of the test data the test bed generates (`testbed.sh testdata`, from the Go
//! modules) with the copies collected by hand in `shared/testdata` beside the checkout. That
//! folder is optional: without it these tests only print a note.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use distribution::testing::{testdata_dir, yaml_files};
use serde_json::Value;

/// The controller versions of the hand-collected CRDs (`shared/testdata/flux-crds/SOURCE.md`):
/// Flux 2.9.4's.
const SHARED_CRDS: [(&str, &str); 4] = [
    ("source-controller", "v1.9.4"),
    ("kustomize-controller", "v1.9.4"),
    ("helm-controller", "v1.6.3"),
    ("notification-controller", "v1.9.3"),
];

fn shared() -> Option<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/testdata");
    if dir.is_dir() {
        return Some(dir);
    }
    eprintln!(
        "SKIPPED: no {} beside the checkout, nothing to cross-check",
        dir.display()
    );
    None
}

/// The documents of every `*.yaml` file in `dir`, by file name.
fn documents(dir: &Path) -> BTreeMap<String, Vec<Value>> {
    yaml_files(dir)
        .unwrap_or_else(|e| panic!("reading {}: {e}", dir.display()))
        .into_iter()
        .map(|(name, content)| {
            let text = String::from_utf8(content).expect("UTF-8");
            let docs: Vec<Value> = serde_saphyr::from_multiple(&text)
                .unwrap_or_else(|e| panic!("parsing {}/{name}: {e}", dir.display()));
            (name, docs.into_iter().filter(|d| !d.is_null()).collect())
        })
        .collect()
}

/// The CRDs of a `flux-crds/<controller>` folder, by name.
fn crds(dir: &Path) -> BTreeMap<String, Value> {
    documents(dir)
        .into_values()
        .flatten()
        .map(|crd| {
            let name = crd["metadata"]["name"].as_str().expect("CRD name").to_owned();
            (name, crd)
        })
        .collect()
}

/// The value without its `description` fields: the schema proper.
fn without_descriptions(v: &Value) -> Value {
    match v {
        Value::Object(map) => map
            .iter()
            .filter(|(k, _)| k.as_str() != "description")
            .map(|(k, v)| (k.clone(), without_descriptions(v)))
            .collect(),
        Value::Array(items) => items.iter().map(without_descriptions).collect(),
        other => other.clone(),
    }
}

/// The modules the generated data was made from, as `SOURCE.md` lists them.
fn generated_modules() -> String {
    let path = testdata_dir().join("SOURCE.md");
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("reading {}: {e}", path.display()))
}

#[test]
fn crds_match_shared_copies() {
    let Some(shared) = shared() else { return };
    let modules = generated_modules();
    for (controller, version) in SHARED_CRDS {
        if !modules.contains(&format!("github.com/fluxcd/{controller}@{version}`")) {
            eprintln!("SKIPPED {controller}: the generated CRDs are not from {version}");
            continue;
        }
        let generated = crds(&testdata_dir().join("flux-crds").join(controller));
        let copied = crds(&shared.join("flux-crds").join(controller));
        assert_eq!(
            generated.keys().collect::<Vec<_>>(),
            copied.keys().collect::<Vec<_>>(),
            "{controller}: CRD names"
        );
        for (name, crd) in &generated {
            assert_eq!(
                without_descriptions(&crd["spec"]),
                without_descriptions(&copied[name]["spec"]),
                "{controller}: the schema of {name}"
            );
            // The shared source-controller copy is from a release branch, not the tag: one
            // description differs there (see its SOURCE.md); report rather than fail.
            if crd != &copied[name] {
                eprintln!("note: {name} differs from the shared copy in descriptions only");
            }
        }
    }
}

#[test]
fn release_files_match_shared_copies() {
    let Some(shared) = shared() else { return };
    let copied = documents(&shared.join("flux-manifests/v2.9.4"));
    let generated = documents(&testdata_dir().join("flux-manifests/v2.9.4"));
    assert_eq!(
        generated.keys().collect::<Vec<_>>(),
        copied.keys().collect::<Vec<_>>(),
        "file names"
    );
    for (file, docs) in &generated {
        assert_eq!(docs.len(), copied[file].len(), "{file}: number of documents");
        for (doc, want) in docs.iter().zip(&copied[file]) {
            assert_eq!(doc, want, "{file}: {} {}", doc["kind"], doc["metadata"]["name"]);
        }
    }
}
