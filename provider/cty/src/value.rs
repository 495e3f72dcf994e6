//! cty values.

use std::collections::BTreeMap;

use crate::{Number, ObjectType, Type};

/// What is known about an unknown value (cty's refinements); the default knows nothing.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Refinements {
    /// The value is definitely not null.
    pub not_null: bool,
    /// A string value will start with this prefix.
    pub string_prefix: Option<String>,
    /// A number value will be at least (`true`: or equal to) this bound.
    pub number_lower: Option<(Number, bool)>,
    /// A number value will be at most (`true`: or equal to) this bound.
    pub number_upper: Option<(Number, bool)>,
    /// A collection value will have at least this many elements.
    pub length_lower: Option<u64>,
    /// A collection value will have at most this many elements.
    pub length_upper: Option<u64>,
}

impl Refinements {
    /// Whether nothing is known (a wholly unknown value).
    pub fn is_empty(&self) -> bool {
        *self == Refinements::default()
    }

    /// Only the refinements that can apply to a value of type `ty`, as go-cty keeps them: nullness for
    /// any type but `dynamic`, a prefix for strings (and not an empty one), bounds for numbers, lengths
    /// for lists, sets and maps (and not a lower length of zero, nor an upper one beyond `i64`).
    pub fn for_type(&self, ty: &Type) -> Refinements {
        if *ty == Type::Dynamic {
            return Refinements::default();
        }
        let mut r = Refinements {
            not_null: self.not_null,
            ..Refinements::default()
        };
        match ty {
            Type::String => r.string_prefix = self.string_prefix.clone().filter(|p| !p.is_empty()),
            Type::Number => {
                r.number_lower = self.number_lower.clone();
                r.number_upper = self.number_upper.clone();
            }
            t if t.is_collection() => {
                r.length_lower = self.length_lower.filter(|&l| l != 0);
                // go-cty reads bounds as Go ints; an upper bound beyond them says nothing.
                r.length_upper = self.length_upper.filter(|&u| u <= i64::MAX as u64);
            }
            _ => {}
        }
        r
    }
}

/// A cty value. Its type is not carried along (except in [`Value::Dynamic`]): the codecs take the type
/// separately, as the plugin protocol's schemas give it.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    /// A null value, of any type.
    Null,
    /// A value not known yet (during planning), with what is known about it.
    Unknown(Refinements),
    /// A `bool`.
    Bool(bool),
    /// A `number`.
    Number(Number),
    /// A `string`.
    String(String),
    /// A `list`.
    List(Vec<Value>),
    /// A `set`; elements keep the order given (the caller removes duplicates).
    Set(Vec<Value>),
    /// A `tuple`.
    Tuple(Vec<Value>),
    /// A `map`.
    Map(BTreeMap<String, Value>),
    /// An `object`.
    Object(BTreeMap<String, Value>),
    /// A value that sat in a `dynamic` slot, with the concrete type it arrived with.
    Dynamic(Type, Box<Value>),
}

impl Value {
    /// A wholly unknown value.
    pub fn unknown() -> Value {
        Value::Unknown(Refinements::default())
    }

    /// An unknown value that is known not to be null.
    pub fn unknown_not_null() -> Value {
        Value::Unknown(Refinements {
            not_null: true,
            ..Refinements::default()
        })
    }

    /// A string value.
    pub fn string(s: impl Into<String>) -> Value {
        Value::String(s.into())
    }

    /// A number value.
    pub fn number(n: impl Into<Number>) -> Value {
        Value::Number(n.into())
    }

    /// An object value with these attributes.
    pub fn object(attrs: impl IntoIterator<Item = (impl Into<String>, Value)>) -> Value {
        Value::Object(attrs.into_iter().map(|(k, v)| (k.into(), v)).collect())
    }

    /// A map value with these elements.
    pub fn map(elems: impl IntoIterator<Item = (impl Into<String>, Value)>) -> Value {
        Value::Map(elems.into_iter().map(|(k, v)| (k.into(), v)).collect())
    }

    /// A list value with these elements.
    pub fn list(elems: impl IntoIterator<Item = Value>) -> Value {
        Value::List(elems.into_iter().collect())
    }

    /// The value inside any [`Value::Dynamic`] wrappers.
    pub fn unwrap_dynamic(&self) -> &Value {
        let mut v = self;
        while let Value::Dynamic(_, inner) = v {
            v = inner;
        }
        v
    }

    /// Whether the value is null (looking through [`Value::Dynamic`]).
    pub fn is_null(&self) -> bool {
        matches!(self.unwrap_dynamic(), Value::Null)
    }

    /// Whether the value itself is unknown (looking through [`Value::Dynamic`]); a known collection
    /// with unknown elements is not.
    pub fn is_unknown(&self) -> bool {
        matches!(self.unwrap_dynamic(), Value::Unknown(_))
    }

    /// Whether no unknown value occurs anywhere inside this value.
    pub fn is_wholly_known(&self) -> bool {
        match self {
            Value::Unknown(_) => false,
            Value::Null | Value::Bool(_) | Value::Number(_) | Value::String(_) => true,
            Value::List(vs) | Value::Set(vs) | Value::Tuple(vs) => vs.iter().all(Value::is_wholly_known),
            Value::Map(m) | Value::Object(m) => m.values().all(Value::is_wholly_known),
            Value::Dynamic(_, v) => v.is_wholly_known(),
        }
    }

    /// The string, if this is a known string.
    pub fn as_str(&self) -> Option<&str> {
        match self.unwrap_dynamic() {
            Value::String(s) => Some(s),
            _ => None,
        }
    }

    /// The bool, if this is a known bool.
    pub fn as_bool(&self) -> Option<bool> {
        match self.unwrap_dynamic() {
            Value::Bool(b) => Some(*b),
            _ => None,
        }
    }

    /// The number, if this is a known number.
    pub fn as_number(&self) -> Option<&Number> {
        match self.unwrap_dynamic() {
            Value::Number(n) => Some(n),
            _ => None,
        }
    }

    /// The number as an `i64`, if this is a known whole number in range.
    pub fn as_i64(&self) -> Option<i64> {
        self.as_number().and_then(Number::as_i64)
    }

    /// The attributes, if this is a known object.
    pub fn as_object(&self) -> Option<&BTreeMap<String, Value>> {
        match self.unwrap_dynamic() {
            Value::Object(m) => Some(m),
            _ => None,
        }
    }

    /// The elements, if this is a known map.
    pub fn as_map(&self) -> Option<&BTreeMap<String, Value>> {
        match self.unwrap_dynamic() {
            Value::Map(m) => Some(m),
            _ => None,
        }
    }

    /// The elements, if this is a known list, set or tuple.
    pub fn as_list(&self) -> Option<&[Value]> {
        match self.unwrap_dynamic() {
            Value::List(vs) | Value::Set(vs) | Value::Tuple(vs) => Some(vs),
            _ => None,
        }
    }

    /// How this value is named in error messages: `null`, `unknown value`, `string`, `list`…
    /// (a dynamic value by what it holds).
    #[must_use]
    pub fn kind_name(&self) -> &'static str {
        match self {
            Value::Null => "null",
            Value::Unknown(_) => "unknown value",
            Value::Bool(_) => "bool",
            Value::Number(_) => "number",
            Value::String(_) => "string",
            Value::List(_) => "list",
            Value::Set(_) => "set",
            Value::Tuple(_) => "tuple",
            Value::Map(_) => "map",
            Value::Object(_) => "object",
            Value::Dynamic(_, v) => v.kind_name(),
        }
    }

    /// An object attribute; [`Value::Null`] if this is not a known object or has no such attribute.
    pub fn get(&self, attr: &str) -> &Value {
        static NULL: Value = Value::Null;
        self.as_object().and_then(|m| m.get(attr)).unwrap_or(&NULL)
    }

    /// The type this value most plausibly has, for writing it into a `dynamic` slot: objects give
    /// object types, tuples tuple types, lists, sets and maps the common type of their elements
    /// (`dynamic` when empty or when the elements disagree), [`Value::Dynamic`] its type, null and
    /// unknown `dynamic`.
    pub fn infer_type(&self) -> Type {
        match self {
            Value::Null | Value::Unknown(_) => Type::Dynamic,
            Value::Bool(_) => Type::Bool,
            Value::Number(_) => Type::Number,
            Value::String(_) => Type::String,
            Value::List(vs) => Type::list(common_type(vs.iter())),
            Value::Set(vs) => Type::set(common_type(vs.iter())),
            Value::Map(m) => Type::map(common_type(m.values())),
            Value::Tuple(vs) => Type::Tuple(vs.iter().map(Value::infer_type).collect()),
            Value::Object(m) => Type::Object(ObjectType {
                attrs: m.iter().map(|(k, v)| (k.clone(), v.infer_type())).collect(),
                optional: Default::default(),
            }),
            Value::Dynamic(t, _) => t.clone(),
        }
    }
}

/// The type all these values fit, treating `dynamic` parts as fitting anything; `dynamic` if none.
fn common_type<'a>(vals: impl Iterator<Item = &'a Value>) -> Type {
    let mut acc = Type::Dynamic;
    for v in vals {
        match unify(&acc, &v.infer_type()) {
            Some(t) => acc = t,
            None => return Type::Dynamic,
        }
    }
    acc
}

/// The more specific of two types that agree except where either is `dynamic`.
fn unify(a: &Type, b: &Type) -> Option<Type> {
    match (a, b) {
        (Type::Dynamic, t) | (t, Type::Dynamic) => Some(t.clone()),
        (Type::List(x), Type::List(y)) => Some(Type::list(unify(x, y)?)),
        (Type::Set(x), Type::Set(y)) => Some(Type::set(unify(x, y)?)),
        (Type::Map(x), Type::Map(y)) => Some(Type::map(unify(x, y)?)),
        (Type::Tuple(xs), Type::Tuple(ys)) if xs.len() == ys.len() => Some(Type::Tuple(
            xs.iter()
                .zip(ys)
                .map(|(x, y)| unify(x, y))
                .collect::<Option<_>>()?,
        )),
        (Type::Object(x), Type::Object(y)) if x.attrs.keys().eq(y.attrs.keys()) => {
            let attrs = x
                .attrs
                .iter()
                .zip(y.attrs.values())
                .map(|((k, x), y)| Some((k.clone(), unify(x, y)?)))
                .collect::<Option<_>>()?;
            Some(Type::Object(ObjectType {
                attrs,
                optional: Default::default(),
            }))
        }
        (x, y) if x == y => Some(x.clone()),
        _ => None,
    }
}

impl From<&str> for Value {
    fn from(s: &str) -> Value {
        Value::String(s.to_owned())
    }
}

impl From<String> for Value {
    fn from(s: String) -> Value {
        Value::String(s)
    }
}

impl From<bool> for Value {
    fn from(b: bool) -> Value {
        Value::Bool(b)
    }
}

impl From<i64> for Value {
    fn from(i: i64) -> Value {
        Value::Number(Number::from_i64(i))
    }
}

impl From<Number> for Value {
    fn from(n: Number) -> Value {
        Value::Number(n)
    }
}

impl<T: Into<Value>> From<Option<T>> for Value {
    /// `None` becomes [`Value::Null`].
    fn from(o: Option<T>) -> Value {
        o.map_or(Value::Null, Into::into)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accessors() {
        let v = Value::object([
            ("name", Value::string("x")),
            ("n", Value::from(3)),
            ("items", Value::list([Value::from(true)])),
            ("dyn", Value::Dynamic(Type::String, Box::new(Value::string("d")))),
            ("nothing", Value::Null),
            ("later", Value::unknown()),
        ]);
        assert_eq!(v.get("name").as_str(), Some("x"));
        assert_eq!(v.get("n").as_i64(), Some(3));
        assert_eq!(v.get("items").as_list().map(<[Value]>::len), Some(1));
        assert_eq!(v.get("dyn").as_str(), Some("d"));
        assert!(v.get("nothing").is_null());
        assert!(v.get("absent").is_null());
        assert!(v.get("later").is_unknown());
        assert!(!v.is_wholly_known());
        assert!(!v.is_unknown());
        assert!(Value::Null.get("x").is_null());
        assert_eq!(Value::from(None::<bool>), Value::Null);
    }

    #[test]
    fn infers_types() {
        let v = Value::object([
            ("l", Value::list([Value::Null, Value::string("a")])),
            ("e", Value::List(vec![])),
            ("mixed", Value::Set(vec![Value::from(1), Value::from("a")])),
            ("t", Value::Tuple(vec![Value::from(1), Value::from("a")])),
            (
                "objs",
                Value::list([
                    Value::object([("a", Value::Null), ("b", Value::from(1))]),
                    Value::object([("a", Value::from("x")), ("b", Value::unknown())]),
                ]),
            ),
            (
                "m",
                Value::map([("k", Value::Dynamic(Type::Bool, Box::new(Value::Null)))]),
            ),
        ]);
        let want = Type::object([
            ("l", Type::list(Type::String)),
            ("e", Type::list(Type::Dynamic)),
            ("mixed", Type::set(Type::Dynamic)),
            ("t", Type::tuple([Type::Number, Type::String])),
            (
                "objs",
                Type::list(Type::object([("a", Type::String), ("b", Type::Number)])),
            ),
            ("m", Type::map(Type::Bool)),
        ]);
        assert_eq!(v.infer_type(), want);
    }

    #[test]
    fn refinements_for_type() {
        let r = Refinements {
            not_null: true,
            string_prefix: Some("p".into()),
            number_lower: Some((Number::from(1), true)),
            number_upper: None,
            length_lower: Some(0),
            length_upper: Some(3),
        };
        assert_eq!(r.for_type(&Type::Dynamic), Refinements::default());
        assert_eq!(
            r.for_type(&Type::String),
            Refinements {
                not_null: true,
                string_prefix: Some("p".into()),
                ..Default::default()
            }
        );
        assert_eq!(
            r.for_type(&Type::list(Type::String)),
            Refinements {
                not_null: true,
                length_upper: Some(3),
                ..Default::default()
            }
        );
        assert_eq!(
            r.for_type(&Type::Bool),
            Refinements {
                not_null: true,
                ..Default::default()
            }
        );
    }
}
