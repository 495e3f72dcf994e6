//! Staged server-side apply.

use crate::error::{Refusal, Step};
use crate::{Deadline, Engine, Error, ObjectRef, Result};
use kube::api::{DynamicObject, Patch, PatchParams, PostParams};
use std::collections::BTreeSet;
use std::time::Duration;

/// An apply that stopped part way: what was applied, and why it stopped.
#[derive(Debug)]
pub struct ApplyFailure {
    /// The objects applied before the failure, as the server returned them.
    pub applied: Vec<DynamicObject>,
    /// The failure.
    pub error: Error,
}

/// Custom resources of a CRD that was just established can still meet a 404 for a moment
/// while the API server's discovery catches up; retry that long.
const DISCOVERY_LAG: Duration = Duration::from_secs(10);

impl Engine {
    /// Applies `objects` with server-side apply (forcing ownership of conflicting fields):
    /// CustomResourceDefinitions and Namespaces first, then (once every CRD is established) the
    /// rest, in the given order.
    ///
    /// # Errors
    /// An [`ApplyFailure`] holding the objects applied before the first error.
    ///
    /// The objects whose keys are in `create` were found absent before the apply: they are
    /// created, not applied, so that of two instances racing to make one object only one
    /// succeeds (the other gets an error, not a silent shared object).
    pub async fn apply_staged(
        &self,
        objects: &[DynamicObject],
        create: &BTreeSet<String>,
        deadline: &Deadline,
    ) -> Result<Vec<DynamicObject>, ApplyFailure> {
        let (first, rest): (Vec<&DynamicObject>, Vec<&DynamicObject>) = objects.iter().partition(|o| {
            let r = ObjectRef::of(o);
            r.is_crd() || r.is_namespace()
        });
        let mut applied = Vec::with_capacity(objects.len());
        for object in &first {
            let created = create.contains(&ObjectRef::of(object).key());
            match self.apply_one(object, created, deadline).await {
                Ok(live) => applied.push(live),
                Err(error) => return Err(ApplyFailure { applied, error }),
            }
        }
        let crds: Vec<DynamicObject> = applied
            .iter()
            .filter(|o| ObjectRef::of(o).is_crd())
            .cloned()
            .collect();
        if let Err(error) = self.wait_applied(&crds, deadline).await {
            return Err(ApplyFailure { applied, error });
        }
        for object in &rest {
            let created = create.contains(&ObjectRef::of(object).key());
            match self.apply_one(object, created, deadline).await {
                Ok(live) => applied.push(live),
                Err(error) => return Err(ApplyFailure { applied, error }),
            }
        }
        Ok(applied)
    }

    /// Applies one object (or creates it, when `create`), retrying a 404 while a new CRD's API
    /// appears.
    async fn apply_one(
        &self,
        object: &DynamicObject,
        create: bool,
        deadline: &Deadline,
    ) -> Result<DynamicObject> {
        let r = ObjectRef::of(object);
        let params = PatchParams::apply(&self.field_manager).force();
        let post = PostParams {
            dry_run: false,
            field_manager: Some(self.field_manager.clone()),
        };
        let lag_until = tokio::time::Instant::now() + DISCOVERY_LAG;
        let mut recreated = false;
        loop {
            if deadline.cancel.is_cancelled() {
                return Err(Error::Cancelled);
            }
            self.count();
            let attempt = deadline
                .bound(&r, async {
                    let api = self.api(&r).await?;
                    let sent = if create {
                        api.create(&post, object).await
                    } else {
                        api.patch(&r.name, &params, &Patch::Apply(object)).await
                    };
                    sent.map_err(|e| match e {
                        kube::Error::Api(status) if status.is_not_found() => {
                            let refusal = Refusal::of(&status);
                            if refusal.is_missing_namespace() {
                                Error::MissingNamespace { object: r.clone() }
                            } else {
                                Error::Discovery {
                                    api_version: r.api_version(),
                                    kind: r.kind.clone(),
                                    message: refusal.message,
                                }
                            }
                        }
                        kube::Error::Api(status) if create && status.reason == "AlreadyExists" => {
                            Error::Raced { object: r.clone() }
                        }
                        other => self.request_error(Step::Apply, &r, other),
                    })
                })
                .await;
            match attempt {
                Ok(live) => {
                    tracing::debug!(object = %r, created = create, "applied");
                    if create {
                        // A create records its fields as an update: made the apply entry, a
                        // field later dropped from the configuration is removed. The create's
                        // answer holds the fields, so they are not read again.
                        if let Some(taken) = self.take_over_seen(&r, &live, deadline).await? {
                            return Ok(taken);
                        }
                    }
                    return Ok(live);
                }
                Err(Error::Discovery { .. })
                    if tokio::time::Instant::now() < lag_until && !deadline.expired() =>
                {
                    if let Ok(mut m) = self.discovered.lock() {
                        m.remove(&(r.group.clone(), r.version.clone(), r.kind.clone()));
                    }
                    deadline.tick().await?;
                }
                // A Secret's `type` cannot change in place (an HTTP Helm repository's basic-auth
                // Secret becoming a registry's docker config): it holds nothing but what is
                // rendered, so it is replaced. Other immutable fields stay errors.
                Err(Error::Apply { ref refusal, .. })
                    if !recreated && is_secret(&r) && refusal.is_immutable("type") =>
                {
                    tracing::info!(object = %r, "type changed: replacing the Secret");
                    recreated = true;
                    self.delete(std::slice::from_ref(&r), true, deadline).await?;
                }
                Err(e) => return Err(e),
            }
        }
    }
}

fn is_secret(r: &ObjectRef) -> bool {
    r.group.is_empty() && r.kind == "Secret"
}
