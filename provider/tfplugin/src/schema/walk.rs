//! The framework's passes over a value, driven by its schema: validation, defaults, unknown
//! computed values, write-only nulling and replacement paths.

use super::{Attribute, AttributeKind, Nesting, Schema};
use crate::diag::Diagnostics;
use crate::path::AttributePath;
use cty::Value;
use std::collections::BTreeMap;

/// Runs every attribute's validators on the known, non-null values of `config`.
pub fn validate_config(schema: &Schema, config: &Value, diags: &mut Diagnostics) {
    validate_attributes(&schema.attributes, &AttributePath::empty(), config, diags);
    for block in &schema.blocks {
        let value = config.get(&block.name);
        if !value.is_null() && !value.is_unknown() {
            validate_attributes(&block.attributes, &AttributePath::root(&block.name), value, diags);
        }
    }
}

fn validate_attributes(attrs: &[Attribute], base: &AttributePath, object: &Value, diags: &mut Diagnostics) {
    for attr in attrs {
        let path = if base.is_empty() {
            AttributePath::root(&attr.name)
        } else {
            base.attr(&attr.name)
        };
        let value = object.get(&attr.name);
        if value.is_null() || value.is_unknown() {
            continue;
        }
        for v in &attr.validators {
            v.validate(&path, value, diags);
        }
        if let AttributeKind::Nested(nesting, nested) = &attr.kind {
            for_each_nested(*nesting, &path, value, |p, element| {
                validate_attributes(nested, &p, element, diags);
            });
        }
    }
}

fn for_each_nested(
    nesting: Nesting,
    path: &AttributePath,
    value: &Value,
    mut f: impl FnMut(AttributePath, &Value),
) {
    match (nesting, value) {
        (Nesting::Single, Value::Object(_)) => f(path.clone(), value),
        (Nesting::List | Nesting::Set, Value::List(items) | Value::Set(items)) => {
            for (i, item) in items.iter().enumerate() {
                if !item.is_null() && !item.is_unknown() {
                    f(path.index(i), item);
                }
            }
        }
        (Nesting::Map, Value::Map(items)) => {
            for (k, item) in items {
                if !item.is_null() && !item.is_unknown() {
                    f(path.key(k), item);
                }
            }
        }
        _ => {}
    }
}

/// Returns `planned` with every attribute that `config` leaves null set to its default,
/// descending into nested attributes the configuration sets.
#[must_use]
pub fn fill_defaults(schema: &Schema, config: &Value, planned: Value) -> Value {
    fill_attribute_defaults(&schema.attributes, config, planned)
}

fn fill_attribute_defaults(attrs: &[Attribute], config: &Value, planned: Value) -> Value {
    let Value::Object(mut map) = planned else {
        return planned;
    };
    for attr in attrs {
        let cfg = config.get(&attr.name);
        let current = map.remove(&attr.name).unwrap_or(Value::Null);
        let next = if cfg.is_null() {
            match &attr.default {
                Some(default) => default.clone(),
                None => current,
            }
        } else if let AttributeKind::Nested(nesting, nested) = &attr.kind {
            fill_nested_defaults(*nesting, nested, cfg, current)
        } else {
            current
        };
        map.insert(attr.name.clone(), next);
    }
    Value::Object(map)
}

fn fill_nested_defaults(nesting: Nesting, nested: &[Attribute], cfg: &Value, current: Value) -> Value {
    match (nesting, cfg, current) {
        (Nesting::Single, Value::Object(_), current @ Value::Object(_)) => {
            fill_attribute_defaults(nested, cfg, current)
        }
        (Nesting::List, Value::List(cfgs), Value::List(items)) if cfgs.len() == items.len() => Value::List(
            cfgs.iter()
                .zip(items)
                .map(|(c, item)| fill_attribute_defaults(nested, c, item))
                .collect(),
        ),
        (Nesting::Set, Value::Set(cfgs), Value::Set(items)) if cfgs.len() == items.len() => Value::Set(
            cfgs.iter()
                .zip(items)
                .map(|(c, item)| fill_attribute_defaults(nested, c, item))
                .collect(),
        ),
        (Nesting::Map, Value::Map(cfgs), Value::Map(items)) => Value::Map(
            items
                .into_iter()
                .map(|(k, item)| {
                    let c = cfgs.get(&k).cloned().unwrap_or(Value::Null);
                    let filled = fill_attribute_defaults(nested, &c, item);
                    (k, filled)
                })
                .collect(),
        ),
        (_, _, current) => current,
    }
}

/// On create, marks top-level computed attributes that the configuration leaves null and that
/// have no default as unknown: the provider decides them during apply.
#[must_use]
pub fn unknown_computed(schema: &Schema, config: &Value, planned: Value) -> Value {
    let Value::Object(mut map) = planned else {
        return planned;
    };
    for attr in &schema.attributes {
        if attr.computed && attr.default.is_none() && config.get(&attr.name).is_null() {
            let slot = map.entry(attr.name.clone()).or_insert(Value::Null);
            if slot.is_null() {
                *slot = Value::unknown();
            }
        }
    }
    Value::Object(map)
}

/// Returns `value` with every write-only attribute set to null, as the protocol requires of
/// every plan, apply, read, import and upgrade result.
#[must_use]
pub fn null_write_only(schema: &Schema, value: Value) -> Value {
    null_write_only_attrs(&schema.attributes, value)
}

fn null_write_only_attrs(attrs: &[Attribute], value: Value) -> Value {
    let Value::Object(mut map) = value else {
        return value;
    };
    for attr in attrs {
        if attr.write_only {
            map.insert(attr.name.clone(), Value::Null);
        } else if let AttributeKind::Nested(nesting, nested) = &attr.kind
            && let Some(v) = map.remove(&attr.name)
        {
            let v = match (nesting, v) {
                (Nesting::Single, v) => null_write_only_attrs(nested, v),
                (Nesting::List, Value::List(items)) => Value::List(
                    items
                        .into_iter()
                        .map(|i| null_write_only_attrs(nested, i))
                        .collect(),
                ),
                (Nesting::Set, Value::Set(items)) => Value::Set(
                    items
                        .into_iter()
                        .map(|i| null_write_only_attrs(nested, i))
                        .collect(),
                ),
                (Nesting::Map, Value::Map(items)) => Value::Map(
                    items
                        .into_iter()
                        .map(|(k, i)| (k, null_write_only_attrs(nested, i)))
                        .collect::<BTreeMap<_, _>>(),
                ),
                (_, v) => v,
            };
            map.insert(attr.name.clone(), v);
        }
    }
    Value::Object(map)
}

/// Returns `value` with the write-only attributes of `config` copied in: what a resource's
/// plan and apply need to see the values that the plan and the state never hold. Write-only
/// attributes are looked up through single nested attributes only (where a list item of the
/// configuration matches an item of the value is not known).
#[must_use]
pub fn with_write_only(schema: &Schema, config: &Value, value: Value) -> Value {
    with_write_only_attrs(&schema.attributes, config, value)
}

fn with_write_only_attrs(attrs: &[Attribute], config: &Value, value: Value) -> Value {
    let Value::Object(mut map) = value else {
        return value;
    };
    for attr in attrs {
        if attr.write_only {
            map.insert(attr.name.clone(), config.get(&attr.name).clone());
        } else if let AttributeKind::Nested(Nesting::Single, nested) = &attr.kind
            && let Some(v) = map.remove(&attr.name)
        {
            map.insert(
                attr.name.clone(),
                with_write_only_attrs(nested, config.get(&attr.name), v),
            );
        }
    }
    Value::Object(map)
}

/// The paths of the write-only attributes `config` sets (through single nested attributes), for
/// refusing them to a client that would store them.
#[must_use]
pub fn write_only_set(schema: &Schema, config: &Value) -> Vec<AttributePath> {
    let mut paths = Vec::new();
    write_only_set_attrs(&schema.attributes, &AttributePath::empty(), config, &mut paths);
    paths
}

fn write_only_set_attrs(
    attrs: &[Attribute],
    at: &AttributePath,
    config: &Value,
    paths: &mut Vec<AttributePath>,
) {
    for attr in attrs {
        let v = config.get(&attr.name);
        if attr.write_only && !v.is_null() {
            paths.push(at.attr(&attr.name));
        } else if let AttributeKind::Nested(Nesting::Single, nested) = &attr.kind
            && !v.is_null()
        {
            write_only_set_attrs(nested, &at.attr(&attr.name), v, paths);
        }
    }
}

/// Returns the value of `attr` with every sensitive part (the attribute itself, or sensitive
/// nested attributes at any depth) set to null: what may be recorded outside the state.
#[must_use]
pub fn null_sensitive(attr: &Attribute, value: Value) -> Value {
    if attr.sensitive || attr.write_only {
        return Value::Null;
    }
    let AttributeKind::Nested(nesting, nested) = &attr.kind else {
        return value;
    };
    let object = |v: Value| match v {
        Value::Object(mut map) => {
            for a in nested {
                if let Some(inner) = map.remove(&a.name) {
                    map.insert(a.name.clone(), null_sensitive(a, inner));
                }
            }
            Value::Object(map)
        }
        other => other,
    };
    match (nesting, value) {
        (Nesting::Single, v) => object(v),
        (Nesting::List, Value::List(items)) => Value::List(items.into_iter().map(object).collect()),
        (Nesting::Set, Value::Set(items)) => Value::Set(items.into_iter().map(object).collect()),
        (Nesting::Map, Value::Map(items)) => Value::Map(
            items
                .into_iter()
                .map(|(k, v)| (k, object(v)))
                .collect::<BTreeMap<_, _>>(),
        ),
        (_, v) => v,
    }
}

/// The paths of force-new attributes whose planned value differs from the prior state, including
/// force-new attributes inside single nested attributes.
#[must_use]
pub fn requires_replace(schema: &Schema, prior: &Value, planned: &Value) -> Vec<AttributePath> {
    let mut paths = Vec::new();
    replace_paths(
        &schema.attributes,
        &AttributePath::empty(),
        prior,
        planned,
        &mut paths,
    );
    paths
}

fn replace_paths(
    attrs: &[Attribute],
    base: &AttributePath,
    prior: &Value,
    planned: &Value,
    out: &mut Vec<AttributePath>,
) {
    for attr in attrs {
        let path = if base.is_empty() {
            AttributePath::root(&attr.name)
        } else {
            base.attr(&attr.name)
        };
        let (before, after) = (prior.get(&attr.name), planned.get(&attr.name));
        if attr.force_new && before != after {
            out.push(path);
        } else if let AttributeKind::Nested(Nesting::Single, nested) = &attr.kind
            && matches!(before, Value::Object(_))
            && matches!(after, Value::Object(_))
        {
            replace_paths(nested, &path, before, after, out);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::schema::{Attribute, Block, validators};
    use cty::Number;

    fn schema() -> Schema {
        Schema {
            attributes: vec![
                Attribute::string("name")
                    .required()
                    .force_new()
                    .validate(validators::rfc1123_label()),
                Attribute::string("role").default(Value::string("namespace-admin")),
                Attribute::nested(
                    "quota",
                    super::Nesting::Single,
                    vec![
                        Attribute::number("a").default(Value::Number(Number::from_i64(100))),
                        Attribute::number("b").default(Value::Number(Number::from_i64(100))),
                    ],
                )
                .default(Value::Object(BTreeMap::from([
                    ("a".to_owned(), Value::Number(Number::from_i64(100))),
                    ("b".to_owned(), Value::Number(Number::from_i64(100))),
                ]))),
                Attribute::string("secret").sensitive().write_only(),
                Attribute::string("id").computed(),
            ],
            blocks: vec![Block::timeouts(&["create"], "5m")],
            ..Schema::default()
        }
    }

    fn obj(pairs: &[(&str, Value)]) -> Value {
        Value::Object(pairs.iter().map(|(k, v)| ((*k).to_owned(), v.clone())).collect())
    }

    #[test]
    fn defaults_fill_nulls_and_nested_attributes() {
        let s = schema();
        let config = obj(&[
            ("name", Value::string("x")),
            ("role", Value::Null),
            (
                "quota",
                obj(&[("a", Value::Number(Number::from_i64(5))), ("b", Value::Null)]),
            ),
            ("secret", Value::string("s")),
            ("id", Value::Null),
            ("timeouts", Value::Null),
        ]);
        let planned = fill_defaults(&s, &config, config.clone());
        assert_eq!(planned.get("role"), &Value::string("namespace-admin"));
        assert_eq!(planned.get("quota").get("a"), &Value::Number(Number::from_i64(5)));
        assert_eq!(
            planned.get("quota").get("b"),
            &Value::Number(Number::from_i64(100))
        );
        let planned = unknown_computed(&s, &config, planned);
        assert!(planned.get("id").is_unknown());
        let planned = null_write_only(&s, planned);
        assert!(planned.get("secret").is_null());
    }

    #[test]
    fn validators_name_the_attribute_path() {
        let s = schema();
        let config = obj(&[
            ("name", Value::string("Not_A_Label")),
            ("timeouts", obj(&[("create", Value::string("5 minutes"))])),
        ]);
        let mut diags = Diagnostics::new();
        validate_config(&s, &config, &mut diags);
        let paths: Vec<String> = diags
            .iter()
            .map(|d| d.path.as_ref().map(ToString::to_string).unwrap_or_default())
            .collect();
        assert_eq!(paths, vec!["name", "timeouts.create"]);
    }

    #[test]
    fn replace_only_for_changed_force_new_attributes() {
        let s = schema();
        let a = obj(&[("name", Value::string("a")), ("role", Value::string("x"))]);
        let b = obj(&[("name", Value::string("b")), ("role", Value::string("y"))]);
        let paths = requires_replace(&s, &a, &b);
        assert_eq!(paths, vec![AttributePath::root("name")]);
        assert!(requires_replace(&s, &a, &a).is_empty());
    }

    #[test]
    fn write_only_values_come_from_the_configuration_only() {
        let auth = Attribute::nested(
            "auth",
            super::Nesting::Single,
            vec![
                Attribute::string("user"),
                Attribute::string("password").sensitive(),
                Attribute::string("password_wo").sensitive().write_only(),
            ],
        );
        let s = Schema {
            attributes: vec![Attribute::string("secret").sensitive().write_only(), auth.clone()],
            ..Schema::default()
        };
        let config = obj(&[
            ("secret", Value::string("top")),
            (
                "auth",
                obj(&[
                    ("user", Value::string("u")),
                    ("password", Value::Null),
                    ("password_wo", Value::string("pw")),
                ]),
            ),
        ]);
        let planned = null_write_only(&s, config.clone());
        assert!(planned.get("auth").get("password_wo").is_null());
        let merged = with_write_only(&s, &config, planned);
        assert_eq!(
            merged, config,
            "the write-only values are back, nothing else changed"
        );
        let paths: Vec<String> = write_only_set(&s, &config)
            .iter()
            .map(ToString::to_string)
            .collect();
        assert_eq!(paths, ["secret", "auth.password_wo"]);
        assert!(write_only_set(&s, &obj(&[("auth", Value::Null)])).is_empty());
        let recorded = null_sensitive(
            &auth,
            obj(&[
                ("user", Value::string("u")),
                ("password", Value::string("p")),
                ("password_wo", Value::Null),
            ]),
        );
        assert_eq!(recorded.get("user").as_str(), Some("u"));
        assert!(recorded.get("password").is_null());
    }

    #[test]
    fn schema_checks_itself() {
        assert!(schema().validate_implementation().is_ok());
        let bad = Schema {
            attributes: vec![Attribute::string("X").computed().required()],
            ..Schema::default()
        };
        assert!(bad.validate_implementation().is_err());
    }
}
