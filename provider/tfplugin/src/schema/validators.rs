//! Stock validators. Each constructor returns a small value implementing [`Validator`], with a
//! description used in the generated docs.

use super::Validator;
use crate::diag::Diagnostics;
use crate::path::AttributePath;
use cty::Value;
use regex::Regex;
use std::sync::OnceLock;

/// Accepts one of the given strings.
#[must_use]
pub fn one_of(allowed: &[&str]) -> OneOf {
    OneOf(allowed.iter().map(|s| (*s).to_owned()).collect())
}

/// See [`one_of`].
pub struct OneOf(Vec<String>);

impl Validator for OneOf {
    fn description(&self) -> String {
        format!("one of {}", quoted_list(&self.0))
    }
    fn validate(&self, path: &AttributePath, value: &Value, diags: &mut Diagnostics) {
        if let Some(s) = value.as_str()
            && !self.0.iter().any(|a| a == s)
        {
            diags.error_at(
                path.clone(),
                "Invalid value",
                format!("{path} is {s:?}, but must be {}.", self.description()),
            );
        }
    }
}

fn quoted_list(items: &[String]) -> String {
    let quoted: Vec<String> = items.iter().map(|s| format!("{s:?}")).collect();
    match quoted.split_last() {
        Some((last, rest)) if !rest.is_empty() => format!("{} or {last}", rest.join(", ")),
        _ => quoted.join(""),
    }
}

/// Accepts strings matching `pattern`; `what` says in words what is expected.
///
/// The pattern is compiled on first use: the schemas hold about a hundred of them, and compiling
/// them all took most of the provider's start-up before the go-plugin handshake (about 10 ms),
/// while a run validates only the attributes it sets. Debug builds compile at once, so any test
/// that builds a schema catches a bad pattern.
///
/// # Panics
/// When `pattern` is not a valid regular expression (a programming error), in debug builds here
/// and in release builds on first use.
#[must_use]
pub fn matches(pattern: &str, what: &str) -> Matches {
    let matches = Matches {
        pattern: pattern.to_owned(),
        re: OnceLock::new(),
        what: what.to_owned(),
        max_len: usize::MAX,
    };
    if cfg!(debug_assertions) {
        matches.regex();
    }
    matches
}

/// See [`matches`].
pub struct Matches {
    pattern: String,
    re: OnceLock<Regex>,
    what: String,
    max_len: usize,
}

impl Matches {
    fn regex(&self) -> &Regex {
        self.re
            .get_or_init(|| Regex::new(&self.pattern).expect("valid validator regex"))
    }

    fn is_match(&self, s: &str) -> bool {
        s.len() <= self.max_len && self.regex().is_match(s)
    }

    /// Also refuses strings longer than `max_len` bytes (a length a regular expression cannot
    /// bound across repeated parts).
    #[must_use]
    pub fn max_len(mut self, max_len: usize) -> Self {
        self.max_len = max_len;
        self
    }
}

impl Validator for Matches {
    fn description(&self) -> String {
        self.what.clone()
    }
    fn validate(&self, path: &AttributePath, value: &Value, diags: &mut Diagnostics) {
        if let Some(s) = value.as_str()
            && !self.is_match(s)
        {
            diags.error_at(
                path.clone(),
                "Invalid value",
                format!("{path} is {s:?}, but must be {}.", self.what),
            );
        }
    }
}

/// Accepts an RFC 1123 label: lowercase alphanumerics and `-`, at most 63 characters, starting
/// and ending with an alphanumeric (Kubernetes namespace and most object names).
#[must_use]
pub fn rfc1123_label() -> Matches {
    matches(&format!("^{LABEL}$"), LABEL_WHAT)
}

/// [`rfc1123_label`], or the empty string (an optional name where `""` means unset).
#[must_use]
pub fn rfc1123_label_or_empty() -> Matches {
    matches(&format!("^({LABEL})?$"), &format!("{LABEL_WHAT}, or empty"))
}

const LABEL: &str = "[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?";
const LABEL_WHAT: &str = "an RFC 1123 label (lowercase letters, digits and '-', at most 63 characters, starting and ending with a letter or digit)";
const SUBDOMAIN: &str = r"[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*";
const SUBDOMAIN_WHAT: &str =
    "an RFC 1123 subdomain (lowercase letters, digits, '-' and '.', at most 253 characters)";

/// Accepts an RFC 1123 subdomain: dot-separated labels, at most 253 characters (names of most
/// Kubernetes objects).
#[must_use]
pub fn rfc1123_subdomain() -> Matches {
    matches(&format!("^{SUBDOMAIN}$"), SUBDOMAIN_WHAT).max_len(253)
}

/// [`rfc1123_subdomain`], or the empty string.
#[must_use]
pub fn rfc1123_subdomain_or_empty() -> Matches {
    matches(
        &format!("^({SUBDOMAIN})?$"),
        &format!("{SUBDOMAIN_WHAT}, or empty"),
    )
    .max_len(253)
}

/// Applies a string validator to the keys of a map (and, with [`MapEntries::values`], to its
/// values): `labels`, `annotations` and environment variables, whose keys Kubernetes checks as
/// strictly as their values.
#[must_use]
pub fn map_keys(keys: Matches) -> MapEntries {
    MapEntries { keys, values: None }
}

/// See [`map_keys`].
pub struct MapEntries {
    keys: Matches,
    values: Option<Matches>,
}

impl MapEntries {
    /// Also checks every value.
    #[must_use]
    pub fn values(mut self, values: Matches) -> Self {
        self.values = Some(values);
        self
    }
}

impl Validator for MapEntries {
    fn description(&self) -> String {
        match &self.values {
            Some(v) => format!("keys: {}; values: {}", self.keys.what, v.what),
            None => format!("keys: {}", self.keys.what),
        }
    }
    fn validate(&self, path: &AttributePath, value: &Value, diags: &mut Diagnostics) {
        let Some(map) = value.as_map() else { return };
        for (k, v) in map {
            let entry = path.key(k.clone());
            if !self.keys.is_match(k) {
                diags.error_at(
                    entry.clone(),
                    "Invalid key",
                    format!("{path} has the key {k:?}, but keys must be {}.", self.keys.what),
                );
            }
            if let Some(values) = &self.values {
                values.validate(&entry, v, diags);
            }
        }
    }
}

/// A Kubernetes qualified name, the key of a label or an annotation: an optional DNS
/// subdomain prefix and `/`, then a name of at most 63 characters.
#[must_use]
pub fn qualified_name() -> Matches {
    matches(
        &format!(r"^({SUBDOMAIN}/)?[A-Za-z0-9]([-A-Za-z0-9_.]{{0,61}}[A-Za-z0-9])?$"),
        "a qualified name (an optional DNS subdomain prefix and '/', then at most 63 letters, digits, \
         '-', '_' or '.', starting and ending with a letter or digit)",
    )
    .max_len(253 + 1 + 63)
}

/// A label value: empty, or at most 63 letters, digits, `-`, `_` or `.`, starting and ending
/// with a letter or digit.
#[must_use]
pub fn label_value() -> Matches {
    matches(
        r"^([A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?)?$",
        "a label value (empty, or at most 63 letters, digits, '-', '_' or '.', starting and ending with a \
         letter or digit)",
    )
}

/// An environment variable name as Kubernetes accepts it: printable ASCII without `=`.
#[must_use]
pub fn env_var_name() -> Matches {
    matches(
        "^[ -<>-~]+$",
        "an environment variable name (printable ASCII characters other than '=')",
    )
}

/// Accepts a Go duration string such as `"1m"` or `"1h30m"`.
#[must_use]
pub fn duration() -> GoDuration {
    GoDuration
}

/// See [`duration`].
pub struct GoDuration;

impl Validator for GoDuration {
    fn description(&self) -> String {
        "a Go duration such as \"30s\", \"5m\" or \"1h30m\", at most 2562047h".to_owned()
    }
    fn validate(&self, path: &AttributePath, value: &Value, diags: &mut Diagnostics) {
        if let Some(s) = value.as_str()
            && crate::duration::parse_go(s).is_none()
        {
            diags.error_at(
                path.clone(),
                "Invalid duration",
                format!("{path} is {s:?}, but must be {}.", self.description()),
            );
        }
    }
}

/// Accepts a semantic version constraint in the grammar Flux reads (Masterminds/semver v3, as
/// in a HelmChart's `version` or an OCIRepository's `ref.semver`): `||`-separated groups of
/// comma- or space-separated comparisons (`=`, `!=`, `>`, `<`, `>=`, `<=`, `~`, `~>`, `^`, or
/// none) of versions with `x`/`X`/`*` wildcards, and hyphen ranges (`1.2 - 1.4.5`). The empty
/// string (not set) is accepted.
#[must_use]
pub fn semver_constraint() -> Matches {
    const VERSION: &str = r"v?[0-9xX*]+(\.[0-9xX*]+)?(\.[0-9xX*]+)?(-[0-9A-Za-z-]+(\.[0-9A-Za-z-]+)*)?(\+[0-9A-Za-z-]+(\.[0-9A-Za-z-]+)*)?";
    const OPERATOR: &str = r"(!=|>=|=>|<=|=<|~>|=|>|<|~|\^)?";
    let comparison = format!(r"({VERSION}\s+-\s+{VERSION}|{OPERATOR}\s*{VERSION})");
    let group = format!(r"\s*{comparison}(\s*,?\s*{comparison})*\s*");
    matches(
        &format!(r"^({group}(\|\|{group})*)?$"),
        "a semver range such as \">=1.0.0 <2.0.0\", \"1.x\", \"^1.2\" or \"~1.2.3 || >=2.0\"",
    )
}

/// Accepts whole numbers of at least `min`.
#[must_use]
pub fn int_at_least(min: i64) -> IntAtLeast {
    IntAtLeast(min)
}

/// See [`int_at_least`].
pub struct IntAtLeast(i64);

impl Validator for IntAtLeast {
    fn description(&self) -> String {
        format!("a whole number of at least {}", self.0)
    }
    fn validate(&self, path: &AttributePath, value: &Value, diags: &mut Diagnostics) {
        let Some(n) = value.as_number() else { return };
        match n.as_i64() {
            Some(i) if i >= self.0 => {}
            _ => diags.error_at(
                path.clone(),
                "Invalid value",
                format!("{path} is {n}, but must be {}.", self.description()),
            ),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use cty::Number;

    fn errors(v: &dyn Validator, value: Value) -> Vec<String> {
        let mut d = Diagnostics::new();
        v.validate(&AttributePath::root("x"), &value, &mut d);
        d.iter().map(|d| d.detail.clone()).collect()
    }

    #[test]
    fn map_keys_and_values_are_checked_as_kubernetes_checks_them() {
        let map = |entries: &[(&str, &str)]| {
            Value::Map(
                entries
                    .iter()
                    .map(|(k, v)| ((*k).to_owned(), Value::string(*v)))
                    .collect(),
            )
        };
        let labels = map_keys(qualified_name()).values(label_value());
        assert!(errors(&labels, map(&[("app.kubernetes.io/name", "flux"), ("team", "")])).is_empty());
        let bad = errors(&labels, map(&[("not a key", "x"), ("ok", "has space")]));
        assert_eq!(bad.len(), 2, "{bad:?}");
        assert!(
            bad.iter()
                .any(|e| e.contains("\"not a key\"") && e.contains("qualified name"))
        );
        assert!(
            errors(&labels, map(&[(&"a".repeat(64), "x")])).len() == 1,
            "name part over 63"
        );
        let env = map_keys(env_var_name());
        assert!(errors(&env, map(&[("KUBERNETES_SERVICE_HOST", "x"), ("my.var-1", "y")])).is_empty());
        assert_eq!(errors(&env, map(&[("A=B", "x")])).len(), 1);
        assert_eq!(errors(&env, map(&[("", "x")])).len(), 1);
    }

    #[test]
    fn table() {
        let cases: &[(&str, &dyn Validator, Value, bool)] = &[
            ("enum ok", &one_of(&["a", "b"]), Value::string("a"), true),
            ("enum bad", &one_of(&["a", "b"]), Value::string("c"), false),
            ("label ok", &rfc1123_label(), Value::string("dev-team-apps"), true),
            ("label upper", &rfc1123_label(), Value::string("Dev"), false),
            (
                "label long",
                &rfc1123_label(),
                Value::string("a".repeat(64)),
                false,
            ),
            ("label dash", &rfc1123_label(), Value::string("-a"), false),
            (
                "subdomain at the limit",
                &rfc1123_subdomain(),
                Value::string(format!("{}.{}", "a".repeat(63), "b".repeat(189))),
                true,
            ),
            (
                "subdomain too long",
                &rfc1123_subdomain(),
                Value::string(format!("{}.{}", "a".repeat(63), "b".repeat(190))),
                false,
            ),
            ("duration ok", &duration(), Value::string("1h30m"), true),
            ("duration frac", &duration(), Value::string("1.5s"), true),
            ("duration bad", &duration(), Value::string("5 minutes"), false),
            ("duration no unit", &duration(), Value::string("5"), false),
            (
                "int ok",
                &int_at_least(0),
                Value::Number(Number::from_i64(0)),
                true,
            ),
            (
                "int negative",
                &int_at_least(0),
                Value::Number(Number::from_i64(-1)),
                false,
            ),
            (
                "int fraction",
                &int_at_least(0),
                Value::Number(Number::from_f64(1.5).unwrap()),
                false,
            ),
        ];
        for (name, v, value, ok) in cases {
            assert_eq!(errors(*v, value.clone()).is_empty(), *ok, "{name}");
        }
    }

    #[test]
    fn go_durations_beyond_gos_range_are_refused_not_a_panic() {
        assert_eq!(
            crate::duration::parse_go("2562047h"),
            Some(std::time::Duration::from_secs(2_562_047 * 3600))
        );
        for s in ["2562048h", "99999999999999999999999999h", "1e3h"] {
            assert_eq!(crate::duration::parse_go(s), None, "{s}");
        }
        let errors = errors(&duration(), Value::string("99999999999999999999999999h"));
        assert_eq!(errors.len(), 1, "{errors:?}");
        assert!(errors[0].contains("at most 2562047h"), "{errors:?}");
    }

    #[test]
    fn semver_constraints_follow_fluxs_grammar() {
        for ok in [
            "",
            "*",
            "1.2.3",
            "v1.2.3",
            ">=1.0.0",
            ">= 1.0.0 <2.0.0",
            ">=1.0.0, <2.0.0",
            "1.x",
            "^1.2",
            "~1.2.3 || >=2.0",
            "1.2 - 1.4.5",
            "!=1.3.0",
            "1.0.0-rc.1",
            "=<3",
            "~>2.1",
            "6.x",
        ] {
            assert!(
                errors(&semver_constraint(), Value::string(ok)).is_empty(),
                "{ok:?}"
            );
        }
        for bad in [
            ">>1.0",
            "1.0.0 ||",
            "latest",
            ">=1.0.0 <",
            "1..2",
            "^",
            "1.2.3.4",
            "|| 1.0",
        ] {
            assert_eq!(
                errors(&semver_constraint(), Value::string(bad)).len(),
                1,
                "{bad:?}"
            );
        }
    }
}
