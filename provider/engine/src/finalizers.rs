//! Finalizer removal, for uninstalls: once the controllers that own a finalizer are gone,
//! nothing would ever remove it, and the objects (and with them their CRDs and namespaces)
//! would hang in deletion forever.

use crate::error::Step;
use crate::{Deadline, Engine, ObjectRef, Result};

/// Objects per list page: a cluster with many Flux objects is read in bounded pieces.
const PAGE: u32 = 500;
use kube::api::{Api, DynamicObject, ListParams, Patch, PatchParams};
use kube::core::{ApiResource, GroupVersionKind};

impl Engine {
    /// Removes the finalizers of every object, in every namespace, of the custom resource kinds
    /// that the given CustomResourceDefinitions define. Returns how many objects were changed.
    /// CRDs that no longer exist are skipped.
    ///
    /// Lists are paged, and every request is bounded by `deadline`.
    ///
    /// # Errors
    /// A refused list or patch, [`Error::Timeout`], or [`Error::Cancelled`].
    pub async fn strip_finalizers(&self, crds: &[ObjectRef], deadline: &Deadline) -> Result<usize> {
        let mut changed = 0;
        for crd in crds.iter().filter(|r| r.is_crd()) {
            let Some(live) = deadline.bound(crd, self.get(crd)).await? else {
                continue;
            };
            let spec = live.data.get("spec").cloned().unwrap_or_default();
            let group = spec["group"].as_str().unwrap_or_default();
            let kind = spec["names"]["kind"].as_str().unwrap_or_default();
            let plural = spec["names"]["plural"].as_str().unwrap_or_default();
            let Some(version) = spec["versions"]
                .as_array()
                .and_then(|vs| vs.iter().find(|v| v["storage"] == true).or_else(|| vs.first()))
                .and_then(|v| v["name"].as_str())
            else {
                continue;
            };
            let ar = ApiResource::from_gvk_with_plural(&GroupVersionKind::gvk(group, version, kind), plural);
            let client = self.client().await?;
            let api: Api<DynamicObject> = Api::all_with(client.clone(), &ar);
            let mut continue_token: Option<String> = None;
            loop {
                let mut params = ListParams::default().limit(PAGE);
                if let Some(token) = &continue_token {
                    params = params.continue_token(token);
                }
                self.count();
                let list = deadline
                    .bound(crd, async {
                        api.list(&params)
                            .await
                            .map_err(|e| self.request_error(Step::Read, crd, e))
                    })
                    .await?;
                for item in list
                    .items
                    .iter()
                    .filter(|o| o.metadata.finalizers.as_ref().is_some_and(|f| !f.is_empty()))
                {
                    let r = ObjectRef {
                        group: group.to_owned(),
                        version: version.to_owned(),
                        kind: kind.to_owned(),
                        namespace: item.metadata.namespace.clone().unwrap_or_default(),
                        name: item.metadata.name.clone().unwrap_or_default(),
                    };
                    let namespaced = match &item.metadata.namespace {
                        Some(ns) => Api::<DynamicObject>::namespaced_with(self.client().await?, ns, &ar),
                        None => api.clone(),
                    };
                    let patch = serde_json::json!({"metadata": {"finalizers": null}});
                    self.count();
                    let patched = async {
                        match namespaced
                            .patch(&r.name, &PatchParams::default(), &Patch::Merge(&patch))
                            .await
                        {
                            Ok(_) => Ok(true),
                            Err(kube::Error::Api(status)) if status.is_not_found() => Ok(false),
                            Err(e) => Err(self.request_error(Step::Apply, &r, e)),
                        }
                    };
                    if deadline.bound(&r, patched).await? {
                        changed += 1;
                        tracing::debug!(object = %r, "finalizers removed");
                    }
                }
                continue_token = list.metadata.continue_.filter(|t| !t.is_empty());
                if continue_token.is_none() {
                    break;
                }
            }
        }
        Ok(changed)
    }
}
