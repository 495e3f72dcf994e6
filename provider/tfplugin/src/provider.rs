//! The traits a provider implements: [`Provider`] for the provider block and [`Resource`] for
//! each managed resource type. Every hook takes a typed request and returns a typed response
//! carrying [`Diagnostics`]; protocol details (wire values, defaults, write-only nulling,
//! replacement paths) are handled by the server before and after the hooks run.

use crate::diag::Diagnostics;
use crate::path::AttributePath;
use crate::schema::{IdentitySchema, Schema};
use async_trait::async_trait;
use cty::Value;
use std::sync::Arc;
use tokio_util::sync::CancellationToken;

/// What the CLI says about itself in `ConfigureProvider`.
#[derive(Clone, Debug, Default)]
pub struct ClientInfo {
    /// The version the CLI reports (OpenTofu 1.12 impersonates Terraform "1.13.0").
    pub terraform_version: String,
    /// Whether the client supports write-only attributes.
    pub write_only_attributes_allowed: bool,
}

/// A provider: its own configuration block and its resources.
#[async_trait]
pub trait Provider: Send + Sync + 'static {
    /// The schema of the `provider "…" {}` block.
    fn schema(&self) -> Schema;

    /// The managed resource types.
    fn resources(&self) -> Vec<Arc<dyn Resource>>;

    /// Checks the provider configuration beyond what schema validators cover. The configuration
    /// may contain unknown values.
    fn validate(&self, _config: &Value, _diags: &mut Diagnostics) {}

    /// Takes the provider configuration. It must not contact remote systems: a provider whose
    /// cluster is created in the same apply is configured with unknown values.
    async fn configure(&self, config: Value, client: ClientInfo) -> Diagnostics;
}

/// Input of [`Resource::plan`].
pub struct PlanRequest {
    /// The configuration (may contain unknowns).
    pub config: Value,
    /// The prior state; `None` on create.
    pub prior: Option<Value>,
    /// The CLI's proposed new state with the schema defaults already filled in, unknown for
    /// unset computed attributes on create.
    pub planned: Value,
}

/// Output of [`Resource::plan`].
pub struct PlanResponse {
    /// The planned new state.
    pub planned: Value,
    /// Attributes whose change forces replacement, in addition to the schema's force-new ones.
    pub requires_replace: Vec<AttributePath>,
    /// Problems found while planning.
    pub diagnostics: Diagnostics,
}

/// Input of [`Resource::create`] and [`Resource::update`].
pub struct ApplyRequest {
    /// The configuration, wholly known.
    pub config: Value,
    /// The prior state (`None` on create).
    pub prior: Option<Value>,
    /// The planned state.
    pub planned: Value,
    /// Cancelled when the CLI asks the provider to stop.
    pub stop: CancellationToken,
}

/// Output of a create or update.
pub struct ApplyResponse {
    /// The new state. On failure, the state that reflects what was really applied, or `None`
    /// when nothing was.
    pub state: Option<Value>,
    /// Problems found while applying.
    pub diagnostics: Diagnostics,
}

/// Input of [`Resource::delete`].
pub struct DeleteRequest {
    /// The state being destroyed.
    pub prior: Value,
    /// Cancelled when the CLI asks the provider to stop.
    pub stop: CancellationToken,
}

/// Output of [`Resource::read`] and [`Resource::import`].
pub struct ReadResponse {
    /// The refreshed state, or `None` when the object is gone.
    pub state: Option<Value>,
    /// Problems found while reading.
    pub diagnostics: Diagnostics,
}

/// A managed resource type.
#[async_trait]
pub trait Resource: Send + Sync + 'static {
    /// The resource type name, such as `flux_tenant`.
    fn type_name(&self) -> &'static str;

    /// The resource schema.
    fn schema(&self) -> Schema;

    /// Cross-attribute checks beyond the schema's validators. The configuration may contain
    /// unknown values.
    fn validate(&self, _config: &Value, _diags: &mut Diagnostics) {}

    /// Decides the planned new state. Must not need the remote system for a create.
    async fn plan(&self, req: PlanRequest) -> PlanResponse;

    /// Creates the remote objects.
    async fn create(&self, req: ApplyRequest) -> ApplyResponse;

    /// Updates the remote objects.
    async fn update(&self, req: ApplyRequest) -> ApplyResponse;

    /// Deletes the remote objects.
    async fn delete(&self, req: DeleteRequest) -> Diagnostics;

    /// Refreshes a state from the remote system.
    async fn read(&self, state: Value) -> ReadResponse;

    /// Builds a state from an import ID; the CLI then reads it.
    async fn import(&self, id: &str) -> ReadResponse;

    /// The resource type's identity, if it has one; the server then reports each instance's
    /// identity (read from its state) with every read, plan, apply and import.
    fn identity(&self) -> Option<IdentitySchema> {
        None
    }

    /// The import ID that `identity` (`import { identity = { ... } }`) stands for.
    fn import_id(&self, _identity: &Value) -> Option<String> {
        None
    }
}
