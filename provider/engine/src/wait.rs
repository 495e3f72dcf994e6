//! Readiness by kind, and bounded waits built on it.

use crate::{Deadline, Engine, Error, ObjectRef, Result};
use kube::api::DynamicObject;
use serde_json::Value;

/// Whether an object is ready, by the rules of its kind.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Readiness {
    /// Ready.
    Ready,
    /// Not yet, with the reason.
    Pending(String),
    /// Never going to be without a change: fail now with this message.
    Failed(String),
}

/// The readiness of a live object:
/// - CustomResourceDefinition: `Established=True`;
/// - Deployment: rolled out (`observedGeneration >= generation`, and updated, available and
///   desired replicas equal); `Progressing=False` with `ProgressDeadlineExceeded` fails;
/// - Namespace: not terminating;
/// - Flux objects (`*.toolkit.fluxcd.io`): `Ready=True` with `observedGeneration ==
///   generation`; `Stalled=True` fails; with a [`RECONCILE_REQUESTED_AT`] annotation, nothing
///   counts until `status.lastHandledReconcileAt` equals it (the conditions are older);
/// - anything else: ready once applied.
#[must_use]
pub fn readiness(object: &DynamicObject) -> Readiness {
    let r = ObjectRef::of(object);
    let status = object.data.get("status").unwrap_or(&Value::Null);
    let generation = object.metadata.generation.unwrap_or(0);
    let observed = status
        .get("observedGeneration")
        .and_then(Value::as_i64)
        .unwrap_or(-1);
    if r.is_crd() {
        return match condition(status, "Established") {
            Some(("True", _, _)) => Readiness::Ready,
            Some((_, _, message)) => Readiness::Pending(format!("not established: {message}")),
            None => Readiness::Pending("not established yet".to_owned()),
        };
    }
    if r.is_namespace() {
        return match status.get("phase").and_then(Value::as_str) {
            Some("Terminating") => Readiness::Pending("namespace is terminating".to_owned()),
            _ => Readiness::Ready,
        };
    }
    if r.group == "apps" && r.kind == "Deployment" {
        let int = |k: &str| status.get(k).and_then(Value::as_i64).unwrap_or(0);
        let desired = object
            .data
            .pointer("/spec/replicas")
            .and_then(Value::as_i64)
            .unwrap_or(1);
        if observed < generation {
            return Readiness::Pending(format!("rollout not observed yet (generation {generation})"));
        }
        let (updated, available) = (int("updatedReplicas"), int("availableReplicas"));
        if updated == desired && available == desired && int("replicas") <= desired {
            return Readiness::Ready;
        }
        // The Deployment controller gave up on this rollout (`progressDeadlineSeconds`): waiting
        // longer changes nothing.
        if let Some((_, reason @ "ProgressDeadlineExceeded", message)) =
            condition(status, "Progressing").filter(|(s, _, _)| *s == "False")
        {
            return Readiness::Failed(format!("{reason}: {message}"));
        }
        let mut why = format!("{available}/{desired} replicas available, {updated} updated");
        if let Some((_, _, message)) = condition(status, "Available").filter(|(s, _, _)| *s != "True") {
            why.push_str(&format!("; {message}"));
        }
        return Readiness::Pending(why);
    }
    if r.group.ends_with(".toolkit.fluxcd.io") {
        let requested = object
            .metadata
            .annotations
            .as_ref()
            .and_then(|a| a.get(RECONCILE_REQUESTED_AT));
        if let Some(requested) = requested
            && status.get("lastHandledReconcileAt").and_then(Value::as_str) != Some(requested.as_str())
        {
            return Readiness::Pending(format!("reconcile request {requested} not handled yet"));
        }
        if let Some(("True", reason, message)) = condition(status, "Stalled") {
            return Readiness::Failed(format!("{reason}: {message}"));
        }
        return match condition(status, "Ready") {
            Some(("True", _, _)) if observed == generation => Readiness::Ready,
            Some(("True", _, _)) => Readiness::Pending("generation not yet reconciled".to_owned()),
            Some((_, reason, message)) if observed == generation && TERMINAL_REASONS.contains(&reason) => {
                Readiness::Failed(format!("{reason}: {message}"))
            }
            Some((_, reason, message)) => Readiness::Pending(format!("{reason}: {message}")),
            None => Readiness::Pending("not reconciled yet".to_owned()),
        };
    }
    Readiness::Ready
}

/// The annotation that asks a Flux controller to reconcile an object now; the controller
/// records the value it handled in `status.lastHandledReconcileAt`.
pub const RECONCILE_REQUESTED_AT: &str = "reconcile.fluxcd.io/requestedAt";

/// `Ready=False` reasons of Flux objects that retrying the same generation does not fix: the
/// wait fails at once with the controller's message instead of running into its timeout.
/// Transient ones (`DependencyNotReady`, `Progressing`, source fetch errors) keep waiting.
pub const TERMINAL_REASONS: &[&str] = &[
    // kustomize-controller
    "BuildFailed",
    "ReconciliationFailed",
    "HealthCheckFailed",
    "PruneFailed",
    // helm-controller
    "InstallFailed",
    "UpgradeFailed",
    "TestFailed",
    "RollbackFailed",
    "InvalidChartReference",
    // source-controller
    "AuthenticationFailed",
    "URLInvalid",
];

/// The status, reason and message of condition `type_`.
fn condition<'a>(status: &'a Value, type_: &str) -> Option<(&'a str, &'a str, &'a str)> {
    let c = status
        .get("conditions")?
        .as_array()?
        .iter()
        .find(|c| c.get("type").and_then(Value::as_str) == Some(type_))?;
    Some((
        c.get("status")?.as_str()?,
        c.get("reason").and_then(Value::as_str).unwrap_or(""),
        c.get("message").and_then(Value::as_str).unwrap_or(""),
    ))
}

impl Engine {
    /// Waits until every object in `refs` is ready, polling; on timeout the error lists each
    /// object that was not, with its reason.
    ///
    /// # Errors
    /// [`Error::Timeout`], [`Error::Failed`] for a terminal failure, [`Error::Cancelled`], or a
    /// read error.
    pub async fn wait_ready(&self, refs: &[ObjectRef], deadline: &Deadline) -> Result<()> {
        let pending = refs.iter().map(|r| (r.clone(), String::new())).collect();
        self.poll_ready(pending, deadline).await
    }

    /// [`Engine::wait_ready`] for objects just applied, given as the API server returned them:
    /// their readiness is first judged from that answer, so an object ready once applied (a
    /// ServiceAccount, an unchanged Deployment) costs no read; the others are polled.
    ///
    /// # Errors
    /// As [`Engine::wait_ready`].
    pub async fn wait_applied(&self, applied: &[DynamicObject], deadline: &Deadline) -> Result<()> {
        let mut pending = Vec::new();
        for live in applied {
            let r = ObjectRef::of(live);
            match readiness(live) {
                Readiness::Ready => {}
                Readiness::Pending(why) => pending.push((r, why)),
                Readiness::Failed(message) => return Err(Error::Failed { object: r, message }),
            }
        }
        if pending.is_empty() {
            return Ok(());
        }
        deadline.tick().await?;
        self.poll_ready(pending, deadline).await
    }

    /// Reads each pending object until it is ready, one poll interval apart.
    async fn poll_ready(&self, mut pending: Vec<(ObjectRef, String)>, deadline: &Deadline) -> Result<()> {
        loop {
            let mut still = Vec::new();
            for (r, _) in pending {
                match deadline.bound(&r, self.get(&r)).await? {
                    None => still.push((r, "not found".to_owned())),
                    Some(live) => match readiness(&live) {
                        Readiness::Ready => {}
                        Readiness::Pending(why) => still.push((r, why)),
                        Readiness::Failed(message) => return Err(Error::Failed { object: r, message }),
                    },
                }
            }
            pending = still;
            if pending.is_empty() {
                return Ok(());
            }
            if deadline.expired() {
                return Err(Error::Timeout {
                    what: "readiness",
                    waited: deadline.started.elapsed(),
                    pending,
                });
            }
            deadline.tick().await?;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn object(yaml: &str) -> DynamicObject {
        serde_saphyr::from_str(yaml).unwrap()
    }

    #[test]
    fn table() {
        let cases = [
            (
                "crd established",
                "apiVersion: apiextensions.k8s.io/v1\nkind: CustomResourceDefinition\nmetadata: {name: x}\nstatus: {conditions: [{type: Established, status: 'True'}]}",
                Readiness::Ready,
            ),
            (
                "deployment past its progress deadline",
                "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: d, generation: 2}\nspec: {replicas: 1}\nstatus: {observedGeneration: 2, replicas: 1, updatedReplicas: 1, availableReplicas: 0, conditions: [{type: Progressing, status: 'False', reason: ProgressDeadlineExceeded, message: 'ReplicaSet \"d-1\" has timed out progressing.'}]}",
                Readiness::Failed(
                    "ProgressDeadlineExceeded: ReplicaSet \"d-1\" has timed out progressing.".into(),
                ),
            ),
            (
                "crd new",
                "apiVersion: apiextensions.k8s.io/v1\nkind: CustomResourceDefinition\nmetadata: {name: x}",
                Readiness::Pending("not established yet".into()),
            ),
            (
                "deployment rolled out",
                "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: d, generation: 2}\nspec: {replicas: 1}\nstatus: {observedGeneration: 2, replicas: 1, updatedReplicas: 1, availableReplicas: 1}",
                Readiness::Ready,
            ),
            (
                "deployment stale",
                "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: d, generation: 3}\nspec: {replicas: 1}\nstatus: {observedGeneration: 2, replicas: 1, updatedReplicas: 1, availableReplicas: 1}",
                Readiness::Pending("rollout not observed yet (generation 3)".into()),
            ),
            (
                "flux ready",
                "apiVersion: kustomize.toolkit.fluxcd.io/v1\nkind: Kustomization\nmetadata: {name: k, generation: 1}\nstatus: {observedGeneration: 1, conditions: [{type: Ready, status: 'True', message: ok}]}",
                Readiness::Ready,
            ),
            (
                "flux stalled",
                "apiVersion: kustomize.toolkit.fluxcd.io/v1\nkind: Kustomization\nmetadata: {name: k, generation: 1}\nstatus: {conditions: [{type: Stalled, status: 'True', reason: InvalidPath, message: bad path}]}",
                Readiness::Failed("InvalidPath: bad path".into()),
            ),
            (
                "flux not ready",
                "apiVersion: source.toolkit.fluxcd.io/v1\nkind: GitRepository\nmetadata: {name: g, generation: 1}\nstatus: {observedGeneration: 1, conditions: [{type: Ready, status: 'False', reason: GitOperationFailed, message: connection refused}]}",
                Readiness::Pending("GitOperationFailed: connection refused".into()),
            ),
            (
                "flux failed terminally",
                "apiVersion: kustomize.toolkit.fluxcd.io/v1\nkind: Kustomization\nmetadata: {name: k, generation: 2}\nstatus: {observedGeneration: 2, conditions: [{type: Ready, status: 'False', reason: ReconciliationFailed, message: forbidden}]}",
                Readiness::Failed("ReconciliationFailed: forbidden".into()),
            ),
            (
                "flux failure of an older generation",
                "apiVersion: kustomize.toolkit.fluxcd.io/v1\nkind: Kustomization\nmetadata: {name: k, generation: 3}\nstatus: {observedGeneration: 2, conditions: [{type: Ready, status: 'False', reason: ReconciliationFailed, message: forbidden}]}",
                Readiness::Pending("ReconciliationFailed: forbidden".into()),
            ),
            (
                "flux ready before a requested reconcile",
                "apiVersion: source.toolkit.fluxcd.io/v1\nkind: GitRepository\nmetadata: {name: g, generation: 1, annotations: {reconcile.fluxcd.io/requestedAt: secrets-2}}\nstatus: {observedGeneration: 1, lastHandledReconcileAt: secrets-1, conditions: [{type: Ready, status: 'True', message: stored}]}",
                Readiness::Pending("reconcile request secrets-2 not handled yet".into()),
            ),
            (
                "flux failure before a requested reconcile",
                "apiVersion: source.toolkit.fluxcd.io/v1\nkind: GitRepository\nmetadata: {name: g, generation: 1, annotations: {reconcile.fluxcd.io/requestedAt: secrets-2}}\nstatus: {observedGeneration: 1, conditions: [{type: Ready, status: 'False', reason: AuthenticationFailed, message: denied}]}",
                Readiness::Pending("reconcile request secrets-2 not handled yet".into()),
            ),
            (
                "flux failure after a requested reconcile",
                "apiVersion: source.toolkit.fluxcd.io/v1\nkind: GitRepository\nmetadata: {name: g, generation: 1, annotations: {reconcile.fluxcd.io/requestedAt: secrets-2}}\nstatus: {observedGeneration: 1, lastHandledReconcileAt: secrets-2, conditions: [{type: Ready, status: 'False', reason: AuthenticationFailed, message: denied}]}",
                Readiness::Failed("AuthenticationFailed: denied".into()),
            ),
            (
                "configmap",
                "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}",
                Readiness::Ready,
            ),
        ];
        for (name, yaml, want) in cases {
            assert_eq!(readiness(&object(yaml)), want, "{name}");
        }
    }
}
