//! Typed decoding of a wholly known configuration value into a resource's settings.
//!
//! The framework fills every schema default before a resource sees a value (at plan through
//! [`crate::schema::fill_defaults`], and on state upgrade and import), so a decoder never
//! restates a default: it reads each attribute as the type it needs and the schema stays the
//! one place defaults are declared. A value of the wrong shape, or a null where the settings
//! need a value, is a [`DecodeError`] naming the attribute's path.
//!
//! ```
//! use tfplugin::cty::Value;
//! use tfplugin::decode::{Decode, DecodeError, Field};
//!
//! struct Git {
//!     url: String,
//!     depth: Option<i64>,
//! }
//!
//! impl Decode for Git {
//!     fn decode(f: &Field<'_>) -> Result<Self, DecodeError> {
//!         Ok(Self { url: f.get("url")?, depth: f.get("depth")? })
//!     }
//! }
//!
//! let v = Value::object([("git", Value::object([("url", Value::string("https://x")), ("depth", Value::Null)]))]);
//! let git: Git = Field::root(&v).get("git").unwrap();
//! assert_eq!(git.url, "https://x");
//! assert_eq!(git.depth, None);
//! let err = Field::root(&Value::object([("git", Value::object([("url", Value::Null)]))]))
//!     .get::<Git>("git")
//!     .err()
//!     .unwrap();
//! assert_eq!(err.to_string(), "git.url: expected a string, found null");
//! ```

use crate::diag::Diagnostic;
use crate::path::AttributePath;
use cty::Value;
use std::collections::BTreeMap;
use std::fmt;

/// A value that does not have the shape the settings need.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{path}: expected {expected}, found {found}")]
pub struct DecodeError {
    /// Where the value sits.
    pub path: AttributePath,
    /// What the decoder needed ("a string").
    pub expected: &'static str,
    /// What it found ("null", "unknown", "a number").
    pub found: &'static str,
}

impl From<DecodeError> for Diagnostic {
    fn from(e: DecodeError) -> Self {
        Diagnostic::error(
            "Invalid settings",
            format!("{e}. This is a bug of the provider (the schema should not allow it); please report it."),
        )
        .with_path(e.path)
    }
}

/// A value with its path, for decoding its attributes or elements.
#[derive(Clone)]
pub struct Field<'a> {
    value: &'a Value,
    path: AttributePath,
}

impl fmt::Debug for Field<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // The value may hold secrets: show where, not what.
        write!(f, "Field({})", self.path)
    }
}

impl<'a> Field<'a> {
    /// The whole configuration (the empty path).
    #[must_use]
    pub fn root(value: &'a Value) -> Self {
        Self {
            value,
            path: AttributePath::empty(),
        }
    }

    /// The value.
    #[must_use]
    pub fn value(&self) -> &'a Value {
        self.value
    }

    /// Where the value sits.
    #[must_use]
    pub fn path(&self) -> &AttributePath {
        &self.path
    }

    /// Whether the value is null.
    #[must_use]
    pub fn is_null(&self) -> bool {
        self.value.is_null()
    }

    /// The attribute `name` of this object (null when this is not an object or has none).
    #[must_use]
    pub fn attr(&self, name: &str) -> Field<'a> {
        Field {
            value: self.value.get(name),
            path: self.path.attr(name),
        }
    }

    /// Decodes the attribute `name` of this object.
    ///
    /// # Errors
    /// When the attribute does not have the shape `T` needs.
    pub fn get<T: Decode>(&self, name: &str) -> Result<T, DecodeError> {
        T::decode(&self.attr(name))
    }

    /// Decodes this value.
    ///
    /// # Errors
    /// When the value does not have the shape `T` needs.
    pub fn decode<T: Decode>(&self) -> Result<T, DecodeError> {
        T::decode(self)
    }

    /// The elements of this list, set or tuple, each with its index; none when null.
    ///
    /// # Errors
    /// When the value is neither null nor a collection.
    pub fn items(&self) -> Result<Vec<Field<'a>>, DecodeError> {
        if self.value.is_null() {
            return Ok(Vec::new());
        }
        let items = self.value.as_list().ok_or_else(|| self.error("a list"))?;
        Ok(items
            .iter()
            .enumerate()
            .map(|(i, value)| Field {
                value,
                path: self.path.index(i),
            })
            .collect())
    }

    /// An error at this value's path.
    #[must_use]
    pub fn error(&self, expected: &'static str) -> DecodeError {
        DecodeError {
            path: self.path.clone(),
            expected,
            found: describe(self.value),
        }
    }
}

fn describe(v: &Value) -> &'static str {
    match v.unwrap_dynamic() {
        Value::Null => "null",
        Value::Unknown(_) => "an unknown value",
        Value::Bool(_) => "a bool",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::List(_) | Value::Set(_) | Value::Tuple(_) => "a list",
        Value::Map(_) => "a map",
        Value::Object(_) => "an object",
        Value::Dynamic(..) => "a dynamic value",
    }
}

/// A settings type decoded from a configuration value.
pub trait Decode: Sized {
    /// Decodes `field`.
    ///
    /// # Errors
    /// When the value does not have the needed shape.
    fn decode(field: &Field<'_>) -> Result<Self, DecodeError>;
}

impl Decode for String {
    fn decode(f: &Field<'_>) -> Result<Self, DecodeError> {
        f.value
            .as_str()
            .map(str::to_owned)
            .ok_or_else(|| f.error("a string"))
    }
}

impl Decode for bool {
    fn decode(f: &Field<'_>) -> Result<Self, DecodeError> {
        f.value.as_bool().ok_or_else(|| f.error("a bool"))
    }
}

impl Decode for i64 {
    fn decode(f: &Field<'_>) -> Result<Self, DecodeError> {
        f.value.as_i64().ok_or_else(|| f.error("a whole number"))
    }
}

/// Null is `None`.
impl<T: Decode> Decode for Option<T> {
    fn decode(f: &Field<'_>) -> Result<Self, DecodeError> {
        if f.value.is_null() {
            Ok(None)
        } else {
            T::decode(f).map(Some)
        }
    }
}

/// Null is empty.
impl<T: Decode> Decode for Vec<T> {
    fn decode(f: &Field<'_>) -> Result<Self, DecodeError> {
        f.items()?.iter().map(T::decode).collect()
    }
}

/// A map (or object); null is empty.
impl<T: Decode> Decode for BTreeMap<String, T> {
    fn decode(f: &Field<'_>) -> Result<Self, DecodeError> {
        if f.value.is_null() {
            return Ok(Self::new());
        }
        let entries = f
            .value
            .as_map()
            .or_else(|| f.value.as_object())
            .ok_or_else(|| f.error("a map"))?;
        entries
            .iter()
            .map(|(k, value)| {
                let item = Field {
                    value,
                    path: f.path.key(k.clone()),
                };
                Ok((k.clone(), T::decode(&item)?))
            })
            .collect()
    }
}

/// An optional string where `""` means unset, as HCL users write it: null and `""` are `None`.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct NonEmpty(pub Option<String>);

impl Decode for NonEmpty {
    fn decode(f: &Field<'_>) -> Result<Self, DecodeError> {
        let s: Option<String> = f.decode()?;
        Ok(Self(s.filter(|s| !s.is_empty())))
    }
}

impl Field<'_> {
    /// Decodes the optional string attribute `name`, with `""` as unset.
    ///
    /// # Errors
    /// When the attribute is not a string.
    pub fn non_empty(&self, name: &str) -> Result<Option<String>, DecodeError> {
        self.get::<NonEmpty>(name).map(|n| n.0)
    }

    /// Decodes the string attribute `name` as one of `choices` (value, meaning).
    ///
    /// # Errors
    /// When the attribute is not one of the choices' values.
    pub fn choice<T: Copy>(&self, name: &str, choices: &[(&str, T)]) -> Result<T, DecodeError> {
        let field = self.attr(name);
        let given: String = field.decode()?;
        choices
            .iter()
            .find(|(value, _)| *value == given)
            .map(|(_, meaning)| *meaning)
            .ok_or_else(|| DecodeError {
                found: "another string",
                ..field.error("one of the schema's values")
            })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config() -> Value {
        Value::object([
            ("name", Value::string("a")),
            ("empty", Value::string("")),
            ("count", Value::number(3)),
            ("on", Value::Bool(true)),
            ("none", Value::Null),
            ("list", Value::list([Value::string("x"), Value::number(1)])),
            ("map", Value::map([("k", Value::string("v"))])),
        ])
    }

    #[test]
    fn scalars_decode_and_null_is_an_error_with_its_path() {
        let v = config();
        let f = Field::root(&v);
        assert_eq!(f.get::<String>("name").unwrap(), "a");
        assert_eq!(f.get::<i64>("count").unwrap(), 3);
        assert!(f.get::<bool>("on").unwrap());
        let e = f.get::<String>("none").unwrap_err();
        assert_eq!(e.path, AttributePath::root("none"));
        assert_eq!(e.to_string(), "none: expected a string, found null");
        assert_eq!(
            f.get::<bool>("name").unwrap_err().to_string(),
            "name: expected a bool, found a string"
        );
    }

    #[test]
    fn options_collections_and_non_empty() {
        let v = config();
        let f = Field::root(&v);
        assert_eq!(f.get::<Option<String>>("none").unwrap(), None);
        assert_eq!(f.non_empty("empty").unwrap(), None);
        assert_eq!(f.non_empty("name").unwrap(), Some("a".into()));
        assert!(f.get::<Vec<String>>("none").unwrap().is_empty());
        let e = f.get::<Vec<String>>("list").unwrap_err();
        assert_eq!(e.to_string(), "list[1]: expected a string, found a number");
        let m: BTreeMap<String, String> = f.get("map").unwrap();
        assert_eq!(m["k"], "v");
        let e = f.get::<BTreeMap<String, i64>>("map").unwrap_err();
        assert_eq!(
            e.to_string(),
            "map[\"k\"]: expected a whole number, found a string"
        );
    }

    #[test]
    fn choices_map_strings_to_meanings() {
        let v = config();
        let f = Field::root(&v);
        assert_eq!(f.choice("name", &[("b", 2), ("a", 1)]).unwrap(), 1);
        let e = f.choice("name", &[("b", 2)]).unwrap_err();
        assert_eq!(
            e.to_string(),
            "name: expected one of the schema's values, found another string"
        );
    }

    #[test]
    fn errors_become_diagnostics_with_the_path() {
        let v = config();
        let d: Diagnostic = Field::root(&v).get::<String>("none").unwrap_err().into();
        assert_eq!(d.path, Some(AttributePath::root("none")));
    }
}
