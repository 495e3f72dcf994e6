//! The engine's errors, named after the step that failed.

use crate::object::ObjectRef;
use std::time::Duration;

/// A failure of the apply engine.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The API server could not be reached at all (connection refused, DNS, TLS, credentials
    /// plugin).
    #[error("failed to reach the Kubernetes API server at {host}")]
    Unreachable {
        /// The server URL.
        host: String,
        /// The transport error.
        #[source]
        source: kube::Error,
    },
    /// The API server refused an apply.
    #[error("failed to apply {object}: {message}")]
    Apply {
        /// The object.
        object: ObjectRef,
        /// The server's message.
        message: String,
    },
    /// The API server refused a read.
    #[error("failed to read {object}: {message}")]
    Read {
        /// The object.
        object: ObjectRef,
        /// The server's message.
        message: String,
    },
    /// The API server refused a delete.
    #[error("failed to delete {object}: {message}")]
    Delete {
        /// The object.
        object: ObjectRef,
        /// The server's message.
        message: String,
    },
    /// The server does not serve the object's kind.
    #[error("failed to find the API of {kind} {api_version}: {message}")]
    Discovery {
        /// apiVersion.
        api_version: String,
        /// Kind.
        kind: String,
        /// Why.
        message: String,
    },
    /// A wait ran out of time.
    #[error("timed out after {} waiting for {what}:{}", humanize(*.waited), list(.pending))]
    Timeout {
        /// What was awaited ("readiness", "deletion").
        what: &'static str,
        /// How long the wait lasted.
        waited: Duration,
        /// Each object still not there, and why.
        pending: Vec<(ObjectRef, String)>,
    },
    /// An object reported a terminal failure (for example a Flux object that is Stalled).
    #[error("{object} failed: {message}")]
    Failed {
        /// The object.
        object: ObjectRef,
        /// Its own message.
        message: String,
    },
    /// Expiring credentials could not be renewed (an exec plugin failed).
    #[error("failed to renew the cluster credentials: {message}")]
    Credentials {
        /// Why.
        message: String,
    },
    /// The CLI asked the provider to stop.
    #[error("cancelled: the CLI asked the provider to stop")]
    Cancelled,
}

/// The engine's result type.
pub type Result<T, E = Error> = std::result::Result<T, E>;

fn list(pending: &[(ObjectRef, String)]) -> String {
    pending
        .iter()
        .map(|(o, why)| format!("\n  - {o}: {why}"))
        .collect()
}

fn humanize(d: Duration) -> String {
    let secs = d.as_secs();
    if secs >= 60 {
        format!("{}m{}s", secs / 60, secs % 60)
    } else {
        format!("{:.1}s", d.as_secs_f64())
    }
}
