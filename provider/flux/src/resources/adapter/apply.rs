//! Applying: ownership checks before anything is applied, staged server-side apply, takeover,
//! prune and wait; the state returned holds exactly what was applied.

use super::Managed;
use super::digests::ensure_salt;
use super::ownership;
use crate::error::engine_diagnostic;
use crate::measure::peak_rss_kib;
use crate::resources::{Common, Context, FluxResource, Phase, string_map, string_map_value};
use engine::{Claim, Deadline, Engine, ObjectRef};
use std::collections::BTreeMap;
use std::sync::Arc;
use tfplugin::cty::Value;
use tfplugin::{ApplyRequest, ApplyResponse, Diagnostic, Diagnostics};

impl<R: FluxResource> Managed<R> {
    pub(super) async fn engine(&self, diags: &mut Diagnostics) -> Option<Arc<Engine>> {
        match self.shared.engine().await {
            Ok(e) => Some(e),
            Err(d) => {
                diags.push(d);
                None
            }
        }
    }

    /// The error for [`FluxResource::conflicting`] objects found without `takeover`.
    pub(super) fn conflict_error(conflicting: &[ObjectRef]) -> Diagnostic {
        Diagnostic::error(
            "Another installation is in the way",
            format!(
                "{}{}\nNothing was applied.",
                R::CONFLICT_HELP,
                conflicting
                    .iter()
                    .map(|r| format!("\n  - {r}"))
                    .collect::<String>()
            ),
        )
        .with_path(tfplugin::AttributePath::root("takeover"))
    }

    /// Reads the claims on `refs`, or says why it could not.
    pub(super) async fn claims(
        engine: &Engine,
        refs: &[ObjectRef],
        owner: &str,
        deadline: &Deadline,
        operation: &str,
        diags: &mut Diagnostics,
    ) -> Option<Vec<Claim>> {
        match engine.claims(refs, owner, deadline).await {
            Ok(claims) => Some(claims),
            Err(e) => {
                diags.push(engine_diagnostic(operation, &e));
                None
            }
        }
    }

    /// Deletes what of `refs` this instance owns, lets go of what it adopted and leaves the
    /// rest with a warning. `delete` does the deleting (the resource's own order on destroy).
    pub(super) async fn remove<'a, F, Fut>(
        engine: &'a Engine,
        refs: &[ObjectRef],
        owner: &str,
        deadline: &'a Deadline,
        operation: &str,
        diags: &mut Diagnostics,
        delete: F,
    ) -> engine::Result<()>
    where
        F: FnOnce(Vec<ObjectRef>) -> Fut,
        Fut: std::future::Future<Output = engine::Result<()>>,
    {
        let claims = engine.claims(refs, owner, deadline).await?;
        let removal = ownership::Removal::sort(refs, &claims);
        for w in removal.warnings(operation) {
            diags.push(w);
        }
        if !removal.delete.is_empty() {
            delete(removal.delete.clone()).await?;
        }
        for r in &removal.release {
            engine.release(r, deadline).await?;
        }
        Ok(())
    }

    /// Applies, prunes what left the rendering, and waits; the returned state holds exactly what
    /// was applied when anything fails. Before anything is applied, every rendered object is
    /// checked in the cluster: another instance's object, or another tool's without
    /// `takeover`, stops the apply.
    pub(super) async fn apply(&self, req: ApplyRequest, operation: &str) -> ApplyResponse {
        let mut diags = Diagnostics::new();
        let prior_objects = req
            .prior
            .as_ref()
            .map(|p| string_map(p.get("objects")))
            .unwrap_or_default();
        let mut planned = req.planned.clone();
        ensure_salt(&mut planned, req.prior.as_ref());
        let ctx = Context {
            phase: Phase::Apply,
            prior: req.prior.as_ref(),
        };
        // The operation's deadline starts now: resolving the Flux distribution is part of it.
        let bounds = match Common::from_value(&planned) {
            Ok(bounds) => bounds,
            Err(d) => {
                diags.push(d);
                return ApplyResponse {
                    state: req.prior.clone(),
                    diagnostics: diags,
                };
            }
        };
        let timeout = if req.prior.is_some() {
            bounds.update_timeout
        } else {
            bounds.create_timeout
        };
        let deadline = Deadline::after(timeout, req.stop.clone());
        let rendering = tokio::select! {
            rendered = self.render(&mut planned, Some(&req.config), &ctx, &mut diags) => rendered,
            () = tokio::time::sleep_until(deadline.at) => {
                diags.push(Diagnostic::error(
                    format!("Timed out during {operation}"),
                    format!("Rendering (resolving the Flux distribution) did not finish within {timeout:?}."),
                ));
                None
            }
            () = req.stop.cancelled() => {
                diags.push(engine_diagnostic(operation, &engine::Error::Cancelled));
                None
            }
        };
        let Some((common, mut rendered)) = rendering else {
            return ApplyResponse {
                state: req.prior.clone(),
                diagnostics: diags,
            };
        };
        let owner = Self::owner(&common);
        let kept = Self::kept(&prior_objects, &rendered);
        let state_with = |objects: &BTreeMap<String, String>| {
            let mut state = planned.clone();
            if let Value::Object(map) = &mut state {
                map.insert("objects".into(), string_map_value(objects));
                map.insert(
                    "id".into(),
                    Value::string(format!("{}/{}", common.namespace, common.name)),
                );
            }
            state
        };
        let unchanged = || req.prior.clone();
        let stop = |diags: Diagnostics| ApplyResponse {
            state: unchanged(),
            diagnostics: diags,
        };

        let Some(engine) = self.engine(&mut diags).await else {
            return stop(diags);
        };
        let requests_before = engine.requests();
        let refs: Vec<ObjectRef> = rendered.objects.iter().map(ObjectRef::of).collect();
        let Some(claims) = Self::claims(&engine, &refs, &owner, &deadline, operation, &mut diags).await
        else {
            return stop(diags);
        };
        let verdict = ownership::check(
            &mut rendered.objects,
            &claims,
            &prior_objects,
            &owner,
            common.takeover,
            &mut diags,
        );
        let conflicting = R::conflicting(&common);
        let Some(conflict_claims) =
            Self::claims(&engine, &conflicting, &owner, &deadline, operation, &mut diags).await
        else {
            return stop(diags);
        };
        let conflicting: Vec<ObjectRef> = conflicting
            .into_iter()
            .zip(conflict_claims)
            .filter(|(_, c)| !matches!(c, Claim::Absent | Claim::Ours { .. }))
            .map(|(r, _)| r)
            .collect();
        if !conflicting.is_empty() && !common.takeover {
            diags.push(Self::conflict_error(&conflicting));
        }
        if diags.has_error() {
            return stop(diags);
        }
        if let Some(w) = ownership::adopted_warning(&verdict.adopted) {
            diags.push(w);
        }

        // Taken over before applying, so the apply removes what the other tool set and the
        // configuration leaves out.
        for &i in &verdict.take_over {
            if let Err(e) = engine.take_over(&refs[i], &deadline).await {
                diags.push(engine_diagnostic(&format!("{operation} (takeover)"), &e));
                return stop(diags);
            }
        }
        let absent: std::collections::BTreeSet<String> = refs
            .iter()
            .zip(&claims)
            .filter(|(_, c)| matches!(c, Claim::Absent))
            .map(|(r, _)| r.key())
            .collect();
        let applied = match engine.apply_staged(&rendered.objects, &absent, &deadline).await {
            Ok(live) => live,
            Err(failure) => {
                diags.push(engine_diagnostic(operation, &failure.error));
                if failure.applied.is_empty() {
                    return stop(diags);
                }
                let mut held = prior_objects.clone();
                for live in &failure.applied {
                    let key = ObjectRef::of(live).key();
                    if let Some(d) = rendered.digests.get(&key) {
                        held.insert(key, d.clone());
                    }
                }
                return ApplyResponse {
                    state: Some(state_with(&held)),
                    diagnostics: diags,
                };
            }
        };
        tracing::info!(resource = R::TYPE_NAME, objects = applied.len(), "applied");
        let mut inventory = rendered.digests.clone();
        inventory.extend(kept.clone());
        if !kept.is_empty() {
            diags.push(Diagnostic::warning(
                "Objects kept",
                format!(
                    "The configuration no longer renders these objects; they are kept, since deleting \
                     them could delete other objects, and destroy removes them:{}",
                    kept.keys().map(|k| format!("\n  - {k}")).collect::<String>()
                ),
            ));
        }

        let stale: Vec<ObjectRef> = prior_objects
            .keys()
            .filter(|k| !inventory.contains_key(*k))
            .filter_map(|k| ObjectRef::parse(k).ok())
            .collect();
        if !stale.is_empty() {
            let pruned = Self::remove(
                &engine,
                &stale,
                &owner,
                &deadline,
                &format!("{operation} (prune)"),
                &mut diags,
                |refs| {
                    let (engine, deadline) = (&*engine, &deadline);
                    async move { engine.delete(&refs, true, deadline).await }
                },
            )
            .await;
            if let Err(e) = pruned {
                diags.push(engine_diagnostic(&format!("{operation} (prune)"), &e));
                let mut held = inventory.clone();
                for r in &stale {
                    if let Some(d) = prior_objects.get(&r.key()) {
                        held.insert(r.key(), d.clone());
                    }
                }
                return ApplyResponse {
                    state: Some(state_with(&held)),
                    diagnostics: diags,
                };
            }
            tracing::info!(resource = R::TYPE_NAME, pruned = stale.len(), "pruned");
        }

        // Another installation is removed only once this one is ready to take its place.
        if common.wait || !conflicting.is_empty() {
            match engine.wait_applied(&applied, &deadline).await {
                Err(e) => diags.push(engine_diagnostic(operation, &e)),
                Ok(()) if !conflicting.is_empty() => {
                    if let Err(e) = engine.delete(&conflicting, true, &deadline).await {
                        diags.push(engine_diagnostic(&format!("{operation} (takeover)"), &e));
                    } else {
                        tracing::info!(
                            resource = R::TYPE_NAME,
                            removed = conflicting.len(),
                            "replaced another installation"
                        );
                    }
                }
                Ok(()) => {}
            }
        }
        tracing::info!(
            resource = R::TYPE_NAME,
            operation,
            // Other instances share the engine: with parallel applies, the difference counts
            // theirs too; the total is exact for the whole run.
            api_requests = engine.requests() - requests_before,
            api_requests_total = engine.requests(),
            peak_rss_kib = peak_rss_kib(),
            "apply finished"
        );
        ApplyResponse {
            state: Some(state_with(&inventory)),
            diagnostics: diags,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Shared;
    use crate::resources::{Common, Context, schema};
    use async_trait::async_trait;
    use kube::api::DynamicObject;
    use std::marker::PhantomData;
    use tfplugin::schema::Attribute;

    /// A resource whose settings never resolve, as a registry that accepts connections and
    /// never answers would make the Flux distribution.
    struct Hanging;

    #[async_trait]
    impl FluxResource for Hanging {
        type Settings = ();
        const TYPE_NAME: &'static str = "test_hanging";
        const DESCRIPTION: &'static str = "";
        const NAME_DESCRIPTION: &'static str = "";
        const NAMESPACE_DESCRIPTION: &'static str = "";

        fn attributes() -> Vec<Attribute> {
            Vec::new()
        }

        async fn settings(_ctx: &Context<'_>, _value: &Value, _diags: &mut Diagnostics) -> Option<()> {
            std::future::pending().await
        }

        fn render(_common: &Common, _settings: &(), _field_manager: &str) -> Vec<DynamicObject> {
            Vec::new()
        }
    }

    #[tokio::test]
    async fn rendering_is_bounded_by_the_operations_deadline() {
        let managed = Managed::<Hanging> {
            shared: Arc::new(Shared::default()),
            schema: schema::<Hanging>(),
            _resource: PhantomData,
        };
        let config = Value::Object(BTreeMap::from([
            ("name".to_owned(), Value::string("x")),
            ("namespace".to_owned(), Value::string("y")),
            (
                "timeouts".to_owned(),
                Value::Object(BTreeMap::from([("create".to_owned(), Value::string("1s"))])),
            ),
        ]));
        let value = tfplugin::schema::fill_defaults(&managed.schema, &config, config.clone());
        let apply = managed.apply(
            ApplyRequest {
                config: value.clone(),
                prior: None,
                planned: value,
                stop: tokio_util::sync::CancellationToken::new(),
            },
            "create",
        );
        // Without the bound the apply would wait for the settings forever.
        let response = tokio::time::timeout(std::time::Duration::from_secs(5), apply)
            .await
            .expect("the apply returns at its 1 s deadline");
        assert!(response.state.is_none(), "nothing applied, nothing in state");
        let errors: Vec<&Diagnostic> = response.diagnostics.iter().collect();
        assert_eq!(errors.len(), 1, "{errors:?}");
        assert_eq!(errors[0].summary, "Timed out during create");
        assert!(
            errors[0].detail.contains("resolving the Flux distribution"),
            "{}",
            errors[0].detail
        );
    }
}
