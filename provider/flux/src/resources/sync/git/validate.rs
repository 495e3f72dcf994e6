//! Cross-attribute checks of `flux_git_sync`.

use crate::resources::secrets;
use crate::resources::sync::kustomization;
use tfplugin::cty::Value;
use tfplugin::diag::Diagnostics;
use tfplugin::path::AttributePath;

/// The GitHub App attributes.
const GITHUB_FIELDS: &[&str] = &["app_id", "app_installation_id", "app_private_key"];

/// Cross-attribute checks of a configuration that may hold unknowns: GitHub App fields given
/// partly, and the shared Kustomization options.
pub fn validate(config: &Value, diags: &mut Diagnostics) {
    let github = config.get("github");
    if !github.is_null() && !github.is_unknown() {
        let unset = |v: &Value| v.as_str().is_some_and(str::is_empty) || v.is_null();
        let missing: Vec<&str> = GITHUB_FIELDS
            .iter()
            .copied()
            .filter(|a| unset(github.get(a)) && github.get(&format!("{a}_wo")).is_null())
            .collect();
        if !missing.is_empty() {
            diags.error_at(
                AttributePath::root("github"),
                "Incomplete GitHub App",
                format!(
                    "GitHub App authentication needs app_id, app_installation_id and app_private_key; missing: {}.",
                    missing.join(", ")
                ),
            );
        }
    }
    let git = config.get("git");
    secrets::validate(git, &AttributePath::root("git"), "token", false, diags);
    if !github.is_unknown() {
        secrets::validate(
            github,
            &AttributePath::root("github"),
            "app_private_key",
            false,
            diags,
        );
    }
    kustomization::validate(config, diags);
}
