//! The msgpack encoding of cty values (go-cty's `cty/msgpack`), as `DynamicValue.msgpack` carries them
//! in the plugin protocol.
//!
//! - null is nil; an unknown is any msgpack extension value. A wholly unknown value is written as
//!   `d4 00 00` (fixext1, type 0, one zero byte); a refined one as extension type 12 holding a map of
//!   refinements (1: nullness, 2: string prefix, 3/4: number bounds `[number, inclusive]`, 5/6:
//!   collection length bounds).
//! - Objects and maps are msgpack maps keyed by name; lists, sets and tuples are arrays.
//! - Numbers are ints when whole and within `i64`, float64 when exactly an `f64`, otherwise decimal
//!   strings; all of int, uint, float32/64 and decimal strings are read.
//! - A value in a `dynamic` slot is a two-element array `[bin(type JSON), value]`.

use std::collections::BTreeMap;

use rmpv::Value as Mp;

use crate::error::{Path, PathStep};
use crate::{Error, MAX_NESTING, Number, ObjectType, Refinements, Type, Value};

const FORMAT: &str = "msgpack";

/// The extension type of a refined unknown value.
const REFINED_UNKNOWN_EXT: i8 = 12;
/// go-cty keeps string-prefix refinements to at most this many bytes.
const MAX_PREFIX_BYTES: usize = 256;

const REFINE_NULLNESS: i64 = 1;
const REFINE_STRING_PREFIX: i64 = 2;
const REFINE_NUMBER_MIN: i64 = 3;
const REFINE_NUMBER_MAX: i64 = 4;
const REFINE_LENGTH_MIN: i64 = 5;
const REFINE_LENGTH_MAX: i64 = 6;

/// Encodes a value of type `ty` as msgpack.
///
/// Null is nil at any type; an unknown is the unknown extension at any type (refined when it has
/// refinements that apply to `ty`). At a `dynamic` slot, [`Value::Dynamic`] is written with its own
/// type and any other known value with [`Value::infer_type`]; elsewhere a [`Value::Dynamic`] wrapper is
/// looked through. Lists, sets and tuples may be given for one another, and maps and objects likewise;
/// every attribute of an object type is written, nil for the ones the value lacks. Values nested
/// deeper than [`MAX_NESTING`] are an error.
pub fn encode(v: &Value, ty: &Type) -> Result<Vec<u8>, Error> {
    let mut enc = Encoder {
        out: Vec::new(),
        path: Vec::new(),
        depth: 0,
    };
    enc.value(v, ty)?;
    Ok(enc.out)
}

/// Decodes msgpack bytes as a value of type `ty`.
///
/// Any extension value is an unknown (with its refinements if it is a refined unknown); nil is null.
/// A value in a `dynamic` slot comes back as [`Value::Dynamic`] with the type it was sent with. Object
/// attributes missing from the input are null; attributes the type does not have are an error.
/// Values nested deeper than [`MAX_NESTING`] are an error.
pub fn decode(bytes: &[u8], ty: &Type) -> Result<Value, Error> {
    let mut rd = bytes;
    // rmpv counts two levels for each array or map, three for a string.
    let mp =
        rmpv::decode::read_value_with_max_depth(&mut rd, 2 * MAX_NESTING + 8).map_err(|e| Error::Syntax {
            format: FORMAT,
            message: e.to_string(),
        })?;
    if !rd.is_empty() {
        return Err(Error::Syntax {
            format: FORMAT,
            message: format!("{} trailing bytes", rd.len()),
        });
    }
    let mut dec = Decoder {
        path: Vec::new(),
        depth: 0,
    };
    dec.value(&mp, ty)
}

/// Writes values; each kind of type has its own small function, so that the recursion's stack frames
/// stay small. (rmp's writes into a `Vec<u8>` cannot fail, hence the ignored results.)
struct Encoder {
    out: Vec<u8>,
    path: Vec<PathStep>,
    depth: usize,
}

impl Encoder {
    #[cold]
    fn err(&self, message: String) -> Error {
        Error::Encode {
            format: FORMAT,
            path: Path(self.path.clone()),
            message,
        }
    }

    #[cold]
    fn mismatch(&self, v: &Value, ty: &Type) -> Error {
        self.err(format!(
            "expected {}, got {}",
            describe_type(ty),
            Value::kind_name(v)
        ))
    }

    fn len32(&self, len: usize) -> Result<u32, Error> {
        u32::try_from(len).map_err(|_| self.err("expected fewer than 2^32 elements".into()))
    }

    fn nested(&mut self, step: PathStep, v: &Value, ty: &Type) -> Result<(), Error> {
        self.path.push(step);
        self.value(v, ty)?;
        self.path.pop();
        Ok(())
    }

    fn value(&mut self, v: &Value, ty: &Type) -> Result<(), Error> {
        match v {
            Value::Null => {
                self.out.push(0xc0);
                return Ok(());
            }
            Value::Unknown(r) => {
                write_unknown(&mut self.out, &r.for_type(ty));
                return Ok(());
            }
            _ => {}
        }
        if self.depth >= MAX_NESTING {
            return Err(self.err(format!("expected at most {MAX_NESTING} levels of nesting")));
        }
        self.depth += 1;
        match (v, ty) {
            (Value::Dynamic(t, inner), Type::Dynamic) => self.dynamic(inner, t)?,
            (Value::Dynamic(_, inner), _) => self.value(inner, ty)?,
            (_, Type::Dynamic) => self.dynamic(v, &v.infer_type())?,
            (Value::Bool(b), Type::Bool) => self.out.push(if *b { 0xc3 } else { 0xc2 }),
            (Value::Number(n), Type::Number) => write_number(&mut self.out, n),
            (Value::String(s), Type::String) => self.str(s)?,
            (Value::List(vs) | Value::Set(vs) | Value::Tuple(vs), Type::List(et) | Type::Set(et)) => {
                self.sequence(vs, et)?
            }
            (Value::List(vs) | Value::Set(vs) | Value::Tuple(vs), Type::Tuple(ets)) => self.tuple(vs, ets)?,
            (Value::Map(m) | Value::Object(m), Type::Map(et)) => self.map(m, et)?,
            (Value::Map(m) | Value::Object(m), Type::Object(ot)) => self.object(m, ot)?,
            _ => return Err(self.mismatch(v, ty)),
        }
        self.depth -= 1;
        Ok(())
    }

    fn sequence(&mut self, vs: &[Value], et: &Type) -> Result<(), Error> {
        let len = self.len32(vs.len())?;
        let _ = rmp::encode::write_array_len(&mut self.out, len);
        for (i, ev) in vs.iter().enumerate() {
            self.nested(PathStep::Index(i as u64), ev, et)?;
        }
        Ok(())
    }

    fn tuple(&mut self, vs: &[Value], ets: &[Type]) -> Result<(), Error> {
        if vs.len() != ets.len() {
            return Err(self.err(format!("expected {} tuple elements, got {}", ets.len(), vs.len())));
        }
        let len = self.len32(vs.len())?;
        let _ = rmp::encode::write_array_len(&mut self.out, len);
        for (i, (ev, et)) in vs.iter().zip(ets).enumerate() {
            self.nested(PathStep::Index(i as u64), ev, et)?;
        }
        Ok(())
    }

    fn map(&mut self, m: &BTreeMap<String, Value>, et: &Type) -> Result<(), Error> {
        let len = self.len32(m.len())?;
        let _ = rmp::encode::write_map_len(&mut self.out, len);
        for (k, ev) in m {
            self.str(k)?;
            self.nested(PathStep::Key(k.clone()), ev, et)?;
        }
        Ok(())
    }

    fn object(&mut self, m: &BTreeMap<String, Value>, ot: &ObjectType) -> Result<(), Error> {
        if let Some(extra) = m.keys().find(|k| !ot.attrs.contains_key(*k)) {
            self.path.push(PathStep::Attr(extra.clone()));
            return Err(self.err("unexpected attribute, not in the object type".into()));
        }
        let len = self.len32(ot.attrs.len())?;
        let _ = rmp::encode::write_map_len(&mut self.out, len);
        for (k, at) in &ot.attrs {
            self.str(k)?;
            self.nested(PathStep::Attr(k.clone()), m.get(k).unwrap_or(&Value::Null), at)?;
        }
        Ok(())
    }

    /// `[bin(type JSON), value]`, or just nil/unknown for a null/unknown of no particular type.
    fn dynamic(&mut self, v: &Value, t: &Type) -> Result<(), Error> {
        if *t == Type::Dynamic && matches!(v, Value::Null | Value::Unknown(_)) {
            return self.value(v, t);
        }
        let _ = rmp::encode::write_array_len(&mut self.out, 2);
        let json = t.to_json_bytes();
        let len = self.len32(json.len())?;
        let _ = rmp::encode::write_bin_len(&mut self.out, len);
        self.out.extend_from_slice(&json);
        self.value(v, t)
    }

    fn str(&mut self, s: &str) -> Result<(), Error> {
        let len = self.len32(s.len())?;
        let _ = rmp::encode::write_str_len(&mut self.out, len);
        self.out.extend_from_slice(s.as_bytes());
        Ok(())
    }
}

/// Writes a number as go-cty does: int if whole and within `i64`, float64 if exactly an `f64`, else
/// its decimal text.
fn write_number(out: &mut Vec<u8>, n: &Number) {
    if let Some(i) = n.as_i64() {
        let _ = rmp::encode::write_sint(out, i);
    } else if let Some(f) = n.as_f64().filter(|_| n.is_exact_f64()) {
        let _ = rmp::encode::write_f64(out, f);
    } else {
        let s = n.to_string();
        let _ = rmp::encode::write_str(out, &s);
    }
}

/// Writes an unknown with these (already type-filtered) refinements.
fn write_unknown(out: &mut Vec<u8>, r: &Refinements) {
    if r.is_empty() {
        out.extend_from_slice(&[0xd4, 0, 0]);
        return;
    }
    let mut entries: Vec<(i64, Vec<u8>)> = Vec::new();
    let mut entry = |key: i64, write: &dyn Fn(&mut Vec<u8>)| {
        let mut buf = Vec::new();
        write(&mut buf);
        entries.push((key, buf));
    };
    if r.not_null {
        entry(REFINE_NULLNESS, &|b| b.push(0xc2));
    }
    if let Some(p) = &r.string_prefix {
        let p = truncate_at_char(p, MAX_PREFIX_BYTES);
        entry(REFINE_STRING_PREFIX, &|b| {
            let _ = rmp::encode::write_str(b, p);
        });
    }
    for (key, bound) in [
        (REFINE_NUMBER_MIN, &r.number_lower),
        (REFINE_NUMBER_MAX, &r.number_upper),
    ] {
        if let Some((n, inclusive)) = bound {
            entry(key, &|b| {
                b.push(0x92);
                write_number(b, n);
                b.push(if *inclusive { 0xc3 } else { 0xc2 });
            });
        }
    }
    for (key, len) in [
        (REFINE_LENGTH_MIN, r.length_lower),
        (REFINE_LENGTH_MAX, r.length_upper),
    ] {
        if let Some(len) = len {
            entry(key, &|b| {
                let _ = rmp::encode::write_uint(b, len);
            });
        }
    }
    let mut payload = Vec::new();
    let _ = rmp::encode::write_map_len(&mut payload, entries.len() as u32);
    for (key, value) in entries {
        let _ = rmp::encode::write_sint(&mut payload, key);
        payload.extend_from_slice(&value);
    }
    let _ = rmp::encode::write_ext_meta(out, payload.len() as u32, REFINED_UNKNOWN_EXT);
    out.extend_from_slice(&payload);
}

/// The longest prefix of `s` of at most `max` bytes that ends on a character boundary.
fn truncate_at_char(s: &str, max: usize) -> &str {
    if s.len() <= max {
        return s;
    }
    let mut end = max;
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    &s[..end]
}

/// Reads values; like [`Encoder`], one small function per kind of type.
struct Decoder {
    path: Vec<PathStep>,
    depth: usize,
}

impl Decoder {
    #[cold]
    fn err(&self, message: String) -> Error {
        Error::Decode {
            format: FORMAT,
            path: Path(self.path.clone()),
            message,
        }
    }

    #[cold]
    fn expected(&self, what: &str, got: &Mp) -> Error {
        self.err(format!("expected {what}, got {}", describe_mp(got)))
    }

    fn nested(&mut self, step: PathStep, mp: &Mp, ty: &Type) -> Result<Value, Error> {
        self.path.push(step);
        let v = self.value(mp, ty)?;
        self.path.pop();
        Ok(v)
    }

    fn value(&mut self, mp: &Mp, ty: &Type) -> Result<Value, Error> {
        match mp {
            Mp::Ext(code, data) => return self.unknown(*code, data, ty),
            Mp::Nil => return Ok(Value::Null),
            _ => {}
        }
        if self.depth >= MAX_NESTING {
            return Err(self.err(format!("expected at most {MAX_NESTING} levels of nesting")));
        }
        self.depth += 1;
        let v = match ty {
            Type::Dynamic => self.dynamic(mp)?,
            Type::String => self.string(mp)?,
            Type::Number => Value::Number(self.number(mp)?),
            Type::Bool => match mp {
                Mp::Boolean(b) => Value::Bool(*b),
                _ => return Err(self.expected("bool", mp)),
            },
            Type::List(et) => Value::List(self.sequence(mp, et, "list")?),
            Type::Set(et) => Value::Set(self.sequence(mp, et, "set")?),
            Type::Tuple(ets) => self.tuple(mp, ets)?,
            Type::Map(et) => self.map(mp, et)?,
            Type::Object(ot) => self.object(mp, ot)?,
        };
        self.depth -= 1;
        Ok(v)
    }

    fn dynamic(&mut self, mp: &Mp) -> Result<Value, Error> {
        let Some([type_json, inner]) = mp.as_array().map(Vec::as_slice) else {
            return Err(self.expected("a [type, value] array for a dynamic value", mp));
        };
        let type_bytes = match type_json {
            Mp::Binary(b) => b.as_slice(),
            Mp::String(s) => s.as_bytes(),
            other => return Err(self.expected("type JSON as bin or str", other)),
        };
        let t = Type::from_json_bytes(type_bytes).map_err(|e| self.err(e.to_string()))?;
        let v = self.value(inner, &t)?;
        Ok(Value::Dynamic(t, Box::new(v)))
    }

    fn string(&self, mp: &Mp) -> Result<Value, Error> {
        let bytes = match mp {
            Mp::String(s) => s.as_bytes(),
            Mp::Binary(b) => b.as_slice(),
            _ => return Err(self.expected("string", mp)),
        };
        match std::str::from_utf8(bytes) {
            Ok(s) => Ok(Value::String(s.to_owned())),
            Err(_) => Err(self.err("expected string, got invalid UTF-8".into())),
        }
    }

    fn sequence(&mut self, mp: &Mp, et: &Type, kind: &str) -> Result<Vec<Value>, Error> {
        let Mp::Array(items) = mp else {
            return Err(self.expected(kind, mp));
        };
        let mut vs = Vec::with_capacity(items.len());
        for (i, item) in items.iter().enumerate() {
            vs.push(self.nested(PathStep::Index(i as u64), item, et)?);
        }
        Ok(vs)
    }

    fn tuple(&mut self, mp: &Mp, ets: &[Type]) -> Result<Value, Error> {
        let Mp::Array(items) = mp else {
            return Err(self.expected("tuple", mp));
        };
        if items.len() != ets.len() {
            return Err(self.err(format!(
                "expected tuple of {} elements, got {}",
                ets.len(),
                items.len()
            )));
        }
        let mut vs = Vec::with_capacity(items.len());
        for (i, (item, et)) in items.iter().zip(ets).enumerate() {
            vs.push(self.nested(PathStep::Index(i as u64), item, et)?);
        }
        Ok(Value::Tuple(vs))
    }

    fn map(&mut self, mp: &Mp, et: &Type) -> Result<Value, Error> {
        let Mp::Map(entries) = mp else {
            return Err(self.expected("map", mp));
        };
        let mut m = BTreeMap::new();
        for (k, item) in entries {
            let k = self.key(k)?;
            let v = self.nested(PathStep::Key(k.clone()), item, et)?;
            m.insert(k, v);
        }
        Ok(Value::Map(m))
    }

    fn object(&mut self, mp: &Mp, ot: &ObjectType) -> Result<Value, Error> {
        let Mp::Map(entries) = mp else {
            return Err(self.expected("object", mp));
        };
        let mut m = BTreeMap::new();
        for (k, item) in entries {
            let k = self.key(k)?;
            let Some(at) = ot.attrs.get(&k) else {
                self.path.push(PathStep::Attr(k));
                return Err(self.err("unsupported attribute, not in the object type".into()));
            };
            let v = self.nested(PathStep::Attr(k.clone()), item, at)?;
            m.insert(k, v);
        }
        for k in ot.attrs.keys() {
            if !m.contains_key(k) {
                m.insert(k.clone(), Value::Null);
            }
        }
        Ok(Value::Object(m))
    }

    fn key(&self, k: &Mp) -> Result<String, Error> {
        match k {
            Mp::String(s) => s
                .as_str()
                .map(str::to_owned)
                .ok_or_else(|| self.err("expected UTF-8 map key".into())),
            _ => Err(self.expected("string map key", k)),
        }
    }

    fn number(&self, mp: &Mp) -> Result<Number, Error> {
        match mp {
            Mp::Integer(i) => i
                .as_i64()
                .map(Number::from_i64)
                .or_else(|| i.as_u64().map(Number::from_u64))
                .ok_or_else(|| self.expected("number", mp)),
            Mp::F32(f) => {
                Number::from_f64(f64::from(*f)).ok_or_else(|| self.err("expected finite number".into()))
            }
            Mp::F64(f) => Number::from_f64(*f).ok_or_else(|| self.err("expected finite number".into())),
            Mp::String(s) => s.as_str().and_then(Number::parse).ok_or_else(|| {
                self.err(format!(
                    "expected number, got string {:?}",
                    s.as_str().unwrap_or("")
                ))
            }),
            _ => Err(self.expected("number", mp)),
        }
    }

    fn unknown(&self, code: i8, data: &[u8], ty: &Type) -> Result<Value, Error> {
        if data.len() <= 1 || code != REFINED_UNKNOWN_EXT || *ty == Type::Dynamic {
            return Ok(Value::unknown());
        }
        let bad = |what: &str| self.err(format!("invalid refinements of an unknown value: {what}"));
        let mut rd = data;
        let payload =
            rmpv::decode::read_value_with_max_depth(&mut rd, 16).map_err(|e| bad(&e.to_string()))?;
        let Mp::Map(entries) = payload else {
            return Err(bad("not a map"));
        };
        let mut r = Refinements::default();
        for (k, v) in &entries {
            let key = k.as_i64().ok_or_else(|| bad("non-integer key"))?;
            match key {
                REFINE_NULLNESS => match v {
                    Mp::Boolean(true) => return Ok(Value::Null),
                    Mp::Boolean(false) => r.not_null = true,
                    _ => return Err(bad("nullness is not a bool")),
                },
                REFINE_STRING_PREFIX => {
                    let p = v.as_str().ok_or_else(|| bad("string prefix is not a string"))?;
                    r.string_prefix = Some(p.to_owned());
                }
                REFINE_NUMBER_MIN | REFINE_NUMBER_MAX => {
                    let bound = match v.as_array().map(Vec::as_slice) {
                        Some([n, Mp::Boolean(inclusive)]) => (
                            self.number(n).map_err(|_| bad("number bound is not a number"))?,
                            *inclusive,
                        ),
                        _ => return Err(bad("number bound is not a [number, bool] array")),
                    };
                    if key == REFINE_NUMBER_MIN {
                        r.number_lower = Some(bound);
                    } else {
                        r.number_upper = Some(bound);
                    }
                }
                REFINE_LENGTH_MIN | REFINE_LENGTH_MAX => {
                    let len = v
                        .as_u64()
                        .ok_or_else(|| bad("length bound is not a non-negative integer"))?;
                    if key == REFINE_LENGTH_MIN {
                        r.length_lower = Some(len);
                    } else {
                        r.length_upper = Some(len);
                    }
                }
                _ => {}
            }
        }
        Ok(Value::Unknown(r.for_type(ty)))
    }
}

/// How a type is named in error messages.
pub(crate) fn describe_type(ty: &Type) -> String {
    match ty {
        Type::String => "string".into(),
        Type::Number => "number".into(),
        Type::Bool => "bool".into(),
        Type::Dynamic => "any value".into(),
        Type::List(_) => "list".into(),
        Type::Set(_) => "set".into(),
        Type::Map(_) => "map".into(),
        Type::Object(_) => "object".into(),
        Type::Tuple(_) => "tuple".into(),
    }
}

fn describe_mp(mp: &Mp) -> &'static str {
    match mp {
        Mp::Nil => "nil",
        Mp::Boolean(_) => "bool",
        Mp::Integer(_) => "integer",
        Mp::F32(_) | Mp::F64(_) => "float",
        Mp::String(_) => "string",
        Mp::Binary(_) => "binary",
        Mp::Array(_) => "array",
        Mp::Map(_) => "map",
        Mp::Ext(..) => "extension",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hex(b: &[u8]) -> String {
        b.iter().map(|b| format!("{b:02x}")).collect::<Vec<_>>().join(" ")
    }

    fn unhex(s: &str) -> Vec<u8> {
        s.split_whitespace()
            .map(|h| u8::from_str_radix(h, 16).unwrap())
            .collect()
    }

    fn num(s: &str) -> Number {
        Number::parse(s).unwrap()
    }

    fn ext12(payload: &[u8]) -> Vec<u8> {
        let mut out = Vec::new();
        rmp::encode::write_ext_meta(&mut out, payload.len() as u32, 12).unwrap();
        out.extend_from_slice(payload);
        out
    }

    fn mp_bytes(v: &Mp) -> Vec<u8> {
        let mut out = Vec::new();
        rmpv::encode::write_value(&mut out, v).unwrap();
        out
    }

    #[test]
    fn wholly_unknown_golden() {
        for ty in [
            Type::String,
            Type::Dynamic,
            Type::list(Type::Number),
            Type::object([("a", Type::Bool)]),
        ] {
            assert_eq!(hex(&encode(&Value::unknown(), &ty).unwrap()), "d4 00 00");
            assert_eq!(decode(&unhex("d4 00 00"), &ty).unwrap(), Value::unknown());
        }
        // Any extension is an unknown: zero-length, other type codes, ext 12 with a 1-byte payload.
        for bytes in ["c7 00 00", "d4 05 07", "d5 09 01 02", "d4 0c 80", "c7 00 0c"] {
            assert_eq!(
                decode(&unhex(bytes), &Type::String).unwrap(),
                Value::unknown(),
                "{bytes}"
            );
        }
        // Refinements that all filter away leave a plain unknown, never an empty ext 12 map.
        let r = Refinements {
            string_prefix: Some("x".into()),
            ..Default::default()
        };
        assert_eq!(
            hex(&encode(&Value::Unknown(r.clone()), &Type::Number).unwrap()),
            "d4 00 00"
        );
        let r = Refinements {
            string_prefix: Some(String::new()),
            ..Default::default()
        };
        assert_eq!(
            hex(&encode(&Value::Unknown(r), &Type::String).unwrap()),
            "d4 00 00"
        );
    }

    #[test]
    fn refined_not_null_golden() {
        let bytes = ext12(&unhex("81 01 c2"));
        assert_eq!(hex(&bytes), "c7 03 0c 81 01 c2");
        let v = decode(&bytes, &Type::String).unwrap();
        assert_eq!(v, Value::unknown_not_null());
        assert_eq!(encode(&v, &Type::String).unwrap(), bytes);
        // Refinements of a dynamic value are ignored; `{1: true}` means definitely null.
        assert_eq!(decode(&bytes, &Type::Dynamic).unwrap(), Value::unknown());
        assert_eq!(
            decode(&ext12(&unhex("81 01 c3")), &Type::String).unwrap(),
            Value::Null
        );
    }

    #[test]
    fn refined_string_prefix() {
        let payload = mp_bytes(&Mp::Map(vec![
            (Mp::from(1), Mp::Boolean(false)),
            (Mp::from(2), Mp::from("https://")),
            (Mp::from(99), Mp::Array(vec![Mp::Nil])), // unknown keys are ignored
        ]));
        let v = decode(&ext12(&payload), &Type::String).unwrap();
        let want = Refinements {
            not_null: true,
            string_prefix: Some("https://".into()),
            ..Default::default()
        };
        assert_eq!(v, Value::Unknown(want.clone()));
        let bytes = encode(&v, &Type::String).unwrap();
        assert_eq!(bytes[2], 12);
        assert_eq!(decode(&bytes, &Type::String).unwrap(), Value::Unknown(want));
        // Long prefixes are cut to 256 bytes on a character boundary.
        let long = "é".repeat(200);
        let v = Value::Unknown(Refinements {
            string_prefix: Some(long),
            ..Default::default()
        });
        let back = decode(&encode(&v, &Type::String).unwrap(), &Type::String).unwrap();
        let Value::Unknown(r) = back else {
            panic!("{back:?}")
        };
        assert_eq!(r.string_prefix, Some("é".repeat(128)));
    }

    #[test]
    fn refined_number_bounds() {
        let payload = mp_bytes(&Mp::Map(vec![
            (Mp::from(3), Mp::Array(vec![Mp::from(0), Mp::Boolean(true)])),
            (Mp::from(4), Mp::Array(vec![Mp::from("1e30"), Mp::Boolean(false)])),
        ]));
        let v = decode(&ext12(&payload), &Type::Number).unwrap();
        let want = Refinements {
            number_lower: Some((num("0"), true)),
            number_upper: Some((num("1e30"), false)),
            ..Default::default()
        };
        assert_eq!(v, Value::Unknown(want.clone()));
        assert_eq!(
            decode(&encode(&v, &Type::Number).unwrap(), &Type::Number).unwrap(),
            Value::Unknown(want)
        );
        let bad = mp_bytes(&Mp::Map(vec![(Mp::from(3), Mp::from(0))]));
        let e = decode(&ext12(&bad), &Type::Number).unwrap_err();
        assert!(e.to_string().contains("[number, bool]"), "{e}");
    }

    #[test]
    fn refined_length_bounds() {
        let payload = mp_bytes(&Mp::Map(vec![
            (Mp::from(5), Mp::from(1)),
            (Mp::from(6), Mp::from(3)),
        ]));
        let ty = Type::list(Type::String);
        let v = decode(&ext12(&payload), &ty).unwrap();
        let want = Refinements {
            length_lower: Some(1),
            length_upper: Some(3),
            ..Default::default()
        };
        assert_eq!(v, Value::Unknown(want.clone()));
        let bytes = encode(&v, &ty).unwrap();
        assert_eq!(hex(&bytes), "c7 05 0c 82 05 01 06 03");
        assert_eq!(decode(&bytes, &ty).unwrap(), Value::Unknown(want));
        // Length bounds do not apply to strings: dropped.
        assert_eq!(decode(&ext12(&payload), &Type::String).unwrap(), Value::unknown());
    }

    #[test]
    fn refined_all_round_trip() {
        let r = Refinements {
            not_null: true,
            number_lower: Some((num("-1.5"), false)),
            number_upper: Some((num("12345678901234567890123.5"), true)),
            ..Default::default()
        };
        let bytes = encode(&Value::Unknown(r.clone()), &Type::Number).unwrap();
        assert_eq!(decode(&bytes, &Type::Number).unwrap(), Value::Unknown(r));
    }

    #[test]
    fn numbers() {
        let cases: &[(Mp, &str, &str)] = &[
            (Mp::from(7), "7", "07"),
            (Mp::from(-300), "-300", "d1 fe d4"),
            (Mp::from(u64::MAX), "18446744073709551615", ""),
            (Mp::F64(1.5), "1.5", "cb 3f f8 00 00 00 00 00 00"),
            (Mp::F64(2.0), "2", "02"),
            (Mp::F32(0.5), "0.5", "cb 3f e0 00 00 00 00 00 00"),
            (
                Mp::from("12345678901234567890123.5"),
                "12345678901234567890123.5",
                "",
            ),
            (Mp::from("1e3"), "1000", "cd 03 e8"),
        ];
        for (mp, want, reencoded) in cases {
            let v = decode(&mp_bytes(mp), &Type::Number).unwrap();
            assert_eq!(v, Value::Number(num(want)), "{mp}");
            let bytes = encode(&v, &Type::Number).unwrap();
            if !reencoded.is_empty() {
                assert_eq!(hex(&bytes), *reencoded, "{mp}");
            }
            assert_eq!(decode(&bytes, &Type::Number).unwrap(), v);
        }
        // Too big for i64 and not an exact f64: a decimal string.
        let big = encode(&Value::Number(num("12345678901234567890123.5")), &Type::Number).unwrap();
        assert_eq!(
            rmpv::decode::read_value(&mut big.as_slice()).unwrap(),
            Mp::from("12345678901234567890123.5")
        );
        let umax = encode(&Value::Number(Number::from_u64(u64::MAX)), &Type::Number).unwrap();
        assert_eq!(
            rmpv::decode::read_value(&mut umax.as_slice()).unwrap(),
            Mp::from("18446744073709551615")
        );
        // 2^63 is exactly an f64.
        let two63 = encode(&Value::Number(Number::from_u64(1 << 63)), &Type::Number).unwrap();
        assert_eq!(hex(&two63[..1]), "cb");
        for bad in [Mp::from("abc"), Mp::F64(f64::NAN), Mp::Boolean(true)] {
            let e = decode(&mp_bytes(&bad), &Type::Number).unwrap_err();
            assert!(
                e.to_string()
                    .starts_with("failed to decode msgpack value: expected"),
                "{e}"
            );
        }
    }

    #[test]
    fn object_null_attribute_keeps_key() {
        let ty = Type::object([("a", Type::String), ("b", Type::Number)]);
        let v = Value::object([("a", Value::string("x")), ("b", Value::Null)]);
        let bytes = encode(&v, &ty).unwrap();
        assert_eq!(hex(&bytes), "82 a1 61 a1 78 a1 62 c0");
        // A value lacking the attribute entirely is written the same way.
        let partial = Value::object([("a", Value::string("x"))]);
        assert_eq!(encode(&partial, &ty).unwrap(), bytes);
        assert_eq!(decode(&bytes, &ty).unwrap(), v);
        // Missing attributes decode as null.
        assert_eq!(decode(&unhex("81 a1 61 a1 78"), &ty).unwrap(), v);
    }

    #[test]
    fn object_unknown_key_fails_with_path() {
        let ty = Type::object([(
            "spec",
            Type::object([("items", Type::list(Type::object([("a", Type::Bool)])))]),
        )]);
        let bad = Mp::Map(vec![(
            Mp::from("spec"),
            Mp::Map(vec![(
                Mp::from("items"),
                Mp::Array(vec![
                    Mp::Map(vec![]),
                    Mp::Map(vec![(Mp::from("bogus"), Mp::Boolean(true))]),
                ]),
            )]),
        )]);
        let e = decode(&mp_bytes(&bad), &ty).unwrap_err();
        assert_eq!(
            e.path().map(ToString::to_string).as_deref(),
            Some(".spec.items[1].bogus")
        );
        assert_eq!(
            e.to_string(),
            "failed to decode msgpack value at .spec.items[1].bogus: unsupported attribute, not in the object type"
        );
        let wrong = Mp::Map(vec![(
            Mp::from("spec"),
            Mp::Map(vec![(Mp::from("items"), Mp::from("x"))]),
        )]);
        let e = decode(&mp_bytes(&wrong), &ty).unwrap_err();
        assert_eq!(
            e.to_string(),
            "failed to decode msgpack value at .spec.items: expected list, got string"
        );
    }

    #[test]
    fn encode_mismatch_fails_with_path() {
        let ty = Type::object([("m", Type::map(Type::list(Type::Number)))]);
        let v = Value::object([(
            "m",
            Value::map([("k", Value::list([Value::from(1), Value::from("x")]))]),
        )]);
        let e = encode(&v, &ty).unwrap_err();
        assert_eq!(
            e.to_string(),
            r#"failed to encode msgpack value at .m["k"][1]: expected number, got string"#
        );
        let e = encode(&Value::object([("zz", Value::Null)]), &ty).unwrap_err();
        assert_eq!(e.path().map(ToString::to_string).as_deref(), Some(".zz"));
        let e = encode(&Value::Tuple(vec![]), &Type::tuple([Type::String])).unwrap_err();
        assert!(e.to_string().contains("expected 1 tuple elements"), "{e}");
    }

    #[test]
    fn dynamic_golden() {
        // [bin("\"string\""), "x"]
        let bytes = unhex("92 c4 08 22 73 74 72 69 6e 67 22 a1 78");
        let v = decode(&bytes, &Type::Dynamic).unwrap();
        assert_eq!(v, Value::Dynamic(Type::String, Box::new(Value::string("x"))));
        assert_eq!(encode(&v, &Type::Dynamic).unwrap(), bytes);
        // A plain known value in a dynamic slot is written with its inferred type.
        assert_eq!(encode(&Value::string("x"), &Type::Dynamic).unwrap(), bytes);
        // The type JSON may also arrive as str.
        let as_str = unhex("92 a8 22 73 74 72 69 6e 67 22 a1 78");
        assert_eq!(decode(&as_str, &Type::Dynamic).unwrap(), v);
        // Null and wholly unknown dynamic values are bare.
        assert_eq!(hex(&encode(&Value::Null, &Type::Dynamic).unwrap()), "c0");
        assert_eq!(decode(&unhex("c0"), &Type::Dynamic).unwrap(), Value::Null);
        // A typed unknown inside a dynamic slot keeps its type.
        let tu = Value::Dynamic(Type::list(Type::String), Box::new(Value::unknown()));
        assert_eq!(
            decode(&encode(&tu, &Type::Dynamic).unwrap(), &Type::Dynamic).unwrap(),
            tu
        );
        // A Dynamic wrapper in a concretely typed slot is looked through.
        assert_eq!(hex(&encode(&v, &Type::String).unwrap()), "a1 78");
        let e = decode(&unhex("a1 78"), &Type::Dynamic).unwrap_err();
        assert!(e.to_string().contains("[type, value]"), "{e}");
        let e = decode(&unhex("92 a5 62 6f 67 75 73 c0"), &Type::Dynamic).unwrap_err();
        assert!(e.to_string().contains("type constraint"), "{e}");
    }

    #[test]
    fn dynamic_object_from_inferred_type() {
        let v = Value::object([("a", Value::list([Value::from(1)])), ("b", Value::Null)]);
        let back = decode(&encode(&v, &Type::Dynamic).unwrap(), &Type::Dynamic).unwrap();
        let ty = Type::object([("a", Type::list(Type::Number)), ("b", Type::Dynamic)]);
        assert_eq!(back, Value::Dynamic(ty, Box::new(v)));
    }

    #[test]
    fn deep_nesting() {
        let nested = |levels: usize| {
            let mut ty = Type::String;
            for _ in 0..levels {
                ty = Type::list(ty);
            }
            let mut bytes = vec![0x91; levels];
            bytes.extend_from_slice(&[0xa1, b'x']);
            (ty, bytes)
        };
        // The string itself is a level too.
        let (ty, bytes) = nested(MAX_NESTING - 1);
        let v = decode(&bytes, &ty).unwrap();
        assert_eq!(encode(&v, &ty).unwrap(), bytes);
        let (ty, bytes) = nested(MAX_NESTING);
        let e = decode(&bytes, &ty).unwrap_err();
        assert!(e.to_string().contains("levels of nesting"), "{e}");
        let mut deep = Value::string("x");
        for _ in 0..MAX_NESTING {
            deep = Value::list([deep]);
        }
        assert!(
            encode(&deep, &ty)
                .unwrap_err()
                .to_string()
                .contains("levels of nesting")
        );
        // Far too deep for anything: rejected while reading.
        let too_deep = vec![0x91; 5000];
        assert!(matches!(
            decode(&too_deep, &Type::Dynamic),
            Err(Error::Syntax { .. })
        ));
        // Nested dynamic wrappers count too.
        let mut bytes = Vec::new();
        for _ in 0..=MAX_NESTING {
            bytes.extend_from_slice(&[0x92, 0xc4, 0x09]);
            bytes.extend_from_slice(b"\"dynamic\"");
        }
        bytes.push(0xc0);
        assert!(
            decode(&bytes, &Type::Dynamic)
                .unwrap_err()
                .to_string()
                .contains("levels of nesting")
        );
    }

    #[test]
    fn collections() {
        let ty = Type::object([
            ("l", Type::list(Type::String)),
            ("s", Type::set(Type::Number)),
            ("m", Type::map(Type::Bool)),
            ("t", Type::tuple([Type::String, Type::Bool])),
        ]);
        let v = Value::object([
            (
                "l",
                Value::list([Value::from("a"), Value::Null, Value::unknown()]),
            ),
            ("s", Value::Set(vec![Value::from(2), Value::from(1)])),
            ("m", Value::map([("x", Value::from(true))])),
            ("t", Value::Tuple(vec![Value::from("a"), Value::from(false)])),
        ]);
        let bytes = encode(&v, &ty).unwrap();
        assert_eq!(decode(&bytes, &ty).unwrap(), v);
        assert!(decode(&[0x92, 0xc0], &Type::tuple([Type::String])).is_err());
        assert!(matches!(
            decode(&[0xc0, 0xc0], &Type::String),
            Err(Error::Syntax { .. })
        ));
        assert!(matches!(
            decode(&[0x92], &Type::String),
            Err(Error::Syntax { .. })
        ));
    }
}
