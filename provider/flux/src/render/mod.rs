//! Shared pure builders for rendered objects: metadata, labels, and the JSON form the engine
//! and the inventory digests work on. No I/O.

pub mod patch;

use kube::api::DynamicObject;
use serde_json::{Map, Value, json};
use std::collections::BTreeMap;

/// `app.kubernetes.io/managed-by` on every object the provider renders.
pub const MANAGED_BY: &str = "flux-provider";

/// Metadata every rendered object of a resource instance shares.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Meta {
    /// Labels, the provider's own and the user's.
    pub labels: BTreeMap<String, String>,
    /// Annotations; omitted from objects when empty.
    pub annotations: BTreeMap<String, String>,
}

impl Meta {
    /// The common metadata: the user's labels with the standard ones (`app.kubernetes.io/name`,
    /// `version`, `managed-by`) on top, plus `extra` labels; the user's annotations.
    #[must_use]
    pub fn new(
        name: &str,
        version: &str,
        user_labels: &BTreeMap<String, String>,
        user_annotations: &BTreeMap<String, String>,
        extra: &[(&str, &str)],
    ) -> Self {
        let mut labels = user_labels.clone();
        labels.insert("app.kubernetes.io/name".into(), name.into());
        labels.insert("app.kubernetes.io/version".into(), version.into());
        labels.insert("app.kubernetes.io/managed-by".into(), MANAGED_BY.into());
        for (k, v) in extra {
            labels.insert((*k).into(), (*v).into());
        }
        Self {
            labels,
            annotations: user_annotations.clone(),
        }
    }

    /// The `metadata` object of a rendered object.
    #[must_use]
    pub fn metadata(&self, name: &str, namespace: Option<&str>) -> Value {
        let mut m = Map::new();
        m.insert("name".into(), json!(name));
        if let Some(ns) = namespace {
            m.insert("namespace".into(), json!(ns));
        }
        m.insert("labels".into(), json!(self.labels));
        if !self.annotations.is_empty() {
            m.insert("annotations".into(), json!(self.annotations));
        }
        Value::Object(m)
    }
}

/// Builds an object from its parts: `apiVersion`, `kind`, `metadata`, then `body`'s fields.
///
/// # Panics
/// Only if `body` is not a JSON object with valid metadata, which is a bug in a renderer.
#[must_use]
pub fn object(api_version: &str, kind: &str, metadata: Value, body: Value) -> DynamicObject {
    let mut m = Map::new();
    m.insert("apiVersion".into(), json!(api_version));
    m.insert("kind".into(), json!(kind));
    m.insert("metadata".into(), metadata);
    if let Value::Object(fields) = body {
        m.extend(fields);
    }
    serde_json::from_value(Value::Object(m)).expect("renderers build valid objects")
}

/// The JSON form of a rendered object, as applied and digested.
#[must_use]
pub fn to_json(object: &DynamicObject) -> Value {
    serde_json::to_value(object).unwrap_or(Value::Null)
}

/// Renders objects as a multi-document YAML stream (golden files, `--debug` output).
#[must_use]
pub fn to_yaml(objects: &[DynamicObject]) -> String {
    objects
        .iter()
        .map(|o| serde_saphyr::to_string(&to_json(o)).unwrap_or_default())
        .collect::<Vec<_>>()
        .join("---\n")
}

/// The `.dockerconfigjson` of a generated registry Secret, in the layout of the modules
/// (design/rendering.md §2.3), each value a JSON string.
#[must_use]
pub fn docker_config(registry: &str, username: &str, password: &str) -> String {
    use base64::Engine as _;
    let auth = base64::engine::general_purpose::STANDARD.encode(format!("{username}:{password}"));
    // The modules interpolate the values as they are, so a password holding `"` or `\` makes a
    // Secret the API server refuses; each value is a JSON string here, in the modules' layout.
    let json = |v: &str| serde_json::Value::from(v).to_string();
    format!(
        r#"{{"auths": {{{}: {{"username": {},"password": {},"auth": {}}}}}}}"#,
        json(registry),
        json(username),
        json(password),
        json(&auth)
    )
}

/// The registry host of an `oci://` URL: element 2 of the URL split on `/` (design/rendering.md §2.3),
/// e.g. `oci://ghcr.io/org/charts` → `ghcr.io`; empty if there is none.
#[must_use]
pub fn registry_host(url: &str) -> &str {
    url.split('/').nth(2).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn registry_hosts() {
        assert_eq!(registry_host("oci://ghcr.io/org/repo"), "ghcr.io");
        assert_eq!(registry_host("oci://localhost:5000/charts"), "localhost:5000");
        assert_eq!(registry_host("oci://"), "");
    }

    #[test]
    fn docker_config_is_the_modules_layout_and_valid_json() {
        assert_eq!(
            docker_config("r", "u", "p"),
            r#"{"auths": {"r": {"username": "u","password": "p","auth": "dTpw"}}}"#
        );
        let tricky = r#"p"q\r"#;
        let parsed: serde_json::Value = serde_json::from_str(&docker_config("r:5000", "u", tricky)).unwrap();
        assert_eq!(parsed["auths"]["r:5000"]["password"], tricky);
    }
}
