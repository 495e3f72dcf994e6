//! `engine`: applies lists of Kubernetes objects with server-side apply, waits for them to be
//! ready, prunes and deletes them, all bounded by deadlines. It knows nothing of Terraform or
//! Flux: callers hand it rendered objects and get back what the cluster holds.
//!
//! # Expected flow
//! 1. [`Engine::apply_staged`] applies CustomResourceDefinitions and Namespaces first, waits for
//!    the CRDs to be established, then applies the rest in order.
//! 2. [`Engine::wait_ready`] waits until each object is ready by its kind's rules.
//! 3. [`Engine::delete`] deletes objects (reverse order) and waits until they are gone.
//! 4. [`Engine::get`] reads objects back for drift detection ([`inventory::project`]).

mod apply;
mod delete;
pub mod error;
mod finalizers;
pub mod inventory;
pub mod object;
pub mod ownership;
pub mod quantity;
mod wait;

pub use apply::ApplyFailure;
pub use error::{Cause, Error, Refusal, Result};
pub use object::ObjectRef;
pub use ownership::Claim;
pub use wait::{RECONCILE_REQUESTED_AT, Readiness, readiness};

use crate::error::Step;
use futures::future::BoxFuture;
use kube::api::{Api, DynamicObject};
use kube::core::ApiResource;
use kube::{Client, discovery};
use std::collections::HashMap;
use std::future::Future;
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, SystemTime};
use tokio::time::Instant;
use tokio_util::sync::CancellationToken;

/// How long a request started at or after its operation's deadline may still take: the last
/// reads of a wait say what was not ready, and must be able to.
pub const LAST_REQUEST_GRACE: Duration = Duration::from_secs(10);

/// How often waits poll the API server.
const POLL_INTERVAL: Duration = Duration::from_millis(500);

/// Bounds and cancellation for one operation.
#[derive(Clone, Debug)]
pub struct Deadline {
    /// When the operation must give up.
    pub at: Instant,
    /// When the operation started (for messages).
    pub started: Instant,
    /// Cancelled when the caller must stop at once.
    pub cancel: CancellationToken,
}

impl Deadline {
    /// A deadline `timeout` from now.
    #[must_use]
    pub fn after(timeout: Duration, cancel: CancellationToken) -> Self {
        let now = Instant::now();
        Self {
            at: now + timeout,
            started: now,
            cancel,
        }
    }

    fn expired(&self) -> bool {
        Instant::now() >= self.at
    }

    /// Runs one API request for `object`, but no longer than the deadline allows (plus
    /// [`LAST_REQUEST_GRACE`], so the reads that report what was still pending when the
    /// deadline passed can answer) and not past a cancellation: an API server that stops
    /// answering cannot hold the operation beyond its timeout.
    ///
    /// # Errors
    /// The request's own error, [`Error::Timeout`] naming `object`, or [`Error::Cancelled`].
    pub async fn bound<T>(&self, object: &ObjectRef, request: impl Future<Output = Result<T>>) -> Result<T> {
        let until = self.at.max(Instant::now() + LAST_REQUEST_GRACE);
        tokio::select! {
            biased;
            () = self.cancel.cancelled() => Err(Error::Cancelled),
            result = request => result,
            () = tokio::time::sleep_until(until) => Err(Error::Timeout {
                what: "a request",
                waited: self.started.elapsed(),
                pending: vec![(object.clone(), "the API server did not answer in time".to_owned())],
            }),
        }
    }

    /// Sleeps one poll interval, or less when the deadline comes first.
    async fn tick(&self) -> Result<()> {
        let wake = (Instant::now() + POLL_INTERVAL).min(self.at);
        tokio::select! {
            () = tokio::time::sleep_until(wake) => Ok(()),
            () = self.cancel.cancelled() => Err(Error::Cancelled),
        }
    }
}

/// Discovered API resources and their scope, by (group, version, kind).
type DiscoveryCache = HashMap<(String, String, String), (ApiResource, bool)>;

/// Makes a new client when the credentials of the current one are about to expire (an exec
/// plugin's short-lived token), with the new credentials' expiry.
pub type Renew = Box<
    dyn Fn() -> BoxFuture<'static, std::result::Result<(Client, Option<SystemTime>), String>> + Send + Sync,
>;

/// Expiring credentials and how to renew them.
struct Renewal {
    renew: Renew,
    /// When the current credentials were obtained, and when they expire.
    window: Mutex<(SystemTime, Option<SystemTime>)>,
    /// One renewal at a time.
    running: tokio::sync::Mutex<()>,
}

impl Renewal {
    /// Credentials are renewed a minute before they expire, or after two thirds of their life
    /// when they live less than three minutes (a 5-second token is renewed after 3.3 s).
    fn due(&self) -> bool {
        let Ok((obtained, Some(expires))) = self.window.lock().map(|w| *w) else {
            return false;
        };
        let life = expires.duration_since(obtained).unwrap_or_default();
        let renew_at = (expires - Duration::from_secs(60).min(life / 3)).max(obtained);
        SystemTime::now() >= renew_at
    }
}

/// The apply engine for one cluster and one field manager.
pub struct Engine {
    client: std::sync::RwLock<Client>,
    renewal: Option<Renewal>,
    field_manager: String,
    host: String,
    discovered: Mutex<DiscoveryCache>,
    requests: AtomicUsize,
}

impl Engine {
    /// An engine that applies with `field_manager` through `client`; `host` names the server in
    /// messages.
    #[must_use]
    pub fn new(client: Client, field_manager: impl Into<String>, host: impl Into<String>) -> Self {
        Self {
            client: std::sync::RwLock::new(client),
            renewal: None,
            field_manager: field_manager.into(),
            host: host.into(),
            discovered: Mutex::default(),
            requests: AtomicUsize::new(0),
        }
    }

    /// Renews the client with `renew` while an operation runs, before credentials that expire
    /// at `expires` do: a wait longer than an exec plugin's token lifetime keeps working.
    #[must_use]
    pub fn with_renewal(mut self, expires: Option<SystemTime>, renew: Renew) -> Self {
        self.renewal = Some(Renewal {
            renew,
            window: Mutex::new((SystemTime::now(), expires)),
            running: tokio::sync::Mutex::new(()),
        });
        self
    }

    /// The client, renewed first when its credentials are about to expire.
    async fn client(&self) -> Result<Client> {
        if let Some(renewal) = &self.renewal
            && renewal.due()
        {
            let _one = renewal.running.lock().await;
            if renewal.due() {
                let (client, expires) = (renewal.renew)()
                    .await
                    .map_err(|message| Error::Credentials { message })?;
                tracing::debug!(?expires, "renewed the cluster credentials");
                if let Ok(mut c) = self.client.write() {
                    *c = client;
                }
                if let Ok(mut w) = renewal.window.lock() {
                    *w = (SystemTime::now(), expires);
                }
            }
        }
        self.client
            .read()
            .map(|c| c.clone())
            .map_err(|_| Error::Credentials {
                message: "the client lock is poisoned".to_owned(),
            })
    }

    /// How many API requests this engine has made (for benchmarks and debug logs).
    #[must_use]
    pub fn requests(&self) -> usize {
        self.requests.load(Ordering::Relaxed)
    }

    fn count(&self) {
        self.requests.fetch_add(1, Ordering::Relaxed);
    }

    /// The server-side-apply field manager.
    #[must_use]
    pub fn field_manager(&self) -> &str {
        &self.field_manager
    }

    /// The API resource (plural) and scope of a reference's kind: from the built-in table, else
    /// by discovery, cached.
    async fn resolve(&self, r: &ObjectRef) -> Result<(ApiResource, bool)> {
        if let Some(known) = object::known_resource(r) {
            return Ok(known);
        }
        let key = (r.group.clone(), r.version.clone(), r.kind.clone());
        if let Some(found) = self.discovered.lock().ok().and_then(|m| m.get(&key).cloned()) {
            return Ok(found);
        }
        self.count();
        let client = self.client().await?;
        let (ar, caps) = discovery::pinned_kind(&client, &r.gvk())
            .await
            .map_err(|e| match e {
                kube::Error::Api(status) => Error::Discovery {
                    api_version: r.api_version(),
                    kind: r.kind.clone(),
                    message: status.message.clone(),
                },
                kube::Error::Discovery(d) => Error::Discovery {
                    api_version: r.api_version(),
                    kind: r.kind.clone(),
                    message: d.to_string(),
                },
                other => self.unreachable(other),
            })?;
        let found = (ar, caps.scope == discovery::Scope::Namespaced);
        if let Ok(mut m) = self.discovered.lock() {
            m.insert(key, found.clone());
        }
        Ok(found)
    }

    async fn api(&self, r: &ObjectRef) -> Result<Api<DynamicObject>> {
        let (ar, namespaced) = self.resolve(r).await?;
        let client = self.client().await?;
        Ok(if namespaced && !r.namespace.is_empty() {
            Api::namespaced_with(client, &r.namespace, &ar)
        } else {
            Api::all_with(client, &ar)
        })
    }

    /// Reads an object; `None` when it does not exist (or its kind is no longer served).
    ///
    /// # Errors
    /// When the server cannot be reached or refuses the read.
    pub async fn get(&self, r: &ObjectRef) -> Result<Option<DynamicObject>> {
        let api = match self.api(r).await {
            Ok(api) => api,
            // The CRD of a custom resource is gone, so the object is too.
            Err(Error::Discovery { .. }) => return Ok(None),
            Err(e) => return Err(e),
        };
        self.count();
        api.get_opt(&r.name)
            .await
            .map_err(|e| self.request_error(Step::Read, r, e))
    }

    /// The error of a failed request of `step` on `r`: the server's refusal, or an
    /// unreachable server.
    pub(crate) fn request_error(&self, step: Step, r: &ObjectRef, e: kube::Error) -> Error {
        match e {
            kube::Error::Api(status) => Error::refused(step, r, &status),
            other => self.unreachable(other),
        }
    }

    fn unreachable(&self, source: kube::Error) -> Error {
        Error::Unreachable {
            host: self.host.clone(),
            source,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn object() -> ObjectRef {
        ObjectRef {
            group: String::new(),
            version: "v1".into(),
            kind: "ConfigMap".into(),
            namespace: "ns".into(),
            name: "cm".into(),
        }
    }

    #[tokio::test]
    async fn a_request_that_never_answers_ends_at_the_deadline() {
        let deadline = Deadline::after(Duration::from_millis(200), CancellationToken::new());
        let started = std::time::Instant::now();
        tokio::time::pause();
        let hung = std::future::pending::<Result<()>>();
        match deadline.bound(&object(), hung).await {
            Err(Error::Timeout { pending, .. }) => {
                assert_eq!(pending[0].0, object());
                assert!(pending[0].1.contains("did not answer"), "{pending:?}");
            }
            other => panic!("expected a timeout, got {other:?}"),
        }
        // The clock is paused: the timeout fired at the grace, not after real waiting.
        assert!(started.elapsed() < Duration::from_secs(2));
    }

    #[tokio::test]
    async fn a_request_made_after_the_deadline_may_still_answer() {
        let deadline = Deadline::after(Duration::ZERO, CancellationToken::new());
        tokio::time::sleep(Duration::from_millis(10)).await;
        let answer = deadline
            .bound(&object(), async {
                tokio::time::sleep(Duration::from_millis(50)).await;
                Ok(7)
            })
            .await;
        assert_eq!(
            answer.ok(),
            Some(7),
            "the last read after the deadline is not cut short"
        );
    }

    #[tokio::test]
    async fn a_request_ends_when_the_provider_is_stopped() {
        let cancel = CancellationToken::new();
        let deadline = Deadline::after(Duration::from_secs(600), cancel.clone());
        cancel.cancel();
        let hung = std::future::pending::<Result<()>>();
        assert!(matches!(
            deadline.bound(&object(), hung).await,
            Err(Error::Cancelled)
        ));
    }
}
