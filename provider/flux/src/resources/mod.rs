//! The resources, and the one adapter that turns a [`FluxResource`] (schema, settings, pure
//! rendering) into a Terraform resource whose CRUD is: render, then hand the objects to the
//! shared apply engine.

pub mod aio;
pub mod helm_release;
pub mod ownership;
pub mod secrets;
pub mod sync;
pub mod tenant;

use crate::config::Shared;
use crate::error::engine_diagnostic;
use crate::render;
use async_trait::async_trait;
use engine::inventory::{as_stored, differing_paths, digest, project, salted_digest};
use engine::{Claim, Deadline, Engine, ObjectRef};
use kube::api::DynamicObject;
use std::collections::BTreeMap;
use std::marker::PhantomData;
use std::sync::Arc;
use std::time::Duration;
use tfplugin::cty::Value;
use tfplugin::schema::validators::{self, parse_go_duration};
use tfplugin::schema::{Attribute, Block, IdentitySchema, Schema};
use tfplugin::{
    ApplyRequest, ApplyResponse, DeleteRequest, Diagnostic, Diagnostics, PlanRequest, PlanResponse,
    ReadResponse, Resource,
};

/// How long a plan may spend looking at the cluster for objects it would adopt or take over.
const PREVIEW_TIMEOUT: Duration = Duration::from_secs(5);

/// The computed attribute holding the salt of Secret digests (see [`object_digest`]).
pub const DIGEST_SALT: &str = "digest_salt";

/// The inventory digest of an object: salted for Secrets, whose digests would otherwise let
/// anyone who reads a plan test guesses of their values.
fn object_digest(r: &ObjectRef, salt: &str, stored: &serde_json::Value) -> String {
    if r.group.is_empty() && r.kind == "Secret" {
        salted_digest(salt, stored)
    } else {
        digest(stored)
    }
}

/// Keeps the salt `value` or the prior state has, or makes a new one (16 random bytes, hex).
fn ensure_salt(value: &mut Value, prior: Option<&Value>) {
    let known = |v: &Value| {
        v.get(DIGEST_SALT)
            .as_str()
            .filter(|s| !s.is_empty())
            .map(str::to_owned)
    };
    let salt = known(value)
        .or_else(|| prior.and_then(known))
        .unwrap_or_else(new_salt);
    if let Value::Object(map) = value {
        map.insert(DIGEST_SALT.to_owned(), Value::string(salt));
    }
}

fn new_salt() -> String {
    use std::io::Read as _;
    let mut bytes = [0u8; 16];
    let read = std::fs::File::open("/dev/urandom").and_then(|mut f| f.read_exact(&mut bytes));
    if read.is_err() {
        // No urandom: the clock and the process still make the salt unique per instance.
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos());
        bytes[..16].copy_from_slice(&(nanos ^ u128::from(std::process::id())).to_le_bytes());
    }
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

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
    /// Decodes the common attributes of a wholly known value.
    #[must_use]
    pub fn from_value(v: &Value) -> Self {
        let timeout = |op: &str| {
            v.get("timeouts")
                .get(op)
                .as_str()
                .and_then(parse_go_duration)
                .unwrap_or(DEFAULT_TIMEOUT)
        };
        Self {
            name: v.get("name").as_str().unwrap_or_default().to_owned(),
            namespace: v.get("namespace").as_str().unwrap_or_default().to_owned(),
            labels: string_map(v.get("labels")),
            annotations: string_map(v.get("annotations")),
            wait: v.get("wait").as_bool().unwrap_or(true),
            takeover: v.get("takeover").as_bool().unwrap_or(false),
            create_timeout: timeout("create"),
            update_timeout: timeout("update"),
            delete_timeout: timeout("delete"),
        }
    }
}

/// A map of strings from a cty map (null → empty).
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
fn common_attributes<R: FluxResource>() -> Vec<Attribute> {
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

/// What a resource type provides: its own attributes, typed settings and a pure rendering. The
/// adapter [`managed`] does the rest.
#[async_trait]
pub trait FluxResource: Send + Sync + 'static {
    /// Typed settings decoded from a wholly known value.
    type Settings: Send + Sync;
    /// The resource type name.
    const TYPE_NAME: &'static str;
    /// Markdown description of the resource.
    const DESCRIPTION: &'static str;
    /// Description of `name`.
    const NAME_DESCRIPTION: &'static str;
    /// Description of `namespace`.
    const NAMESPACE_DESCRIPTION: &'static str;
    /// Default of `name`, if it has one.
    const NAME_DEFAULT: Option<&'static str> = None;
    /// Default of `namespace`, if it has one.
    const NAMESPACE_DEFAULT: Option<&'static str> = None;
    /// The object (`group/version/Kind`, named like the instance) that records the instance's
    /// configuration, secrets left out, in the [`CONFIG_ANNOTATION`], so an import can read it
    /// back; `None` when the resource reads its imports from the objects themselves.
    const CONFIG_RECORD: Option<&'static str> = None;

    /// Attributes the [`Self::CONFIG_RECORD`] object also holds in its spec, as plain JSON at the
    /// given pointer: left out of the record when it would grow past [`RECORD_BUDGET`] (a
    /// HelmRelease's values), and read back from there on import.
    const RECORDED_IN_SPEC: &'static [(&'static str, &'static str)] = &[];

    /// The resource's own attributes (the common ones are added).
    fn attributes() -> Vec<Attribute>;

    /// Cross-attribute checks; `config` may contain unknowns.
    fn validate(_config: &Value, _diags: &mut Diagnostics) {}

    /// Decodes the settings of a wholly known value (schema validation has passed), doing the
    /// I/O the rendering needs, if any (resolving the Flux distribution); problems go to
    /// `diags`, and `None` means the objects cannot be rendered.
    async fn settings(ctx: &Context<'_>, value: &Value, diags: &mut Diagnostics) -> Option<Self::Settings>;

    /// Computed attributes the settings decide (set in plan and state).
    fn computed(_settings: &Self::Settings) -> Vec<(&'static str, Value)> {
        Vec::new()
    }

    /// Renders the objects, in apply order. Pure.
    fn render(common: &Common, settings: &Self::Settings, field_manager: &str) -> Vec<DynamicObject>;

    /// Deletes the objects of a destroyed instance. By default every inventory object, in
    /// reverse key order (the inventory is keyed `group/version/kind/namespace/name`, so this is
    /// not dependency order; resources that need one override this), waiting until each is
    /// gone.
    async fn delete(
        engine: &Engine,
        _prior: &Value,
        refs: &[ObjectRef],
        deadline: &Deadline,
    ) -> engine::Result<()> {
        engine.delete(refs, true, deadline).await
    }

    /// Whether an object this resource no longer renders stays in the cluster, and in the
    /// inventory so that destroy still removes it, instead of being pruned.
    fn keep_when_dropped(_object: &ObjectRef) -> bool {
        false
    }

    /// Objects of another installation that must not run beside this instance. With
    /// `takeover = true` they are deleted once this instance's objects are ready; without it
    /// they are an error, explained by [`Self::CONFLICT_HELP`].
    fn conflicting(_common: &Common) -> Vec<ObjectRef> {
        Vec::new()
    }

    /// What to do about [`Self::conflicting`] objects.
    const CONFLICT_HELP: &'static str = "";

    /// Reads back from the cluster the resource-specific attributes (plus `labels` and
    /// `annotations`) of an instance being imported. `recorded` holds the attributes read from
    /// the [`Self::CONFIG_RECORD`] object, if the resource has one: what is left to read is
    /// the secrets.
    async fn import(
        engine: &Engine,
        namespace: &str,
        name: &str,
        recorded: BTreeMap<String, Value>,
    ) -> Result<BTreeMap<String, Value>, Diagnostic>;
}

/// The most the [`CONFIG_ANNOTATION`] may hold before [`FluxResource::RECORDED_IN_SPEC`]
/// attributes are left out of it: Kubernetes refuses objects whose annotations total more than
/// 256 KiB.
pub const RECORD_BUDGET: usize = 64 * 1024;

/// The annotation holding an instance's configuration, secrets left out (see
/// [`FluxResource::CONFIG_RECORD`]).
pub const CONFIG_ANNOTATION: &str = "flux-aio.provider/config";

/// When settings are decoded.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Phase {
    /// Planning: offline unless the resource needs to resolve something remote.
    Plan,
    /// Applying a plan: everything is pinned by the planned state.
    Apply,
    /// Refreshing a state.
    Read,
}

/// What [`FluxResource::settings`] may use.
pub struct Context<'a> {
    /// When.
    pub phase: Phase,
    /// The prior state, if any.
    pub prior: Option<&'a Value>,
}

/// The full schema of a resource type.
#[must_use]
pub fn schema<R: FluxResource>() -> Schema {
    let mut attributes = common_attributes::<R>();
    attributes.extend(R::attributes());
    Schema {
        version: 0,
        description: R::DESCRIPTION.to_owned(),
        attributes,
        blocks: vec![Block::timeouts(&["create", "update", "delete"], "5m")],
    }
}

/// The Terraform resource for a [`FluxResource`].
#[must_use]
pub fn managed<R: FluxResource>(shared: Arc<Shared>) -> Arc<dyn Resource> {
    Arc::new(Managed::<R> {
        shared,
        schema: schema::<R>(),
        _resource: PhantomData,
    })
}

struct Managed<R> {
    shared: Arc<Shared>,
    schema: Schema,
    _resource: PhantomData<fn() -> R>,
}

/// The rendering of a wholly known value: objects with their keys and digests.
struct Rendered {
    objects: Vec<DynamicObject>,
    digests: BTreeMap<String, String>,
    desired: BTreeMap<String, serde_json::Value>,
}

impl<R: FluxResource> Managed<R> {
    /// Whether every attribute the user can set is known, so the objects can be rendered.
    fn inputs_known(&self, value: &Value) -> bool {
        self.schema
            .attributes
            .iter()
            .filter(|a| a.optional || a.required)
            .all(|a| value.get(&a.name).is_wholly_known())
            && value.get("timeouts").is_wholly_known()
    }

    /// Decodes and renders a wholly known value; the value gains the computed attributes the
    /// settings decide. The write-only attributes of `config` (plan and apply; a refresh has
    /// none) reach the settings, never `value`.
    async fn render(
        &self,
        value: &mut Value,
        config: Option<&Value>,
        ctx: &Context<'_>,
        diags: &mut Diagnostics,
    ) -> Option<(Common, Rendered)> {
        let common = Common::from_value(value);
        let settings = match config {
            Some(config) => {
                let with_secrets = tfplugin::schema::with_write_only(&self.schema, config, value.clone());
                R::settings(ctx, &with_secrets, diags).await?
            }
            None => R::settings(ctx, value, diags).await?,
        };
        if let Value::Object(map) = value {
            for (name, v) in R::computed(&settings) {
                map.insert(name.to_owned(), v);
            }
        }
        let mut objects = R::render(&common, &settings, &self.shared.field_manager());
        if let Some(record) = R::CONFIG_RECORD {
            self.record_config(&mut objects, record, &common, value);
        }
        ownership::mark(&mut objects, &Self::owner(&common));
        let salt = value.get(DIGEST_SALT).as_str().unwrap_or_default().to_owned();
        let mut digests = BTreeMap::new();
        let mut desired = BTreeMap::new();
        for o in &objects {
            let key = ObjectRef::of(o).key();
            let mut stored = as_stored(&render::to_json(o));
            secrets::mask(&mut stored);
            digests.insert(key.clone(), object_digest(&ObjectRef::of(o), &salt, &stored));
            desired.insert(key, stored);
        }
        Some((
            common,
            Rendered {
                objects,
                digests,
                desired,
            },
        ))
    }

    /// Adds the [`CONFIG_ANNOTATION`] to the object `record` names: every attribute the user
    /// sets but `name` and `namespace` (the import ID), sensitive ones null.
    fn record_config(&self, objects: &mut [DynamicObject], record: &str, common: &Common, value: &Value) {
        let mut config = serde_json::Map::new();
        for a in self.schema.attributes.iter().filter(|a| a.optional || a.required) {
            if a.name == "name" || a.name == "namespace" {
                continue;
            }
            let v = tfplugin::schema::null_sensitive(a, value.get(&a.name).clone());
            if let Ok(json) = tfplugin::cty::json::encode(&v, &a.value_type()) {
                config.insert(a.name.clone(), json);
            }
        }
        for b in &self.schema.blocks {
            if let Ok(json) = tfplugin::cty::json::encode(value.get(&b.name), &b.value_type()) {
                config.insert(b.name.clone(), json);
            }
        }
        if serde_json::to_vec(&config).map_or(0, |b| b.len()) > RECORD_BUDGET {
            for (attribute, _) in R::RECORDED_IN_SPEC {
                config.remove(*attribute);
            }
        }
        let key_prefix = format!("{record}/{}/{}", common.namespace, common.name);
        if let Some(o) = objects.iter_mut().find(|o| ObjectRef::of(o).key() == key_prefix) {
            o.metadata
                .annotations
                .get_or_insert_with(Default::default)
                .insert(
                    CONFIG_ANNOTATION.to_owned(),
                    serde_json::Value::Object(config).to_string(),
                );
        }
    }

    /// The attributes recorded in the [`CONFIG_ANNOTATION`] of an instance being imported.
    async fn read_record(
        &self,
        engine: &Engine,
        record: &str,
        namespace: &str,
        name: &str,
    ) -> Result<BTreeMap<String, Value>, Diagnostic> {
        let key = format!("{record}/{namespace}/{name}");
        let object = read_for_import(engine, key.clone()).await?.ok_or_else(|| {
            import_error(format!(
                "no {} {namespace}/{name}",
                record.rsplit('/').next().unwrap_or(record)
            ))
        })?;
        let text = object
            .metadata
            .annotations
            .as_ref()
            .and_then(|a| a.get(CONFIG_ANNOTATION))
            .ok_or_else(|| {
                import_error(format!(
                    "{key} has no {CONFIG_ANNOTATION} annotation: it was not applied by this provider"
                ))
            })?;
        let json: serde_json::Value = serde_json::from_str(text).map_err(|e| {
            import_error(format!(
                "the {CONFIG_ANNOTATION} annotation of {key} is not JSON: {e}"
            ))
        })?;
        let mut attrs = BTreeMap::new();
        for (attribute, pointer) in R::RECORDED_IN_SPEC {
            if json.get(*attribute).is_none() {
                let (ty, v) = match object.data.pointer(pointer) {
                    Some(j) => tfplugin::cty::from_plain_json(j),
                    None => (tfplugin::cty::Type::Dynamic, Value::Null),
                };
                attrs.insert((*attribute).to_owned(), Value::Dynamic(ty, Box::new(v)));
            }
        }
        for a in self.schema.attributes.iter().filter(|a| a.optional || a.required) {
            if let Some(j) = json.get(&a.name) {
                let v = tfplugin::cty::json::decode(j, &a.value_type()).map_err(|e| {
                    import_error(format!(
                        "attribute {} recorded on {key} cannot be read: {e}",
                        a.name
                    ))
                })?;
                attrs.insert(a.name.clone(), v);
            }
        }
        for b in &self.schema.blocks {
            if let Some(v) = json
                .get(&b.name)
                .and_then(|j| tfplugin::cty::json::decode(j, &b.value_type()).ok())
            {
                attrs.insert(b.name.clone(), v);
            }
        }
        Ok(attrs)
    }

    async fn engine(&self, diags: &mut Diagnostics) -> Option<Arc<Engine>> {
        match self.shared.engine().await {
            Ok(e) => Some(e),
            Err(d) => {
                diags.push(d);
                None
            }
        }
    }

    /// This instance's owner mark.
    fn owner(common: &Common) -> String {
        ownership::owner(R::TYPE_NAME, &common.namespace, &common.name)
    }

    /// The objects of the prior inventory that the rendering dropped but the resource keeps
    /// (see [`FluxResource::keep_when_dropped`]), with their prior digests.
    fn kept(prior: &BTreeMap<String, String>, rendered: &Rendered) -> BTreeMap<String, String> {
        prior
            .iter()
            .filter(|(k, _)| !rendered.digests.contains_key(*k))
            .filter(|(k, _)| ObjectRef::parse(k).is_ok_and(|r| R::keep_when_dropped(&r)))
            .map(|(k, d)| (k.clone(), d.clone()))
            .collect()
    }

    /// The error for [`FluxResource::conflicting`] objects found without `takeover`.
    fn conflict_error(conflicting: &[ObjectRef]) -> Diagnostic {
        Diagnostic::error(
            "Another installation is in the way",
            format!(
                "{}{}\nNothing was applied.",
                R::CONFLICT_HELP,
                conflicting
                    .iter()
                    .map(|r| format!("\n  - {r}"))
                    .collect::<String>()
            ),
        )
        .with_path(tfplugin::AttributePath::root("takeover"))
    }

    /// What a plan can tell of the objects it would put where others may be: another owner
    /// (or another tool, without `takeover`) refuses the plan, and adoptions and takeovers
    /// are announced. Only objects new to the inventory are looked at, briefly and at best:
    /// a plan needs no cluster, so an unreachable or not yet known one is skipped, and the
    /// apply checks again in any case.
    async fn preview(
        &self,
        common: &Common,
        rendered: &Rendered,
        prior: &BTreeMap<String, String>,
        creating: bool,
        diags: &mut Diagnostics,
    ) {
        let mut objects: Vec<DynamicObject> = rendered
            .objects
            .iter()
            .filter(|o| !prior.contains_key(&ObjectRef::of(o).key()))
            .cloned()
            .collect();
        let conflicting = if creating {
            R::conflicting(common)
        } else {
            Vec::new()
        };
        if (objects.is_empty() && conflicting.is_empty()) || !self.shared.configured_cluster_known() {
            return;
        }
        let Ok(engine) = self.shared.engine().await else {
            return;
        };
        let owner = Self::owner(common);
        let deadline = Deadline::after(PREVIEW_TIMEOUT, tokio_util::sync::CancellationToken::new());
        let refs: Vec<ObjectRef> = objects.iter().map(ObjectRef::of).collect();
        let claims = match engine.claims(&refs, &owner, &deadline).await {
            Ok(claims) => claims,
            Err(e) => {
                tracing::debug!(error = %e, "plan: the cluster could not be read; the apply checks ownership");
                return;
            }
        };
        let mut found = Diagnostics::new();
        let verdict = ownership::check(&mut objects, &claims, prior, &owner, common.takeover, &mut found);
        let found_conflicts: Vec<ObjectRef> = match engine.claims(&conflicting, &owner, &deadline).await {
            Ok(c) => conflicting
                .into_iter()
                .zip(c)
                .filter(|(_, c)| !matches!(c, Claim::Absent | Claim::Ours { .. }))
                .map(|(r, _)| r)
                .collect(),
            Err(_) => Vec::new(),
        };
        for d in found {
            diags.push(Diagnostic {
                detail: d
                    .detail
                    .replace("Nothing was applied.", "Nothing will be applied."),
                ..d
            });
        }
        if !found_conflicts.is_empty() {
            if common.takeover {
                diags.push(Diagnostic::warning(
                    "Another installation will be replaced",
                    format!(
                        "takeover = true: these objects will be deleted once this resource is ready:{}",
                        found_conflicts
                            .iter()
                            .map(|r| format!("\n  - {r}"))
                            .collect::<String>()
                    ),
                ));
            } else {
                let d = Self::conflict_error(&found_conflicts);
                diags.push(Diagnostic {
                    detail: d
                        .detail
                        .replace("Nothing was applied.", "Nothing will be applied."),
                    ..d
                });
            }
        }
        if !verdict.adopted.is_empty() {
            diags.push(Diagnostic::warning(
                "Existing objects will be adopted",
                format!(
                    "These objects exist with no owner; the apply will manage them, and destroy will \
                     leave them in place, without this resource's fields:{}",
                    verdict
                        .adopted
                        .iter()
                        .map(|k| format!("\n  - {k}"))
                        .collect::<String>()
                ),
            ));
        }
        if !verdict.take_over.is_empty() {
            diags.push(Diagnostic::warning(
                "Objects will be taken over",
                format!(
                    "takeover = true: these objects, managed by another tool, will be this resource's \
                     (destroy deletes them):{}",
                    verdict
                        .take_over
                        .iter()
                        .map(|&i| match &claims[i] {
                            Claim::OtherTool(tool) => format!("\n  - {} (from {tool})", refs[i]),
                            _ => format!("\n  - {}", refs[i]),
                        })
                        .collect::<String>()
                ),
            ));
        }
    }

    /// Reads the claims on `refs`, or says why it could not.
    async fn claims(
        engine: &Engine,
        refs: &[ObjectRef],
        owner: &str,
        deadline: &Deadline,
        operation: &str,
        diags: &mut Diagnostics,
    ) -> Option<Vec<Claim>> {
        match engine.claims(refs, owner, deadline).await {
            Ok(claims) => Some(claims),
            Err(e) => {
                diags.push(engine_diagnostic(operation, &e));
                None
            }
        }
    }

    /// Deletes what of `refs` this instance owns, lets go of what it adopted and leaves the
    /// rest with a warning. `delete` does the deleting (the resource's own order on destroy).
    async fn remove<'a, F, Fut>(
        engine: &'a Engine,
        refs: &[ObjectRef],
        owner: &str,
        deadline: &'a Deadline,
        operation: &str,
        diags: &mut Diagnostics,
        delete: F,
    ) -> engine::Result<()>
    where
        F: FnOnce(Vec<ObjectRef>) -> Fut,
        Fut: std::future::Future<Output = engine::Result<()>>,
    {
        let claims = engine.claims(refs, owner, deadline).await?;
        let removal = ownership::Removal::sort(refs, &claims);
        for w in removal.warnings(operation) {
            diags.push(w);
        }
        if !removal.delete.is_empty() {
            delete(removal.delete.clone()).await?;
        }
        for r in &removal.release {
            engine.release(r, deadline).await?;
        }
        Ok(())
    }

    /// Applies, prunes what left the rendering, and waits; the returned state holds exactly what
    /// was applied when anything fails. Before anything is applied, every rendered object is
    /// checked in the cluster: another instance's object, or another tool's without
    /// `takeover`, stops the apply.
    async fn apply(&self, req: ApplyRequest, operation: &str) -> ApplyResponse {
        let mut diags = Diagnostics::new();
        let prior_objects = req
            .prior
            .as_ref()
            .map(|p| string_map(p.get("objects")))
            .unwrap_or_default();
        let mut planned = req.planned.clone();
        ensure_salt(&mut planned, req.prior.as_ref());
        let ctx = Context {
            phase: Phase::Apply,
            prior: req.prior.as_ref(),
        };
        // The operation's deadline starts now: resolving the Flux distribution is part of it.
        let bounds = Common::from_value(&planned);
        let timeout = if req.prior.is_some() {
            bounds.update_timeout
        } else {
            bounds.create_timeout
        };
        let deadline = Deadline::after(timeout, req.stop.clone());
        let rendering = tokio::select! {
            rendered = self.render(&mut planned, Some(&req.config), &ctx, &mut diags) => rendered,
            () = tokio::time::sleep_until(deadline.at) => {
                diags.push(Diagnostic::error(
                    format!("Timed out during {operation}"),
                    format!("Rendering (resolving the Flux distribution) did not finish within {timeout:?}."),
                ));
                None
            }
            () = req.stop.cancelled() => {
                diags.push(engine_diagnostic(operation, &engine::Error::Cancelled));
                None
            }
        };
        let Some((common, mut rendered)) = rendering else {
            return ApplyResponse {
                state: req.prior.clone(),
                diagnostics: diags,
            };
        };
        let owner = Self::owner(&common);
        let kept = Self::kept(&prior_objects, &rendered);
        let state_with = |objects: &BTreeMap<String, String>| {
            let mut state = planned.clone();
            if let Value::Object(map) = &mut state {
                map.insert("objects".into(), string_map_value(objects));
                map.insert(
                    "id".into(),
                    Value::string(format!("{}/{}", common.namespace, common.name)),
                );
            }
            state
        };
        let unchanged = || req.prior.clone();
        let stop = |diags: Diagnostics| ApplyResponse {
            state: unchanged(),
            diagnostics: diags,
        };

        let Some(engine) = self.engine(&mut diags).await else {
            return stop(diags);
        };
        let requests_before = engine.requests();
        let refs: Vec<ObjectRef> = rendered.objects.iter().map(ObjectRef::of).collect();
        let Some(claims) = Self::claims(&engine, &refs, &owner, &deadline, operation, &mut diags).await
        else {
            return stop(diags);
        };
        let verdict = ownership::check(
            &mut rendered.objects,
            &claims,
            &prior_objects,
            &owner,
            common.takeover,
            &mut diags,
        );
        let conflicting = R::conflicting(&common);
        let Some(conflict_claims) =
            Self::claims(&engine, &conflicting, &owner, &deadline, operation, &mut diags).await
        else {
            return stop(diags);
        };
        let conflicting: Vec<ObjectRef> = conflicting
            .into_iter()
            .zip(conflict_claims)
            .filter(|(_, c)| !matches!(c, Claim::Absent | Claim::Ours { .. }))
            .map(|(r, _)| r)
            .collect();
        if !conflicting.is_empty() && !common.takeover {
            diags.push(Self::conflict_error(&conflicting));
        }
        if diags.has_error() {
            return stop(diags);
        }
        if let Some(w) = ownership::adopted_warning(&verdict.adopted) {
            diags.push(w);
        }

        // Taken over before applying, so the apply removes what the other tool set and the
        // configuration leaves out.
        for &i in &verdict.take_over {
            if let Err(e) = engine.take_over(&refs[i], &deadline).await {
                diags.push(engine_diagnostic(&format!("{operation} (takeover)"), &e));
                return stop(diags);
            }
        }
        let absent: std::collections::BTreeSet<String> = refs
            .iter()
            .zip(&claims)
            .filter(|(_, c)| matches!(c, Claim::Absent))
            .map(|(r, _)| r.key())
            .collect();
        let applied = match engine.apply_staged(&rendered.objects, &absent, &deadline).await {
            Ok(live) => live,
            Err(failure) => {
                diags.push(engine_diagnostic(operation, &failure.error));
                if failure.applied.is_empty() {
                    return stop(diags);
                }
                let mut held = prior_objects.clone();
                for live in &failure.applied {
                    let key = ObjectRef::of(live).key();
                    if let Some(d) = rendered.digests.get(&key) {
                        held.insert(key, d.clone());
                    }
                }
                return ApplyResponse {
                    state: Some(state_with(&held)),
                    diagnostics: diags,
                };
            }
        };
        tracing::info!(resource = R::TYPE_NAME, objects = applied.len(), "applied");
        let mut inventory = rendered.digests.clone();
        inventory.extend(kept.clone());
        if !kept.is_empty() {
            diags.push(Diagnostic::warning(
                "Objects kept",
                format!(
                    "The configuration no longer renders these objects; they are kept, since deleting \
                     them could delete other objects, and destroy removes them:{}",
                    kept.keys().map(|k| format!("\n  - {k}")).collect::<String>()
                ),
            ));
        }

        let stale: Vec<ObjectRef> = prior_objects
            .keys()
            .filter(|k| !inventory.contains_key(*k))
            .filter_map(|k| ObjectRef::parse(k).ok())
            .collect();
        if !stale.is_empty() {
            let pruned = Self::remove(
                &engine,
                &stale,
                &owner,
                &deadline,
                &format!("{operation} (prune)"),
                &mut diags,
                |refs| {
                    let (engine, deadline) = (&*engine, &deadline);
                    async move { engine.delete(&refs, true, deadline).await }
                },
            )
            .await;
            if let Err(e) = pruned {
                diags.push(engine_diagnostic(&format!("{operation} (prune)"), &e));
                let mut held = inventory.clone();
                for r in &stale {
                    if let Some(d) = prior_objects.get(&r.key()) {
                        held.insert(r.key(), d.clone());
                    }
                }
                return ApplyResponse {
                    state: Some(state_with(&held)),
                    diagnostics: diags,
                };
            }
            tracing::info!(resource = R::TYPE_NAME, pruned = stale.len(), "pruned");
        }

        // Another installation is removed only once this one is ready to take its place.
        if common.wait || !conflicting.is_empty() {
            let refs: Vec<ObjectRef> = rendered.objects.iter().map(ObjectRef::of).collect();
            match engine.wait_ready(&refs, &deadline).await {
                Err(e) => diags.push(engine_diagnostic(operation, &e)),
                Ok(()) if !conflicting.is_empty() => {
                    if let Err(e) = engine.delete(&conflicting, true, &deadline).await {
                        diags.push(engine_diagnostic(&format!("{operation} (takeover)"), &e));
                    } else {
                        tracing::info!(
                            resource = R::TYPE_NAME,
                            removed = conflicting.len(),
                            "replaced another installation"
                        );
                    }
                }
                Ok(()) => {}
            }
        }
        tracing::info!(
            resource = R::TYPE_NAME,
            operation,
            // Other instances share the engine: with parallel applies, the difference counts
            // theirs too; the total is exact for the whole run.
            api_requests = engine.requests() - requests_before,
            api_requests_total = engine.requests(),
            peak_rss_kib = peak_rss_kib(),
            "apply finished"
        );
        ApplyResponse {
            state: Some(state_with(&inventory)),
            diagnostics: diags,
        }
    }
}

#[async_trait]
impl<R: FluxResource> Resource for Managed<R> {
    fn type_name(&self) -> &'static str {
        R::TYPE_NAME
    }

    fn schema(&self) -> Schema {
        self.schema.clone()
    }

    fn validate(&self, config: &Value, diags: &mut Diagnostics) {
        R::validate(config, diags);
    }

    async fn plan(&self, req: PlanRequest) -> PlanResponse {
        let mut planned = req.planned;
        // The salt is made at apply (a plan is made twice, and must not change): until then the
        // digests of Secrets are known only after apply.
        let salt = req.prior.as_ref().and_then(|p| {
            p.get(DIGEST_SALT)
                .as_str()
                .filter(|s| !s.is_empty())
                .map(str::to_owned)
        });
        if let Value::Object(map) = &mut planned {
            map.insert(
                DIGEST_SALT.to_owned(),
                salt.clone().map_or_else(Value::unknown, Value::string),
            );
        }
        let mut diags = Diagnostics::new();
        let rendered = if self.inputs_known(&planned) {
            let ctx = Context {
                phase: Phase::Plan,
                prior: req.prior.as_ref(),
            };
            self.render(&mut planned, Some(&req.config), &ctx, &mut diags)
                .await
        } else {
            None
        };
        if let Value::Object(map) = &mut planned {
            match rendered {
                Some((common, rendered)) => {
                    let id = format!("{}/{}", common.namespace, common.name);
                    tracing::debug!(resource = R::TYPE_NAME, id = %id, objects = rendered.digests.len(), "planned");
                    let prior_objects = req
                        .prior
                        .as_ref()
                        .map(|p| string_map(p.get("objects")))
                        .unwrap_or_default();
                    let kept = Self::kept(&prior_objects, &rendered);
                    if !kept.is_empty() {
                        diags.push(Diagnostic::warning(
                            "Objects kept",
                            format!(
                                "The configuration no longer renders these objects; they will be kept, \
                                 since deleting them could delete other objects, and destroy removes them:{}",
                                kept.keys().map(|k| format!("\n  - {k}")).collect::<String>()
                            ),
                        ));
                    }
                    self.preview(
                        &common,
                        &rendered,
                        &prior_objects,
                        req.prior.is_none(),
                        &mut diags,
                    )
                    .await;
                    let mut objects = rendered.digests.clone();
                    objects.extend(kept);
                    let mut objects = string_map_value(&objects);
                    if let (None, Value::Map(entries)) = (&salt, &mut objects) {
                        for (key, v) in entries.iter_mut() {
                            if ObjectRef::parse(key).is_ok_and(|r| r.group.is_empty() && r.kind == "Secret") {
                                *v = Value::unknown();
                            }
                        }
                    }
                    map.insert("objects".into(), objects);
                    map.insert("id".into(), Value::string(id));
                }
                // Unknown inputs (or a failure, reported in diags): what the provider computes
                // is known only at apply.
                None => {
                    for a in self
                        .schema
                        .attributes
                        .iter()
                        .filter(|a| a.computed && !a.optional && a.name != "id" && a.name != DIGEST_SALT)
                    {
                        map.insert(a.name.clone(), Value::unknown());
                    }
                }
            }
        }
        PlanResponse {
            planned,
            requires_replace: Vec::new(),
            diagnostics: diags,
        }
    }

    async fn create(&self, req: ApplyRequest) -> ApplyResponse {
        self.apply(req, "create").await
    }

    async fn update(&self, req: ApplyRequest) -> ApplyResponse {
        self.apply(req, "update").await
    }

    async fn delete(&self, req: DeleteRequest) -> Diagnostics {
        let mut diags = Diagnostics::new();
        let common = Common::from_value(&req.prior);
        let refs: Vec<ObjectRef> = string_map(req.prior.get("objects"))
            .keys()
            .filter_map(|k| ObjectRef::parse(k).ok())
            .collect();
        if refs.is_empty() {
            return diags;
        }
        let Some(engine) = self.engine(&mut diags).await else {
            return diags;
        };
        let deadline = Deadline::after(common.delete_timeout, req.stop);
        let owner = Self::owner(&common);
        let prior = &req.prior;
        let removed = Self::remove(
            &engine,
            &refs,
            &owner,
            &deadline,
            "destroy",
            &mut diags,
            |owned| {
                let (engine, deadline) = (&*engine, &deadline);
                async move { R::delete(engine, prior, &owned, deadline).await }
            },
        )
        .await;
        if let Err(e) = removed {
            diags.push(engine_diagnostic("destroy", &e));
        }
        diags
    }

    async fn read(&self, state: Value) -> ReadResponse {
        let mut diags = Diagnostics::new();
        if !self.inputs_known(&state) {
            return ReadResponse {
                state: Some(state),
                diagnostics: diags,
            };
        }
        let prior_objects = string_map(state.get("objects"));
        let ctx = Context {
            phase: Phase::Read,
            prior: Some(&state),
        };
        // The rendering also fills computed attributes an import left empty.
        let mut refreshed = state.clone();
        ensure_salt(&mut refreshed, None);
        let salt = refreshed.get(DIGEST_SALT).as_str().unwrap_or_default().to_owned();
        let salt = salt.as_str();
        let Some((common, rendered)) = self.render(&mut refreshed, None, &ctx, &mut diags).await else {
            // Without the rendering, drift cannot be told; keep the state and say why.
            let mut warnings = Diagnostics::new();
            for d in diags {
                warnings.push(tfplugin::Diagnostic {
                    severity: tfplugin::Severity::Warning,
                    ..d
                });
            }
            return ReadResponse {
                state: Some(state),
                diagnostics: warnings,
            };
        };
        let Some(engine) = self.engine(&mut diags).await else {
            return ReadResponse {
                state: Some(state),
                diagnostics: diags,
            };
        };
        let owner = Self::owner(&common);
        let mut keys: Vec<&String> = prior_objects.keys().chain(rendered.digests.keys()).collect();
        keys.sort();
        keys.dedup();
        let requests_before = engine.requests();
        let mut found = BTreeMap::new();
        for key in keys {
            let Ok(r) = ObjectRef::parse(key) else { continue };
            match engine.get(&r).await {
                Ok(None) => tracing::info!(object = %r, "gone from the cluster"),
                // A rendered object the state does not hold joins it only when it carries this
                // instance's mark (an apply whose state was lost); others are not ours to track.
                Ok(Some(live))
                    if !prior_objects.contains_key(key)
                        && !matches!(Claim::of(Some(&live), &owner), Claim::Ours { .. }) =>
                {
                    tracing::info!(object = %r, "exists but is not this resource's");
                }
                Ok(Some(live)) => {
                    let mut projected = None;
                    let d = match rendered.desired.get(key) {
                        // The desired form is masked: the projection keeps none of the
                        // write-only keys either.
                        Some(desired) => {
                            let p = project(desired, &render::to_json(&live));
                            let d = object_digest(&r, salt, &p);
                            projected = Some(p);
                            d
                        }
                        None => prior_objects.get(key).cloned().unwrap_or_default(),
                    };
                    if rendered.digests.get(key).is_some_and(|want| *want != d) {
                        let fields = match (rendered.desired.get(key), &projected) {
                            (Some(desired), Some(p)) => differing_paths(desired, p).join(", "),
                            _ => String::new(),
                        };
                        tracing::info!(object = %r, fields = %fields, "drifted from the configuration");
                    }
                    found.insert(key.clone(), d);
                }
                Err(e) => {
                    diags.push(engine_diagnostic("refresh", &e));
                    return ReadResponse {
                        state: Some(state),
                        diagnostics: diags,
                    };
                }
            }
        }
        tracing::info!(
            resource = R::TYPE_NAME,
            objects = found.len(),
            // Other instances share the engine: with parallel applies, the difference counts
            // theirs too; the total is exact for the whole run.
            api_requests = engine.requests() - requests_before,
            api_requests_total = engine.requests(),
            peak_rss_kib = peak_rss_kib(),
            "refresh finished"
        );
        if found.is_empty() && !prior_objects.is_empty() {
            return ReadResponse {
                state: None,
                diagnostics: diags,
            };
        }
        let mut state = refreshed;
        if let Value::Object(map) = &mut state {
            map.insert("objects".into(), string_map_value(&found));
        }
        ReadResponse {
            state: Some(state),
            diagnostics: diags,
        }
    }

    fn identity(&self) -> Option<IdentitySchema> {
        Some(IdentitySchema {
            version: 0,
            attributes: vec![
                (
                    "namespace".to_owned(),
                    tfplugin::cty::Type::String,
                    R::NAMESPACE_DESCRIPTION.to_owned(),
                ),
                (
                    "name".to_owned(),
                    tfplugin::cty::Type::String,
                    R::NAME_DESCRIPTION.to_owned(),
                ),
            ],
        })
    }

    fn import_id(&self, identity: &Value) -> Option<String> {
        let (namespace, name) = (
            identity.get("namespace").as_str()?,
            identity.get("name").as_str()?,
        );
        Some(format!("{namespace}/{name}"))
    }

    async fn import(&self, id: &str) -> ReadResponse {
        let mut diags = Diagnostics::new();
        let Some((namespace, name)) = id
            .split_once('/')
            .filter(|(ns, n)| !ns.is_empty() && !n.is_empty())
        else {
            diags.push(Diagnostic::error(
                "Invalid import ID",
                format!("Expected \"<namespace>/<name>\", got {id:?}."),
            ));
            return ReadResponse {
                state: None,
                diagnostics: diags,
            };
        };
        let Some(engine) = self.engine(&mut diags).await else {
            return ReadResponse {
                state: None,
                diagnostics: diags,
            };
        };
        let recorded = match R::CONFIG_RECORD {
            Some(record) => match self.read_record(&engine, record, namespace, name).await {
                Ok(attrs) => attrs,
                Err(d) => {
                    diags.push(d);
                    return ReadResponse {
                        state: None,
                        diagnostics: diags,
                    };
                }
            },
            None => BTreeMap::new(),
        };
        let attrs = match R::import(&engine, namespace, name, recorded).await {
            Ok(attrs) => attrs,
            Err(d) => {
                diags.push(d);
                return ReadResponse {
                    state: None,
                    diagnostics: diags,
                };
            }
        };
        let mut state: BTreeMap<String, Value> = self
            .schema
            .attributes
            .iter()
            .map(|a| (a.name.clone(), a.default.clone().unwrap_or(Value::Null)))
            .collect();
        state.insert("timeouts".into(), Value::Null);
        state.insert("name".into(), Value::string(name));
        state.insert("namespace".into(), Value::string(namespace));
        state.insert("id".into(), Value::string(id));
        state.insert("objects".into(), Value::Map(BTreeMap::new()));
        state.insert(DIGEST_SALT.into(), Value::string(new_salt()));
        state.extend(attrs);
        ReadResponse {
            state: Some(Value::Object(state)),
            diagnostics: diags,
        }
    }
}

/// The process's peak resident set size (`VmHWM`), for the benchmark's log lines.
fn peak_rss_kib() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find_map(|l| l.strip_prefix("VmHWM:"))
                .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        })
        .unwrap_or(0)
}

/// The labels and annotations two live objects of one instance share, minus the provider's
/// own labels and the server's: what the user set, for import.
#[must_use]
pub fn shared_user_metadata(
    a: &DynamicObject,
    b: &DynamicObject,
) -> (BTreeMap<String, String>, BTreeMap<String, String>) {
    const OWN: &[&str] = &[
        "app.kubernetes.io/name",
        "app.kubernetes.io/version",
        "app.kubernetes.io/managed-by",
        "app.kubernetes.io/part-of",
        "toolkit.fluxcd.io/tenant",
        "kubernetes.io/metadata.name",
        "app.kubernetes.io/role",
        "flux-aio.provider/settings",
        "deployment.kubernetes.io/revision",
        engine::ownership::OWNER_ANNOTATION,
        engine::ownership::ADOPTED_ANNOTATION,
    ];
    let common = |x: &Option<BTreeMap<String, String>>, y: &Option<BTreeMap<String, String>>| {
        let (x, y) = (x.clone().unwrap_or_default(), y.clone().unwrap_or_default());
        x.into_iter()
            .filter(|(k, v)| y.get(k) == Some(v) && !OWN.contains(&k.as_str()))
            .collect::<BTreeMap<_, _>>()
    };
    (
        common(&a.metadata.labels, &b.metadata.labels),
        common(&a.metadata.annotations, &b.metadata.annotations),
    )
}

/// Reads the object with inventory key `key` for an import.
///
/// # Errors
/// A diagnostic when the key is malformed or the read fails.
pub async fn read_for_import(engine: &Engine, key: String) -> Result<Option<DynamicObject>, Diagnostic> {
    let r = ObjectRef::parse(&key).map_err(|e| import_error(e.to_string()))?;
    engine.get(&r).await.map_err(|e| engine_diagnostic("import", &e))
}

/// An error diagnostic for an import that found something unexpected.
#[must_use]
pub fn import_error(what: String) -> Diagnostic {
    Diagnostic::error("Cannot import", what)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secret_digests_are_salted_and_other_digests_are_not() {
        let secret = ObjectRef::parse("/v1/Secret/ns/git").unwrap();
        let map = ObjectRef::parse("/v1/ConfigMap/ns/git").unwrap();
        let stored = serde_json::json!({"data": {"password": "aHVudGVyMg=="}});
        let (a, b) = (new_salt(), new_salt());
        assert_eq!(a.len(), 32);
        assert_ne!(a, b, "every instance gets its own salt");
        let salted = object_digest(&secret, &a, &stored);
        assert!(salted.starts_with("salted:"));
        assert_ne!(
            salted,
            object_digest(&secret, &b, &stored),
            "another salt, another digest"
        );
        assert_ne!(
            salted.trim_start_matches("salted:"),
            digest(&stored).trim_start_matches("sha256:"),
            "the unsalted digest (what a guess would give) is not what the plan shows"
        );
        assert_eq!(object_digest(&secret, &a, &stored), salted, "stable for one salt");
        assert_eq!(object_digest(&map, &a, &stored), digest(&stored));
    }

    #[test]
    fn a_salt_is_kept_once_made() {
        let mut fresh = Value::Object(BTreeMap::new());
        ensure_salt(&mut fresh, None);
        let made = fresh.get(DIGEST_SALT).as_str().unwrap().to_owned();
        let mut next = Value::Object(BTreeMap::from([(DIGEST_SALT.to_owned(), Value::unknown())]));
        ensure_salt(&mut next, Some(&fresh));
        assert_eq!(next.get(DIGEST_SALT).as_str(), Some(made.as_str()));
    }
}
