//! The docs layout check: every page of `docs/` read as the Terraform and OpenTofu registries
//! read it, by a real Markdown parser with YAML front matter. `docs/` holds only what the
//! registries publish (`index.md`, `resources/*.md`, `guides/*.md`); each page opens with front
//! matter whose `page_title`, `subcategory` and `description` parse as YAML; the provider page
//! has `## Example Usage` and `## Schema`, and each resource page `## Example Usage` (with HCL),
//! `## Schema` and `## Import` (with an `import` block by ID, one by identity, and `tofu
//! import`), in that order. Every relative link of the repository's Markdown resolves to a file,
//! and to a heading or anchor of it; a registry page links only within `docs/`.

use pulldown_cmark::{CodeBlockKind, Event, MetadataBlockKind, Options, Parser, Tag, TagEnd};
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Component, Path, PathBuf};

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// The front matter every registry page opens with.
#[derive(serde::Deserialize)]
struct FrontMatter {
    page_title: String,
    /// May be empty, but must be there.
    subcategory: String,
    description: String,
}

/// A fenced code block and the `##` section it is in.
struct Code {
    lang: String,
    text: String,
    section: String,
}

/// What a Markdown parser finds in a page.
#[derive(Default)]
struct Doc {
    /// The YAML of the front matter, when the page opens with one.
    front_matter: Option<String>,
    /// `(level, text)` of each heading.
    headings: Vec<(usize, String)>,
    /// The anchors a link may name: each heading's, as GitHub and the registry make them, and
    /// each HTML `id`.
    anchors: BTreeSet<String>,
    code: Vec<Code>,
    links: Vec<String>,
}

/// The anchor of a heading: lower case, spaces to hyphens, punctuation other than `-` and `_`
/// left out.
fn slug(heading: &str) -> String {
    heading
        .trim()
        .to_lowercase()
        .chars()
        .filter_map(|c| match c {
            ' ' => Some('-'),
            c if c.is_alphanumeric() || c == '-' || c == '_' => Some(c),
            _ => None,
        })
        .collect()
}

fn parse(text: &str) -> Doc {
    let mut options = Options::empty();
    options.insert(Options::ENABLE_YAML_STYLE_METADATA_BLOCKS);
    options.insert(Options::ENABLE_TABLES);
    let mut doc = Doc::default();
    let mut seen: BTreeMap<String, usize> = BTreeMap::new();
    let mut heading: Option<(usize, String)> = None;
    let mut code: Option<(String, String)> = None;
    let mut metadata: Option<String> = None;
    let mut section = String::new();
    for (i, event) in Parser::new_ext(text, options).enumerate() {
        match event {
            Event::Start(Tag::MetadataBlock(MetadataBlockKind::YamlStyle)) if i == 0 => {
                metadata = Some(String::new());
            }
            Event::End(TagEnd::MetadataBlock(_)) => doc.front_matter = metadata.take(),
            Event::Start(Tag::Heading { level, .. }) => heading = Some((level as usize, String::new())),
            Event::End(TagEnd::Heading(_)) => {
                if let Some((level, text)) = heading.take() {
                    let base = slug(&text);
                    let n = seen.entry(base.clone()).or_insert(0);
                    doc.anchors
                        .insert(if *n == 0 { base } else { format!("{base}-{n}") });
                    *n += 1;
                    if level == 2 {
                        section.clone_from(&text);
                    }
                    doc.headings.push((level, text));
                }
            }
            Event::Start(Tag::CodeBlock(kind)) => {
                let lang = match kind {
                    CodeBlockKind::Fenced(lang) => lang.split_whitespace().next().unwrap_or("").to_owned(),
                    CodeBlockKind::Indented => String::new(),
                };
                code = Some((lang, String::new()));
            }
            Event::End(TagEnd::CodeBlock) => {
                if let Some((lang, text)) = code.take() {
                    doc.code.push(Code {
                        lang,
                        text,
                        section: section.clone(),
                    });
                }
            }
            Event::Start(Tag::Link { dest_url, .. } | Tag::Image { dest_url, .. }) => {
                doc.links.push(dest_url.to_string());
            }
            Event::Text(t) | Event::Code(t) => {
                if let Some(m) = metadata.as_mut() {
                    m.push_str(&t);
                } else if let Some((_, c)) = code.as_mut() {
                    c.push_str(&t);
                } else if let Some((_, h)) = heading.as_mut() {
                    h.push_str(&t);
                }
            }
            Event::Html(html) | Event::InlineHtml(html) => {
                for part in html.split("id=\"").skip(1) {
                    if let Some(id) = part.split('"').next() {
                        doc.anchors.insert(id.to_owned());
                    }
                }
            }
            _ => {}
        }
    }
    doc
}

/// What kind of registry page a file is.
enum Kind {
    Provider,
    /// A resource page, with the names of the resource's identity attributes.
    Resource(Vec<String>),
    Guide,
}

/// What is wrong with the registry page `name` of this `kind`.
fn check_page(name: &str, text: &str, kind: &Kind) -> Vec<String> {
    let mut problems = Vec::new();
    let mut problem = |p: String| problems.push(format!("{name}: {p}"));
    let doc = parse(text);
    match &doc.front_matter {
        None => problem("does not open with YAML front matter (`---` ... `---`)".to_owned()),
        Some(yaml) => match serde_saphyr::from_str::<FrontMatter>(yaml) {
            Err(e) => problem(format!(
                "front matter is not YAML with page_title, subcategory and description: {e}"
            )),
            Ok(fm) => {
                if fm.page_title.trim().is_empty() {
                    problem("front matter has an empty page_title".to_owned());
                }
                if fm.description.trim().is_empty() {
                    problem("front matter has an empty description".to_owned());
                }
                let _ = fm.subcategory;
            }
        },
    }
    let h1 = doc.headings.iter().filter(|(l, _)| *l == 1).count();
    if h1 != 1 {
        problem(format!("has {h1} level-1 headings, not one"));
    }
    let sections: Vec<&str> = doc
        .headings
        .iter()
        .filter(|(l, _)| *l == 2)
        .map(|(_, t)| t.as_str())
        .collect();
    let required: &[&str] = match kind {
        Kind::Provider => &["Example Usage", "Schema"],
        Kind::Resource(_) => &["Example Usage", "Schema", "Import"],
        Kind::Guide => &[],
    };
    let positions: Vec<Option<usize>> = required
        .iter()
        .map(|h| sections.iter().position(|s| s == h))
        .collect();
    for (h, at) in required.iter().zip(&positions) {
        if at.is_none() {
            problem(format!("has no `## {h}` section"));
        }
    }
    let found: Vec<usize> = positions.iter().flatten().copied().collect();
    if found.windows(2).any(|w| w[0] > w[1]) {
        problem(format!(
            "its sections are not in the order {required:?}: {sections:?}"
        ));
    }
    let in_section = |s: &'static str| doc.code.iter().filter(move |c| c.section == s);
    if !matches!(kind, Kind::Guide) {
        let examples: Vec<&Code> = in_section("Example Usage").filter(|c| c.lang == "hcl").collect();
        if examples.is_empty() {
            problem("has no HCL code block under `## Example Usage`".to_owned());
        }
        if examples.iter().any(|c| c.text.trim().is_empty()) {
            problem("has an empty HCL code block under `## Example Usage`".to_owned());
        }
        let groups = doc
            .headings
            .iter()
            .filter(|(l, t)| *l == 3 && ["Required", "Optional", "Read-Only"].contains(&t.as_str()))
            .count();
        if groups == 0 {
            problem("its Schema has no Required, Optional or Read-Only list".to_owned());
        }
    }
    if let Kind::Resource(identity) = kind {
        let import: Vec<&Code> = in_section("Import").collect();
        let hcl = |c: &&&Code| c.lang == "hcl" && c.text.trim_start().starts_with("import {");
        if !import.iter().any(|c| hcl(&c) && c.text.contains("\n  id ")) {
            problem("its Import section has no `import {` block with an `id`".to_owned());
        }
        let by_identity = import.iter().find(|c| hcl(c) && c.text.contains("identity = {"));
        match by_identity {
            None => problem("its Import section has no `import {` block with an `identity`".to_owned()),
            Some(c) => {
                for attr in identity {
                    if !c.text.contains(&format!("    {attr} ")) {
                        problem(format!("its import by identity does not set `{attr}`"));
                    }
                }
            }
        }
        if !import
            .iter()
            .any(|c| c.lang == "shell" && c.text.trim_start().starts_with("tofu import "))
        {
            problem("its Import section has no `tofu import` command".to_owned());
        }
    }
    problems
}

/// `path` without `.` and `..` components.
fn normalize(path: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for c in path.components() {
        match c {
            Component::CurDir => {}
            Component::ParentDir => {
                out.pop();
            }
            other => out.push(other),
        }
    }
    out
}

/// What is wrong with the relative links of the Markdown file `file` (under `root`): each must
/// name an existing file (and an anchor of it); with `within`, a directory it may not leave.
fn check_links(root: &Path, file: &Path, text: &str, within: Option<&Path>) -> Vec<String> {
    let doc = parse(text);
    let name = file.strip_prefix(root).unwrap_or(file).display().to_string();
    let mut problems = Vec::new();
    for link in &doc.links {
        if link.contains("://") || link.starts_with("mailto:") {
            continue;
        }
        let (target, anchor) = link.split_once('#').unwrap_or((link, ""));
        let path = if target.is_empty() {
            file.to_path_buf()
        } else {
            normalize(&file.parent().unwrap_or(root).join(target))
        };
        if !target.is_empty() && !path.exists() {
            problems.push(format!("{name}: link `{link}`: no such file"));
            continue;
        }
        if let Some(dir) = within
            && !path.starts_with(normalize(dir))
        {
            problems.push(format!(
                "{name}: link `{link}` leaves {}: the registry would not serve it",
                dir.strip_prefix(root).unwrap_or(dir).display()
            ));
        }
        if anchor.is_empty() || path.extension().is_none_or(|e| e != "md") {
            continue;
        }
        let anchors = if path == file {
            doc.anchors.clone()
        } else {
            parse(&std::fs::read_to_string(&path).unwrap_or_default()).anchors
        };
        if !anchors.contains(anchor) {
            problems.push(format!(
                "{name}: link `{link}`: no heading or anchor `#{anchor}` there"
            ));
        }
    }
    problems
}

fn markdown_files(dir: &Path) -> Vec<PathBuf> {
    let mut files = Vec::new();
    for entry in std::fs::read_dir(dir).into_iter().flatten().flatten() {
        let path = entry.path();
        if path.is_dir() {
            files.extend(markdown_files(&path));
        } else if path.extension().is_some_and(|e| e == "md") {
            files.push(path);
        }
    }
    files.sort();
    files
}

/// Every file of `docs/` is a registry page in the registry's layout.
#[test]
fn docs_holds_registry_pages_in_the_registry_layout() {
    let docs = root().join("docs");
    let identities: BTreeMap<String, Vec<String>> = flux_provider::docs::pages()
        .into_iter()
        .filter_map(|p| {
            let (_, identity) = p.import?;
            Some((
                p.path,
                identity.attributes.into_iter().map(|(n, _, _)| n).collect(),
            ))
        })
        .collect();
    let mut problems = Vec::new();
    let mut all = Vec::new();
    let mut stack = vec![docs.clone()];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).unwrap().flatten() {
            let path = entry.path();
            if path.is_dir() {
                stack.push(path);
            } else {
                all.push(path);
            }
        }
    }
    all.sort();
    for path in &all {
        let rel = path
            .strip_prefix(&docs)
            .unwrap()
            .to_string_lossy()
            .replace('\\', "/");
        let kind = match rel.split_once('/') {
            None if rel == "index.md" => Kind::Provider,
            Some(("resources", page)) if !page.contains('/') && page.ends_with(".md") => {
                match identities.get(&rel) {
                    Some(identity) => Kind::Resource(identity.clone()),
                    None => {
                        problems.push(format!("docs/{rel}: no resource of the provider has this page"));
                        continue;
                    }
                }
            }
            Some(("guides", page)) if !page.contains('/') && page.ends_with(".md") => Kind::Guide,
            _ => {
                problems.push(format!(
                    "docs/{rel}: the registries publish only index.md, resources/*.md and guides/*.md: \
                     move it out of docs/"
                ));
                continue;
            }
        };
        let text = std::fs::read_to_string(path).unwrap();
        problems.extend(check_page(&format!("docs/{rel}"), &text, &kind));
    }
    for page in identities.keys() {
        if !docs.join(page).exists() {
            problems.push(format!("docs/{page}: missing"));
        }
    }
    assert!(problems.is_empty(), "docs layout:\n{}", problems.join("\n"));
}

/// Every relative link of the repository's Markdown resolves, anchors included.
#[test]
fn every_relative_link_resolves() {
    let root = normalize(&root());
    let docs = root.join("docs");
    let mut files = markdown_files(&docs);
    for dir in ["design", "examples", "bench"] {
        files.extend(markdown_files(&root.join(dir)));
    }
    files.extend([root.join("README.md"), root.join("CHANGELOG.md")]);
    let mut problems = Vec::new();
    for file in &files {
        let text = std::fs::read_to_string(file).unwrap();
        let within = file.starts_with(&docs).then_some(docs.as_path());
        problems.extend(check_links(&root, file, &text, within));
    }
    assert!(problems.is_empty(), "broken links:\n{}", problems.join("\n"));
}

const GOOD_RESOURCE: &str = r#"---
page_title: "flux_x Resource - terraform-provider-flux"
subcategory: ""
description: |-
  Does x.
---

# flux_x (Resource)

## Example Usage

```hcl
resource "flux_x" "x" {}
```

## Schema

### Required

- `name` (String) The name.

## Import

```hcl
import {
  to = flux_x.x
  id = "ns/x"
}
```

```hcl
import {
  to = flux_x.x
  identity = {
    namespace = "ns"
    name      = "x"
  }
}
```

```shell
tofu import flux_x.x ns/x
```
"#;

fn resource_problems(text: &str) -> Vec<String> {
    check_page(
        "x.md",
        text,
        &Kind::Resource(vec!["namespace".into(), "name".into()]),
    )
}

#[test]
fn the_checker_passes_a_good_page() {
    assert_eq!(resource_problems(GOOD_RESOURCE), Vec::<String>::new());
}

#[test]
fn the_checker_fails_a_page_without_front_matter() {
    let body = GOOD_RESOURCE.splitn(3, "---\n").nth(2).unwrap();
    let problems = resource_problems(body);
    assert!(
        problems
            .iter()
            .any(|p| p.contains("does not open with YAML front matter")),
        "{problems:?}"
    );
    let guide = check_page("g.md", "# Guide\n\ntext\n", &Kind::Guide);
    assert!(guide.iter().any(|p| p.contains("front matter")), "{guide:?}");
}

#[test]
fn the_checker_fails_front_matter_without_its_keys() {
    for (missing, text) in [
        ("subcategory", GOOD_RESOURCE.replace("subcategory: \"\"\n", "")),
        (
            "page_title",
            GOOD_RESOURCE.replace(
                "page_title: \"flux_x Resource - terraform-provider-flux\"",
                "page_title: \"\"",
            ),
        ),
        (
            "description",
            GOOD_RESOURCE.replace("description: |-\n  Does x.\n", "description: \"\"\n"),
        ),
        (
            "YAML",
            GOOD_RESOURCE.replace("subcategory: \"\"", "subcategory: ["),
        ),
    ] {
        let problems = resource_problems(&text);
        assert!(!problems.is_empty(), "{missing}");
        assert!(
            problems.iter().all(|p| p.contains("front matter")),
            "{missing}: {problems:?}"
        );
    }
}

#[test]
fn the_checker_fails_sections_missing_or_out_of_order() {
    let swapped = GOOD_RESOURCE
        .replace("## Schema", "## TEMP")
        .replace("## Import", "## Schema")
        .replace("## TEMP", "## Import");
    let problems = resource_problems(&swapped);
    assert!(
        problems.iter().any(|p| p.contains("not in the order")),
        "{problems:?}"
    );
    let renamed = GOOD_RESOURCE.replace("## Example Usage", "## Example");
    let problems = resource_problems(&renamed);
    assert!(
        problems.iter().any(|p| p.contains("no `## Example Usage`")),
        "{problems:?}"
    );
    assert!(
        problems.iter().any(|p| p.contains("no HCL code block")),
        "{problems:?}"
    );
}

#[test]
fn the_checker_fails_an_empty_example_and_missing_import_forms() {
    let empty = GOOD_RESOURCE.replace("resource \"flux_x\" \"x\" {}\n", "\n");
    assert!(resource_problems(&empty).iter().any(|p| p.contains("empty HCL")));
    let no_cli = GOOD_RESOURCE.replace("tofu import", "terraform import");
    assert!(
        resource_problems(&no_cli)
            .iter()
            .any(|p| p.contains("`tofu import`"))
    );
    let no_identity = GOOD_RESOURCE.replace("identity = {", "identity {");
    assert!(
        resource_problems(&no_identity)
            .iter()
            .any(|p| p.contains("with an `identity`"))
    );
    let partial = GOOD_RESOURCE.replace("    namespace = \"ns\"\n", "");
    assert!(
        resource_problems(&partial)
            .iter()
            .any(|p| p.contains("does not set `namespace`"))
    );
}

#[test]
fn the_checker_fails_broken_links_and_anchors() {
    let root = normalize(&root());
    let file = root.join("docs/resources/x.md");
    let text = "# x\n\n## Here\n\n[ok](../index.md) [self](#here) [anchor](../index.md#schema) \
                [gone](missing.md) [bad](#nowhere) [out](../../README.md) [web](https://example.com/x.md)\n";
    let problems = check_links(&root, &file, text, Some(&root.join("docs")));
    assert_eq!(problems.len(), 3, "{problems:?}");
    assert!(problems[0].contains("`missing.md`: no such file"), "{problems:?}");
    assert!(problems[1].contains("`#nowhere`"), "{problems:?}");
    assert!(problems[2].contains("leaves docs"), "{problems:?}");
}

#[test]
fn anchors_are_made_as_the_registry_makes_them() {
    assert_eq!(slug("Nested Schema for `auth.tls`"), "nested-schema-for-authtls");
    assert_eq!(
        slug("How the provider differs from the Timoni modules"),
        "how-the-provider-differs-from-the-timoni-modules"
    );
    assert_eq!(slug("`--override-manager`"), "--override-manager");
    let doc = parse("# A\n\n## A\n\n<a id=\"nestedatt--x\"></a>\n### B\n");
    assert!(
        ["a", "a-1", "b", "nestedatt--x"]
            .iter()
            .all(|a| doc.anchors.contains(*a)),
        "{:?}",
        doc.anchors
    );
}
