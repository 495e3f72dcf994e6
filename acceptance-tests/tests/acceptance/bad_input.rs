use acceptance_tests::cluster::kinds::NAMESPACE;
use acceptance_tests::{Cluster, WorkDir, bed};
use std::path::PathBuf;

/// One configuration of the corpus: the attribute its error must name and a word of the
/// explanation, from the file's `# attribute:` and `# says:` lines.
struct Case {
    name: String,
    body: String,
    attribute: String,
    says: String,
}

fn corpus() -> Vec<Case> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("corpus/bad-input");
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .expect("corpus directory")
        .map(|e| e.expect("entry").path())
        .filter(|p| p.extension().is_some_and(|e| e == "tf"))
        .collect();
    files.sort();
    files
        .into_iter()
        .map(|path| {
            let body = std::fs::read_to_string(&path).expect("corpus file");
            let header = |key: &str| {
                body.lines()
                    .find_map(|l| l.strip_prefix(&format!("# {key}: ")))
                    .unwrap_or_else(|| panic!("{}: no `# {key}:` line", path.display()))
                    .to_owned()
            };
            Case {
                name: path.file_stem().unwrap().to_string_lossy().into_owned(),
                attribute: header("attribute"),
                says: header("says"),
                body,
            }
        })
        .collect()
}

/// Every configuration of `acceptance-tests/corpus/bad-input` is refused by `tofu apply`
/// with an error that names the attribute, and nothing reaches the cluster or the state.
#[test]
fn every_bad_input_in_the_corpus_is_refused_naming_its_attribute_and_nothing_is_applied() {
    let (bed, cluster) = (bed(), Cluster::new(bed()));
    let cases = corpus();
    assert!(
        cases.len() >= 60,
        "the corpus holds {} configurations",
        cases.len()
    );
    let failures: Vec<String> = std::thread::scope(|s| {
        let workers: Vec<_> = cases
            .chunks(cases.len().div_ceil(4))
            .map(|chunk| {
                s.spawn(move || {
                    let mut failures = Vec::new();
                    for case in chunk {
                        let wd = WorkDir::new(bed, &case.name);
                        if case.body.contains("provider \"flux\"") {
                            wd.write(
                                "main.tf",
                                &format!(
                                    "terraform {{\n  required_providers {{\n    flux = {{ source = \"flux-aio/flux\" }}\n  \
                                     }}\n}}\n\n{}",
                                    case.body
                                ),
                            );
                        } else {
                            wd.main_tf(&case.body);
                        }
                        let apply = wd.run(&["apply", "-auto-approve", "-no-color"]);
                        let text = apply.flat();
                        let named = text.contains(&case.attribute) && text.contains(&case.says);
                        let applied = wd.file("terraform.tfstate").exists()
                            && !wd.ok(&["state", "list"]).stdout.trim().is_empty();
                        if apply.code == 0 || !named || applied {
                            failures.push(format!(
                                "{}: expected an error naming {:?} ({:?}), nothing applied:\n{apply}",
                                case.name, case.attribute, case.says
                            ));
                        }
                    }
                    failures
                })
            })
            .collect();
        workers.into_iter().flat_map(|w| w.join().unwrap()).collect()
    });
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
    let leaked: Vec<String> = cluster
        .names(NAMESPACE, None)
        .into_iter()
        .filter(|n| n.starts_with("corpus-"))
        .collect();
    assert!(leaked.is_empty(), "nothing reaches the cluster: {leaked:?}");
}
