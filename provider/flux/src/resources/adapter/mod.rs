//! The one adapter that turns a [`FluxResource`] (schema, settings, pure rendering) into a
//! Terraform resource: one file per protocol step, in the order of the data flow.
//!
//! - [`render`]: configuration → typed settings → rendered objects with their digests;
//! - [`plan`]: the planned inventory, and what the cluster says of objects new to it;
//! - [`apply`]: ownership checks, staged server-side apply, takeover, prune and wait;
//! - [`refresh`]: drift, by projecting live objects onto the rendered ones;
//! - [`destroy`]: deleting what the instance owns, releasing what it adopted;
//! - [`import`]: an instance read back from the cluster;
//! - [`ownership`]: the owner marks, and what the live claims on objects let an operation do.

mod apply;
mod destroy;
pub(crate) mod digests;
mod import;
mod ownership;
mod plan;
mod refresh;
mod render;

use super::{FluxResource, schema};
use crate::config::Shared;
use async_trait::async_trait;
use kube::api::DynamicObject;
use std::collections::BTreeMap;
use std::marker::PhantomData;
use std::sync::Arc;
use tfplugin::cty::Value;
use tfplugin::schema::{IdentitySchema, Schema};
use tfplugin::{
    ApplyRequest, ApplyResponse, DeleteRequest, Diagnostics, PlanRequest, PlanResponse, ReadResponse,
    Resource,
};

/// The Terraform resource for a [`FluxResource`].
#[must_use]
pub fn managed<R: FluxResource>(shared: Arc<Shared>) -> Arc<dyn Resource> {
    Arc::new(Managed::<R> {
        shared,
        schema: schema::<R>(),
        _resource: PhantomData,
    })
}

pub(super) struct Managed<R> {
    pub(super) shared: Arc<Shared>,
    pub(super) schema: Schema,
    _resource: PhantomData<fn() -> R>,
}

/// The objects an instance of `R` configured with `config` (the resource's attributes as
/// JSON, as written in HCL) would apply, rendered exactly as a plan renders them, with the
/// owner marks and the import record: for benchmarks and reviews. No cluster is needed;
/// `flux_aio` reads its distribution from the registry (or the cache).
///
/// # Errors
/// The diagnostics of a configuration that does not validate or render.
pub async fn render_config<R: FluxResource>(
    config: &serde_json::Value,
) -> Result<Vec<DynamicObject>, Diagnostics> {
    let managed = Managed::<R> {
        shared: Arc::new(Shared::default()),
        schema: schema::<R>(),
        _resource: PhantomData,
    };
    let mut diags = Diagnostics::new();
    let config = match tfplugin::cty::json::decode(config, &managed.schema.value_type()) {
        Ok(config) => config,
        Err(e) => {
            diags.error("Invalid configuration", e.to_string());
            return Err(diags);
        }
    };
    tfplugin::schema::validate_config(&managed.schema, &config, &mut diags);
    R::validate(&config, &mut diags);
    if diags.has_error() {
        return Err(diags);
    }
    let mut value = tfplugin::schema::fill_defaults(&managed.schema, &config, config.clone());
    let ctx = super::Context {
        phase: super::Phase::Plan,
        prior: None,
    };
    match managed.render(&mut value, Some(&config), &ctx, &mut diags).await {
        Some((_, rendered)) if !diags.has_error() => Ok(rendered.objects),
        _ => Err(diags),
    }
}

/// The rendering of a wholly known value: objects with their keys and digests.
pub(super) struct Rendered {
    pub(super) objects: Vec<DynamicObject>,
    pub(super) digests: BTreeMap<String, String>,
    pub(super) desired: BTreeMap<String, serde_json::Value>,
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
        self.plan_change(req).await
    }

    async fn create(&self, req: ApplyRequest) -> ApplyResponse {
        self.apply(req, "create").await
    }

    async fn update(&self, req: ApplyRequest) -> ApplyResponse {
        self.apply(req, "update").await
    }

    async fn delete(&self, req: DeleteRequest) -> Diagnostics {
        self.destroy(req).await
    }

    async fn read(&self, state: Value) -> ReadResponse {
        self.refresh(state).await
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
        self.import_instance(id).await
    }
}
