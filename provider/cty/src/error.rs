//! Errors of the codecs, and the attribute paths they point at.

use std::fmt;

/// One step of a [`Path`] into a value.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum PathStep {
    /// An object attribute, shown as `.name`.
    Attr(String),
    /// An element of a list, set or tuple, shown as `[2]`.
    Index(u64),
    /// An element of a map, shown as `["key"]`.
    Key(String),
}

/// Where in a value something went wrong, like `.spec.items[2]`; the root is the empty path.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default)]
pub struct Path(pub Vec<PathStep>);

impl Path {
    /// The empty path: the value itself.
    pub fn root() -> Path {
        Path(Vec::new())
    }

    /// Whether this is the empty path.
    pub fn is_root(&self) -> bool {
        self.0.is_empty()
    }

    /// This path extended by one step.
    pub fn child(&self, step: PathStep) -> Path {
        let mut steps = Vec::with_capacity(self.0.len() + 1);
        steps.extend(self.0.iter().cloned());
        steps.push(step);
        Path(steps)
    }

    /// This path extended by an object attribute.
    pub fn attr(&self, name: &str) -> Path {
        self.child(PathStep::Attr(name.to_owned()))
    }

    /// This path extended by a list, set or tuple index.
    pub fn index(&self, i: usize) -> Path {
        self.child(PathStep::Index(i as u64))
    }

    /// This path extended by a map key.
    pub fn key(&self, k: &str) -> Path {
        self.child(PathStep::Key(k.to_owned()))
    }

    /// ` at <path>` for a non-empty path, nothing for the root (used in error messages).
    fn at(&self) -> String {
        if self.is_root() {
            String::new()
        } else {
            format!(" at {self}")
        }
    }
}

impl fmt::Display for Path {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for step in &self.0 {
            match step {
                PathStep::Attr(name) => write!(f, ".{name}")?,
                PathStep::Index(i) => write!(f, "[{i}]")?,
                PathStep::Key(k) => write!(f, "[{}]", serde_json::Value::String(k.clone()))?,
            }
        }
        Ok(())
    }
}

/// An error of this crate: a bad type constraint, or a value that could not be decoded or encoded.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum Error {
    /// A type constraint (in its JSON form) was not valid.
    #[error("failed to parse type constraint: {0}")]
    Type(String),
    /// The input was not well-formed msgpack or JSON at all.
    #[error("failed to read {format}: {message}")]
    Syntax {
        /// `msgpack` or `JSON`.
        format: &'static str,
        /// What was wrong.
        message: String,
    },
    /// The input was well-formed, but did not match the expected type.
    #[error("failed to decode {format} value{}: {message}", .path.at())]
    Decode {
        /// `msgpack` or `JSON`.
        format: &'static str,
        /// Where in the value decoding failed.
        path: Path,
        /// What was wrong, like `expected string`.
        message: String,
    },
    /// A value could not be encoded with the given type.
    #[error("failed to encode {format} value{}: {message}", .path.at())]
    Encode {
        /// `msgpack` or `JSON`.
        format: &'static str,
        /// Where in the value encoding failed.
        path: Path,
        /// What was wrong, like `expected string, got bool`.
        message: String,
    },
}

impl Error {
    /// The path in the value where decoding or encoding failed, if the error has one.
    pub fn path(&self) -> Option<&Path> {
        match self {
            Error::Decode { path, .. } | Error::Encode { path, .. } => Some(path),
            Error::Type(_) | Error::Syntax { .. } => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn path_display() {
        let p = Path::root().attr("spec").attr("items").index(2).key("a\"b");
        assert_eq!(p.to_string(), r#".spec.items[2]["a\"b"]"#);
        let e = Error::Decode {
            format: "msgpack",
            path: p,
            message: "expected string".into(),
        };
        assert_eq!(
            e.to_string(),
            r#"failed to decode msgpack value at .spec.items[2]["a\"b"]: expected string"#
        );
        let e = Error::Decode {
            format: "JSON",
            path: Path::root(),
            message: "expected string".into(),
        };
        assert_eq!(e.to_string(), "failed to decode JSON value: expected string");
    }
}
