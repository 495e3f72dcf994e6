//! Refreshing: each object of the inventory read back and projected onto its rendered form, so
//! drift shows as a changed digest (and the drifted fields are logged, never values).

use super::Managed;
use super::digests::{ensure_salt, object_digest};
use crate::error::engine_diagnostic;
use crate::measure::peak_rss_kib;
use crate::render;
use crate::resources::{Context, DIGEST_SALT, FluxResource, Phase, string_map, string_map_value};
use engine::inventory::{differing_paths, project};
use engine::{Claim, ObjectRef};
use std::collections::BTreeMap;
use tfplugin::cty::Value;
use tfplugin::{Diagnostics, ReadResponse};

impl<R: FluxResource> Managed<R> {
    pub(super) async fn refresh(&self, state: Value) -> ReadResponse {
        let mut diags = Diagnostics::new();
        if !self.inputs_known(&state) {
            return ReadResponse {
                state: Some(state),
                diagnostics: diags,
            };
        }
        let prior_objects = string_map(state.get("objects"));
        let ctx = Context {
            phase: Phase::Read,
            prior: Some(&state),
        };
        // The rendering also fills computed attributes an import left empty.
        let mut refreshed = state.clone();
        ensure_salt(&mut refreshed, None);
        let salt = refreshed.get(DIGEST_SALT).as_str().unwrap_or_default().to_owned();
        let salt = salt.as_str();
        let Some((common, rendered)) = self.render(&mut refreshed, None, &ctx, &mut diags).await else {
            // Without the rendering, drift cannot be told; keep the state and say why.
            let mut warnings = Diagnostics::new();
            for d in diags {
                warnings.push(tfplugin::Diagnostic {
                    severity: tfplugin::Severity::Warning,
                    ..d
                });
            }
            return ReadResponse {
                state: Some(state),
                diagnostics: warnings,
            };
        };
        let Some(engine) = self.engine(&mut diags).await else {
            return ReadResponse {
                state: Some(state),
                diagnostics: diags,
            };
        };
        let owner = Self::owner(&common);
        let mut keys: Vec<&String> = prior_objects.keys().chain(rendered.digests.keys()).collect();
        keys.sort();
        keys.dedup();
        let requests_before = engine.requests();
        let mut found = BTreeMap::new();
        for key in keys {
            let Ok(r) = ObjectRef::parse(key) else { continue };
            match engine.get(&r).await {
                Ok(None) => tracing::info!(object = %r, "gone from the cluster"),
                // A rendered object the state does not hold joins it only when it carries this
                // instance's mark (an apply whose state was lost); others are not ours to track.
                Ok(Some(live))
                    if !prior_objects.contains_key(key)
                        && !matches!(Claim::of(Some(&live), &owner), Claim::Ours { .. }) =>
                {
                    tracing::info!(object = %r, "exists but is not this resource's");
                }
                Ok(Some(live)) => {
                    let mut projected = None;
                    let d = match rendered.desired.get(key) {
                        // The desired form is masked: the projection keeps none of the
                        // write-only keys either.
                        Some(desired) => {
                            let p = project(desired, &render::to_json(&live));
                            let d = object_digest(&r, salt, &p);
                            projected = Some(p);
                            d
                        }
                        None => prior_objects.get(key).cloned().unwrap_or_default(),
                    };
                    if rendered.digests.get(key).is_some_and(|want| *want != d) {
                        let fields = match (rendered.desired.get(key), &projected) {
                            (Some(desired), Some(p)) => differing_paths(desired, p).join(", "),
                            _ => String::new(),
                        };
                        tracing::info!(object = %r, fields = %fields, "drifted from the configuration");
                    }
                    found.insert(key.clone(), d);
                }
                Err(e) => {
                    diags.push(engine_diagnostic("refresh", &e));
                    return ReadResponse {
                        state: Some(state),
                        diagnostics: diags,
                    };
                }
            }
        }
        tracing::info!(
            resource = R::TYPE_NAME,
            objects = found.len(),
            // Other instances share the engine: with parallel applies, the difference counts
            // theirs too; the total is exact for the whole run.
            api_requests = engine.requests() - requests_before,
            api_requests_total = engine.requests(),
            peak_rss_kib = peak_rss_kib(),
            "refresh finished"
        );
        if found.is_empty() && !prior_objects.is_empty() {
            return ReadResponse {
                state: None,
                diagnostics: diags,
            };
        }
        let mut state = refreshed;
        if let Value::Object(map) = &mut state {
            map.insert("objects".into(), string_map_value(&found));
        }
        ReadResponse {
            state: Some(state),
            diagnostics: diags,
        }
    }
}
