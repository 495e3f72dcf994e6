//! The `version` attribute: an exact Flux version or a range, matched against artifact tags.

use std::fmt;
use std::str::FromStr;

use semver::{Version, VersionReq};

use crate::error::Error;

/// A parsed `version` attribute.
///
/// Accepted forms (a leading `v` on any version is ignored):
///
/// * a full `X.Y.Z` (or `X.Y.Z-pre`) is **exact**, unlike Cargo where it means `^X.Y.Z`;
/// * wildcards: `2.9.x`, `2.x`, `2.9.*`, and `*` / `x` for any release;
/// * comparators: `>=2.7.0`, `<3`, `=2.9`, `~2.9`, `^2.9`; several are ANDed, separated by
///   spaces or commas (`>=2.7.0 <3.0.0`);
/// * a bare partial version (`2.9`) means `2.9.x`, as in Masterminds/semver (Flux's own
///   library), not Cargo's `^2.9`;
/// * hyphen ranges `2.7 - 2.9` (inclusive: `>=2.7, <=2.9`).
///
/// `||` alternatives are rejected. Prereleases match only a range that names a prerelease of
/// the same `X.Y.Z` (semver crate semantics), so `2.x` never selects `2.10.0-rc.1`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct VersionRange {
    input: String,
    req: VersionReq,
    exact: Option<Version>,
}

impl VersionRange {
    /// Parses the `version` attribute. The error is [`Error::InvalidVersion`], whose message
    /// suits a diagnostic on `version`.
    pub fn parse(input: &str) -> Result<Self, Error> {
        let invalid = |reason: String| Error::InvalidVersion {
            input: input.to_string(),
            reason,
        };
        let trimmed = input.trim();
        if trimmed.is_empty() {
            return Err(invalid("the version is empty".into()));
        }
        if trimmed.contains("||") {
            return Err(invalid(
                "alternatives with `||` are not supported; use one range such as `>=2.7.0 <3.0.0`".into(),
            ));
        }
        let comparators = comparators(trimmed).map_err(invalid)?;
        let exact = match comparators.as_slice() {
            [only] => only.strip_prefix('=').and_then(|v| Version::parse(v).ok()),
            _ => None,
        };
        let joined = comparators.join(", ");
        let req = VersionReq::parse(&joined).map_err(|e| {
            invalid(format!(
                "{e}; expected a version such as `2.9.4` or a range such as `2.9.x` or `>=2.7.0 <3.0.0`"
            ))
        })?;
        Ok(Self {
            input: input.to_string(),
            req,
            exact,
        })
    }

    /// The attribute value as written.
    #[must_use]
    pub fn as_str(&self) -> &str {
        &self.input
    }

    /// Whether the value is a full `X.Y.Z`, which selects exactly that release.
    #[must_use]
    pub fn is_exact(&self) -> bool {
        self.exact.is_some()
    }

    /// The release an exact value names.
    #[must_use]
    pub fn exact_version(&self) -> Option<&Version> {
        self.exact.as_ref()
    }

    /// Whether `version` satisfies the range.
    #[must_use]
    pub fn matches(&self, version: &Version) -> bool {
        self.req.matches(version)
    }

    /// The range in the semver crate's (Cargo) syntax, e.g. `>=2.7.0, <3.0.0`.
    #[must_use]
    pub fn requirement(&self) -> &VersionReq {
        &self.req
    }
}

impl FromStr for VersionRange {
    type Err = Error;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::parse(s)
    }
}

impl fmt::Display for VersionRange {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.input)
    }
}

const OPERATORS: [&str; 7] = [">=", "<=", ">", "<", "=", "~", "^"];

/// Splits Masterminds-style input into semver-crate comparators.
fn comparators(input: &str) -> Result<Vec<String>, String> {
    // Tokens split on whitespace and commas; an operator alone ("> = 2.7" is not a thing, but
    // ">= 2.7" is) is glued to the token that follows it.
    let raw: Vec<&str> = input
        .split(|c: char| c == ',' || c.is_whitespace())
        .filter(|t| !t.is_empty())
        .collect();
    let mut tokens: Vec<String> = Vec::new();
    let mut pending_op: Option<&str> = None;
    for token in raw {
        if let Some(op) = pending_op.take() {
            tokens.push(format!("{op}{token}"));
        } else if OPERATORS.contains(&token) {
            pending_op = Some(token);
        } else {
            tokens.push(token.to_string());
        }
    }
    if let Some(op) = pending_op {
        return Err(format!("the operator `{op}` has no version after it"));
    }

    let mut out = Vec::new();
    let mut i = 0;
    while i < tokens.len() {
        if tokens.get(i + 1).map(String::as_str) == Some("-") {
            let (Some(low), Some(high)) = (tokens.get(i), tokens.get(i + 2)) else {
                return Err("a hyphen range needs a version on both sides".into());
            };
            out.push(format!(">={}", strip_v(low)));
            out.push(format!("<={}", strip_v(high)));
            i += 3;
            continue;
        }
        if tokens[i] == "-" {
            return Err("a hyphen range needs a version on both sides".into());
        }
        out.push(comparator(&tokens[i])?);
        i += 1;
    }
    Ok(out)
}

fn comparator(token: &str) -> Result<String, String> {
    let op = OPERATORS
        .iter()
        .find(|op| token.starts_with(**op))
        .copied()
        .unwrap_or("");
    let version = strip_v(&token[op.len()..]);
    if version.is_empty() {
        return Err(format!("the operator `{op}` has no version after it"));
    }
    if version == "x" || version == "X" || version == "*" {
        return Ok("*".into());
    }
    let wildcard = version
        .split('.')
        .any(|part| part == "x" || part == "X" || part == "*");
    Ok(match (op, wildcard) {
        // Bare versions are exact (full) or wildcards (partial), never Cargo's caret.
        ("", false) => format!("={version}"),
        _ => format!("{op}{version}"),
    })
}

fn strip_v(s: &str) -> &str {
    s.strip_prefix(['v', 'V']).unwrap_or(s)
}

/// The version a tag names: `v2.9.4` or `2.9.4` (full semver, optional prerelease). `latest`,
/// `sha256-<hex>.sig` and other tags give `None`.
#[must_use]
pub fn tag_version(tag: &str) -> Option<Version> {
    let v = tag.strip_prefix('v').unwrap_or(tag);
    // Reject a second `v` and anything semver would accept that no release tag looks like.
    if !v.starts_with(|c: char| c.is_ascii_digit()) {
        return None;
    }
    let version = Version::parse(v).ok()?;
    version.build.is_empty().then_some(version)
}

/// Picks the tag of the highest version that matches `range`. When both `vX.Y.Z` and `X.Y.Z`
/// exist, the `v` tag (Flux's convention) wins.
#[must_use]
pub fn select_tag<'a, I>(tags: I, range: &VersionRange) -> Option<(Version, String)>
where
    I: IntoIterator<Item = &'a str>,
{
    tags.into_iter()
        .filter_map(|tag| tag_version(tag).map(|v| (v, tag)))
        .filter(|(v, _)| range.matches(v))
        .max_by(|(va, ta), (vb, tb)| {
            va.cmp(vb)
                .then_with(|| ta.starts_with('v').cmp(&tb.starts_with('v')))
        })
        .map(|(v, tag)| (v, tag.to_string()))
}

/// The newest `limit` version tags, newest first (for "no match" diagnostics).
#[must_use]
pub fn newest_tags<'a, I>(tags: I, limit: usize) -> Vec<String>
where
    I: IntoIterator<Item = &'a str>,
{
    let mut versions: Vec<(Version, &str)> = tags
        .into_iter()
        .filter_map(|tag| tag_version(tag).map(|v| (v, tag)))
        .collect();
    versions.sort_by(|a, b| b.0.cmp(&a.0));
    versions
        .into_iter()
        .take(limit)
        .map(|(_, t)| t.to_string())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn v(s: &str) -> Version {
        Version::parse(s).expect("test version")
    }

    #[test]
    fn range_table() {
        // (input, matches, does not match, exact)
        let table: &[(&str, &[&str], &[&str], bool)] = &[
            ("2.9.4", &["2.9.4"], &["2.9.5", "2.10.0", "2.9.3"], true),
            ("v2.9.4", &["2.9.4"], &["2.9.5"], true),
            (" 2.9.4 ", &["2.9.4"], &["2.9.5"], true),
            ("=2.9.4", &["2.9.4"], &["2.9.5"], true),
            ("2.10.0-rc.1", &["2.10.0-rc.1"], &["2.10.0", "2.10.0-rc.2"], true),
            (
                "2.9.x",
                &["2.9.0", "2.9.4"],
                &["2.10.0", "2.8.9", "2.9.5-rc.1"],
                false,
            ),
            ("v2.9.x", &["2.9.4"], &["2.10.0"], false),
            ("2.9.*", &["2.9.4"], &["2.10.0"], false),
            ("2.9", &["2.9.0", "2.9.7"], &["2.10.0"], false),
            (
                "2.x",
                &["2.0.0", "2.9.4", "2.10.1"],
                &["3.0.0", "1.9.9", "2.10.0-rc.1"],
                false,
            ),
            ("2", &["2.9.4"], &["3.0.0"], false),
            (">=2.7.0", &["2.7.0", "3.1.0"], &["2.6.9", "2.8.0-rc.1"], false),
            (">=2.7.0 <3.0.0", &["2.7.0", "2.9.4"], &["3.0.0", "2.6.0"], false),
            (">= 2.7.0, < 3.0.0", &["2.9.4"], &["3.0.0"], false),
            (">=v2.7.0", &["2.9.4"], &["2.6.0"], false),
            ("~2.9", &["2.9.0", "2.9.4"], &["2.10.0"], false),
            ("~2.9.2", &["2.9.2", "2.9.9"], &["2.9.1", "2.10.0"], false),
            ("^2.7", &["2.7.0", "2.10.0"], &["3.0.0", "2.6.0"], false),
            ("*", &["0.1.0", "2.9.4"], &["2.10.0-rc.1"], false),
            ("x", &["2.9.4"], &[], false),
            ("2.7 - 2.9", &["2.7.0", "2.9.9"], &["2.10.0", "2.6.9"], false),
            (
                ">=2.10.0-rc.1",
                &["2.10.0-rc.2", "2.10.0", "2.11.0"],
                &["2.11.0-rc.1"],
                false,
            ),
        ];
        for (input, yes, no, exact) in table {
            let range = VersionRange::parse(input).unwrap_or_else(|e| panic!("{input:?} should parse: {e}"));
            assert_eq!(range.is_exact(), *exact, "exactness of {input:?}");
            for m in *yes {
                assert!(range.matches(&v(m)), "{input:?} should match {m}");
            }
            for m in *no {
                assert!(!range.matches(&v(m)), "{input:?} should not match {m}");
            }
            assert_eq!(range.as_str(), *input);
        }
    }

    #[test]
    fn range_errors() {
        for input in [
            "",
            "   ",
            "latest",
            "2.9.4 || 2.8.0",
            ">=",
            ">= ",
            "2.x.1",
            "abc",
            "- 2.9",
            "2.9 -",
            "2.9.4.1",
            ">=2.7.0 <",
        ] {
            match VersionRange::parse(input) {
                Err(Error::InvalidVersion { input: got, reason }) => {
                    assert_eq!(got, input);
                    assert!(!reason.is_empty());
                }
                other => panic!("{input:?} should be rejected, got {other:?}"),
            }
        }
        let msg = VersionRange::parse("latest").expect_err("latest").to_string();
        assert!(msg.starts_with("invalid version \"latest\": "), "{msg}");
        assert!(msg.contains("2.9.x"), "{msg}");
    }

    #[test]
    fn tag_versions() {
        assert_eq!(tag_version("v2.9.4"), Some(v("2.9.4")));
        assert_eq!(tag_version("2.9.4"), Some(v("2.9.4")));
        assert_eq!(tag_version("v2.10.0-rc.1"), Some(v("2.10.0-rc.1")));
        for garbage in [
            "latest",
            "sha256-0123abcd.sig",
            "vv2.9.4",
            "v2.9",
            "2",
            "v02.9.4",
            "V2.9.4x",
            "",
            "v",
            "main",
            "2.9.4_build",
        ] {
            assert_eq!(tag_version(garbage), None, "{garbage:?}");
        }
    }

    #[test]
    fn tag_selection() {
        let tags = [
            "latest",
            "v2.8.0",
            "v2.9.3",
            "v2.9.4",
            "sha256-9f6e2b8f1c5f7d0e0e3d4c7f5b2a1e9d8c7b6a5f4e3d2c1b0a9f8e7d6c5b4a39.sig",
            "v2.10.0-rc.1",
            "2.9.4",
            "v2.9.10",
            "garbage",
            "v3.0.0-beta.1",
        ];
        let pick = |range: &str| {
            let range = VersionRange::parse(range).expect("range");
            select_tag(tags.iter().copied(), &range).map(|(_, t)| t)
        };
        assert_eq!(pick("2.9.x").as_deref(), Some("v2.9.10"), "numeric, not lexical");
        assert_eq!(pick("2.x").as_deref(), Some("v2.9.10"), "no prerelease");
        assert_eq!(pick("*").as_deref(), Some("v2.9.10"));
        assert_eq!(pick("2.9.4").as_deref(), Some("v2.9.4"), "exact; v tag preferred");
        assert_eq!(pick("2.9.3").as_deref(), Some("v2.9.3"));
        assert_eq!(pick("2.8.x").as_deref(), Some("v2.8.0"));
        assert_eq!(pick("2.7.x"), None);
        assert_eq!(pick("2.10.0-rc.1").as_deref(), Some("v2.10.0-rc.1"));
        assert_eq!(pick(">=2.10.0-rc.0").as_deref(), Some("v2.10.0-rc.1"));
        assert_eq!(pick(">=3.0.0-alpha").as_deref(), Some("v3.0.0-beta.1"));
        assert_eq!(pick(">=2.9.0 <2.9.5").as_deref(), Some("v2.9.4"));

        let only_plain = ["2.9.4", "latest"];
        let range = VersionRange::parse("2.9.4").expect("range");
        assert_eq!(
            select_tag(only_plain.iter().copied(), &range).map(|(_, t)| t),
            Some("2.9.4".to_string())
        );
        assert_eq!(
            newest_tags(tags.iter().copied(), 3),
            ["v3.0.0-beta.1", "v2.10.0-rc.1", "v2.9.10"]
        );
    }
}
