//! A model of HashiCorp's cty type system (`github.com/zclconf/go-cty`) and its wire codecs, as the
//! Terraform/OpenTofu plugin protocol uses them.
//!
//! - [`Type`] is a cty type; [`Type::to_json`] and [`Type::from_json`] are the JSON form in which
//!   schemas and `dynamic` values carry types.
//! - [`Value`] is a cty value; the codecs take its type separately, as the protocol does.
//! - [`msgpack`] is the encoding of `DynamicValue.msgpack` (with unknowns and their refinements);
//!   [`json`] the encoding of `DynamicValue.json` and `RawState.json`.
//! - [`to_plain_json`] and [`from_plain_json`] convert between known values and plain JSON documents.

mod error;
pub mod json;
pub mod msgpack;
mod number;
mod types;
mod value;

#[cfg(test)]
mod proptests;

use std::collections::BTreeMap;

pub use error::{Error, Path, PathStep};
pub use number::{MAX_EXPONENT, Number};
pub use types::{ObjectType, Type};
pub use value::{Refinements, Value};

/// The deepest nesting of values (counting each collection, structure and `dynamic` wrapper) that
/// the codecs read or write: deeper input is an error rather than a stack overflow.
pub const MAX_NESTING: usize = 64;

/// A known value as a plain JSON document: `None` if any part of it is unknown.
///
/// Null is `null`, [`Value::Dynamic`] wrappers are looked through, objects and maps become JSON
/// objects, lists, sets and tuples arrays. Whole numbers within `i64`/`u64` are exact JSON integers,
/// other numbers the nearest `f64` (and their decimal text as a string if beyond `f64`'s range).
pub fn to_plain_json(v: &Value) -> Option<serde_json::Value> {
    use serde_json::Value as J;
    Some(match v {
        Value::Unknown(_) => return None,
        Value::Null => J::Null,
        Value::Bool(b) => J::Bool(*b),
        Value::String(s) => J::String(s.clone()),
        Value::Number(n) => json::number_to_serde(n).map_or_else(|| J::String(n.to_string()), J::Number),
        Value::List(vs) | Value::Set(vs) | Value::Tuple(vs) => {
            J::Array(vs.iter().map(to_plain_json).collect::<Option<_>>()?)
        }
        Value::Map(m) | Value::Object(m) => J::Object(
            m.iter()
                .map(|(k, v)| Some((k.clone(), to_plain_json(v)?)))
                .collect::<Option<_>>()?,
        ),
        Value::Dynamic(_, v) => to_plain_json(v)?,
    })
}

/// A plain JSON document as a cty value and the type cty would imply for it (like go-cty's
/// `ImpliedType`): objects become objects, arrays tuples, `null` a null of type `dynamic`.
pub fn from_plain_json(j: &serde_json::Value) -> (Type, Value) {
    use serde_json::Value as J;
    match j {
        J::Null => (Type::Dynamic, Value::Null),
        J::Bool(b) => (Type::Bool, Value::Bool(*b)),
        J::Number(n) => (Type::Number, Value::Number(json::number_from_serde(n))),
        J::String(s) => (Type::String, Value::String(s.clone())),
        J::Array(items) => {
            let (types, values) = items.iter().map(from_plain_json).unzip();
            (Type::Tuple(types), Value::Tuple(values))
        }
        J::Object(m) => {
            let mut attrs = BTreeMap::new();
            let mut values = BTreeMap::new();
            for (k, item) in m {
                let (t, v) = from_plain_json(item);
                attrs.insert(k.clone(), t);
                values.insert(k.clone(), v);
            }
            (
                Type::Object(ObjectType {
                    attrs,
                    optional: Default::default(),
                }),
                Value::Object(values),
            )
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn plain_json_round_trip() {
        let j = json!({"replicas": 2, "ratio": 0.5, "big": 18446744073709551615_u64, "name": "x",
                       "on": false, "none": null, "list": [1, "a", {"k": []}]});
        let (t, v) = from_plain_json(&j);
        assert_eq!(
            t,
            Type::object([
                ("replicas", Type::Number),
                ("ratio", Type::Number),
                ("big", Type::Number),
                ("name", Type::String),
                ("on", Type::Bool),
                ("none", Type::Dynamic),
                (
                    "list",
                    Type::tuple([Type::Number, Type::String, Type::object([("k", Type::tuple([]))])])
                ),
            ])
        );
        assert_eq!(to_plain_json(&v), Some(j.clone()));
        // The implied type encodes the value faithfully through both codecs.
        let bytes = msgpack::encode(&v, &t).unwrap();
        assert_eq!(msgpack::decode(&bytes, &t).unwrap(), v);
        assert_eq!(json::decode(&json::encode(&v, &t).unwrap(), &t).unwrap(), v);
        // And as a dynamic value.
        let wrapped = Value::Dynamic(t.clone(), Box::new(v.clone()));
        assert_eq!(to_plain_json(&wrapped), Some(j));
        let bytes = msgpack::encode(&wrapped, &Type::Dynamic).unwrap();
        assert_eq!(msgpack::decode(&bytes, &Type::Dynamic).unwrap(), wrapped);
    }

    #[test]
    fn plain_json_unknown_and_numbers() {
        assert_eq!(
            to_plain_json(&Value::list([Value::from(1), Value::unknown()])),
            None
        );
        let huge = Value::Number(Number::parse("1e400").unwrap());
        assert_eq!(to_plain_json(&huge), Some(json!(format!("1{}", "0".repeat(400)))));
        assert_eq!(
            to_plain_json(&Value::Number(Number::parse("-2.25").unwrap())),
            Some(json!(-2.25))
        );
    }

    #[test]
    fn max_nesting_fits_a_small_stack() {
        // The deepest value allowed goes through every codec on a 1 MiB stack, even unoptimized.
        let run = || {
            let mut ty = Type::String;
            let mut v = Value::string("x");
            for i in 0..MAX_NESTING - 1 {
                if i % 2 == 0 {
                    ty = Type::list(ty);
                    v = Value::list([v]);
                } else {
                    ty = Type::object([("a", ty)]);
                    v = Value::object([("a", v)]);
                }
            }
            let bytes = msgpack::encode(&v, &ty).unwrap();
            assert_eq!(msgpack::decode(&bytes, &ty).unwrap(), v);
            let text = json::encode_bytes(&v, &ty).unwrap();
            assert_eq!(json::decode_bytes(&text, &ty).unwrap(), v);
            let j = json::encode(&v, &ty).unwrap();
            assert_eq!(json::decode(&j, &ty).unwrap(), v);
            let plain = to_plain_json(&v).unwrap();
            let (_, back) = from_plain_json(&plain);
            assert_eq!(to_plain_json(&back), Some(plain));
            // One level more is refused by every codec.
            let deeper_ty = Type::list(ty);
            let deeper = Value::list([v]);
            assert!(msgpack::encode(&deeper, &deeper_ty).is_err());
            assert!(json::encode(&deeper, &deeper_ty).is_err());
            let mut bytes2 = vec![0x91];
            bytes2.extend_from_slice(&bytes);
            assert!(msgpack::decode(&bytes2, &deeper_ty).is_err());
            let text2 = [b"[", text.as_slice(), b"]"].concat();
            assert!(json::decode_bytes(&text2, &deeper_ty).is_err());
        };
        std::thread::Builder::new()
            .stack_size(1 << 20)
            .spawn(run)
            .unwrap()
            .join()
            .unwrap();
    }
}
