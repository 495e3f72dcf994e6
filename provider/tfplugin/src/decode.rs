//! Typed decoding of a wholly known configuration value into a resource's settings, with serde.
//!
//! The framework fills every schema default before a resource sees a value (at plan through
//! [`crate::schema::fill_defaults`], and on state upgrade and import), so settings types are
//! plain `#[derive(Deserialize)]` structs that never restate a default: the schema stays the one
//! place defaults are declared. A value of the wrong shape, or a null where the settings need a
//! value, is a [`DecodeError`] naming the attribute's path.
//!
//! Objects and maps decode into structs and maps, lists and sets into sequences, strings into
//! unit enum variants. A null (or unknown) attribute is left out of its object, so it decodes
//! as `None` into an `Option`, as empty into a `#[serde(default)]` collection, and is an error
//! (a missing field) anywhere else. [`non_empty`] reads an optional string where `""` means unset,
//! as HCL users write it.
//!
//! ```
//! use serde::Deserialize;
//! use tfplugin::cty::Value;
//!
//! #[derive(Deserialize)]
//! struct Git {
//!     url: String,
//!     depth: Option<i64>,
//! }
//!
//! #[derive(Deserialize)]
//! struct Settings {
//!     git: Git,
//! }
//!
//! let v = Value::object([("git", Value::object([("url", Value::string("https://x")), ("depth", Value::Null)]))]);
//! let s: Settings = tfplugin::decode::decode(&v).unwrap();
//! assert_eq!((s.git.url.as_str(), s.git.depth), ("https://x", None));
//! let bad = Value::object([("git", Value::object([("url", Value::Bool(true)), ("depth", Value::Null)]))]);
//! let err = tfplugin::decode::decode::<Settings>(&bad).err().unwrap();
//! assert_eq!(err.to_string(), "git.url: expected a string, found bool");
//! ```

use crate::diag::Diagnostic;
use crate::path::{AttributePath, PathStep};
use cty::Value;
use serde::de::{self, DeserializeOwned, IntoDeserializer, Visitor};
use std::fmt;

/// A value that does not have the shape the settings need.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DecodeError {
    /// Where the value sits.
    pub path: AttributePath,
    /// What was wrong ("expected a string, found null").
    pub message: String,
}

impl fmt::Display for DecodeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.path.is_empty() {
            f.write_str(&self.message)
        } else {
            write!(f, "{}: {}", self.path, self.message)
        }
    }
}

impl std::error::Error for DecodeError {}

impl de::Error for DecodeError {
    fn custom<T: fmt::Display>(message: T) -> Self {
        Self {
            path: AttributePath::empty(),
            message: message.to_string(),
        }
    }
}

impl DecodeError {
    /// The same error, one step further down: `step` is prepended to the path.
    fn within(mut self, step: PathStep) -> Self {
        let mut steps = vec![step];
        steps.extend(self.path.steps().iter().cloned());
        self.path = AttributePath::from_steps(steps);
        self
    }
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

/// Decodes `value` into `T`.
///
/// # Errors
/// When the value does not have the shape `T` needs, with the path of the offending part.
pub fn decode<T: DeserializeOwned>(value: &Value) -> Result<T, DecodeError> {
    T::deserialize(ValueDeserializer(value))
}

/// For `#[serde(default, deserialize_with = "non_empty")]` on an `Option<String>`: null
/// (left out, hence `default`) and `""` are `None`.
///
/// # Errors
/// When the value is neither null nor a string.
pub fn non_empty<'de, D: de::Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    let s: Option<String> = serde::Deserialize::deserialize(d)?;
    Ok(s.filter(|s| !s.is_empty()))
}

/// A serde deserializer over a borrowed cty value.
#[derive(Clone, Copy)]
struct ValueDeserializer<'a>(&'a Value);

impl ValueDeserializer<'_> {
    fn expected(self, what: &str) -> DecodeError {
        de::Error::custom(format!("expected {what}, found {}", self.0.kind_name()))
    }

    /// `visit` with what `got` holds, or an error saying `what` was expected.
    fn when<T, R>(
        self,
        got: Option<T>,
        what: &str,
        visit: impl FnOnce(T) -> Result<R, DecodeError>,
    ) -> Result<R, DecodeError> {
        got.map_or_else(|| Err(self.expected(what)), visit)
    }
}

impl<'de> de::Deserializer<'de> for ValueDeserializer<'_> {
    type Error = DecodeError;

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DecodeError> {
        match self.0.unwrap_dynamic() {
            Value::Null => visitor.visit_none(),
            Value::Bool(b) => visitor.visit_bool(*b),
            Value::Number(n) => match (n.as_i64(), n.as_f64()) {
                (Some(i), _) => visitor.visit_i64(i),
                (None, Some(f)) => visitor.visit_f64(f),
                (None, None) => Err(self.expected("a number within f64's range")),
            },
            Value::String(s) => visitor.visit_str(s),
            Value::List(items) | Value::Set(items) | Value::Tuple(items) => visitor.visit_seq(Items {
                items: items.iter(),
                index: 0,
            }),
            Value::Map(entries) | Value::Object(entries) => visitor.visit_map(Entries {
                entries: entries.iter(),
            }),
            Value::Unknown(_) | Value::Dynamic(..) => Err(self.expected("a known value")),
        }
    }

    fn deserialize_option<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DecodeError> {
        if self.0.is_null() {
            visitor.visit_none()
        } else {
            visitor.visit_some(self)
        }
    }

    fn deserialize_string<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DecodeError> {
        self.when(self.0.as_str(), "a string", |s| visitor.visit_str(s))
    }

    fn deserialize_str<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DecodeError> {
        self.deserialize_string(visitor)
    }

    fn deserialize_bool<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DecodeError> {
        self.when(self.0.as_bool(), "a bool", |b| visitor.visit_bool(b))
    }

    fn deserialize_i64<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DecodeError> {
        self.when(self.0.as_i64(), "a whole number", |i| visitor.visit_i64(i))
    }

    fn deserialize_seq<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DecodeError> {
        self.when(self.0.as_list(), "a list", |_| self.deserialize_any(visitor))
    }

    fn deserialize_map<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DecodeError> {
        let entries = self.0.as_map().or_else(|| self.0.as_object());
        self.when(entries, "a map", |_| self.deserialize_any(visitor))
    }

    fn deserialize_enum<V: Visitor<'de>>(
        self,
        _name: &'static str,
        _variants: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, DecodeError> {
        self.when(self.0.as_str(), "a string", |s| {
            visitor.visit_enum(s.into_deserializer())
        })
    }

    fn deserialize_ignored_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DecodeError> {
        visitor.visit_unit()
    }

    serde::forward_to_deserialize_any! {
        i8 i16 i32 i128 u8 u16 u32 u64 u128 f32 f64 char bytes byte_buf unit unit_struct
        newtype_struct tuple tuple_struct struct identifier
    }
}

/// The elements of a list, each decoded at its index.
struct Items<'a> {
    items: std::slice::Iter<'a, Value>,
    index: usize,
}

impl<'de> de::SeqAccess<'de> for Items<'_> {
    type Error = DecodeError;

    fn next_element_seed<T: de::DeserializeSeed<'de>>(
        &mut self,
        seed: T,
    ) -> Result<Option<T::Value>, DecodeError> {
        let Some(item) = self.items.next() else {
            return Ok(None);
        };
        let index = i64::try_from(self.index).unwrap_or(i64::MAX);
        self.index += 1;
        seed.deserialize(ValueDeserializer(item))
            .map(Some)
            .map_err(|e| e.within(PathStep::Index(index)))
    }
}

/// The entries of an object or map, each value decoded at its key.
struct Entries<'a> {
    entries: std::collections::btree_map::Iter<'a, String, Value>,
}

impl<'de> de::MapAccess<'de> for Entries<'_> {
    type Error = DecodeError;

    fn next_key_seed<K: de::DeserializeSeed<'de>>(
        &mut self,
        seed: K,
    ) -> Result<Option<K::Value>, DecodeError> {
        // Null attributes are left out: `Option`s become `None`, `#[serde(default)]` fields
        // their default, and any other field a "missing field" error. So are unknown ones: at
        // plan the computed attributes (an `id`) are unknown while the settings are known.
        while self
            .entries
            .clone()
            .next()
            .is_some_and(|(_, v)| v.is_null() || v.is_unknown())
        {
            self.entries.next();
        }
        match self.entries.clone().next() {
            Some((key, _)) => seed.deserialize(key.as_str().into_deserializer()).map(Some),
            None => Ok(None),
        }
    }

    fn next_value_seed<V: de::DeserializeSeed<'de>>(&mut self, seed: V) -> Result<V::Value, DecodeError> {
        let (key, value) = self
            .entries
            .next()
            .ok_or_else(|| <DecodeError as de::Error>::custom("a value without a key"))?;
        // An attribute of an object is `.name`, an element of a map `["key"]`; the path of a
        // decoded object cannot tell which it was, so attributes are assumed (the common case).
        seed.deserialize(ValueDeserializer(value))
            .map_err(|e| e.within(PathStep::Attribute(key.clone())))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde::Deserialize;
    use std::collections::BTreeMap;

    #[derive(Debug, Deserialize, PartialEq)]
    #[serde(rename_all = "lowercase")]
    enum Mode {
        Fast,
        Safe,
    }

    #[derive(Debug, Deserialize)]
    struct Settings {
        name: String,
        #[serde(default, deserialize_with = "non_empty")]
        empty: Option<String>,
        count: i64,
        on: bool,
        none: Option<String>,
        list: Vec<String>,
        map: BTreeMap<String, String>,
        mode: Mode,
    }

    #[derive(Debug, Deserialize)]
    #[allow(dead_code)]
    struct Nested {
        inner: Settings,
    }

    #[derive(Debug, Deserialize)]
    struct Collections {
        #[serde(default)]
        list: Vec<String>,
        #[serde(default)]
        map: BTreeMap<String, String>,
        maybe: Option<bool>,
    }

    #[derive(Debug, Deserialize)]
    struct WithRest {
        name: String,
        #[serde(flatten)]
        rest: Collections,
    }

    #[test]
    fn unknown_attributes_the_settings_do_not_read_are_left_out() {
        // A planned value: computed attributes are unknown, in the settings and beside them.
        let v = Value::object([
            ("name", Value::string("a")),
            ("id", Value::unknown()),
            ("list", Value::list([Value::string("x")])),
            ("maybe", Value::unknown()),
        ]);
        let s: WithRest = decode(&v).unwrap();
        assert_eq!(s.name, "a");
        assert_eq!(s.rest.list, ["x"]);
        assert!(s.rest.maybe.is_none());
        let e = decode::<WithRest>(&Value::object([("name", Value::unknown())])).unwrap_err();
        assert_eq!(e.to_string(), "missing field `name`");
    }

    #[test]
    fn null_is_none_or_empty_where_the_settings_say_so() {
        let v = Value::object([
            ("list", Value::Null),
            ("map", Value::Null),
            ("maybe", Value::Null),
        ]);
        let c: Collections = decode(&v).unwrap();
        assert!(c.list.is_empty() && c.map.is_empty() && c.maybe.is_none());
    }

    fn config() -> Value {
        Value::object([
            ("name", Value::string("a")),
            ("empty", Value::string("")),
            ("count", Value::number(3)),
            ("on", Value::Bool(true)),
            ("none", Value::Null),
            ("list", Value::list([Value::string("x"), Value::string("y")])),
            ("map", Value::map([("k", Value::string("v"))])),
            ("mode", Value::string("safe")),
        ])
    }

    fn with(attr: &str, v: Value) -> Value {
        let Value::Object(mut m) = config() else {
            unreachable!()
        };
        m.insert(attr.to_owned(), v);
        Value::Object(m)
    }

    #[test]
    fn every_shape_decodes() {
        let s: Settings = decode(&config()).unwrap();
        assert_eq!((s.name.as_str(), s.count, s.on), ("a", 3, true));
        assert_eq!((s.empty, s.none), (None, None));
        assert_eq!(s.list, ["x", "y"]);
        assert_eq!(s.map["k"], "v");
        assert_eq!(s.mode, Mode::Safe);
        let s: Settings = decode(&with("empty", Value::string("set"))).unwrap();
        assert_eq!(s.empty.as_deref(), Some("set"));
    }

    #[test]
    fn errors_name_the_path_and_what_was_found() {
        let e = decode::<Settings>(&with("name", Value::Null)).unwrap_err();
        assert_eq!(e.to_string(), "missing field `name`");
        let e = decode::<Nested>(&Value::object([("inner", with("name", Value::Null))])).unwrap_err();
        assert_eq!(e.to_string(), "inner: missing field `name`");
        assert_eq!(e.path, AttributePath::root("inner"));
        let e = decode::<Settings>(&with("on", Value::string("yes"))).unwrap_err();
        assert_eq!(e.to_string(), "on: expected a bool, found string");
        let e = decode::<Settings>(&with("list", Value::list([Value::string("x"), Value::number(1)])))
            .unwrap_err();
        assert_eq!(e.to_string(), "list[1]: expected a string, found number");
        let e = decode::<Settings>(&with("mode", Value::string("slow"))).unwrap_err();
        assert_eq!(e.path, AttributePath::root("mode"));
        assert!(e.message.contains("unknown variant `slow`"), "{e}");
        let e = decode::<Settings>(&with("count", Value::unknown())).unwrap_err();
        assert_eq!(e.to_string(), "missing field `count`");
    }

    #[test]
    fn errors_become_diagnostics_with_the_path() {
        let d: Diagnostic = decode::<Settings>(&with("on", Value::Null)).unwrap_err().into();
        assert_eq!(d.summary, "Invalid settings");
        let d: Diagnostic = decode::<Settings>(&with("count", Value::string("x")))
            .unwrap_err()
            .into();
        assert_eq!(d.path, Some(AttributePath::root("count")));
    }
}
