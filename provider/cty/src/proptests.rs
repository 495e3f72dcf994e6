//! Property tests: arbitrary types and values of bounded depth round-trip through the codecs.

use std::collections::BTreeSet;

use proptest::prelude::*;

use crate::{Number, ObjectType, Refinements, Type, Value, json, msgpack};

fn arb_type_with(leaf: BoxedStrategy<Type>) -> BoxedStrategy<Type> {
    leaf.prop_recursive(4, 40, 4, |inner| {
        prop_oneof![
            inner.clone().prop_map(Type::list),
            inner.clone().prop_map(Type::set),
            inner.clone().prop_map(Type::map),
            prop::collection::btree_map("[a-z_]{1,6}", (inner.clone(), any::<bool>()), 0..4).prop_map(|m| {
                let optional: BTreeSet<String> = m
                    .iter()
                    .filter(|(_, (_, o))| *o)
                    .map(|(k, _)| k.clone())
                    .collect();
                let attrs = m.into_iter().map(|(k, (t, _))| (k, t)).collect();
                Type::Object(ObjectType { attrs, optional })
            }),
            prop::collection::vec(inner, 0..4).prop_map(Type::Tuple),
        ]
    })
    .boxed()
}

fn arb_type() -> BoxedStrategy<Type> {
    arb_type_with(
        prop_oneof![
            Just(Type::String),
            Just(Type::Number),
            Just(Type::Bool),
            Just(Type::Dynamic)
        ]
        .boxed(),
    )
}

/// Types for the content of a `dynamic` slot: anything but `dynamic` itself at the top (a
/// `Dynamic(dynamic, null)` is written as a bare null, so it cannot come back as itself).
fn arb_concrete_type() -> BoxedStrategy<Type> {
    arb_type()
        .prop_filter("not dynamic at the top", |t| *t != Type::Dynamic)
        .boxed()
}

/// Numbers: from `i64`, `u64`, `f64` and (unless `json_exact`) long decimals no `f64` holds.
fn arb_number(json_exact: bool) -> BoxedStrategy<Number> {
    let ints = any::<i64>().prop_map(Number::from_i64);
    let uints = any::<u64>().prop_map(Number::from_u64);
    let floats = any::<f64>().prop_filter_map("finite", Number::from_f64);
    if json_exact {
        // Whole f64s beyond 2^53 are kept exactly (as go-cty does), but JSON text holds their shortest
        // decimal instead.
        let small_floats = (-9.0e15..9.0e15_f64)
            .prop_union(-1.0..1.0_f64)
            .prop_filter_map("finite", Number::from_f64);
        prop_oneof![ints, uints, small_floats].boxed()
    } else {
        let decimals = "-?[0-9]{1,30}(\\.[0-9]{1,25})?(e-?[0-9]{1,2})?"
            .prop_map(|s| Number::parse(&s).unwrap_or_else(|| panic!("{s} should parse")));
        prop_oneof![ints, uints, floats, decimals].boxed()
    }
}

fn arb_refinements(ty: &Type) -> BoxedStrategy<Refinements> {
    let ty = ty.clone();
    let bound = || proptest::option::of((arb_number(false), any::<bool>()));
    (
        any::<bool>(),
        proptest::option::of(".{0,12}"),
        bound(),
        bound(),
        proptest::option::of(0_u64..20),
        proptest::option::of(0_u64..u64::MAX),
    )
        .prop_map(
            move |(not_null, string_prefix, number_lower, number_upper, length_lower, length_upper)| {
                Refinements {
                    not_null,
                    string_prefix,
                    number_lower,
                    number_upper,
                    length_lower,
                    length_upper,
                }
                .for_type(&ty)
            },
        )
        .boxed()
}

#[derive(Clone, Copy)]
struct Opts {
    unknowns: bool,
    json_exact: bool,
}

fn arb_value(ty: &Type, opts: Opts, depth: u32) -> BoxedStrategy<Value> {
    let known = arb_known(ty, opts, depth);
    if opts.unknowns {
        let unknown = arb_refinements(ty).prop_map(Value::Unknown);
        prop_oneof![1 => Just(Value::Null), 1 => unknown, 6 => known].boxed()
    } else {
        prop_oneof![1 => Just(Value::Null), 6 => known].boxed()
    }
}

fn arb_known(ty: &Type, opts: Opts, depth: u32) -> BoxedStrategy<Value> {
    match ty {
        Type::String => any::<String>().prop_map(Value::String).boxed(),
        Type::Number => arb_number(opts.json_exact).prop_map(Value::Number).boxed(),
        Type::Bool => any::<bool>().prop_map(Value::Bool).boxed(),
        Type::List(et) => prop::collection::vec(arb_value(et, opts, depth), 0..4)
            .prop_map(Value::List)
            .boxed(),
        Type::Set(et) => prop::collection::vec(arb_value(et, opts, depth), 0..4)
            .prop_map(Value::Set)
            .boxed(),
        Type::Map(et) => prop::collection::btree_map(".{0,5}", arb_value(et, opts, depth), 0..4)
            .prop_map(Value::Map)
            .boxed(),
        Type::Object(ot) => {
            let names: Vec<String> = ot.attrs.keys().cloned().collect();
            let strategies: Vec<_> = ot.attrs.values().map(|t| arb_value(t, opts, depth)).collect();
            strategies
                .prop_map(move |vals| Value::Object(names.iter().cloned().zip(vals).collect()))
                .boxed()
        }
        Type::Tuple(ets) => {
            let strategies: Vec<_> = ets.iter().map(|t| arb_value(t, opts, depth)).collect();
            strategies.prop_map(Value::Tuple).boxed()
        }
        Type::Dynamic => {
            if depth == 0 {
                // Only null (and unknown) values from here down.
                return Just(Value::Null).boxed();
            }
            arb_concrete_type()
                .prop_flat_map(move |t| {
                    arb_value(&t, opts, depth - 1).prop_map(move |v| Value::Dynamic(t.clone(), Box::new(v)))
                })
                .boxed()
        }
    }
}

/// The value with every number replaced by the `f64` shortest decimal Rust picks for it.
fn as_f64s(v: &Value) -> Value {
    let f = |vs: &[Value]| vs.iter().map(as_f64s).collect::<Vec<_>>();
    let m = |m: &std::collections::BTreeMap<String, Value>| {
        m.iter().map(|(k, v)| (k.clone(), as_f64s(v))).collect()
    };
    match v {
        Value::Number(n) => Value::Number(n.as_f64().and_then(Number::from_f64).unwrap_or_else(|| n.clone())),
        Value::List(vs) => Value::List(f(vs)),
        Value::Set(vs) => Value::Set(f(vs)),
        Value::Tuple(vs) => Value::Tuple(f(vs)),
        Value::Map(x) => Value::Map(m(x)),
        Value::Object(x) => Value::Object(m(x)),
        Value::Dynamic(t, v) => Value::Dynamic(t.clone(), Box::new(as_f64s(v))),
        other => other.clone(),
    }
}

fn arb_typed_value(opts: Opts) -> impl Strategy<Value = (Type, Value)> {
    arb_type().prop_flat_map(move |t| {
        let t2 = t.clone();
        arb_value(&t, opts, 2).prop_map(move |v| (t2.clone(), v))
    })
}

proptest! {
    #[test]
    fn type_json_round_trip(t in arb_type()) {
        let j = t.to_json();
        prop_assert_eq!(Type::from_json(&j).unwrap(), t.clone());
        prop_assert_eq!(Type::from_json_bytes(&t.to_json_bytes()).unwrap(), t);
    }

    #[test]
    fn msgpack_round_trip((t, v) in arb_typed_value(Opts { unknowns: true, json_exact: false })) {
        let bytes = msgpack::encode(&v, &t).unwrap();
        prop_assert_eq!(msgpack::decode(&bytes, &t).unwrap(), v);
    }

    #[test]
    fn json_round_trip((t, v) in arb_typed_value(Opts { unknowns: false, json_exact: true })) {
        prop_assert!(v.is_wholly_known());
        let j = json::encode(&v, &t).unwrap();
        prop_assert_eq!(json::decode(&j, &t).unwrap(), v.clone());
        // serde_json writes an f64 as *a* shortest decimal, which at a tie may differ in the last
        // digit from the one Rust picks: compare numbers as the f64 they stand for.
        let text = serde_json::to_vec(&j).unwrap();
        prop_assert_eq!(as_f64s(&json::decode_bytes(&text, &t).unwrap()), as_f64s(&v));
    }

    #[test]
    fn json_bytes_round_trip_exact((t, v) in arb_typed_value(Opts { unknowns: false, json_exact: false })) {
        let bytes = json::encode_bytes(&v, &t).unwrap();
        // Valid JSON for any reader.
        serde_json::from_slice::<serde_json::Value>(&bytes).unwrap();
        prop_assert_eq!(json::decode_bytes(&bytes, &t).unwrap(), v);
    }

    #[test]
    fn number_text_round_trip(n in arb_number(false)) {
        prop_assert_eq!(Number::parse(&n.to_string()), Some(n.clone()));
        if let Some(i) = n.as_i64() {
            prop_assert_eq!(Number::from_i64(i), n.clone());
        }
        if n.is_exact_f64() {
            prop_assert_eq!(Number::from_f64(n.as_f64().unwrap()), Some(n));
        }
    }

    #[test]
    fn number_order_matches_f64(a in any::<f64>(), b in any::<f64>()) {
        if let (Some(na), Some(nb)) = (Number::from_f64(a), Number::from_f64(b)) {
            prop_assert_eq!(Some(na.cmp(&nb)), a.partial_cmp(&b));
        }
    }
}
