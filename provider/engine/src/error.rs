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
    #[error("failed to apply {object}: {refusal}")]
    Apply {
        /// The object.
        object: ObjectRef,
        /// What the server answered.
        refusal: Refusal,
    },
    /// The API server refused a read.
    #[error("failed to read {object}: {refusal}")]
    Read {
        /// The object.
        object: ObjectRef,
        /// What the server answered.
        refusal: Refusal,
    },
    /// The API server refused a delete.
    #[error("failed to delete {object}: {refusal}")]
    Delete {
        /// The object.
        object: ObjectRef,
        /// What the server answered.
        refusal: Refusal,
    },
    /// The namespace of an object does not exist (a 404 naming the namespace, not the API).
    #[error("failed to apply {object}: its namespace {:?} does not exist", .object.namespace)]
    MissingNamespace {
        /// The object.
        object: ObjectRef,
    },
    /// An object found absent before the apply was created by someone else meanwhile.
    #[error(
        "failed to create {object}: it was created by someone else since this apply looked; apply again to \
         see who owns it"
    )]
    Raced {
        /// The object.
        object: ObjectRef,
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

/// What the API server answered when it refused a request: its `Status`, kept typed so that
/// callers branch on the reason, code and causes rather than on the message's wording.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Refusal {
    /// HTTP status code (404, 409, 422).
    pub code: u16,
    /// Machine-readable reason (`NotFound`, `AlreadyExists`, `Invalid`, `Conflict`).
    pub reason: String,
    /// The server's message.
    pub message: String,
    /// `details.kind`: the kind of what the reason is about (`namespaces` when an object's
    /// namespace is missing).
    pub kind: String,
    /// `details.name`: its name.
    pub name: String,
    /// `details.causes`: one entry per invalid field.
    pub causes: Vec<Cause>,
}

/// One field-level cause of a [`Refusal`].
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Cause {
    /// The field path (`type`, `spec.selector`).
    pub field: String,
    /// Its reason (`FieldValueInvalid`, `FieldValueRequired`).
    pub reason: String,
    /// Its message.
    pub message: String,
}

impl Refusal {
    /// The refusal a `Status` describes.
    #[must_use]
    pub fn of(status: &kube::core::Status) -> Self {
        let details = status.details.as_ref();
        Self {
            code: status.code,
            reason: status.reason.clone(),
            message: status.message.clone(),
            kind: details.map(|d| d.kind.clone()).unwrap_or_default(),
            name: details.map(|d| d.name.clone()).unwrap_or_default(),
            causes: details
                .map(|d| {
                    d.causes
                        .iter()
                        .map(|c| Cause {
                            field: c.field.clone(),
                            reason: c.reason.clone(),
                            message: c.message.clone(),
                        })
                        .collect()
                })
                .unwrap_or_default(),
        }
    }

    /// Whether this is a 404 about a missing namespace (rather than the object or its API).
    #[must_use]
    pub fn is_missing_namespace(&self) -> bool {
        self.code == 404 && self.kind == "namespaces"
    }

    /// Whether the request was invalid because `field` cannot change once set.
    #[must_use]
    pub fn is_immutable(&self, field: &str) -> bool {
        self.reason == "Invalid"
            && self.causes.iter().any(|c| {
                c.field == field && c.reason == "FieldValueInvalid" && c.message.contains("immutable")
            })
    }
}

impl std::fmt::Display for Refusal {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)
    }
}

/// The request an engine step made, to name what a [`Refusal`] refused.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Step {
    Apply,
    Read,
    Delete,
}

impl Error {
    /// The error of a refused request of `step` on `object`.
    pub(crate) fn refused(step: Step, object: &ObjectRef, status: &kube::core::Status) -> Self {
        let (object, refusal) = (object.clone(), Refusal::of(status));
        match step {
            Step::Apply => Self::Apply { object, refusal },
            Step::Read => Self::Read { object, refusal },
            Step::Delete => Self::Delete { object, refusal },
        }
    }
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

#[cfg(test)]
mod tests {
    use super::*;

    /// A `Status` as the apiserver sends it.
    fn status(json: &str) -> kube::core::Status {
        serde_json::from_str(json).expect("a Status")
    }

    #[test]
    fn a_missing_namespace_is_told_from_a_missing_api() {
        // Creating an object in a namespace that does not exist (kube-apiserver 1.33).
        let namespace = Refusal::of(&status(
            r#"{"kind":"Status","apiVersion":"v1","status":"Failure","message":"namespaces \"nowhere\" not found","reason":"NotFound","details":{"name":"nowhere","kind":"namespaces"},"code":404}"#,
        ));
        assert!(namespace.is_missing_namespace());
        assert_eq!(namespace.name, "nowhere");
        // A resource the server does not serve (yet): a new CRD's API.
        let api = Refusal::of(&status(
            r#"{"kind":"Status","apiVersion":"v1","status":"Failure","message":"the server could not find the requested resource","reason":"NotFound","details":{},"code":404}"#,
        ));
        assert!(!api.is_missing_namespace());
        // The object itself is missing.
        let object = Refusal::of(&status(
            r#"{"kind":"Status","apiVersion":"v1","status":"Failure","message":"secrets \"s\" not found","reason":"NotFound","details":{"name":"s","kind":"secrets"},"code":404}"#,
        ));
        assert!(!object.is_missing_namespace());
    }

    #[test]
    fn immutability_is_read_from_the_causes_not_the_message() {
        let secret_type = Refusal::of(&status(
            r#"{"kind":"Status","apiVersion":"v1","status":"Failure","message":"Secret \"s\" is invalid: type: Invalid value: \"kubernetes.io/dockerconfigjson\": field is immutable","reason":"Invalid","details":{"name":"s","kind":"Secret","causes":[{"reason":"FieldValueInvalid","message":"Invalid value: \"kubernetes.io/dockerconfigjson\": field is immutable","field":"type"}]},"code":422}"#,
        ));
        assert!(secret_type.is_immutable("type"));
        assert!(!secret_type.is_immutable("data"));
        // The same words in the message of another field are not a changed `type`.
        let role_ref = Refusal::of(&status(
            r#"{"kind":"Status","apiVersion":"v1","status":"Failure","message":"RoleBinding.rbac.authorization.k8s.io \"t\" is invalid: roleRef: Invalid value: \"type\": cannot change roleRef","reason":"Invalid","details":{"name":"t","kind":"RoleBinding","causes":[{"reason":"FieldValueInvalid","message":"Invalid value: \"type\": cannot change roleRef","field":"roleRef"}]},"code":422}"#,
        ));
        assert!(!role_ref.is_immutable("type"));
        assert_eq!(role_ref.code, 422);
        assert_eq!(role_ref.to_string(), role_ref.message);
    }

    #[test]
    fn refusals_name_the_step_and_the_object() {
        let object = ObjectRef::parse("/v1/Secret/ns/s").unwrap();
        let s = status(
            r#"{"kind":"Status","apiVersion":"v1","status":"Failure","message":"denied","reason":"Forbidden","code":403}"#,
        );
        assert_eq!(
            Error::refused(Step::Delete, &object, &s).to_string(),
            "failed to delete Secret ns/s: denied"
        );
        let missing = Error::MissingNamespace {
            object: ObjectRef::parse("source.toolkit.fluxcd.io/v1/OCIRepository/nowhere/app").unwrap(),
        };
        assert!(
            missing
                .to_string()
                .contains("its namespace \"nowhere\" does not exist")
        );
    }
}
