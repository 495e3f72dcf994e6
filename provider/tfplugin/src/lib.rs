//! `tfplugin`: the Terraform and OpenTofu plugin protocol (tfplugin6 over go-plugin gRPC).
//!
//! A provider implements [`Provider`] and one [`Resource`] per managed resource type, describes
//! each with a [`Schema`], and calls [`serve`] from `main`. The crate handles the rest: the
//! go-plugin handshake and AutoMTLS, wire values (through the `cty` crate), defaults, validators,
//! write-only nulling, replacement paths, and hclog-style logging on stderr. It knows nothing of
//! any particular provider domain.

pub mod decode;
pub mod diag;
pub mod duration;
pub mod path;
pub mod plugin;
pub mod provider;
pub mod schema;
mod server;

#[doc(hidden)]
/// Generated protocol code; public only so tests can drive the service with a gRPC client.
#[allow(missing_docs, clippy::all, clippy::pedantic)]
pub mod proto {
    /// tfplugin6.10.
    pub mod tfplugin6 {
        tonic::include_proto!("tfplugin6");
    }
    /// go-plugin's controller, stdio and broker services.
    pub mod plugin {
        tonic::include_proto!("plugin");
    }
}

pub use cty;
pub use diag::{Diagnostic, Diagnostics, Severity};
pub use path::AttributePath;
pub use plugin::{ServeOptions, serve};
pub use provider::{
    ApplyRequest, ApplyResponse, ClientInfo, DeleteRequest, PlanRequest, PlanResponse, Provider,
    ReadResponse, Resource,
};
pub use schema::Schema;
pub use server::ProviderService;
