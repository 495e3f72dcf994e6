//! The resources: each one file (or folder) of schema, typed settings and pure rendering
//! behind [`FluxResource`], and the one [`adapter`] that turns any of them into a Terraform
//! resource whose CRUD is: render, then hand the objects to the shared apply engine.

pub mod aio;
pub mod helm_release;
pub mod secrets;
pub mod sync;
pub mod tenant;

mod adapter;
mod common;
mod flux_resource;
mod import;
#[cfg(test)]
mod testing;

pub use adapter::digests::DIGEST_SALT;
pub use common::{Common, DEFAULT_TIMEOUT, DependsOn, depends_on_attribute, string_map, string_map_value};
pub use flux_resource::{
    Attributes, CONFIG_ANNOTATION, Context, FluxResource, Phase, RECORD_BUDGET, decode_settings, schema,
};
pub use import::{import_error, read_for_import, read_namespace_for_import, shared_user_metadata};

use crate::config::Shared;
use std::sync::Arc;
use tfplugin::Resource;

pub use adapter::render_config;

/// The Terraform resource for a [`FluxResource`].
#[must_use]
pub fn managed<R: FluxResource>(shared: Arc<Shared>) -> Arc<dyn Resource> {
    adapter::managed::<R>(shared)
}
