//! Panics in a provider's hooks become error diagnostics. Without this, a panic drops the
//! gRPC stream and the CLI says only "Request cancelled"; with it, the user reads which hook of
//! which resource failed, and the state stays what it was (a refresh keeps the prior state
//! rather than reporting the object gone).

use crate::diag::Diagnostics;
use crate::provider::{
    ApplyRequest, ApplyResponse, DeleteRequest, PlanRequest, PlanResponse, ReadResponse, Resource,
};
use crate::schema::{IdentitySchema, Schema};
use async_trait::async_trait;
use cty::Value;
use futures::FutureExt as _;
use std::any::Any;
use std::future::Future;
use std::panic::AssertUnwindSafe;
use std::sync::Arc;

/// A resource whose hooks cannot take the server down.
pub(crate) struct Guarded(pub(crate) Arc<dyn Resource>);

/// The panic's message, when it has one.
fn message(payload: &(dyn Any + Send)) -> &str {
    payload
        .downcast_ref::<&str>()
        .copied()
        .or_else(|| payload.downcast_ref::<String>().map(String::as_str))
        .unwrap_or("no message")
}

/// The error a panic in `hook` (e.g. "plan of flux_tenant") becomes.
fn panicked(hook: &str, payload: &(dyn Any + Send)) -> Diagnostics {
    let mut diags = Diagnostics::new();
    diags.error(
        "Provider bug: internal error",
        format!(
            "The provider failed unexpectedly in {hook}: {}. Nothing after that point was done; please \
             report this with the provider's log (TF_LOG=debug).",
            message(payload)
        ),
    );
    diags
}

/// Runs a synchronous hook that reports into `diags`; a panic becomes an error there.
pub(crate) fn sync_hook(hook: &str, diags: &mut Diagnostics, f: impl FnOnce(&mut Diagnostics)) {
    let mut inner = Diagnostics::new();
    match std::panic::catch_unwind(AssertUnwindSafe(|| f(&mut inner))) {
        Ok(()) => diags.extend(inner),
        Err(payload) => diags.extend(panicked(hook, payload.as_ref())),
    }
}

/// Runs an asynchronous hook; a panic becomes `Err` with an error diagnostic.
pub(crate) async fn async_hook<T>(hook: &str, future: impl Future<Output = T>) -> Result<T, Diagnostics> {
    AssertUnwindSafe(future)
        .catch_unwind()
        .await
        .map_err(|payload| panicked(hook, payload.as_ref()))
}

impl Guarded {
    async fn run<T>(&self, hook: &str, future: impl Future<Output = T>) -> Result<T, Diagnostics> {
        async_hook(&format!("{hook} of {}", self.0.type_name()), future).await
    }
}

#[async_trait]
impl Resource for Guarded {
    fn type_name(&self) -> &'static str {
        self.0.type_name()
    }

    fn schema(&self) -> Schema {
        self.0.schema()
    }

    fn validate(&self, config: &Value, diags: &mut Diagnostics) {
        sync_hook(&format!("validation of {}", self.0.type_name()), diags, |d| {
            self.0.validate(config, d);
        });
    }

    async fn plan(&self, req: PlanRequest) -> PlanResponse {
        let planned = req.planned.clone();
        self.run("plan", self.0.plan(req))
            .await
            .unwrap_or_else(|diagnostics| PlanResponse {
                planned,
                requires_replace: Vec::new(),
                diagnostics,
            })
    }

    async fn create(&self, req: ApplyRequest) -> ApplyResponse {
        self.run("create", self.0.create(req))
            .await
            .unwrap_or_else(|diagnostics| ApplyResponse {
                state: None,
                diagnostics,
            })
    }

    async fn update(&self, req: ApplyRequest) -> ApplyResponse {
        self.run("update", self.0.update(req))
            .await
            .unwrap_or_else(|diagnostics| ApplyResponse {
                state: None,
                diagnostics,
            })
    }

    async fn delete(&self, req: DeleteRequest) -> Diagnostics {
        self.run("delete", self.0.delete(req))
            .await
            .unwrap_or_else(|diagnostics| diagnostics)
    }

    async fn read(&self, state: Value) -> ReadResponse {
        let prior = state.clone();
        self.run("refresh", self.0.read(state))
            .await
            .unwrap_or_else(|diagnostics| ReadResponse {
                state: Some(prior),
                diagnostics,
            })
    }

    async fn import(&self, id: &str) -> ReadResponse {
        self.run("import", self.0.import(id))
            .await
            .unwrap_or_else(|diagnostics| ReadResponse {
                state: None,
                diagnostics,
            })
    }

    fn identity(&self) -> Option<IdentitySchema> {
        self.0.identity()
    }

    fn import_id(&self, identity: &Value) -> Option<String> {
        self.0.import_id(identity)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diag::Severity;

    /// A resource whose every hook panics.
    struct Panics;

    #[async_trait]
    impl Resource for Panics {
        fn type_name(&self) -> &'static str {
            "test_panics"
        }
        fn schema(&self) -> Schema {
            Schema::default()
        }
        fn validate(&self, _: &Value, _: &mut Diagnostics) {
            panic!("validate exploded")
        }
        async fn plan(&self, _: PlanRequest) -> PlanResponse {
            panic!("plan exploded")
        }
        async fn create(&self, _: ApplyRequest) -> ApplyResponse {
            panic!("{}", String::from("create exploded"))
        }
        async fn update(&self, _: ApplyRequest) -> ApplyResponse {
            panic!("update exploded")
        }
        async fn delete(&self, _: DeleteRequest) -> Diagnostics {
            panic!("delete exploded")
        }
        async fn read(&self, _: Value) -> ReadResponse {
            panic!("read exploded")
        }
        async fn import(&self, _: &str) -> ReadResponse {
            panic!("import exploded")
        }
    }

    fn the_error(diags: &Diagnostics, what: &str) {
        let errors: Vec<_> = diags.iter().filter(|d| d.severity == Severity::Error).collect();
        assert_eq!(errors.len(), 1, "{diags:?}");
        assert!(
            errors[0].detail.contains(what) && errors[0].detail.contains("test_panics"),
            "{:?}",
            errors[0]
        );
    }

    #[tokio::test]
    async fn every_hook_reports_a_panic_as_an_error_and_keeps_the_state() {
        let r = Guarded(Arc::new(Panics));
        let mut diags = Diagnostics::new();
        r.validate(&Value::Null, &mut diags);
        the_error(&diags, "validate exploded");

        let planned = Value::string("planned");
        let plan = r
            .plan(PlanRequest {
                config: Value::Null,
                prior: None,
                planned: planned.clone(),
            })
            .await;
        the_error(&plan.diagnostics, "plan exploded");
        assert_eq!(plan.planned, planned);

        let apply = |prior| ApplyRequest {
            config: Value::Null,
            prior,
            planned: Value::Null,
            stop: Default::default(),
        };
        let created = r.create(apply(None)).await;
        the_error(&created.diagnostics, "create exploded");
        assert!(created.state.is_none(), "the server keeps the prior state");
        let updated = r.update(apply(Some(Value::string("prior")))).await;
        the_error(&updated.diagnostics, "update exploded");

        let deleted = r
            .delete(DeleteRequest {
                prior: Value::string("prior"),
                stop: Default::default(),
            })
            .await;
        the_error(&deleted, "delete exploded");

        let read = r.read(Value::string("prior")).await;
        the_error(&read.diagnostics, "read exploded");
        assert_eq!(read.state, Some(Value::string("prior")), "not reported gone");

        let imported = r.import("ns/name").await;
        the_error(&imported.diagnostics, "import exploded");
    }
}
