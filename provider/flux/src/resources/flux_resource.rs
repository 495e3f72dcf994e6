//! What a resource type provides ([`FluxResource`]): its own attributes, typed settings and a
//! pure rendering, with the context its settings are decoded in; [`schema`] adds the common
//! attributes.

use super::Common;
use super::common::common_attributes;
use async_trait::async_trait;
use engine::{Deadline, Engine, ObjectRef};
use kube::api::DynamicObject;
use serde::de::DeserializeOwned;
use std::collections::BTreeMap;
use tfplugin::cty::Value;
use tfplugin::schema::{Attribute, Block, Schema};
use tfplugin::{Diagnostic, Diagnostics};

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

    /// The user's `patches` on the rendered objects, applied after [`Self::render`] and before
    /// the ownership marks (so no patch can take them off).
    fn patches(_settings: &Self::Settings) -> &[crate::render::patch::Patch] {
        &[]
    }

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
    /// the secrets. By default the recorded attributes are all there is.
    async fn import(
        _engine: &Engine,
        _namespace: &str,
        _name: &str,
        recorded: Attributes,
    ) -> Result<Attributes, Diagnostic> {
        Ok(recorded)
    }
}

/// Attribute values by name: what an import reads back.
pub type Attributes = BTreeMap<String, Value>;

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

/// Decodes the settings of a resource from a wholly known value, its secret triplets folded
/// (see [`super::secrets::fold`]); a value the schema should not have allowed becomes an error
/// diagnostic with its path.
pub fn decode_settings<S: DeserializeOwned>(value: &Value, diags: &mut Diagnostics) -> Option<S> {
    match tfplugin::decode::decode(&super::secrets::fold(value)) {
        Ok(s) => Some(s),
        Err(e) => {
            diags.push(e.into());
            None
        }
    }
}
