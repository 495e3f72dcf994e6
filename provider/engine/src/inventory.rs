//! Digests and drift: what the inventory records for each object, computed the same way from
//! the rendered object at plan time and from the live object at refresh time.

use serde_json::Value;
use sha2::{Digest as _, Sha256};

/// A short content digest of an object, `sha256:` and 16 hex digits, over its canonical JSON
/// (keys sorted, so key order never shows as a change).
#[must_use]
pub fn digest(object: &Value) -> String {
    let mut canonical = String::new();
    write_canonical(object, &mut canonical);
    let hash = Sha256::digest(canonical.as_bytes());
    let hex: String = hash.iter().take(8).map(|b| format!("{b:02x}")).collect();
    format!("sha256:{hex}")
}

/// [`digest`] keyed by `salt` (HMAC-like: the salt, a separator, then the canonical JSON), for
/// objects holding secrets: without the salt, which is kept out of plans and logs, a digest
/// shown there cannot confirm a guess of the secret offline. Prefixed `salted:` so the two
/// kinds are never compared with each other.
#[must_use]
pub fn salted_digest(salt: &str, object: &Value) -> String {
    let mut canonical = String::new();
    write_canonical(object, &mut canonical);
    let mut hasher = Sha256::new();
    hasher.update(salt.as_bytes());
    hasher.update([0]);
    hasher.update(canonical.as_bytes());
    let hash = hasher.finalize();
    let hex: String = hash.iter().take(8).map(|b| format!("{b:02x}")).collect();
    format!("salted:{hex}")
}

fn write_canonical(v: &Value, out: &mut String) {
    match v {
        Value::Object(map) => {
            let mut keys: Vec<&String> = map.keys().collect();
            keys.sort();
            out.push('{');
            for (i, k) in keys.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                out.push_str(&Value::String((*k).clone()).to_string());
                out.push(':');
                write_canonical(&map[*k], out);
            }
            out.push('}');
        }
        Value::Array(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write_canonical(item, out);
            }
            out.push(']');
        }
        other => out.push_str(&other.to_string()),
    }
}

/// The form of a rendered object that the server reports back: `stringData` of a Secret is
/// folded into `data` (base64), because the API server never returns `stringData`.
#[must_use]
pub fn as_stored(desired: &Value) -> Value {
    // Server-side apply treats a null as "unset": the live object never has it.
    let mut out = without_nulls(desired);
    if desired.get("kind").and_then(Value::as_str) == Some("Secret")
        && desired.get("apiVersion").and_then(Value::as_str) == Some("v1")
        && let Some(Value::Object(string_data)) = out.as_object_mut().and_then(|o| o.remove("stringData"))
    {
        use base64::Engine as _;
        let data = out.as_object_mut().map(|o| {
            o.entry("data")
                .or_insert_with(|| Value::Object(Default::default()))
        });
        if let Some(Value::Object(data)) = data {
            for (k, v) in string_data {
                let text = v.as_str().unwrap_or_default();
                data.insert(
                    k,
                    Value::String(base64::engine::general_purpose::STANDARD.encode(text)),
                );
            }
        }
    }
    out
}

/// `v` with every null object member removed, at any depth.
fn without_nulls(v: &Value) -> Value {
    match v {
        Value::Object(m) => Value::Object(
            m.iter()
                .filter(|(_, v)| !v.is_null())
                .map(|(k, v)| (k.clone(), without_nulls(v)))
                .collect(),
        ),
        Value::Array(a) => Value::Array(a.iter().map(without_nulls).collect()),
        other => other.clone(),
    }
}

/// The paths (`spec.values.a`) where two JSON values differ, for telling which fields drifted
/// without logging their values (which may be secret).
#[must_use]
pub fn differing_paths(a: &Value, b: &Value) -> Vec<String> {
    fn walk(a: &Value, b: &Value, at: &str, out: &mut Vec<String>) {
        match (a, b) {
            (Value::Object(x), Value::Object(y)) => {
                let keys: std::collections::BTreeSet<&String> = x.keys().chain(y.keys()).collect();
                for k in keys {
                    let next = if at.is_empty() {
                        k.clone()
                    } else {
                        format!("{at}.{k}")
                    };
                    walk(
                        x.get(k).unwrap_or(&Value::Null),
                        y.get(k).unwrap_or(&Value::Null),
                        &next,
                        out,
                    );
                }
            }
            (Value::Array(x), Value::Array(y)) if x.len() == y.len() => {
                for (i, (p, q)) in x.iter().zip(y).enumerate() {
                    walk(p, q, &format!("{at}[{i}]"), out);
                }
            }
            _ if a != b => out.push(at.to_owned()),
            _ => {}
        }
    }
    let mut out = Vec::new();
    walk(a, b, "", &mut out);
    out
}

/// The live object cut down to the fields the rendering sets: keys the rendering does not
/// have (status, defaults, other managers' fields) are dropped, so the projection equals the
/// stored form of the rendering exactly when nobody changed a field the provider manages.
#[must_use]
pub fn project(desired: &Value, live: &Value) -> Value {
    match (desired, live) {
        (Value::Object(d), Value::Object(l)) => Value::Object(
            d.iter()
                .filter(|(_, dv)| !dv.is_null())
                .filter_map(|(k, dv)| match l.get(k) {
                    Some(lv) => Some((k.clone(), project(dv, lv))),
                    // The server drops zero values of `omitempty` fields (`hostNetwork: false`).
                    None if is_zero(dv) => Some((k.clone(), dv.clone())),
                    None => None,
                })
                .collect(),
        ),
        (Value::Array(d), Value::Array(l)) if d.len() == l.len() => {
            Value::Array(d.iter().zip(l).map(|(dv, lv)| project(dv, lv)).collect())
        }
        (Value::String(d), Value::String(l)) if d != l && crate::quantity::equal(d, l) => {
            Value::String(d.clone())
        }
        (Value::Number(d), Value::Number(l)) if d.as_f64() == l.as_f64() => Value::Number(d.clone()),
        _ => live.clone(),
    }
}

/// Whether a value is what Go's `omitempty` leaves out.
fn is_zero(v: &Value) -> bool {
    match v {
        Value::Bool(b) => !b,
        Value::Number(n) => n.as_f64() == Some(0.0),
        Value::String(s) => s.is_empty(),
        Value::Array(a) => a.is_empty(),
        Value::Object(o) => o.is_empty(),
        Value::Null => true,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn nulls_are_not_stored_and_match_what_the_server_keeps() {
        let desired = json!({"spec": {"values": {"a": {"b": [1, {"c": null, "d": 2}]}, "e": null}}});
        let stored = as_stored(&desired);
        assert_eq!(stored, json!({"spec": {"values": {"a": {"b": [1, {"d": 2}]}}}}));
        let live = json!({"metadata": {"uid": "x"}, "spec": {"values": {"a": {"b": [1, {"d": 2}]}}}});
        assert_eq!(digest(&project(&stored, &live)), digest(&stored));
    }

    #[test]
    fn differing_paths_name_fields_not_values() {
        let a = json!({"spec": {"path": "./a", "list": [1, 2], "same": true}});
        let b = json!({"spec": {"path": "./b", "list": [1, 3], "same": true, "extra": "x"}});
        assert_eq!(
            differing_paths(&a, &b),
            ["spec.extra", "spec.list[1]", "spec.path"]
        );
        assert!(differing_paths(&a, &a).is_empty());
    }

    #[test]
    fn digest_ignores_key_order() {
        let a = json!({"a": 1, "b": {"c": [1, 2], "d": "x"}});
        let b = json!({"b": {"d": "x", "c": [1, 2]}, "a": 1});
        assert_eq!(digest(&a), digest(&b));
        assert_ne!(digest(&a), digest(&json!({"a": 2})));
        assert!(digest(&a).starts_with("sha256:") && digest(&a).len() == 23);
    }

    #[test]
    fn projection_drops_server_fields_and_keeps_drift() {
        let desired = json!({"kind": "ResourceQuota", "metadata": {"name": "q", "labels": {"a": "1"}},
                             "spec": {"hard": {"cpu": "1000m"}}});
        let live = json!({"kind": "ResourceQuota", "metadata": {"name": "q", "uid": "u", "labels": {"a": "1", "b": "2"}},
                          "spec": {"hard": {"cpu": "1"}}, "status": {"used": {}}});
        assert_eq!(digest(&project(&desired, &live)), digest(&desired));
        let edited = json!({"kind": "ResourceQuota", "metadata": {"name": "q", "labels": {"a": "9"}},
                            "spec": {"hard": {"cpu": "1"}}});
        assert_ne!(digest(&project(&desired, &edited)), digest(&desired));
        let missing = json!({"kind": "ResourceQuota", "metadata": {"name": "q"}});
        assert_ne!(digest(&project(&desired, &missing)), digest(&desired));
    }

    #[test]
    fn omitted_zero_values_are_not_drift() {
        let desired = json!({"spec": {"hostNetwork": false, "replicas": 1}});
        let live = json!({"spec": {"replicas": 1}});
        assert_eq!(digest(&project(&desired, &live)), digest(&desired));
        let desired = json!({"spec": {"hostNetwork": true}});
        assert_ne!(digest(&project(&desired, &live)), digest(&desired));
    }

    #[test]
    fn secrets_compare_in_stored_form() {
        let desired = json!({"apiVersion": "v1", "kind": "Secret", "stringData": {"token": "abc"}});
        let stored = as_stored(&desired);
        assert_eq!(
            stored,
            json!({"apiVersion": "v1", "kind": "Secret", "data": {"token": "YWJj"}})
        );
    }

    #[test]
    fn quantities() {
        assert!(crate::quantity::equal("1000m", "1"));
        assert!(crate::quantity::equal("1024Mi", "1Gi"));
        assert!(!crate::quantity::equal("1Gi", "1G"));
        assert!(!crate::quantity::equal("abc", "abc "));
    }
}
