//! Schemas as plain data: attributes, nested attributes and the `timeouts` block, with the
//! validators and defaults that the framework applies before a resource sees a value.

pub mod validators;
mod walk;

pub use walk::{
    fill_defaults, null_sensitive, null_write_only, requires_replace, unknown_computed, validate_config,
    with_write_only, write_only_set,
};

use crate::diag::Diagnostics;
use crate::path::AttributePath;
use cty::{ObjectType, Type, Value};
use std::collections::BTreeMap;
use std::fmt;
use std::sync::Arc;

/// Checks one known, non-null configuration value and reports what is wrong with it.
pub trait Validator: Send + Sync {
    /// A short sentence for the docs: what the validator accepts.
    fn description(&self) -> String;
    /// Adds an error to `diags`, naming `path`, when `value` is not acceptable.
    fn validate(&self, path: &AttributePath, value: &Value, diags: &mut Diagnostics);
}

/// How a nested attribute holds its objects.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Nesting {
    /// One object (`x = { ... }`).
    Single,
    /// A list of objects.
    List,
    /// A set of objects.
    Set,
    /// A map of objects.
    Map,
}

/// What an attribute holds: a value of a cty type, or nested attributes.
#[derive(Clone)]
pub enum AttributeKind {
    /// A value of this type.
    Value(Type),
    /// Nested attributes, held as one object or as a collection of objects.
    Nested(Nesting, Vec<Attribute>),
}

/// One attribute of a schema.
#[derive(Clone)]
pub struct Attribute {
    /// The attribute name.
    pub name: String,
    /// Its type or nested attributes.
    pub kind: AttributeKind,
    /// Markdown description, used by the CLI and the generated docs.
    pub description: String,
    /// Must be set in configuration.
    pub required: bool,
    /// May be set in configuration.
    pub optional: bool,
    /// The provider may set it.
    pub computed: bool,
    /// Redacted in CLI output.
    pub sensitive: bool,
    /// Never stored in plan or state (needs a client with write-only support).
    pub write_only: bool,
    /// Changing it replaces the resource.
    pub force_new: bool,
    /// The value planned when the configuration leaves it null (implies optional + computed).
    pub default: Option<Value>,
    /// Validators run on known, non-null configuration values.
    pub validators: Vec<Arc<dyn Validator>>,
}

impl fmt::Debug for Attribute {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Attribute")
            .field("name", &self.name)
            .finish_non_exhaustive()
    }
}

impl Attribute {
    fn new(name: &str, kind: AttributeKind) -> Self {
        Self {
            name: name.to_owned(),
            kind,
            description: String::new(),
            required: false,
            optional: true,
            computed: false,
            sensitive: false,
            write_only: false,
            force_new: false,
            default: None,
            validators: Vec::new(),
        }
    }

    /// An optional string attribute.
    #[must_use]
    pub fn string(name: &str) -> Self {
        Self::new(name, AttributeKind::Value(Type::String))
    }
    /// An optional bool attribute.
    #[must_use]
    pub fn bool(name: &str) -> Self {
        Self::new(name, AttributeKind::Value(Type::Bool))
    }
    /// An optional number attribute.
    #[must_use]
    pub fn number(name: &str) -> Self {
        Self::new(name, AttributeKind::Value(Type::Number))
    }
    /// An optional attribute of any type (`dynamic`).
    #[must_use]
    pub fn dynamic(name: &str) -> Self {
        Self::new(name, AttributeKind::Value(Type::Dynamic))
    }
    /// An optional map of strings.
    #[must_use]
    pub fn string_map(name: &str) -> Self {
        Self::new(name, AttributeKind::Value(Type::Map(Box::new(Type::String))))
    }
    /// An optional list of strings.
    #[must_use]
    pub fn string_list(name: &str) -> Self {
        Self::new(name, AttributeKind::Value(Type::List(Box::new(Type::String))))
    }
    /// An optional attribute of nested attributes.
    #[must_use]
    pub fn nested(name: &str, nesting: Nesting, attributes: Vec<Attribute>) -> Self {
        Self::new(name, AttributeKind::Nested(nesting, attributes))
    }

    /// Must be set.
    #[must_use]
    pub fn required(mut self) -> Self {
        self.required = true;
        self.optional = false;
        self
    }
    /// Set by the provider only.
    #[must_use]
    pub fn computed(mut self) -> Self {
        self.computed = true;
        self.optional = false;
        self.required = false;
        self
    }
    /// May be set by the user; otherwise the provider sets it.
    #[must_use]
    pub fn optional_computed(mut self) -> Self {
        self.computed = true;
        self.optional = true;
        self.required = false;
        self
    }
    /// Planned as `value` when the configuration leaves it null.
    #[must_use]
    pub fn default(mut self, value: Value) -> Self {
        self.default = Some(value);
        self.optional_computed()
    }
    /// For a single nested attribute: defaults to the object of its attributes' defaults (null
    /// where one has none), so leaving the whole object out equals setting it to `{}`.
    #[must_use]
    pub fn default_from_nested(self) -> Self {
        let default = match &self.kind {
            AttributeKind::Nested(Nesting::Single, attrs) => Value::Object(
                attrs
                    .iter()
                    .map(|a| (a.name.clone(), a.default.clone().unwrap_or(Value::Null)))
                    .collect(),
            ),
            _ => return self,
        };
        self.default(default)
    }

    /// Redacted in CLI output.
    #[must_use]
    pub fn sensitive(mut self) -> Self {
        self.sensitive = true;
        self
    }
    /// Never stored in plan or state.
    #[must_use]
    pub fn write_only(mut self) -> Self {
        self.write_only = true;
        self
    }
    /// Changing it replaces the resource.
    #[must_use]
    pub fn force_new(mut self) -> Self {
        self.force_new = true;
        self
    }
    /// Sets the description.
    #[must_use]
    pub fn describe(mut self, description: &str) -> Self {
        self.description = description.to_owned();
        self
    }
    /// Adds a validator.
    #[must_use]
    pub fn validate(mut self, validator: impl Validator + 'static) -> Self {
        self.validators.push(Arc::new(validator));
        self
    }

    /// The cty type of the attribute's value on the wire.
    #[must_use]
    pub fn value_type(&self) -> Type {
        match &self.kind {
            AttributeKind::Value(ty) => ty.clone(),
            AttributeKind::Nested(nesting, attrs) => {
                let object = object_type(attrs, &[]);
                match nesting {
                    Nesting::Single => object,
                    Nesting::List => Type::List(Box::new(object)),
                    Nesting::Set => Type::Set(Box::new(object)),
                    Nesting::Map => Type::Map(Box::new(object)),
                }
            }
        }
    }
}

/// The identity of a resource type (protocol 6.9+): the attributes that name an instance in
/// the remote system, for `import { identity = { ... } }` and for checks that a refresh still
/// reads the same object. Each identity attribute mirrors the state attribute of the same name.
#[derive(Clone, Debug)]
pub struct IdentitySchema {
    /// Identity schema version.
    pub version: i64,
    /// `(name, type, description)` of each attribute; all are required for import.
    pub attributes: Vec<(String, Type, String)>,
}

impl IdentitySchema {
    /// The cty object type of identity data.
    #[must_use]
    pub fn value_type(&self) -> Type {
        Type::object(self.attributes.iter().map(|(n, t, _)| (n.clone(), t.clone())))
    }

    /// The identity of an instance: its identity attributes, read from its state.
    #[must_use]
    pub fn of(&self, state: &Value) -> Value {
        Value::Object(
            self.attributes
                .iter()
                .map(|(n, _, _)| (n.clone(), state.get(n).clone()))
                .collect(),
        )
    }
}

/// A nested block with single nesting: the `timeouts { ... }` block.
#[derive(Clone, Debug)]
pub struct Block {
    /// The block type name.
    pub name: String,
    /// Description.
    pub description: String,
    /// The block's attributes.
    pub attributes: Vec<Attribute>,
}

impl Block {
    /// The standard `timeouts` block with one optional duration per operation.
    #[must_use]
    pub fn timeouts(operations: &[&str], default: &str) -> Self {
        Self {
            name: "timeouts".to_owned(),
            description: format!(
                "Bounds for the waits of each operation, as Go durations (default `{default}` each)."
            ),
            attributes: operations
                .iter()
                .map(|op| {
                    Attribute::string(op)
                        .describe(&format!("How long `{op}` may take (default `{default}`)."))
                        .validate(validators::duration())
                })
                .collect(),
        }
    }

    /// The cty type of the block's value.
    #[must_use]
    pub fn value_type(&self) -> Type {
        object_type(&self.attributes, &[])
    }
}

/// The schema of a resource or of the provider block.
#[derive(Clone, Debug, Default)]
pub struct Schema {
    /// Schema version, for state upgrades.
    pub version: i64,
    /// Markdown description.
    pub description: String,
    /// Top-level attributes.
    pub attributes: Vec<Attribute>,
    /// Nested blocks (single nesting only).
    pub blocks: Vec<Block>,
}

impl Schema {
    /// The cty object type of a whole configuration, plan or state value.
    #[must_use]
    pub fn value_type(&self) -> Type {
        object_type(&self.attributes, &self.blocks)
    }

    /// The attribute called `name`.
    #[must_use]
    pub fn attribute(&self, name: &str) -> Option<&Attribute> {
        self.attributes.iter().find(|a| a.name == name)
    }

    /// Checks the schema itself: unique names, sane flag combinations, defaults of the right
    /// shape. Every resource schema is checked by a unit test.
    ///
    /// # Errors
    /// A description of each mistake.
    pub fn validate_implementation(&self) -> Result<(), Vec<String>> {
        let mut errors = Vec::new();
        check_attributes(&self.attributes, "", &mut errors);
        for block in &self.blocks {
            if self.attribute(&block.name).is_some() {
                errors.push(format!("{}: both an attribute and a block", block.name));
            }
            check_attributes(&block.attributes, &format!("{}.", block.name), &mut errors);
        }
        if errors.is_empty() { Ok(()) } else { Err(errors) }
    }
}

fn check_attributes(attrs: &[Attribute], prefix: &str, errors: &mut Vec<String>) {
    let mut seen = std::collections::BTreeSet::new();
    for a in attrs {
        let name = format!("{prefix}{}", a.name);
        if !seen.insert(&a.name) {
            errors.push(format!("{name}: duplicate attribute"));
        }
        if !(a.required || a.optional || a.computed) {
            errors.push(format!("{name}: neither required, optional nor computed"));
        }
        if a.required && (a.optional || a.computed) {
            errors.push(format!("{name}: required together with optional or computed"));
        }
        if a.default.is_some() && !a.computed {
            errors.push(format!("{name}: a default needs computed"));
        }
        if a.write_only && (a.computed || a.default.is_some()) {
            errors.push(format!("{name}: write-only attributes cannot be computed"));
        }
        if let Some(default) = &a.default
            && cty::msgpack::encode(default, &a.value_type()).is_err()
        {
            errors.push(format!("{name}: default does not match the attribute type"));
        }
        if !a
            .name
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
        {
            errors.push(format!("{name}: not snake_case"));
        }
        if let AttributeKind::Nested(_, nested) = &a.kind {
            check_attributes(nested, &format!("{name}."), errors);
        }
    }
}

fn object_type(attrs: &[Attribute], blocks: &[Block]) -> Type {
    let mut map = BTreeMap::new();
    for a in attrs {
        map.insert(a.name.clone(), a.value_type());
    }
    for b in blocks {
        map.insert(b.name.clone(), b.value_type());
    }
    Type::Object(ObjectType {
        attrs: map,
        optional: Default::default(),
    })
}
