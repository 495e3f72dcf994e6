//! Cross-attribute checks of `flux_helm_release` that the schema validators cannot express.
//! The configuration may hold unknown values: a check whose inputs are unknown is skipped.

use super::VALUES_FROM_KINDS;
use crate::resources::secrets;
use tfplugin::Diagnostic;
use tfplugin::cty::Value;
use tfplugin::diag::Diagnostics;
use tfplugin::path::AttributePath;

/// Adds an error (or warning) for each rule `config` breaks, naming the attribute path.
pub fn validate(config: &Value, diags: &mut Diagnostics) {
    values(config, diags);
    values_from(config, diags);
    cert_secret_for_oci(config, diags);
    let auth = config.get("repository").get("auth");
    let path = AttributePath::root("repository").attr("auth");
    secrets::validate(auth, &path, "password", true, diags);
}

/// `values` must be an object (or a map); the elements may still be unknown.
fn values(config: &Value, diags: &mut Diagnostics) {
    let v = config.get("values");
    if v.is_null() || v.is_unknown() {
        return;
    }
    let kind = match v.unwrap_dynamic() {
        Value::Object(_) | Value::Map(_) => return,
        Value::Bool(_) => "a bool",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::List(_) | Value::Set(_) | Value::Tuple(_) => "a list",
        _ => "not an object",
    };
    diags.error_at(
        AttributePath::root("values"),
        "Invalid Helm values",
        format!(
            "values is {kind}, but must be an object of Helm values, such as {{ replicaCount = 2 }} (or \
             yamldecode(file(\"values.yaml\")))."
        ),
    );
}

/// Each `values_from[].kind` must be `ConfigMap` or `Secret`.
fn values_from(config: &Value, diags: &mut Diagnostics) {
    let Some(items) = config.get("values_from").as_list() else {
        return;
    };
    for (i, item) in items.iter().enumerate() {
        if let Some(kind) = item.get("kind").as_str()
            && !VALUES_FROM_KINDS.contains(&kind)
        {
            let path = AttributePath::root("values_from").index(i).attr("kind");
            diags.error_at(
                path.clone(),
                "Invalid value",
                format!("{path} is {kind:?}, but must be \"ConfigMap\" or \"Secret\"."),
            );
        }
    }
}

/// `cert_secret_name` is not applied to OCI registries (as in the module): say so.
fn cert_secret_for_oci(config: &Value, diags: &mut Diagnostics) {
    let repo = config.get("repository");
    if let (Some(url), Some(cert)) = (repo.get("url").as_str(), repo.get("cert_secret_name").as_str())
        && url.starts_with("oci://")
        && !cert.is_empty()
    {
        diags.push(
            Diagnostic::warning(
                "Attribute has no effect",
                "repository.cert_secret_name is applied to Helm repositories only: with an oci:// URL the \
                 OCIRepository does not use it.",
            )
            .with_path(AttributePath::root("repository").attr("cert_secret_name")),
        );
    }
}
