//! Destroying: delete what the instance owns, in its own order, and release what it adopted.

use super::Managed;
use crate::error::engine_diagnostic;
use crate::resources::{Common, FluxResource, string_map};
use engine::{Deadline, ObjectRef};
use tfplugin::{DeleteRequest, Diagnostics};

impl<R: FluxResource> Managed<R> {
    pub(super) async fn destroy(&self, req: DeleteRequest) -> Diagnostics {
        let mut diags = Diagnostics::new();
        let common = match Common::from_value(&req.prior) {
            Ok(common) => common,
            Err(d) => {
                diags.push(d);
                return diags;
            }
        };
        let refs: Vec<ObjectRef> = string_map(req.prior.get("objects"))
            .keys()
            .filter_map(|k| ObjectRef::parse(k).ok())
            .collect();
        if refs.is_empty() {
            return diags;
        }
        let Some(engine) = self.engine(&mut diags).await else {
            return diags;
        };
        let deadline = Deadline::after(common.delete_timeout, req.stop);
        let owner = Self::owner(&common);
        let prior = &req.prior;
        let removed = Self::remove(
            &engine,
            &refs,
            &owner,
            &deadline,
            "destroy",
            &mut diags,
            |owned| {
                let (engine, deadline) = (&*engine, &deadline);
                async move { R::delete(engine, prior, &owned, deadline).await }
            },
        )
        .await;
        if let Err(e) = removed {
            diags.push(engine_diagnostic("destroy", &e));
        }
        diags
    }
}
