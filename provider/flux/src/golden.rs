//! Golden-file assertions for rendering tests: `testdata/<name>` holds the expected output;
//! `UPDATE_GOLDEN=1` rewrites it.

use std::path::PathBuf;

/// Compares `actual` with the golden file `name`, or rewrites it under `UPDATE_GOLDEN=1`.
///
/// # Panics
/// When they differ (with both texts), or the file is missing.
pub fn assert_golden(name: &str, actual: &str) {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("testdata")
        .join(name);
    if std::env::var_os("UPDATE_GOLDEN").is_some() {
        std::fs::create_dir_all(path.parent().expect("golden files live in a folder"))
            .expect("create testdata");
        std::fs::write(&path, actual).expect("write golden file");
        return;
    }
    let expected = std::fs::read_to_string(&path)
        .unwrap_or_else(|_| panic!("missing golden file {}; run with UPDATE_GOLDEN=1", path.display()));
    assert!(
        expected == actual,
        "rendering differs from {}\n--- expected\n{expected}\n--- actual\n{actual}\n(UPDATE_GOLDEN=1 rewrites it)",
        path.display()
    );
}
