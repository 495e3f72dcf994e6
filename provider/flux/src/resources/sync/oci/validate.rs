//! Cross-attribute checks of `flux_oci_sync`.

use crate::resources::secrets;
use crate::resources::sync::kustomization;
use tfplugin::cty::Value;
use tfplugin::diag::Diagnostics;
use tfplugin::path::AttributePath;

/// Cross-attribute checks of a configuration that may hold unknowns: a tag or semver range is
/// needed, and the shared Kustomization options.
pub fn validate(config: &Value, diags: &mut Diagnostics) {
    let a = config.get("artifact");
    // A null tag takes the default "latest"; only an explicit "" leaves no version.
    let tag_empty = a.get("tag").as_str().is_some_and(str::is_empty);
    let semver = a.get("semver");
    let semver_empty = semver.is_null() || semver.as_str().is_some_and(str::is_empty);
    if !a.is_unknown() && !a.is_null() && tag_empty && semver_empty {
        diags.error_at(
            AttributePath::root("artifact").attr("tag"),
            "No artifact version",
            "artifact.tag and artifact.semver are both empty: set a tag (default \"latest\") or a semver range.",
        );
    }
    let credentials = a.get("auth").get("credentials");
    let path = AttributePath::root("artifact").attr("auth").attr("credentials");
    secrets::validate(credentials, &path, "password", true, diags);
    kustomization::validate(config, diags);
}
