//! Fixtures the resources' unit tests share: schemas from attribute lists, configurations and
//! planned values from JSON, common attributes, and settings decoded as the adapter decodes
//! them.

use super::{Common, DEFAULT_TIMEOUT};
use serde::de::DeserializeOwned;
use std::collections::BTreeMap;
use tfplugin::cty::{self, Value};
use tfplugin::schema::{Attribute, Schema, fill_defaults};

/// A schema of the resource-specific attributes.
pub fn schema_of(attributes: Vec<Attribute>) -> Schema {
    Schema {
        attributes,
        ..Default::default()
    }
}

/// A configuration from JSON (attributes left out are null), typed by the schema.
pub fn config(schema: &Schema, j: &serde_json::Value) -> Value {
    cty::json::decode(j, &schema.value_type()).expect("config matches the schema")
}

/// The planned value of a configuration: the configuration with the schema defaults, as the
/// framework hands it to a resource.
pub fn planned_value(schema: &Schema, config: &Value) -> Value {
    fill_defaults(schema, config, config.clone())
}

/// The planned value of a configuration given as JSON.
pub fn planned(schema: &Schema, j: &serde_json::Value) -> Value {
    planned_value(schema, &config(schema, j))
}

/// Settings decoded from a planned value as the adapter decodes them; panics with the path
/// when they do not decode.
pub fn decoded<S: DeserializeOwned>(planned: &Value) -> S {
    let mut diags = tfplugin::Diagnostics::new();
    super::decode_settings(planned, &mut diags).unwrap_or_else(|| panic!("settings do not decode: {diags:?}"))
}

/// The common attributes of an instance `namespace/name` with every default.
pub fn common(name: &str, namespace: &str) -> Common {
    Common {
        name: name.into(),
        namespace: namespace.into(),
        labels: BTreeMap::new(),
        annotations: BTreeMap::new(),
        wait: true,
        takeover: false,
        create_timeout: DEFAULT_TIMEOUT,
        update_timeout: DEFAULT_TIMEOUT,
        delete_timeout: DEFAULT_TIMEOUT,
    }
}
