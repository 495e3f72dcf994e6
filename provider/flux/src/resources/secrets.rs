//! Secret inputs: every secret attribute `<attr>` (sensitive, kept in state) has a write-only
//! twin `<attr>_wo` with a `<attr>_wo_version` number, for clients that support write-only
//! attributes (OpenTofu 1.11+, Terraform 1.11+).
//!
//! A write-only value is in the configuration at plan and apply, never in plan or state. So
//! that refreshes (which see only the state) can still tell drift, the rendered Secret carries
//! the annotation [`WRITE_ONLY_ANNOTATION`] listing the data keys that hold write-only values
//! with their versions (`password=3`); [`mask`] removes those keys before objects are digested,
//! and the version in the annotation takes their place: bumping it plans an update that
//! rotates the value.

use std::collections::BTreeMap;
use std::fmt;
use tfplugin::cty::Value;
use tfplugin::diag::Diagnostics;
use tfplugin::path::AttributePath;
use tfplugin::schema::Attribute;
use tfplugin::schema::validators;

/// Annotation of a rendered Secret: its data keys that hold write-only values, with versions.
pub const WRITE_ONLY_ANNOTATION: &str = "flux-aio.provider/write-only";

/// The value of a secret attribute: given directly, or write-only with a version. Decoded from
/// a value [`fold`] has prepared.
#[derive(Clone, Default, PartialEq, Eq, serde::Deserialize)]
pub struct SecretInput {
    /// The secret (empty when unset, or when a write-only value is not at hand: refresh).
    pub value: String,
    /// `<attr>_wo_version`, when the write-only twin is used.
    pub write_only_version: Option<i64>,
}

impl fmt::Debug for SecretInput {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SecretInput")
            .field("value", &"<redacted>")
            .field("write_only_version", &self.write_only_version)
            .finish()
    }
}

impl SecretInput {
    /// A secret given directly.
    #[must_use]
    pub fn plain(value: impl Into<String>) -> Self {
        Self {
            value: value.into(),
            write_only_version: None,
        }
    }

    /// Whether the secret is configured at all (directly or write-only).
    #[must_use]
    pub fn is_set(&self) -> bool {
        !self.value.is_empty() || self.write_only_version.is_some()
    }
}

/// The value of a configuration with each secret triplet (`<name>`, `<name>_wo`,
/// `<name>_wo_version`) folded into `<name>` as the object a [`SecretInput`] decodes from:
/// `{ value, write_only_version }`, the write-only value winning when its version is set.
/// Resources decode their settings from this, so the choice is made once, here.
#[must_use]
pub fn fold(value: &Value) -> Value {
    match value {
        Value::Object(map) => {
            let mut folded: BTreeMap<String, Value> = map.iter().map(|(k, v)| (k.clone(), fold(v))).collect();
            for name in map.keys().filter_map(|k| k.strip_suffix("_wo_version")) {
                if !map.contains_key(name) {
                    continue;
                }
                let version = map[&format!("{name}_wo_version")].clone();
                let secret = if version.is_null() {
                    map[name].clone()
                } else {
                    map.get(&format!("{name}_wo")).cloned().unwrap_or(Value::Null)
                };
                let secret = if secret.is_null() {
                    Value::string("")
                } else {
                    secret
                };
                folded.insert(
                    name.to_owned(),
                    Value::object([("value", secret), ("write_only_version", version)]),
                );
            }
            Value::Object(folded)
        }
        Value::List(items) => Value::List(items.iter().map(fold).collect()),
        Value::Set(items) => Value::Set(items.iter().map(fold).collect()),
        Value::Map(map) => Value::Map(map.iter().map(|(k, v)| (k.clone(), fold(v))).collect()),
        other => other.clone(),
    }
}

/// The attribute triplet `<name>` (sensitive), `<name>_wo` (sensitive, write-only) and
/// `<name>_wo_version`. `plain` is the `<name>` attribute as the resource declares it (optional,
/// with or without a default); it is made sensitive here.
#[must_use]
pub fn attributes(plain: Attribute) -> Vec<Attribute> {
    let name = plain.name.clone();
    let description = plain.description.clone();
    let plain = plain
        .sensitive()
        .describe(&format!("{description} Conflicts with `{name}_wo`."));
    vec![
        plain,
        Attribute::string(&format!("{name}_wo"))
            .sensitive()
            .write_only()
            .describe(&format!(
                "Write-only twin of `{name}` for OpenTofu and Terraform 1.11+: sent to the cluster Secret at apply. \
                 Needs `{name}_wo_version`."
            )),
        Attribute::number(&format!("{name}_wo_version"))
        .validate(validators::int_at_least(1))
        .describe(&format!(
            "Version of `{name}_wo`: the value is sent when this changes (and on every other update); bump it to rotate."
        )),
    ]
}

/// The attributes of a registry or repository login: `username` (required) and the `password`
/// triplet (see [`attributes`]).
#[must_use]
pub fn credentials(username: &str, password: &str) -> Vec<Attribute> {
    let mut attrs = vec![Attribute::string("username").required().describe(username)];
    attrs.extend(attributes(Attribute::string("password").describe(password)));
    attrs
}

/// Checks the triplet `<name>` of the object at `path` in a configuration that may hold
/// unknowns: not both forms, and a version with a write-only value. With `required`, one form
/// must be given.
pub fn validate(parent: &Value, path: &AttributePath, name: &str, required: bool, diags: &mut Diagnostics) {
    if parent.is_null() || parent.is_unknown() {
        return;
    }
    let plain = parent.get(name);
    let wo = parent.get(&format!("{name}_wo"));
    let version = parent.get(&format!("{name}_wo_version"));
    let plain_set = plain.is_unknown() || plain.as_str().is_some_and(|s| !s.is_empty());
    let wo_set = !wo.is_null();
    let version_set = !version.is_null();
    // The messages spell out the full paths: the CLI can point only at the enclosing
    // attribute's line when the error is inside an object.
    let (plain_path, wo_path, version_path) = (
        path.attr(name),
        path.attr(format!("{name}_wo")),
        path.attr(format!("{name}_wo_version")),
    );
    if plain_set && (wo_set || version_set) {
        diags.error_at(
            wo_path.clone(),
            "Conflicting secret attributes",
            format!("Set either {plain_path} or {wo_path} (with {version_path}), not both."),
        );
    } else if wo_set && !version_set {
        diags.error_at(
            version_path.clone(),
            "Missing write-only version",
            format!(
                "{wo_path} needs {version_path}: a number to bump whenever the value changes, since the value \
                 itself is never stored."
            ),
        );
    } else if version_set && !wo_set {
        diags.error_at(
            wo_path.clone(),
            "Missing write-only value",
            format!("{version_path} is set but {wo_path} is not."),
        );
    } else if required && !plain_set && !wo_set {
        diags.error_at(
            plain_path.clone(),
            "Missing secret",
            format!("Set {plain_path} or {wo_path} (with {version_path})."),
        );
    }
}

/// The [`WRITE_ONLY_ANNOTATION`] of a Secret whose data keys hold `inputs`, if any of them is
/// write-only.
#[must_use]
pub fn annotation(inputs: &[(&str, &SecretInput)]) -> Option<(String, String)> {
    let entries: Vec<String> = inputs
        .iter()
        .filter_map(|(key, input)| input.write_only_version.map(|v| format!("{key}={v}")))
        .collect();
    (!entries.is_empty()).then(|| (WRITE_ONLY_ANNOTATION.to_owned(), entries.join(",")))
}

/// Adds the [`WRITE_ONLY_ANNOTATION`] for `inputs` to the metadata (as JSON) of a Secret.
pub fn annotate(metadata: &mut serde_json::Value, inputs: &[(&str, &SecretInput)]) {
    if let Some((key, value)) = annotation(inputs) {
        metadata["annotations"][key] = serde_json::Value::String(value);
    }
}

/// The data keys an object's [`WRITE_ONLY_ANNOTATION`] names, with their versions.
#[must_use]
pub fn write_only_keys(object: &serde_json::Value) -> BTreeMap<String, i64> {
    object["metadata"]["annotations"][WRITE_ONLY_ANNOTATION]
        .as_str()
        .unwrap_or_default()
        .split(',')
        .filter_map(|entry| {
            let (key, version) = entry.split_once('=')?;
            Some((key.to_owned(), version.parse().ok()?))
        })
        .collect()
}

/// Removes from an object (as JSON) the data keys that hold write-only values, so digests of
/// the rendering and of the live object agree without the value.
pub fn mask(object: &mut serde_json::Value) {
    for key in write_only_keys(object).keys() {
        for field in ["data", "stringData"] {
            if let Some(map) = object.get_mut(field).and_then(serde_json::Value::as_object_mut) {
                map.remove(key);
            }
        }
    }
}

/// The decoded value of `data.<key>` of a live Secret.
#[must_use]
pub fn live_data(secret: &kube::api::DynamicObject, key: &str) -> Option<String> {
    use base64::Engine as _;
    let encoded = secret.data.get("data")?.get(key)?.as_str()?;
    let bytes = base64::engine::general_purpose::STANDARD.decode(encoded).ok()?;
    String::from_utf8(bytes).ok()
}

/// The password of the only registry of a live `kubernetes.io/dockerconfigjson` Secret.
#[must_use]
pub fn live_docker_password(secret: &kube::api::DynamicObject) -> Option<String> {
    let config: serde_json::Value = serde_json::from_str(&live_data(secret, ".dockerconfigjson")?).ok()?;
    let auths = config.get("auths")?.as_object()?;
    Some(auths.values().next()?.get("password")?.as_str()?.to_owned())
}

/// A `kubernetes.io/dockerconfigjson` Secret with `metadata`, holding credentials for
/// `registry`; the password's write-only version, if any, is annotated.
#[must_use]
pub fn docker_config_secret(
    mut metadata: serde_json::Value,
    registry: &str,
    username: &str,
    password: &SecretInput,
) -> kube::api::DynamicObject {
    annotate(&mut metadata, &[(".dockerconfigjson", password)]);
    crate::render::object(
        "v1",
        "Secret",
        metadata,
        serde_json::json!({
            "type": "kubernetes.io/dockerconfigjson",
            "stringData": {".dockerconfigjson": crate::render::docker_config(registry, username, &password.value)},
        }),
    )
}

/// Restores, for an import, the secret `<name>` of the object at `path` in the recorded
/// attributes (where secrets are null): `value`, unless the record says the write-only twin is
/// used (its version is recorded; the value itself cannot be read back into state).
pub fn restore(attrs: &mut BTreeMap<String, Value>, path: &[&str], name: &str, value: Option<String>) {
    let Some((first, rest)) = path.split_first() else {
        return;
    };
    let mut slot = attrs.get_mut(*first);
    for step in rest {
        slot = match slot {
            Some(Value::Object(map)) => map.get_mut(*step),
            _ => None,
        };
    }
    let Some(Value::Object(map)) = slot else {
        return;
    };
    if map
        .get(&format!("{name}_wo_version"))
        .is_some_and(|v| !v.is_null())
    {
        return;
    }
    if let Some(value) = value {
        map.insert(name.to_owned(), Value::string(value));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;
    use std::collections::BTreeMap as Map;

    fn obj(entries: &[(&str, Value)]) -> Value {
        Value::Object(
            entries
                .iter()
                .map(|(k, v)| ((*k).to_owned(), v.clone()))
                .collect::<Map<_, _>>(),
        )
    }

    /// The secret of `auth` in a configuration holding `entries` under `auth`, as the
    /// resources decode it.
    fn secret(entries: &[(&str, Value)]) -> SecretInput {
        #[derive(serde::Deserialize)]
        struct Auth {
            password: SecretInput,
        }
        #[derive(serde::Deserialize)]
        struct Config {
            auth: Auth,
        }
        let v = obj(&[("auth", obj(entries))]);
        let c: Config = tfplugin::decode::decode(&fold(&v)).expect("decodes");
        c.auth.password
    }

    #[test]
    fn fold_prefers_the_write_only_twin_when_versioned() {
        let s = secret(&[
            ("password", Value::Null),
            ("password_wo", Value::string("s3cret")),
            ("password_wo_version", Value::number(2)),
        ]);
        assert_eq!(s.value, "s3cret");
        assert_eq!(s.write_only_version, Some(2));
        assert!(!format!("{s:?}").contains("s3cret"), "Debug redacts");
        let plain = secret(&[
            ("password", Value::string("p")),
            ("password_wo", Value::Null),
            ("password_wo_version", Value::Null),
        ]);
        assert_eq!(plain, SecretInput::plain("p"));
        // At refresh the write-only value is null: still configured.
        let refresh = secret(&[
            ("password", Value::Null),
            ("password_wo", Value::Null),
            ("password_wo_version", Value::number(1)),
        ]);
        assert!(refresh.is_set());
        let unset = secret(&[
            ("password", Value::Null),
            ("password_wo", Value::Null),
            ("password_wo_version", Value::Null),
        ]);
        assert!(!unset.is_set());
    }

    #[test]
    fn validation_names_the_offending_attribute() {
        let path = AttributePath::root("auth");
        let check = |entries: &[(&str, Value)], required: bool| {
            let mut d = Diagnostics::new();
            validate(&obj(entries), &path, "password", required, &mut d);
            d.iter()
                .map(|d| (d.summary.clone(), d.path.as_ref().map(ToString::to_string)))
                .collect::<Vec<_>>()
        };
        let both = check(
            &[
                ("password", Value::string("p")),
                ("password_wo", Value::string("q")),
                ("password_wo_version", Value::number(1)),
            ],
            false,
        );
        assert_eq!(both[0].0, "Conflicting secret attributes");
        assert_eq!(both[0].1.as_deref(), Some("auth.password_wo"));
        let no_version = check(&[("password_wo", Value::string("q"))], false);
        assert_eq!(no_version[0].1.as_deref(), Some("auth.password_wo_version"));
        let no_value = check(&[("password_wo_version", Value::number(1))], false);
        assert_eq!(no_value[0].1.as_deref(), Some("auth.password_wo"));
        let missing = check(&[], true);
        assert_eq!(missing[0].1.as_deref(), Some("auth.password"));
        assert!(check(&[], false).is_empty());
        // An unknown write-only value (from another resource) is fine.
        assert!(
            check(
                &[
                    ("password_wo", Value::unknown()),
                    ("password_wo_version", Value::number(1))
                ],
                true
            )
            .is_empty()
        );
    }

    #[test]
    fn masking_drops_only_the_annotated_keys() {
        let wo = SecretInput {
            value: "v".into(),
            write_only_version: Some(3),
        };
        let mut secret = json!({"metadata": {"name": "s"}, "data": {"password": "eA==", "username": "Zw=="},
            "stringData": {"password": "x"}});
        annotate(
            &mut secret["metadata"],
            &[("password", &wo), ("username", &SecretInput::plain("git"))],
        );
        assert_eq!(
            secret["metadata"]["annotations"][WRITE_ONLY_ANNOTATION],
            "password=3"
        );
        assert_eq!(write_only_keys(&secret), Map::from([("password".to_owned(), 3)]));
        mask(&mut secret);
        assert_eq!(secret["data"], json!({"username": "Zw=="}));
        assert_eq!(secret["stringData"], json!({}));
        let mut plain = json!({"data": {"password": "eA=="}});
        mask(&mut plain);
        assert_eq!(plain["data"]["password"], "eA==");
    }
}
