//! The attributes every resource has, decoded into [`Common`], and small cty helpers.

use super::FluxResource;
use super::adapter::digests::DIGEST_SALT;
use serde::Deserialize;
use std::collections::BTreeMap;
use std::time::Duration;
use tfplugin::Diagnostic;
use tfplugin::cty::Value;
use tfplugin::schema::Attribute;
use tfplugin::schema::validators;

/// How long each operation may wait when `timeouts` leaves it unset.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(300);

/// The attributes every resource has, decoded.
#[derive(Clone, Debug)]
pub struct Common {
    /// `name`.
    pub name: String,
    /// `namespace`.
    pub namespace: String,
    /// `labels`, added to every rendered object.
    pub labels: BTreeMap<String, String>,
    /// `annotations`, added to every rendered object.
    pub annotations: BTreeMap<String, String>,
    /// `wait`: wait for readiness after apply.
    pub wait: bool,
    /// `takeover`: objects another tool manages may be taken over.
    pub takeover: bool,
    /// `timeouts.create`.
    pub create_timeout: Duration,
    /// `timeouts.update`.
    pub update_timeout: Duration,
    /// `timeouts.delete`.
    pub delete_timeout: Duration,
}

impl Common {
    /// Decodes the common attributes of a wholly known value; an operation without a
    /// `timeouts` entry waits [`DEFAULT_TIMEOUT`] (a block has no schema default).
    ///
    /// # Errors
    /// When the value does not have the schema's shape (a bug, reported with its path).
    pub fn from_value(v: &Value) -> Result<Self, Diagnostic> {
        /// The attributes as given.
        #[derive(Deserialize)]
        struct Given {
            name: String,
            namespace: String,
            labels: BTreeMap<String, String>,
            annotations: BTreeMap<String, String>,
            wait: bool,
            takeover: bool,
            #[serde(default)]
            timeouts: Timeouts,
        }
        /// The `timeouts` block.
        #[derive(Default, Deserialize)]
        struct Timeouts {
            create: Option<String>,
            update: Option<String>,
            delete: Option<String>,
        }
        let given: Given = tfplugin::decode::decode(v)?;
        let timeout = |t: &Option<String>| {
            t.as_deref()
                .and_then(tfplugin::duration::parse_go)
                .unwrap_or(DEFAULT_TIMEOUT)
        };
        Ok(Self {
            name: given.name,
            namespace: given.namespace,
            labels: given.labels,
            annotations: given.annotations,
            wait: given.wait,
            takeover: given.takeover,
            create_timeout: timeout(&given.timeouts.create),
            update_timeout: timeout(&given.timeouts.update),
            delete_timeout: timeout(&given.timeouts.delete),
        })
    }
}

/// The `objects` map of a state (the inventory): object key to digest; empty when unset.
#[must_use]
pub fn string_map(v: &Value) -> BTreeMap<String, String> {
    v.as_map()
        .map(|m| {
            m.iter()
                .filter_map(|(k, v)| Some((k.clone(), v.as_str()?.to_owned())))
                .collect()
        })
        .unwrap_or_default()
}

/// One `depends_on` entry (see [`depends_on_attribute`]).
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
pub struct DependsOn {
    /// Name of the object depended on.
    pub name: String,
    /// Its namespace; `None` for the same namespace (unset or empty).
    #[serde(default, deserialize_with = "tfplugin::decode::non_empty")]
    pub namespace: Option<String>,
}

impl DependsOn {
    /// The Flux `dependsOn` entry.
    #[must_use]
    pub fn to_json(&self) -> serde_json::Value {
        let mut m = serde_json::Map::new();
        m.insert("name".into(), self.name.clone().into());
        if let Some(ns) = &self.namespace {
            m.insert("namespace".into(), ns.clone().into());
        }
        serde_json::Value::Object(m)
    }
}

/// A cty map of strings.
#[must_use]
pub fn string_map_value(m: &BTreeMap<String, String>) -> Value {
    Value::Map(
        m.iter()
            .map(|(k, v)| (k.clone(), Value::string(v.clone())))
            .collect(),
    )
}

/// The `depends_on` list of a Flux object: `{ name, namespace }` entries naming the `kind`
/// objects (Kustomizations, HelmReleases) that must be ready first.
#[must_use]
pub fn depends_on_attribute(kind: &str, description: &str) -> Attribute {
    Attribute::nested(
        "depends_on",
        tfplugin::schema::Nesting::List,
        vec![
            Attribute::string("name")
                .required()
                .validate(validators::rfc1123_subdomain())
                .describe(&format!("Name of the {kind} depended on.")),
            Attribute::string("namespace")
                .validate(validators::rfc1123_label_or_empty())
                .describe("Its namespace; this resource's namespace when unset or empty."),
        ],
    )
    .describe(description)
}

/// The attributes every resource has: `name`, `namespace`, `labels`, `annotations`, `wait`,
/// `takeover`, `id`, `objects` (and the `timeouts` block, see [`schema`]).
pub(super) fn common_attributes<R: FluxResource>() -> Vec<Attribute> {
    let name = Attribute::string("name")
        .force_new()
        .validate(validators::rfc1123_label());
    let name = match R::NAME_DEFAULT {
        Some(d) => name.default(Value::string(d)),
        None => name.required(),
    };
    let namespace = Attribute::string("namespace")
        .force_new()
        .validate(validators::rfc1123_label());
    let namespace = match R::NAMESPACE_DEFAULT {
        Some(d) => namespace.default(Value::string(d)),
        None => namespace.required(),
    };
    vec![
        name.describe(R::NAME_DESCRIPTION),
        namespace.describe(R::NAMESPACE_DESCRIPTION),
        Attribute::string_map("labels")
            .default(Value::Map(BTreeMap::new()))
            .validate(validators::map_keys(validators::qualified_name()).values(validators::label_value()))
            .describe("Labels added to every rendered object."),
        Attribute::string_map("annotations")
            .default(Value::Map(BTreeMap::new()))
            .validate(validators::map_keys(validators::qualified_name()))
            .describe("Annotations added to every rendered object."),
        Attribute::bool("wait")
            .default(Value::Bool(true))
            .describe("Wait until every applied object is ready, bounded by `timeouts`."),
        Attribute::bool("takeover").default(Value::Bool(false)).describe(
            "Take over objects another tool manages (Timoni's instance labels, Helm's release \
                 annotations, the labels of `flux install` and bootstrap): they are applied, the other \
                 managers' fields become this resource's, and destroy deletes them as if it had \
                 created them. Without it such objects are an error. Objects no one claims are adopted \
                 either way and left in place on destroy.",
        ),
        Attribute::string(DIGEST_SALT).computed().sensitive().describe(
            "Random salt of the digests of Secrets in `objects`, made at create: a digest shown in a plan \
                 or a CI log cannot confirm a guess of a secret without it.",
        ),
        Attribute::string("id").computed().describe("`namespace/name`."),
        objects_attribute(),
    ]
}

fn objects_attribute() -> Attribute {
    Attribute {
        kind: tfplugin::schema::AttributeKind::Value(tfplugin::cty::Type::Map(Box::new(
            tfplugin::cty::Type::String,
        ))),
        ..Attribute::string("objects").computed()
    }
    .describe(
        "One entry per rendered object, keyed `group/version/kind/namespace/name`, valued by a digest of its \
         managed fields: plans show which objects are added, changed or pruned.",
    )
}
