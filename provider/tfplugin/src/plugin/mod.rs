//! The go-plugin process contract: handshake, AutoMTLS, logging and the serve loop.

pub mod handshake;
pub mod logging;
mod serve;
pub mod tls;

pub use serve::{ServeOptions, serve};
