//! Rewrites the generated parts of the registry pages of `docs/` (front matter, `## Schema`,
//! the import forms) from the provider's schemas.
//!
//! `cargo run -p terraform-provider-flux --bin gen-docs [-- DOCS_DIR]`

use flux_provider::docs::{pages, render};
use std::path::PathBuf;

fn main() -> std::io::Result<()> {
    let dir = std::env::args_os().nth(1).map_or_else(
        || PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../../docs")),
        PathBuf::from,
    );
    for page in pages() {
        let path = dir.join(&page.path);
        let text = std::fs::read_to_string(&path).unwrap_or_else(|_| format!("# {}\n", page.path));
        let updated = render(&page, &text);
        if updated != text {
            if let Some(parent) = path.parent() {
                std::fs::create_dir_all(parent)?;
            }
            std::fs::write(&path, updated)?;
            eprintln!("updated {}", path.display());
        }
    }
    Ok(())
}
