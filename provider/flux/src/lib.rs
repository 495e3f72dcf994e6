//! `terraform-provider-flux`: a Terraform and OpenTofu provider that installs Flux All-In-One and
//! configures its syncs and tenants.
//!
//! Data flows one way: configuration (cty values) → typed settings → rendered Kubernetes objects
//! (pure functions in [`resources`] and [`render`]) → plan (digests, inventory) → the shared
//! apply engine (`engine` crate) → state.

pub mod config;
pub mod credentials;
pub mod docs;
pub mod error;
#[cfg(test)]
mod golden;
mod measure;
pub mod render;
pub mod resources;

use async_trait::async_trait;
use config::Shared;
use std::sync::Arc;
use tfplugin::cty::Value;
use tfplugin::{ClientInfo, Diagnostics, Resource, Schema};

/// The provider's source address (without the registry host).
pub const SOURCE: &str = "flux-aio/flux";

/// The provider's own version, used in the `app.kubernetes.io/version` label of the objects of
/// every resource but `flux_aio`.
pub const VERSION: &str = env!("CARGO_PKG_VERSION");

/// The provider: its configuration block and its resources.
pub struct FluxProvider {
    shared: Arc<Shared>,
}

impl FluxProvider {
    /// A provider waiting for its configuration.
    #[must_use]
    pub fn new() -> Self {
        Self {
            shared: Arc::new(Shared::default()),
        }
    }
}

impl Default for FluxProvider {
    fn default() -> Self {
        Self::new()
    }
}

#[async_trait]
impl tfplugin::Provider for FluxProvider {
    fn schema(&self) -> Schema {
        config::provider_schema()
    }

    fn resources(&self) -> Vec<Arc<dyn Resource>> {
        vec![
            resources::managed::<resources::aio::Aio>(self.shared.clone()),
            resources::managed::<resources::tenant::Tenant>(self.shared.clone()),
            resources::managed::<resources::sync::git::GitSync>(self.shared.clone()),
            resources::managed::<resources::sync::oci::OciSync>(self.shared.clone()),
            resources::managed::<resources::helm_release::HelmRelease>(self.shared.clone()),
        ]
    }

    fn validate(&self, config: &Value, diags: &mut Diagnostics) {
        config::validate(config, diags);
    }

    async fn configure(&self, config: Value, _client: ClientInfo) -> Diagnostics {
        let diags = self.shared.configure(&config);
        tracing::info!(field_manager = %self.shared.field_manager(), "provider configured");
        diags
    }
}
