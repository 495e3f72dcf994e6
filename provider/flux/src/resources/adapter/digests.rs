//! The inventory's digests: salted for Secrets, so a digest in a plan or a CI log cannot
//! confirm a guess of a secret.

use engine::ObjectRef;
use engine::inventory::{digest, salted_digest};
use tfplugin::cty::Value;

/// The computed attribute holding the salt of Secret digests (see [`object_digest`]).
pub const DIGEST_SALT: &str = "digest_salt";

/// The inventory digest of an object: salted for Secrets, whose digests would otherwise let
/// anyone who reads a plan test guesses of their values.
pub(crate) fn object_digest(r: &ObjectRef, salt: &str, stored: &serde_json::Value) -> String {
    if r.group.is_empty() && r.kind == "Secret" {
        salted_digest(salt, stored)
    } else {
        digest(stored)
    }
}

/// Keeps the salt `value` or the prior state has, or makes a new one (16 random bytes, hex).
pub(crate) fn ensure_salt(value: &mut Value, prior: Option<&Value>) {
    let known = |v: &Value| {
        v.get(DIGEST_SALT)
            .as_str()
            .filter(|s| !s.is_empty())
            .map(str::to_owned)
    };
    let salt = known(value)
        .or_else(|| prior.and_then(known))
        .unwrap_or_else(new_salt);
    if let Value::Object(map) = value {
        map.insert(DIGEST_SALT.to_owned(), Value::string(salt));
    }
}

pub(crate) fn new_salt() -> String {
    use std::io::Read as _;
    let mut bytes = [0u8; 16];
    let read = std::fs::File::open("/dev/urandom").and_then(|mut f| f.read_exact(&mut bytes));
    if read.is_err() {
        // No urandom: the clock and the process still make the salt unique per instance.
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos());
        bytes[..16].copy_from_slice(&(nanos ^ u128::from(std::process::id())).to_le_bytes());
    }
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use engine::inventory::digest;
    use std::collections::BTreeMap;

    #[test]
    fn secret_digests_are_salted_and_other_digests_are_not() {
        let secret = ObjectRef::parse("/v1/Secret/ns/git").unwrap();
        let map = ObjectRef::parse("/v1/ConfigMap/ns/git").unwrap();
        let stored = serde_json::json!({"data": {"password": "aHVudGVyMg=="}});
        let (a, b) = (new_salt(), new_salt());
        assert_eq!(a.len(), 32);
        assert_ne!(a, b, "every instance gets its own salt");
        let salted = object_digest(&secret, &a, &stored);
        assert!(salted.starts_with("salted:"));
        assert_ne!(
            salted,
            object_digest(&secret, &b, &stored),
            "another salt, another digest"
        );
        assert_ne!(
            salted.trim_start_matches("salted:"),
            digest(&stored).trim_start_matches("sha256:"),
            "the unsalted digest (what a guess would give) is not what the plan shows"
        );
        assert_eq!(object_digest(&secret, &a, &stored), salted, "stable for one salt");
        assert_eq!(object_digest(&map, &a, &stored), digest(&stored));
    }

    #[test]
    fn a_salt_is_kept_once_made() {
        let mut fresh = Value::Object(BTreeMap::new());
        ensure_salt(&mut fresh, None);
        let made = fresh.get(DIGEST_SALT).as_str().unwrap().to_owned();
        let mut next = Value::Object(BTreeMap::from([(DIGEST_SALT.to_owned(), Value::unknown())]));
        ensure_salt(&mut next, Some(&fresh));
        assert_eq!(next.get(DIGEST_SALT).as_str(), Some(made.as_str()));
    }
}
