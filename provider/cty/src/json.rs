//! The JSON encoding of cty values (go-cty's `cty/json`), as `RawState.json` and `DynamicValue.json`
//! carry them in the plugin protocol.
//!
//! - Objects and maps are JSON objects, lists, sets and tuples arrays, null is `null`.
//! - Numbers are JSON numbers, kept exact by [`decode_bytes`] and [`encode_bytes`] (a
//!   `serde_json::Value` can only hold `i64`, `u64` and `f64`).
//! - A value in a `dynamic` slot is `{"value": <value>, "type": <type JSON>}`.
//! - Unknown values cannot be written as JSON.
//!
//! Decoding is lenient as go-cty's is: object keys the type does not have are ignored (the CLI only
//! sometimes strips removed attributes from state), missing attributes are null, and strings, numbers
//! and bools convert to one another where the text allows (`"12"` for a number, `true` for a string).

use std::collections::BTreeMap;

use serde_json::Value as SJson;

use crate::error::{Path, PathStep};
use crate::msgpack::describe_type;
use crate::{Error, MAX_NESTING, Number, ObjectType, Type, Value};

const FORMAT: &str = "JSON";
/// Deepest JSON nesting read (the decoder counts at least one level for each JSON one, and stops at
/// [`MAX_NESTING`]).
const MAX_DEPTH: usize = MAX_NESTING + 8;

/// Encodes a value of type `ty` as a `serde_json::Value`.
///
/// Follows the same rules as [`crate::msgpack::encode`] for `dynamic` slots and for which value
/// shapes fit which types. Numbers that are not whole numbers within `i64`/`u64` become the nearest
/// `f64`, which may lose digits: use [`encode_bytes`] to keep every number exact.
pub fn encode(v: &Value, ty: &Type) -> Result<SJson, Error> {
    let j = Encoder {
        path: Vec::new(),
        depth: 0,
    }
    .value(v, ty)?;
    to_serde(&j).map_err(|message| Error::Encode {
        format: FORMAT,
        path: Path::root(),
        message,
    })
}

/// Encodes a value of type `ty` as compact JSON text, every number written exactly.
pub fn encode_bytes(v: &Value, ty: &Type) -> Result<Vec<u8>, Error> {
    let j = Encoder {
        path: Vec::new(),
        depth: 0,
    }
    .value(v, ty)?;
    let mut out = Vec::new();
    write_json(&j, &mut out);
    Ok(out)
}

/// Decodes a `serde_json::Value` as a value of type `ty`.
pub fn decode(j: &SJson, ty: &Type) -> Result<Value, Error> {
    let j = from_serde(j, 0).map_err(|message| Error::Syntax {
        format: FORMAT,
        message,
    })?;
    Decoder {
        path: Vec::new(),
        depth: 0,
    }
    .value(&j, ty)
}

/// Decodes JSON text as a value of type `ty`, keeping every number exact.
pub fn decode_bytes(b: &[u8], ty: &Type) -> Result<Value, Error> {
    let j = Parser { s: b, pos: 0 }
        .document()
        .map_err(|message| Error::Syntax {
            format: FORMAT,
            message,
        })?;
    Decoder {
        path: Vec::new(),
        depth: 0,
    }
    .value(&j, ty)
}

/// A parsed JSON document whose numbers are exact.
#[derive(Debug, Clone, PartialEq)]
enum J {
    Null,
    Bool(bool),
    Num(Number),
    Str(String),
    Arr(Vec<J>),
    Obj(Vec<(String, J)>),
}

impl J {
    fn kind(&self) -> &'static str {
        match self {
            J::Null => "null",
            J::Bool(_) => "bool",
            J::Num(_) => "number",
            J::Str(_) => "string",
            J::Arr(_) => "array",
            J::Obj(_) => "object",
        }
    }

    /// The last value for `key` in an object (JSON's duplicate keys: the last wins).
    fn field(&self, key: &str) -> Option<&J> {
        match self {
            J::Obj(entries) => entries.iter().rev().find(|(k, _)| k == key).map(|(_, v)| v),
            _ => None,
        }
    }
}

fn from_serde(j: &SJson, depth: usize) -> Result<J, String> {
    if depth > MAX_DEPTH {
        return Err("JSON is nested too deeply".into());
    }
    Ok(match j {
        SJson::Null => J::Null,
        SJson::Bool(b) => J::Bool(*b),
        SJson::Number(n) => J::Num(number_from_serde(n)),
        SJson::String(s) => J::Str(s.clone()),
        SJson::Array(items) => J::Arr(
            items
                .iter()
                .map(|item| from_serde(item, depth + 1))
                .collect::<Result<_, _>>()?,
        ),
        SJson::Object(m) => J::Obj(
            m.iter()
                .map(|(k, v)| Ok((k.clone(), from_serde(v, depth + 1)?)))
                .collect::<Result<_, String>>()?,
        ),
    })
}

fn to_serde(j: &J) -> Result<SJson, String> {
    Ok(match j {
        J::Null => SJson::Null,
        J::Bool(b) => SJson::Bool(*b),
        J::Num(n) => SJson::Number(
            number_to_serde(n).ok_or_else(|| format!("number {n} is beyond the range of an f64"))?,
        ),
        J::Str(s) => SJson::String(s.clone()),
        J::Arr(items) => SJson::Array(items.iter().map(to_serde).collect::<Result<_, _>>()?),
        J::Obj(entries) => SJson::Object(
            entries
                .iter()
                .map(|(k, v)| Ok((k.clone(), to_serde(v)?)))
                .collect::<Result<_, String>>()?,
        ),
    })
}

/// The number a `serde_json` number holds: integers exactly, an `f64` as [`Number::from_f64`] reads it.
pub(crate) fn number_from_serde(n: &serde_json::Number) -> Number {
    if let Some(i) = n.as_i64() {
        Number::from_i64(i)
    } else if let Some(u) = n.as_u64() {
        Number::from_u64(u)
    } else {
        // Without serde_json's arbitrary_precision, every other number is a finite f64.
        n.as_f64().and_then(Number::from_f64).unwrap_or_else(Number::zero)
    }
}

/// The `serde_json` number nearest to `n`: exact when it is a whole `i64`/`u64`, else the nearest
/// `f64`; `None` when beyond `f64`'s range.
pub(crate) fn number_to_serde(n: &Number) -> Option<serde_json::Number> {
    if let Some(i) = n.as_i64() {
        Some(i.into())
    } else if let Some(u) = n.as_u64() {
        Some(u.into())
    } else {
        n.as_f64().and_then(serde_json::Number::from_f64)
    }
}

fn write_json(j: &J, out: &mut Vec<u8>) {
    match j {
        J::Null => out.extend_from_slice(b"null"),
        J::Bool(b) => out.extend_from_slice(if *b { b"true" } else { b"false" }),
        J::Num(n) => out.extend_from_slice(n.to_string().as_bytes()),
        J::Str(s) => write_str(s, out),
        J::Arr(items) => {
            out.push(b'[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(b',');
                }
                write_json(item, out);
            }
            out.push(b']');
        }
        J::Obj(entries) => {
            out.push(b'{');
            for (i, (k, v)) in entries.iter().enumerate() {
                if i > 0 {
                    out.push(b',');
                }
                write_str(k, out);
                out.push(b':');
                write_json(v, out);
            }
            out.push(b'}');
        }
    }
}

fn write_str(s: &str, out: &mut Vec<u8>) {
    out.extend_from_slice(SJson::String(s.to_owned()).to_string().as_bytes());
}

/// A small JSON reader that keeps the text of numbers (serde_json without `arbitrary_precision` turns
/// them into `f64`); strings are unescaped by serde_json.
struct Parser<'a> {
    s: &'a [u8],
    pos: usize,
}

impl Parser<'_> {
    fn document(mut self) -> Result<J, String> {
        let j = self.value(0)?;
        self.ws();
        if self.pos != self.s.len() {
            return Err(format!("trailing characters at byte {}", self.pos));
        }
        Ok(j)
    }

    fn ws(&mut self) {
        while self.pos < self.s.len() && matches!(self.s[self.pos], b' ' | b'\t' | b'\n' | b'\r') {
            self.pos += 1;
        }
    }

    fn fail<T>(&self, what: &str) -> Result<T, String> {
        if self.pos >= self.s.len() {
            Err(format!("expected {what}, got end of input"))
        } else {
            Err(format!("expected {what} at byte {}", self.pos))
        }
    }

    fn eat(&mut self, c: u8) -> bool {
        self.ws();
        if self.s.get(self.pos) == Some(&c) {
            self.pos += 1;
            true
        } else {
            false
        }
    }

    fn literal(&mut self, word: &[u8], j: J) -> Result<J, String> {
        if self.s[self.pos..].starts_with(word) {
            self.pos += word.len();
            Ok(j)
        } else {
            self.fail("a JSON value")
        }
    }

    fn value(&mut self, depth: usize) -> Result<J, String> {
        if depth > MAX_DEPTH {
            return Err("JSON is nested too deeply".into());
        }
        self.ws();
        match self.s.get(self.pos) {
            Some(b'n') => self.literal(b"null", J::Null),
            Some(b't') => self.literal(b"true", J::Bool(true)),
            Some(b'f') => self.literal(b"false", J::Bool(false)),
            Some(b'"') => self.string().map(J::Str),
            Some(b'-' | b'0'..=b'9') => self.number(),
            Some(b'[') => {
                self.pos += 1;
                let mut items = Vec::new();
                if self.eat(b']') {
                    return Ok(J::Arr(items));
                }
                loop {
                    items.push(self.value(depth + 1)?);
                    if self.eat(b']') {
                        return Ok(J::Arr(items));
                    }
                    if !self.eat(b',') {
                        return self.fail("',' or ']'");
                    }
                }
            }
            Some(b'{') => {
                self.pos += 1;
                let mut entries = Vec::new();
                if self.eat(b'}') {
                    return Ok(J::Obj(entries));
                }
                loop {
                    self.ws();
                    if self.s.get(self.pos) != Some(&b'"') {
                        return self.fail("an object key");
                    }
                    let k = self.string()?;
                    if !self.eat(b':') {
                        return self.fail("':'");
                    }
                    entries.push((k, self.value(depth + 1)?));
                    if self.eat(b'}') {
                        return Ok(J::Obj(entries));
                    }
                    if !self.eat(b',') {
                        return self.fail("',' or '}'");
                    }
                }
            }
            _ => self.fail("a JSON value"),
        }
    }

    fn string(&mut self) -> Result<String, String> {
        let start = self.pos;
        let mut i = start + 1;
        while i < self.s.len() {
            match self.s[i] {
                b'\\' => i += 2,
                b'"' => {
                    self.pos = i + 1;
                    return serde_json::from_slice(&self.s[start..=i])
                        .map_err(|e| format!("invalid string at byte {start}: {e}"));
                }
                _ => i += 1,
            }
        }
        Err("expected end of string, got end of input".into())
    }

    fn number(&mut self) -> Result<J, String> {
        let start = self.pos;
        let digits = |p: &mut Self| {
            let from = p.pos;
            while p.pos < p.s.len() && p.s[p.pos].is_ascii_digit() {
                p.pos += 1;
            }
            p.pos - from
        };
        if self.s.get(self.pos) == Some(&b'-') {
            self.pos += 1;
        }
        let int_start = self.pos;
        let n = digits(self);
        if n == 0 || (n > 1 && self.s[int_start] == b'0') {
            return Err(format!("invalid number at byte {start}"));
        }
        if self.s.get(self.pos) == Some(&b'.') {
            self.pos += 1;
            if digits(self) == 0 {
                return Err(format!("invalid number at byte {start}"));
            }
        }
        if matches!(self.s.get(self.pos), Some(b'e' | b'E')) {
            self.pos += 1;
            if matches!(self.s.get(self.pos), Some(b'+' | b'-')) {
                self.pos += 1;
            }
            if digits(self) == 0 {
                return Err(format!("invalid number at byte {start}"));
            }
        }
        let text = std::str::from_utf8(&self.s[start..self.pos]).unwrap_or_default();
        Number::parse(text)
            .map(J::Num)
            .ok_or_else(|| format!("number {text} is out of range"))
    }
}

/// Builds the JSON of a value; one small function per kind of type keeps the recursion's frames small.
struct Encoder {
    path: Vec<PathStep>,
    depth: usize,
}

impl Encoder {
    #[cold]
    fn err(&self, message: impl Into<String>) -> Error {
        Error::Encode {
            format: FORMAT,
            path: Path(self.path.clone()),
            message: message.into(),
        }
    }

    #[cold]
    fn mismatch(&self, v: &Value, ty: &Type) -> Error {
        self.err(format!("expected {}, got {}", describe_type(ty), v.kind_name()))
    }

    fn nested(&mut self, step: PathStep, v: &Value, ty: &Type) -> Result<J, Error> {
        self.path.push(step);
        let j = self.value(v, ty)?;
        self.path.pop();
        Ok(j)
    }

    fn value(&mut self, v: &Value, ty: &Type) -> Result<J, Error> {
        match v {
            Value::Null => return Ok(J::Null),
            Value::Unknown(_) => return Err(self.err("unknown values cannot be written as JSON")),
            _ => {}
        }
        if self.depth >= MAX_NESTING {
            return Err(self.err(format!("expected at most {MAX_NESTING} levels of nesting")));
        }
        self.depth += 1;
        let j = match (v, ty) {
            (Value::Dynamic(t, inner), Type::Dynamic) => self.dynamic(inner, t)?,
            (Value::Dynamic(_, inner), _) => self.value(inner, ty)?,
            (_, Type::Dynamic) => self.dynamic(v, &v.infer_type())?,
            (Value::Bool(b), Type::Bool) => J::Bool(*b),
            (Value::Number(n), Type::Number) => J::Num(n.clone()),
            (Value::String(s), Type::String) => J::Str(s.clone()),
            (Value::List(vs) | Value::Set(vs) | Value::Tuple(vs), Type::List(et) | Type::Set(et)) => {
                self.sequence(vs, et)?
            }
            (Value::List(vs) | Value::Set(vs) | Value::Tuple(vs), Type::Tuple(ets)) => self.tuple(vs, ets)?,
            (Value::Map(m) | Value::Object(m), Type::Map(et)) => self.map(m, et)?,
            (Value::Map(m) | Value::Object(m), Type::Object(ot)) => self.object(m, ot)?,
            _ => return Err(self.mismatch(v, ty)),
        };
        self.depth -= 1;
        Ok(j)
    }

    fn sequence(&mut self, vs: &[Value], et: &Type) -> Result<J, Error> {
        let mut items = Vec::with_capacity(vs.len());
        for (i, ev) in vs.iter().enumerate() {
            items.push(self.nested(PathStep::Index(i as u64), ev, et)?);
        }
        Ok(J::Arr(items))
    }

    fn tuple(&mut self, vs: &[Value], ets: &[Type]) -> Result<J, Error> {
        if vs.len() != ets.len() {
            return Err(self.err(format!("expected {} tuple elements, got {}", ets.len(), vs.len())));
        }
        let mut items = Vec::with_capacity(vs.len());
        for (i, (ev, et)) in vs.iter().zip(ets).enumerate() {
            items.push(self.nested(PathStep::Index(i as u64), ev, et)?);
        }
        Ok(J::Arr(items))
    }

    fn map(&mut self, m: &BTreeMap<String, Value>, et: &Type) -> Result<J, Error> {
        let mut entries = Vec::with_capacity(m.len());
        for (k, ev) in m {
            entries.push((k.clone(), self.nested(PathStep::Key(k.clone()), ev, et)?));
        }
        Ok(J::Obj(entries))
    }

    fn object(&mut self, m: &BTreeMap<String, Value>, ot: &ObjectType) -> Result<J, Error> {
        if let Some(extra) = m.keys().find(|k| !ot.attrs.contains_key(*k)) {
            self.path.push(PathStep::Attr(extra.clone()));
            return Err(self.err("unexpected attribute, not in the object type"));
        }
        let mut entries = Vec::with_capacity(ot.attrs.len());
        for (k, at) in &ot.attrs {
            let j = self.nested(PathStep::Attr(k.clone()), m.get(k).unwrap_or(&Value::Null), at)?;
            entries.push((k.clone(), j));
        }
        Ok(J::Obj(entries))
    }

    /// `{"value": ..., "type": ...}`, or just null for a null of no particular type.
    fn dynamic(&mut self, v: &Value, t: &Type) -> Result<J, Error> {
        if *t == Type::Dynamic && matches!(v, Value::Null | Value::Unknown(_)) {
            return self.value(v, t);
        }
        let value = self.value(v, t)?;
        let ty = from_serde(&t.to_json(), 0).map_err(|e| self.err(e))?;
        Ok(J::Obj(vec![("value".into(), value), ("type".into(), ty)]))
    }
}

/// Reads values from parsed JSON; like [`Encoder`], one small function per kind of type.
struct Decoder {
    path: Vec<PathStep>,
    depth: usize,
}

impl Decoder {
    #[cold]
    fn err(&self, message: impl Into<String>) -> Error {
        Error::Decode {
            format: FORMAT,
            path: Path(self.path.clone()),
            message: message.into(),
        }
    }

    #[cold]
    fn expected(&self, what: &str, got: &J) -> Error {
        self.err(format!("expected {what}, got {}", got.kind()))
    }

    fn nested(&mut self, step: PathStep, j: &J, ty: &Type) -> Result<Value, Error> {
        self.path.push(step);
        let v = self.value(j, ty)?;
        self.path.pop();
        Ok(v)
    }

    fn value(&mut self, j: &J, ty: &Type) -> Result<Value, Error> {
        if *j == J::Null {
            return Ok(Value::Null);
        }
        if self.depth >= MAX_NESTING {
            return Err(self.err(format!("expected at most {MAX_NESTING} levels of nesting")));
        }
        self.depth += 1;
        let v = match ty {
            Type::Dynamic => self.dynamic(j)?,
            Type::String | Type::Number | Type::Bool => self.primitive(j, ty)?,
            Type::List(et) => Value::List(self.sequence(j, et, "list")?),
            Type::Set(et) => Value::Set(self.sequence(j, et, "set")?),
            Type::Tuple(ets) => self.tuple(j, ets)?,
            Type::Map(et) => self.map(j, et)?,
            Type::Object(ot) => self.object(j, ot)?,
        };
        self.depth -= 1;
        Ok(v)
    }

    fn dynamic(&mut self, j: &J) -> Result<Value, Error> {
        let Some(type_json) = j.field("type") else {
            return Err(self.expected(r#"a {"value": ..., "type": ...} object for a dynamic value"#, j));
        };
        let t = to_serde(type_json)
            .and_then(|tj| Type::from_json(&tj).map_err(|e| e.to_string()))
            .map_err(|e| self.err(e))?;
        let v = self.value(j.field("value").unwrap_or(&J::Null), &t)?;
        Ok(Value::Dynamic(t, Box::new(v)))
    }

    /// A string, number or bool, converting between them as go-cty does.
    fn primitive(&self, j: &J, ty: &Type) -> Result<Value, Error> {
        match (ty, j) {
            (Type::String, J::Str(s)) => Ok(Value::String(s.clone())),
            (Type::String, J::Num(n)) => Ok(Value::String(n.to_string())),
            (Type::String, J::Bool(b)) => Ok(Value::String(b.to_string())),
            (Type::Number, J::Num(n)) => Ok(Value::Number(n.clone())),
            (Type::Number, J::Str(s)) => Number::parse(s)
                .map(Value::Number)
                .ok_or_else(|| self.err(format!("expected number, got string {s:?}"))),
            (Type::Bool, J::Bool(b)) => Ok(Value::Bool(*b)),
            (Type::Bool, J::Str(s)) if s == "true" => Ok(Value::Bool(true)),
            (Type::Bool, J::Str(s)) if s == "false" => Ok(Value::Bool(false)),
            _ => Err(self.expected(&describe_type(ty), j)),
        }
    }

    fn sequence(&mut self, j: &J, et: &Type, kind: &str) -> Result<Vec<Value>, Error> {
        let J::Arr(items) = j else {
            return Err(self.expected(kind, j));
        };
        let mut vs = Vec::with_capacity(items.len());
        for (i, item) in items.iter().enumerate() {
            vs.push(self.nested(PathStep::Index(i as u64), item, et)?);
        }
        Ok(vs)
    }

    fn tuple(&mut self, j: &J, ets: &[Type]) -> Result<Value, Error> {
        let J::Arr(items) = j else {
            return Err(self.expected("tuple", j));
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

    fn map(&mut self, j: &J, et: &Type) -> Result<Value, Error> {
        let J::Obj(entries) = j else {
            return Err(self.expected("map", j));
        };
        let mut m = BTreeMap::new();
        for (k, item) in entries {
            let v = self.nested(PathStep::Key(k.clone()), item, et)?;
            m.insert(k.clone(), v);
        }
        Ok(Value::Map(m))
    }

    /// Keys the type does not have are ignored; attributes missing from the JSON are null.
    fn object(&mut self, j: &J, ot: &ObjectType) -> Result<Value, Error> {
        let J::Obj(entries) = j else {
            return Err(self.expected("object", j));
        };
        let mut m = BTreeMap::new();
        for (k, item) in entries {
            if let Some(at) = ot.attrs.get(k) {
                let v = self.nested(PathStep::Attr(k.clone()), item, at)?;
                m.insert(k.clone(), v);
            }
        }
        for k in ot.attrs.keys() {
            if !m.contains_key(k) {
                m.insert(k.clone(), Value::Null);
            }
        }
        Ok(Value::Object(m))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn num(s: &str) -> Number {
        Number::parse(s).unwrap()
    }

    #[test]
    fn object_round_trip() {
        let ty = Type::object([
            ("name", Type::String),
            ("count", Type::Number),
            ("on", Type::Bool),
            ("tags", Type::map(Type::String)),
            ("ports", Type::list(Type::Number)),
            ("ids", Type::set(Type::String)),
            ("pair", Type::tuple([Type::String, Type::Number])),
            ("gone", Type::String),
        ]);
        let v = Value::object([
            ("name", Value::string("flux")),
            ("count", Value::from(3)),
            ("on", Value::from(true)),
            ("tags", Value::map([("a", Value::string("b"))])),
            ("ports", Value::list([Value::from(80), Value::Number(num("1.5"))])),
            ("ids", Value::Set(vec![Value::string("z"), Value::string("a")])),
            ("pair", Value::Tuple(vec![Value::string("x"), Value::from(-1)])),
            ("gone", Value::Null),
        ]);
        let j = encode(&v, &ty).unwrap();
        assert_eq!(
            j,
            json!({"count": 3, "gone": null, "ids": ["z", "a"], "name": "flux", "on": true,
                   "pair": ["x", -1], "ports": [80, 1.5], "tags": {"a": "b"}})
        );
        assert_eq!(decode(&j, &ty).unwrap(), v);
        let bytes = encode_bytes(&v, &ty).unwrap();
        assert_eq!(serde_json::from_slice::<SJson>(&bytes).unwrap(), j);
        assert_eq!(decode_bytes(&bytes, &ty).unwrap(), v);
    }

    #[test]
    fn lenient_decode() {
        let ty = Type::object([("a", Type::String), ("n", Type::Number), ("b", Type::Bool)]);
        let v = decode(
            &json!({"a": 12, "n": "7.50", "b": "true", "removed": [1, 2]}),
            &ty,
        )
        .unwrap();
        assert_eq!(
            v,
            Value::object([
                ("a", Value::string("12")),
                ("n", Value::Number(num("7.5"))),
                ("b", Value::from(true))
            ])
        );
        assert_eq!(
            decode(&json!({}), &ty).unwrap(),
            Value::object([("a", Value::Null), ("n", Value::Null), ("b", Value::Null)])
        );
        let e = decode(&json!({"a": [1]}), &ty).unwrap_err();
        assert_eq!(
            e.to_string(),
            "failed to decode JSON value at .a: expected string, got array"
        );
        let e = decode(&json!({"n": "x"}), &ty).unwrap_err();
        assert_eq!(e.path().map(ToString::to_string).as_deref(), Some(".n"));
    }

    #[test]
    fn dynamic_round_trip() {
        let ty = Type::object([("values", Type::Dynamic)]);
        let inner_ty = Type::object([("replicas", Type::Number), ("image", Type::tuple([Type::String]))]);
        let inner = Value::object([
            ("replicas", Value::from(2)),
            ("image", Value::Tuple(vec![Value::string("nginx")])),
        ]);
        let v = Value::object([(
            "values",
            Value::Dynamic(inner_ty.clone(), Box::new(inner.clone())),
        )]);
        let j = encode(&v, &ty).unwrap();
        assert_eq!(
            j,
            json!({"values": {"value": {"image": ["nginx"], "replicas": 2},
                              "type": ["object", {"image": ["tuple", ["string"]], "replicas": "number"}]}})
        );
        assert_eq!(decode(&j, &ty).unwrap(), v);
        // The key order does not matter, nor does an absent value (null).
        let j2 = json!({"values": {"type": "string", "value": "x"}});
        assert_eq!(
            decode(&j2, &ty).unwrap(),
            Value::object([(
                "values",
                Value::Dynamic(Type::String, Box::new(Value::string("x")))
            )])
        );
        let j3 = json!({"values": {"type": "string"}});
        assert_eq!(
            decode(&j3, &ty).unwrap(),
            Value::object([("values", Value::Dynamic(Type::String, Box::new(Value::Null)))])
        );
        // A plain value in a dynamic slot is written with its inferred type.
        let plain = Value::object([("values", inner)]);
        assert_eq!(encode(&plain, &ty).unwrap(), j);
        assert_eq!(
            encode(&Value::object([("values", Value::Null)]), &ty).unwrap(),
            json!({"values": null})
        );
        let e = decode(&json!({"values": "x"}), &ty).unwrap_err();
        assert!(e.to_string().contains(r#"{"value": ..., "type": ...}"#), "{e}");
    }

    #[test]
    fn unknowns_are_not_json() {
        let ty = Type::object([("l", Type::list(Type::String))]);
        let v = Value::object([("l", Value::list([Value::unknown()]))]);
        let e = encode(&v, &ty).unwrap_err();
        assert_eq!(
            e.to_string(),
            "failed to encode JSON value at .l[0]: unknown values cannot be written as JSON"
        );
    }

    #[test]
    fn exact_numbers_through_bytes() {
        let ty = Type::list(Type::Number);
        let text = br#"[12345678901234567890123.5, 1e3, -0.000001, 18446744073709551615, 0.1]"#;
        let v = decode_bytes(text, &ty).unwrap();
        assert_eq!(
            v,
            Value::list(
                [
                    "12345678901234567890123.5",
                    "1000",
                    "-0.000001",
                    "18446744073709551615",
                    "0.1"
                ]
                .map(|s| Value::Number(num(s)))
            )
        );
        assert_eq!(
            encode_bytes(&v, &ty).unwrap(),
            b"[12345678901234567890123.5,1000,-0.000001,18446744073709551615,0.1]"
        );
        // Through serde_json::Value, only what f64/i64/u64 hold survives.
        let j = encode(&v, &ty).unwrap();
        assert_eq!(j[3], json!(u64::MAX));
        assert_eq!(j[0], json!(1.2345678901234568e22));
    }

    #[test]
    fn parser() {
        let ty = Type::Dynamic;
        let ok = br#" { "type" : ["map","string"], "value" : {"k\u00e9\n" : "a\"b", "x": "\ud83d\ude00"} } "#;
        let v = decode_bytes(ok, &ty).unwrap();
        assert_eq!(
            v,
            Value::Dynamic(
                Type::map(Type::String),
                Box::new(Value::map([
                    ("ké\n", Value::string("a\"b")),
                    ("x", Value::string("😀"))
                ]))
            )
        );
        for bad in [
            &b""[..],
            b"[1,]",
            b"[1 2]",
            b"{\"a\" 1}",
            b"{a:1}",
            b"01",
            b"1.",
            b"-",
            b"1e",
            b"nul",
            b"\"abc",
            b"[1] x",
            b"\"\x01\"",
        ] {
            let e = decode_bytes(bad, &Type::Dynamic).unwrap_err();
            assert!(
                matches!(e, Error::Syntax { .. }),
                "{}: {e}",
                String::from_utf8_lossy(bad)
            );
        }
        let deep = "[".repeat(600) + &"]".repeat(600);
        assert!(decode_bytes(deep.as_bytes(), &Type::Dynamic).is_err());
        assert_eq!(decode_bytes(b"null", &Type::String).unwrap(), Value::Null);
        assert_eq!(
            decode_bytes(b"[true,false]", &Type::list(Type::Bool)).unwrap(),
            Value::list([true.into(), false.into()])
        );
    }
}
