//! Who owns a live object: an owner mark on every object the engine's caller applies, the marks
//! other tools leave, and what taking an object over or letting it go does to `managedFields`.
//!
//! Server-side apply with `force` takes any field from anyone, so ownership cannot be left to
//! field managers: an object carries [`OWNER_ANNOTATION`] naming the instance that applied it,
//! and an instance only deletes what carries its own name.

use crate::error::Step;
use crate::{Deadline, Engine, Error, ObjectRef, Result};
use kube::api::{DynamicObject, Patch, PatchParams};
use serde_json::{Value, json};

/// The annotation naming the instance that applied an object (for example
/// `flux_tenant/apps/dev-team`).
pub const OWNER_ANNOTATION: &str = "flux-aio.provider/owner";

/// The annotation on an object that existed, owned by no one, before its instance first applied
/// it: the instance updates it but never deletes it, and lets go of its fields on destroy.
pub const ADOPTED_ANNOTATION: &str = "flux-aio.provider/adopted";

/// Whose a live object is, as seen by one instance.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Claim {
    /// The object does not exist.
    Absent,
    /// The object carries this instance's mark; `adopted` when it was found, not created.
    Ours {
        /// The object existed before the instance applied it.
        adopted: bool,
    },
    /// The object carries the mark of another instance (its name).
    OtherInstance(String),
    /// Another tool manages the object (a description such as `Timoni instance flux/flux-aio`).
    OtherTool(String),
    /// The object exists and nobody claims it (made by hand, or by a tool that leaves no mark).
    Unowned,
}

impl Claim {
    /// Whose `live` is, for the instance named `owner`.
    #[must_use]
    pub fn of(live: Option<&DynamicObject>, owner: &str) -> Self {
        let Some(live) = live else {
            return Self::Absent;
        };
        let annotation = |k: &str| live.metadata.annotations.as_ref().and_then(|a| a.get(k));
        match annotation(OWNER_ANNOTATION) {
            Some(mark) if mark == owner => Self::Ours {
                adopted: annotation(ADOPTED_ANNOTATION).is_some_and(|v| v == "true"),
            },
            Some(mark) => Self::OtherInstance(mark.clone()),
            None => other_tool(live).map_or(Self::Unowned, Self::OtherTool),
        }
    }
}

/// The tool whose marks `live` carries, if any: Timoni's instance labels, Helm's release
/// annotations, the labels Flux's own controllers and `flux install`/bootstrap set.
#[must_use]
pub fn other_tool(live: &DynamicObject) -> Option<String> {
    let label = |k: &str| live.metadata.labels.as_ref().and_then(|l| l.get(k)).cloned();
    let annotation = |k: &str| live.metadata.annotations.as_ref().and_then(|a| a.get(k)).cloned();
    let named = |what: &str, ns: Option<String>, name: String| match ns {
        Some(ns) => format!("{what} {ns}/{name}"),
        None => format!("{what} {name}"),
    };
    if let Some(name) = label("instance.timoni.sh/name") {
        return Some(named(
            "Timoni instance",
            label("instance.timoni.sh/namespace"),
            name,
        ));
    }
    if let Some(name) = annotation("meta.helm.sh/release-name") {
        return Some(named(
            "Helm release",
            annotation("meta.helm.sh/release-namespace"),
            name,
        ));
    }
    if label("app.kubernetes.io/managed-by").as_deref() == Some("Helm") {
        return Some("Helm".to_owned());
    }
    if let Some(name) = label("kustomize.toolkit.fluxcd.io/name") {
        return Some(named(
            "Flux Kustomization",
            label("kustomize.toolkit.fluxcd.io/namespace"),
            name,
        ));
    }
    if let Some(name) = label("helm.toolkit.fluxcd.io/name") {
        return Some(named(
            "Flux HelmRelease",
            label("helm.toolkit.fluxcd.io/namespace"),
            name,
        ));
    }
    if label("app.kubernetes.io/part-of").as_deref() == Some("flux")
        && let Some(instance) = label("app.kubernetes.io/instance")
    {
        return Some(format!("flux install (instance {instance})"));
    }
    None
}

/// Field managers whose entries a takeover keeps: Kubernetes' own controllers write status and
/// defaults that no configuration declares.
fn is_system_manager(manager: &str) -> bool {
    manager.starts_with("kube-") || manager.ends_with("-controller-manager")
}

/// The `managedFields` that make `field_manager` the only declarative owner of `live`: every
/// other manager's entry on the object itself (not its status), from Timoni, kubectl, Helm,
/// `before-first-apply` and the like, is merged into `field_manager`'s apply entry (made if
/// missing), as Flux's ssa package does. Done before applying, the apply then removes what the
/// configuration leaves out, defaults the other tool's create left included (a `rollingUpdate`
/// that a `Recreate` strategy forbids). `None` when there is nothing to merge.
#[must_use]
pub fn taken_over_fields(live: &DynamicObject, field_manager: &str) -> Option<Vec<Value>> {
    let entries = live.metadata.managed_fields.as_ref()?;
    let entries: Vec<Value> = entries
        .iter()
        .filter_map(|e| serde_json::to_value(e).ok())
        .collect();
    let is_ours = |e: &Value| e["manager"] == field_manager && e["operation"] == "Apply";
    let absorbed = |e: &Value| {
        !is_ours(e)
            && e["subresource"].as_str().unwrap_or_default().is_empty()
            && !is_system_manager(e["manager"].as_str().unwrap_or_default())
    };
    if !entries.iter().any(absorbed) {
        return None;
    }
    let mut ours = entries.iter().find(|e| is_ours(e)).cloned().unwrap_or_else(|| {
        let api_version = live
            .types
            .as_ref()
            .map(|t| t.api_version.clone())
            .unwrap_or_default();
        json!({"manager": field_manager, "operation": "Apply", "apiVersion": api_version,
               "fieldsType": "FieldsV1", "fieldsV1": {}})
    });
    let mut kept = Vec::new();
    for entry in &entries {
        if absorbed(entry) {
            merge_fields(&mut ours["fieldsV1"], &entry["fieldsV1"]);
        } else if !is_ours(entry) {
            kept.push(entry.clone());
        }
    }
    kept.push(ours);
    Some(kept)
}

/// The union of two `FieldsV1` sets (JSON trees of field paths).
fn merge_fields(into: &mut Value, from: &Value) {
    match (into, from) {
        (Value::Object(a), Value::Object(b)) => {
            for (k, v) in b {
                merge_fields(a.entry(k.clone()).or_insert_with(|| json!({})), v);
            }
        }
        (slot @ Value::Null, from) => *slot = from.clone(),
        _ => {}
    }
}

impl Engine {
    /// Reads each object and says whose it is, for the instance named `owner`.
    ///
    /// # Errors
    /// A failed read, [`Error::Timeout`] or [`Error::Cancelled`].
    pub async fn claims(&self, refs: &[ObjectRef], owner: &str, deadline: &Deadline) -> Result<Vec<Claim>> {
        let mut claims = Vec::with_capacity(refs.len());
        for r in refs {
            let live = deadline.bound(r, self.get(r)).await?;
            claims.push(Claim::of(live.as_ref(), owner));
        }
        Ok(claims)
    }

    /// Makes this engine's field manager the only declarative owner of `r` (see
    /// [`taken_over_fields`]); call it before applying, so the apply removes the fields the
    /// other tools had set and the configuration leaves out.
    ///
    /// # Errors
    /// A refused read or patch, [`Error::Timeout`] or [`Error::Cancelled`].
    pub async fn take_over(&self, r: &ObjectRef, deadline: &Deadline) -> Result<()> {
        let Some(live) = deadline.bound(r, self.get(r)).await? else {
            return Ok(());
        };
        self.take_over_seen(r, &live, deadline).await?;
        Ok(())
    }

    /// [`Engine::take_over`] of an object as it was just read or written (a create's answer),
    /// which saves reading it again. Returns the object as the take-over left it, or `None`
    /// when there was nothing to take over.
    pub(crate) async fn take_over_seen(
        &self,
        r: &ObjectRef,
        live: &DynamicObject,
        deadline: &Deadline,
    ) -> Result<Option<DynamicObject>> {
        let Some(fields) = taken_over_fields(live, &self.field_manager) else {
            return Ok(None);
        };
        let api = deadline.bound(r, self.api(r)).await?;
        self.count();
        let patch = json!({"metadata": {"managedFields": fields}});
        let patched = deadline
            .bound(r, async {
                api.patch(&r.name, &PatchParams::default(), &Patch::Merge(&patch))
                    .await
                    .map_err(|e| self.request_error(Step::Apply, r, e))
            })
            .await?;
        tracing::info!(object = %r, "took over: other managers' fields merged into ours");
        Ok(Some(patched))
    }

    /// Lets go of an adopted object instead of deleting it: applies it empty, so the fields and
    /// marks this field manager alone set are removed and what others set stays.
    ///
    /// # Errors
    /// A refused apply, [`Error::Timeout`] or [`Error::Cancelled`].
    pub async fn release(&self, r: &ObjectRef, deadline: &Deadline) -> Result<()> {
        let api = match deadline.bound(r, self.api(r)).await {
            Ok(api) => api,
            Err(Error::Discovery { .. }) => return Ok(()),
            Err(e) => return Err(e),
        };
        let mut metadata = json!({"name": r.name});
        if !r.namespace.is_empty() {
            metadata["namespace"] = json!(r.namespace);
        }
        let empty = json!({"apiVersion": r.api_version(), "kind": r.kind, "metadata": metadata});
        self.count();
        let params = PatchParams::apply(&self.field_manager).force();
        let released = async {
            match api.patch(&r.name, &params, &Patch::Apply(&empty)).await {
                Ok(_) => Ok(()),
                Err(kube::Error::Api(status)) if status.is_not_found() => Ok(()),
                Err(e) => Err(self.request_error(Step::Apply, r, e)),
            }
        };
        deadline.bound(r, released).await?;
        tracing::info!(object = %r, "released: left in place without our fields");
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn object(labels: Value, annotations: Value, managed: Value) -> DynamicObject {
        serde_json::from_value(json!({
            "apiVersion": "apps/v1", "kind": "Deployment",
            "metadata": {"name": "flux", "namespace": "flux-system", "labels": labels,
                         "annotations": annotations, "managedFields": managed},
        }))
        .unwrap()
    }

    #[test]
    fn claims_follow_the_marks() {
        let me = "flux_aio/flux-system/flux";
        assert_eq!(Claim::of(None, me), Claim::Absent);
        let cases = [
            (
                json!({}),
                json!({OWNER_ANNOTATION: me}),
                Claim::Ours { adopted: false },
            ),
            (
                json!({}),
                json!({OWNER_ANNOTATION: me, ADOPTED_ANNOTATION: "true"}),
                Claim::Ours { adopted: true },
            ),
            (
                json!({}),
                json!({OWNER_ANNOTATION: "flux_aio/other/flux"}),
                Claim::OtherInstance("flux_aio/other/flux".into()),
            ),
            (
                json!({"instance.timoni.sh/name": "flux", "instance.timoni.sh/namespace": "flux-system"}),
                json!({}),
                Claim::OtherTool("Timoni instance flux-system/flux".into()),
            ),
            (
                json!({}),
                json!({"meta.helm.sh/release-name": "flux2", "meta.helm.sh/release-namespace": "flux-system"}),
                Claim::OtherTool("Helm release flux-system/flux2".into()),
            ),
            (
                json!({"app.kubernetes.io/part-of": "flux", "app.kubernetes.io/instance": "flux-system"}),
                json!({}),
                Claim::OtherTool("flux install (instance flux-system)".into()),
            ),
            (json!({"team": "a"}), json!({}), Claim::Unowned),
        ];
        for (labels, annotations, claim) in cases {
            let live = object(labels.clone(), annotations.clone(), json!([]));
            assert_eq!(Claim::of(Some(&live), me), claim, "{labels} {annotations}");
        }
    }

    #[test]
    fn a_takeover_merges_other_managers_into_ours_and_keeps_status_writers() {
        let live = object(
            json!({}),
            json!({}),
            json!([
                {"manager": "timoni", "operation": "Apply", "apiVersion": "apps/v1", "fieldsType": "FieldsV1",
                 "fieldsV1": {"f:spec": {"f:template": {"f:spec": {"f:tolerations": {}}}}}},
                {"manager": "kubectl-client-side-apply", "operation": "Update", "apiVersion": "apps/v1",
                 "fieldsType": "FieldsV1", "fieldsV1": {"f:metadata": {"f:labels": {"f:x": {}}}}},
                {"manager": "kube-controller-manager", "operation": "Update", "apiVersion": "apps/v1",
                 "fieldsType": "FieldsV1", "fieldsV1": {"f:metadata": {"f:annotations": {}}}},
                {"manager": "kubelet-stand-in", "operation": "Update", "apiVersion": "apps/v1",
                 "subresource": "status", "fieldsType": "FieldsV1", "fieldsV1": {"f:status": {}}},
                {"manager": "flux-provider", "operation": "Apply", "apiVersion": "apps/v1", "fieldsType": "FieldsV1",
                 "fieldsV1": {"f:spec": {"f:replicas": {}}}},
            ]),
        );
        let fields = taken_over_fields(&live, "flux-provider").expect("something to merge");
        let managers: Vec<&str> = fields.iter().filter_map(|e| e["manager"].as_str()).collect();
        assert_eq!(
            managers,
            ["kube-controller-manager", "kubelet-stand-in", "flux-provider"]
        );
        let ours = &fields[2]["fieldsV1"];
        assert!(ours.pointer("/f:spec/f:replicas").is_some());
        assert!(ours.pointer("/f:spec/f:template/f:spec/f:tolerations").is_some());
        assert!(ours.pointer("/f:metadata/f:labels/f:x").is_some());
        // Before the first apply there is no entry of ours: one is made.
        let first: DynamicObject = serde_json::from_value(json!({
            "apiVersion": "apps/v1", "kind": "Deployment",
            "metadata": {"name": "flux", "managedFields": [
                {"manager": "timoni", "operation": "Apply", "apiVersion": "apps/v1", "fieldsType": "FieldsV1",
                 "fieldsV1": {"f:spec": {"f:strategy": {"f:rollingUpdate": {}}}}}]},
        }))
        .unwrap();
        let fields = taken_over_fields(&first, "flux-provider").unwrap();
        assert_eq!(fields.len(), 1);
        assert_eq!(fields[0]["manager"], "flux-provider");
        assert_eq!(fields[0]["operation"], "Apply");
        assert_eq!(fields[0]["apiVersion"], "apps/v1");
        assert!(
            fields[0]
                .pointer("/fieldsV1/f:spec/f:strategy/f:rollingUpdate")
                .is_some()
        );
        // Nothing left to merge: no patch.
        let again: DynamicObject = serde_json::from_value(json!({
            "apiVersion": "apps/v1", "kind": "Deployment",
            "metadata": {"name": "flux", "managedFields": fields},
        }))
        .unwrap();
        assert_eq!(taken_over_fields(&again, "flux-provider"), None);
    }
}
