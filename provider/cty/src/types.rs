//! cty types and their JSON form (the type constraints of the plugin protocol).

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;

use serde_json::Value as Json;

use crate::Error;

/// A cty type.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Type {
    /// `string`: Unicode text.
    String,
    /// `number`: an arbitrary-precision decimal.
    Number,
    /// `bool`.
    Bool,
    /// `dynamic` (cty's DynamicPseudoType): any type, decided by the value.
    Dynamic,
    /// `list(T)`: an ordered sequence of values of one type.
    List(Box<Type>),
    /// `set(T)`: an unordered collection of distinct values of one type.
    Set(Box<Type>),
    /// `map(T)`: string keys to values of one type.
    Map(Box<Type>),
    /// `object({...})`: named attributes, each with its own type.
    Object(ObjectType),
    /// `tuple([...])`: a fixed sequence of values, each with its own type.
    Tuple(Vec<Type>),
}

/// The attributes of an object type.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default)]
pub struct ObjectType {
    /// Each attribute's name and type.
    pub attrs: BTreeMap<String, Type>,
    /// The names of the attributes that are optional (only meaningful in type constraints).
    pub optional: BTreeSet<String>,
}

impl ObjectType {
    /// An object type with these attributes, none optional.
    pub fn new(attrs: impl IntoIterator<Item = (impl Into<String>, Type)>) -> ObjectType {
        ObjectType {
            attrs: attrs.into_iter().map(|(k, t)| (k.into(), t)).collect(),
            optional: BTreeSet::new(),
        }
    }
}

impl Type {
    /// `object({...})` with these attributes, none optional.
    pub fn object(attrs: impl IntoIterator<Item = (impl Into<String>, Type)>) -> Type {
        Type::Object(ObjectType::new(attrs))
    }

    /// `object({...})` with these attributes, the named ones optional.
    pub fn object_with_optional(
        attrs: impl IntoIterator<Item = (impl Into<String>, Type)>,
        optional: impl IntoIterator<Item = impl Into<String>>,
    ) -> Type {
        let mut o = ObjectType::new(attrs);
        o.optional = optional.into_iter().map(Into::into).collect();
        Type::Object(o)
    }

    /// `list(t)`.
    pub fn list(t: Type) -> Type {
        Type::List(Box::new(t))
    }

    /// `set(t)`.
    pub fn set(t: Type) -> Type {
        Type::Set(Box::new(t))
    }

    /// `map(t)`.
    pub fn map(t: Type) -> Type {
        Type::Map(Box::new(t))
    }

    /// `tuple([...])`.
    pub fn tuple(elems: impl IntoIterator<Item = Type>) -> Type {
        Type::Tuple(elems.into_iter().collect())
    }

    /// Whether this is `string`, `number` or `bool`.
    pub fn is_primitive(&self) -> bool {
        matches!(self, Type::String | Type::Number | Type::Bool)
    }

    /// Whether this is a list, set or map type.
    pub fn is_collection(&self) -> bool {
        matches!(self, Type::List(_) | Type::Set(_) | Type::Map(_))
    }

    /// The element type of a list, set or map type.
    pub fn element_type(&self) -> Option<&Type> {
        match self {
            Type::List(t) | Type::Set(t) | Type::Map(t) => Some(t),
            _ => None,
        }
    }

    /// The attributes of an object type.
    pub fn as_object(&self) -> Option<&ObjectType> {
        match self {
            Type::Object(o) => Some(o),
            _ => None,
        }
    }

    /// Whether `dynamic` occurs anywhere in this type.
    pub fn has_dynamic(&self) -> bool {
        match self {
            Type::Dynamic => true,
            Type::String | Type::Number | Type::Bool => false,
            Type::List(t) | Type::Set(t) | Type::Map(t) => t.has_dynamic(),
            Type::Object(o) => o.attrs.values().any(Type::has_dynamic),
            Type::Tuple(ts) => ts.iter().any(Type::has_dynamic),
        }
    }

    /// The JSON form of this type, as type constraints travel in the plugin protocol: `"string"`,
    /// `["list","number"]`, `["object",{"a":"bool"},["a"]]` (the optional names only when there are
    /// any), `["tuple",["string"]]`.
    pub fn to_json(&self) -> Json {
        match self {
            Type::String => Json::from("string"),
            Type::Number => Json::from("number"),
            Type::Bool => Json::from("bool"),
            Type::Dynamic => Json::from("dynamic"),
            Type::List(t) => Json::Array(vec![Json::from("list"), t.to_json()]),
            Type::Set(t) => Json::Array(vec![Json::from("set"), t.to_json()]),
            Type::Map(t) => Json::Array(vec![Json::from("map"), t.to_json()]),
            Type::Object(o) => {
                let attrs = o.attrs.iter().map(|(k, t)| (k.clone(), t.to_json())).collect();
                let mut parts = vec![Json::from("object"), Json::Object(attrs)];
                if !o.optional.is_empty() {
                    parts.push(Json::Array(
                        o.optional.iter().map(|k| Json::from(k.as_str())).collect(),
                    ));
                }
                Json::Array(parts)
            }
            Type::Tuple(ts) => Json::Array(vec![
                Json::from("tuple"),
                Json::Array(ts.iter().map(Type::to_json).collect()),
            ]),
        }
    }

    /// The JSON form of this type as bytes (compact).
    pub fn to_json_bytes(&self) -> Vec<u8> {
        self.to_json().to_string().into_bytes()
    }

    /// Parses the JSON form of a type (see [`Type::to_json`]).
    pub fn from_json(v: &Json) -> Result<Type, Error> {
        Self::from_json_at(v, 0)
    }

    /// Parses the JSON form of a type from bytes.
    pub fn from_json_bytes(b: &[u8]) -> Result<Type, Error> {
        let v: Json = serde_json::from_slice(b).map_err(|e| Error::Type(format!("invalid JSON: {e}")))?;
        Type::from_json(&v)
    }

    fn from_json_at(v: &Json, depth: usize) -> Result<Type, Error> {
        if depth > MAX_TYPE_DEPTH {
            return Err(Error::Type("type is nested too deeply".into()));
        }
        let bad = |what: &str| Error::Type(format!("expected {what}, got {v}"));
        match v {
            Json::String(s) => match s.as_str() {
                "string" => Ok(Type::String),
                "number" => Ok(Type::Number),
                "bool" => Ok(Type::Bool),
                "dynamic" => Ok(Type::Dynamic),
                _ => Err(Error::Type(format!("unknown primitive type {s:?}"))),
            },
            Json::Array(parts) => {
                let kind = parts
                    .first()
                    .and_then(Json::as_str)
                    .ok_or_else(|| bad("a type kind name"))?;
                let arg = |n: usize| {
                    parts
                        .get(n)
                        .ok_or_else(|| bad(&format!("an argument for {kind:?}")))
                };
                let max_len = if kind == "object" { 3 } else { 2 };
                if parts.len() > max_len {
                    return Err(bad(&format!("at most {} arguments for {kind:?}", max_len - 1)));
                }
                let sub = |j: &Json| Type::from_json_at(j, depth + 1);
                match kind {
                    "list" => Ok(Type::list(sub(arg(1)?)?)),
                    "set" => Ok(Type::set(sub(arg(1)?)?)),
                    "map" => Ok(Type::map(sub(arg(1)?)?)),
                    "tuple" => {
                        let elems = arg(1)?
                            .as_array()
                            .ok_or_else(|| bad("an array of tuple element types"))?;
                        Ok(Type::Tuple(elems.iter().map(sub).collect::<Result<_, _>>()?))
                    }
                    "object" => {
                        let attrs = arg(1)?
                            .as_object()
                            .ok_or_else(|| bad("an object of attribute types"))?;
                        let mut o = ObjectType::default();
                        for (name, t) in attrs {
                            o.attrs.insert(name.clone(), sub(t)?);
                        }
                        if let Some(opt) = parts.get(2) {
                            let names = opt
                                .as_array()
                                .ok_or_else(|| bad("an array of optional attribute names"))?;
                            for name in names {
                                let name = name.as_str().ok_or_else(|| bad("optional attribute names"))?;
                                if !o.attrs.contains_key(name) {
                                    return Err(Error::Type(format!(
                                        "optional attribute {name:?} is not an attribute of the object type"
                                    )));
                                }
                                o.optional.insert(name.to_owned());
                            }
                        }
                        Ok(Type::Object(o))
                    }
                    _ => Err(Error::Type(format!("unknown type kind {kind:?}"))),
                }
            }
            _ => Err(bad("a type name or array")),
        }
    }
}

/// Deepest type nesting [`Type::from_json`] accepts.
const MAX_TYPE_DEPTH: usize = crate::MAX_NESTING;

impl fmt::Display for Type {
    /// The compact JSON form, like `["list","string"]`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.to_json())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn nested_object_constraint() {
        let j = json!(["object", {"a": "string", "b": ["list", "number"]}, ["b"]]);
        let t = Type::from_json(&j).unwrap();
        let want = Type::object_with_optional([("a", Type::String), ("b", Type::list(Type::Number))], ["b"]);
        assert_eq!(t, want);
        assert_eq!(t.to_json(), j);
        assert_eq!(
            t.to_string(),
            r#"["object",{"a":"string","b":["list","number"]},["b"]]"#
        );
    }

    #[test]
    fn all_kinds_round_trip() {
        let t = Type::tuple([
            Type::String,
            Type::Number,
            Type::Bool,
            Type::Dynamic,
            Type::set(Type::map(Type::String)),
            Type::object([("x", Type::tuple([]))]),
        ]);
        let j = t.to_json();
        assert_eq!(
            j,
            json!(["tuple", ["string", "number", "bool", "dynamic", ["set", ["map", "string"]],
                ["object", {"x": ["tuple", []]}]]])
        );
        assert_eq!(Type::from_json(&j).unwrap(), t);
        assert_eq!(Type::from_json_bytes(&t.to_json_bytes()).unwrap(), t);
        assert!(t.has_dynamic());
    }

    #[test]
    fn rejects_bad_constraints() {
        for j in [
            json!("str"),
            json!(1),
            json!([]),
            json!(["list"]),
            json!(["list", "string", "extra"]),
            json!(["whatever", "string"]),
            json!(["tuple", "string"]),
            json!(["object", ["a"]]),
            json!(["object", {"a": "string"}, ["b"]]),
            json!(["object", {"a": "string"}, "a"]),
        ] {
            let e = Type::from_json(&j).unwrap_err();
            assert!(
                e.to_string().starts_with("failed to parse type constraint: "),
                "{e}"
            );
        }
    }
}
