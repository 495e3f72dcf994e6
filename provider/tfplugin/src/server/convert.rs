//! Conversions between the wire types of tfplugin6 and the framework's own types.

use crate::diag::{Diagnostic, Diagnostics, Severity};
use crate::path::{AttributePath, PathStep};
use crate::proto::tfplugin6 as pb;
use crate::schema::{Attribute, AttributeKind, Block, Nesting, Schema};
use cty::{Type, Value};

/// Decodes a DynamicValue (msgpack, or JSON as a fallback); an absent value is null.
pub(crate) fn decode(value: Option<&pb::DynamicValue>, ty: &Type, what: &str) -> Result<Value, Diagnostic> {
    let Some(v) = value else { return Ok(Value::Null) };
    let decoded = if !v.msgpack.is_empty() {
        cty::msgpack::decode(&v.msgpack, ty)
    } else if !v.json.is_empty() {
        cty::json::decode_bytes(&v.json, ty)
    } else {
        return Ok(Value::Null);
    };
    decoded.map_err(|e| {
        Diagnostic::error(
            format!("Invalid {what} received from the CLI"),
            format!("{e}. This is a bug in the provider or the CLI; please report it."),
        )
    })
}

/// Decodes several DynamicValues of one type, each named for messages.
pub(crate) fn decode_all<const N: usize>(
    values: [(Option<&pb::DynamicValue>, &str); N],
    ty: &Type,
) -> Result<[Value; N], Diagnostic> {
    let mut out = [const { Value::Null }; N];
    for (slot, (value, what)) in out.iter_mut().zip(values) {
        *slot = decode(value, ty, what)?;
    }
    Ok(out)
}

/// Encodes a value as msgpack.
pub(crate) fn encode(value: &Value, ty: &Type) -> Result<pb::DynamicValue, Diagnostic> {
    cty::msgpack::encode(value, ty)
        .map(|msgpack| pb::DynamicValue {
            msgpack,
            json: Vec::new(),
        })
        .map_err(|e| {
            Diagnostic::error(
                "Provider produced a value it cannot encode",
                format!("{e}. This is a bug in the provider; please report it."),
            )
        })
}

pub(crate) fn diagnostics(diags: Diagnostics) -> Vec<pb::Diagnostic> {
    diags.into_iter().map(diagnostic).collect()
}

fn diagnostic(d: Diagnostic) -> pb::Diagnostic {
    pb::Diagnostic {
        severity: match d.severity {
            Severity::Error => pb::diagnostic::Severity::Error as i32,
            Severity::Warning => pb::diagnostic::Severity::Warning as i32,
        },
        summary: d.summary,
        detail: d.detail,
        attribute: d.path.as_ref().map(path),
    }
}

pub(crate) fn path(p: &AttributePath) -> pb::AttributePath {
    use pb::attribute_path::step::Selector;
    pb::AttributePath {
        steps: p
            .steps()
            .iter()
            .map(|s| pb::attribute_path::Step {
                selector: Some(match s {
                    PathStep::Attribute(n) => Selector::AttributeName(n.clone()),
                    PathStep::Key(k) => Selector::ElementKeyString(k.clone()),
                    PathStep::Index(i) => Selector::ElementKeyInt(*i),
                }),
            })
            .collect(),
    }
}

pub(crate) fn schema(s: &Schema) -> pb::Schema {
    pb::Schema {
        version: s.version,
        block: Some(pb::schema::Block {
            version: s.version,
            attributes: s.attributes.iter().map(attribute).collect(),
            block_types: s.blocks.iter().map(block).collect(),
            description: s.description.clone(),
            description_kind: pb::StringKind::Markdown as i32,
            ..Default::default()
        }),
    }
}

fn attribute(a: &Attribute) -> pb::schema::Attribute {
    let (r#type, nested_type) = match &a.kind {
        AttributeKind::Value(ty) => (ty.to_json().to_string().into_bytes(), None),
        AttributeKind::Nested(nesting, attrs) => (
            Vec::new(),
            Some(pb::schema::Object {
                attributes: attrs.iter().map(attribute).collect(),
                nesting: match nesting {
                    Nesting::Single => pb::schema::object::NestingMode::Single,
                    Nesting::List => pb::schema::object::NestingMode::List,
                    Nesting::Set => pb::schema::object::NestingMode::Set,
                    Nesting::Map => pb::schema::object::NestingMode::Map,
                } as i32,
                ..Default::default()
            }),
        ),
    };
    pb::schema::Attribute {
        name: a.name.clone(),
        r#type,
        nested_type,
        description: a.description.clone(),
        required: a.required,
        optional: a.optional,
        computed: a.computed,
        sensitive: a.sensitive,
        description_kind: pb::StringKind::Markdown as i32,
        write_only: a.write_only,
        ..Default::default()
    }
}

fn block(b: &Block) -> pb::schema::NestedBlock {
    pb::schema::NestedBlock {
        type_name: b.name.clone(),
        block: Some(pb::schema::Block {
            version: 0,
            attributes: b.attributes.iter().map(attribute).collect(),
            block_types: Vec::new(),
            description: b.description.clone(),
            description_kind: pb::StringKind::Markdown as i32,
            ..Default::default()
        }),
        nesting: pb::schema::nested_block::NestingMode::Single as i32,
        min_items: 0,
        max_items: 0,
    }
}

/// The wire form of an identity schema.
pub(crate) fn identity_schema(s: &crate::schema::IdentitySchema) -> pb::ResourceIdentitySchema {
    pb::ResourceIdentitySchema {
        version: s.version,
        identity_attributes: s
            .attributes
            .iter()
            .map(
                |(name, ty, description)| pb::resource_identity_schema::IdentityAttribute {
                    name: name.clone(),
                    r#type: ty.to_json().to_string().into_bytes(),
                    required_for_import: true,
                    optional_for_import: false,
                    description: description.clone(),
                },
            )
            .collect(),
    }
}
