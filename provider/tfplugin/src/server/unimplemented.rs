//! The response stream type of streaming RPCs the provider does not serve.

use std::pin::Pin;

/// A boxed response stream.
pub(crate) type Stream<T> = Pin<Box<dyn futures::Stream<Item = Result<T, tonic::Status>> + Send>>;

/// The status of an RPC for a feature the provider does not offer (functions, ephemeral and list
/// resources, actions, state stores, identities). The CLIs take it as "none"; an error
/// diagnostic instead would break `init` and `plan`.
pub(crate) fn status(rpc: &str) -> tonic::Status {
    tonic::Status::unimplemented(format!("{rpc} is not offered by this provider"))
}
