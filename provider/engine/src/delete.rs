//! Ordered, bounded deletes.

use crate::error::Step;
use crate::{Deadline, Engine, Error, ObjectRef, Result};
use kube::api::DeleteParams;

impl Engine {
    /// Deletes `refs` in the reverse of the order given (pass them in apply order, and the
    /// dependents go before what they live in), then, when `wait` is set, waits until each is
    /// gone. Objects already gone are fine.
    ///
    /// # Errors
    /// A refused delete, [`Error::Timeout`] listing what is still there and why, or
    /// [`Error::Cancelled`].
    pub async fn delete(&self, refs: &[ObjectRef], wait: bool, deadline: &Deadline) -> Result<()> {
        self.delete_with(refs, wait, &DeleteParams::background(), deadline)
            .await
    }

    /// [`Engine::delete`] with foreground propagation, waiting: an object goes only after the
    /// garbage collector has deleted its dependents (a Deployment's ReplicaSets and Pods), so
    /// what comes next runs once they are gone.
    ///
    /// # Errors
    /// As [`Engine::delete`]; a timeout names the object and its pending `foregroundDeletion`.
    pub async fn delete_foreground(&self, refs: &[ObjectRef], deadline: &Deadline) -> Result<()> {
        self.delete_with(refs, true, &DeleteParams::foreground(), deadline)
            .await
    }

    async fn delete_with(
        &self,
        refs: &[ObjectRef],
        wait: bool,
        params: &DeleteParams,
        deadline: &Deadline,
    ) -> Result<()> {
        for r in refs.iter().rev() {
            let api = match deadline.bound(r, self.api(r)).await {
                Ok(api) => api,
                Err(Error::Discovery { .. }) => continue, // its CRD is gone, so is it
                Err(e) => return Err(e),
            };
            self.count();
            let deleted = async {
                match api.delete(&r.name, params).await {
                    Ok(_) => {
                        tracing::debug!(object = %r, "deleted");
                        Ok(())
                    }
                    Err(kube::Error::Api(status)) if status.is_not_found() => Ok(()),
                    Err(e) => Err(self.request_error(Step::Delete, r, e)),
                }
            };
            deadline.bound(r, deleted).await?;
        }
        if !wait {
            return Ok(());
        }
        let mut pending: Vec<ObjectRef> = refs.to_vec();
        loop {
            let mut still = Vec::new();
            for r in pending {
                if let Some(live) = deadline.bound(&r, self.get(&r)).await? {
                    still.push((r, live));
                }
            }
            if still.is_empty() {
                return Ok(());
            }
            if deadline.expired() {
                let pending = still
                    .into_iter()
                    .map(|(r, live)| {
                        let finalizers = live.metadata.finalizers.clone().unwrap_or_default();
                        let mut why = "still present".to_owned();
                        if let Some(phase) = live.data.pointer("/status/phase").and_then(|p| p.as_str()) {
                            why = format!("phase {phase}");
                        }
                        if !finalizers.is_empty() {
                            why.push_str(&format!(", finalizers {finalizers:?}"));
                        }
                        if let Some(conditions) =
                            live.data.pointer("/status/conditions").and_then(|c| c.as_array())
                        {
                            for c in conditions.iter().filter(|c| c["status"] == "True") {
                                if let Some(m) = c["message"].as_str() {
                                    why.push_str(&format!("; {m}"));
                                }
                            }
                        }
                        (r, why)
                    })
                    .collect();
                return Err(Error::Timeout {
                    what: "deletion",
                    waited: deadline.started.elapsed(),
                    pending,
                });
            }
            pending = still.into_iter().map(|(r, _)| r).collect();
            deadline.tick().await?;
        }
    }
}
