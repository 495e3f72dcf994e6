//! Planning: the planned inventory (kept objects included), and, when the cluster can be
//! reached, what it says of the objects new to the inventory.

use super::ownership;
use super::{Managed, Rendered};
use crate::resources::{Common, Context, DIGEST_SALT, FluxResource, Phase, string_map, string_map_value};
use engine::{Claim, Deadline, ObjectRef};
use kube::api::DynamicObject;
use std::collections::BTreeMap;
use std::time::Duration;
use tfplugin::cty::Value;
use tfplugin::{Diagnostic, Diagnostics, PlanRequest, PlanResponse};

/// How long a plan may spend looking at the cluster for objects it would adopt or take over.
const PREVIEW_TIMEOUT: Duration = Duration::from_secs(5);

impl<R: FluxResource> Managed<R> {
    /// What a plan can tell of the objects it would put where others may be: another owner
    /// (or another tool, without `takeover`) refuses the plan, and adoptions and takeovers
    /// are announced. Only objects new to the inventory are looked at, briefly and at best:
    /// a plan needs no cluster, so an unreachable or not yet known one is skipped, and the
    /// apply checks again in any case.
    pub(super) async fn preview(
        &self,
        common: &Common,
        rendered: &Rendered,
        prior: &BTreeMap<String, String>,
        creating: bool,
        diags: &mut Diagnostics,
    ) {
        let mut objects: Vec<DynamicObject> = rendered
            .objects
            .iter()
            .filter(|o| !prior.contains_key(&ObjectRef::of(o).key()))
            .cloned()
            .collect();
        let conflicting = if creating {
            R::conflicting(common)
        } else {
            Vec::new()
        };
        if (objects.is_empty() && conflicting.is_empty()) || !self.shared.configured_cluster_known() {
            return;
        }
        let Ok(engine) = self.shared.engine().await else {
            return;
        };
        let owner = Self::owner(common);
        let deadline = Deadline::after(PREVIEW_TIMEOUT, tokio_util::sync::CancellationToken::new());
        let refs: Vec<ObjectRef> = objects.iter().map(ObjectRef::of).collect();
        let claims = match engine.claims(&refs, &owner, &deadline).await {
            Ok(claims) => claims,
            Err(e) => {
                tracing::debug!(error = %e, "plan: the cluster could not be read; the apply checks ownership");
                return;
            }
        };
        let mut found = Diagnostics::new();
        let verdict = ownership::check(&mut objects, &claims, prior, &owner, common.takeover, &mut found);
        let found_conflicts: Vec<ObjectRef> = match engine.claims(&conflicting, &owner, &deadline).await {
            Ok(c) => conflicting
                .into_iter()
                .zip(c)
                .filter(|(_, c)| !matches!(c, Claim::Absent | Claim::Ours { .. }))
                .map(|(r, _)| r)
                .collect(),
            Err(_) => Vec::new(),
        };
        for d in found {
            diags.push(Diagnostic {
                detail: d
                    .detail
                    .replace("Nothing was applied.", "Nothing will be applied."),
                ..d
            });
        }
        if !found_conflicts.is_empty() {
            if common.takeover {
                diags.push(Diagnostic::warning(
                    "Another installation will be replaced",
                    format!(
                        "takeover = true: these objects will be deleted once this resource is ready:{}",
                        found_conflicts
                            .iter()
                            .map(|r| format!("\n  - {r}"))
                            .collect::<String>()
                    ),
                ));
            } else {
                let d = Self::conflict_error(&found_conflicts);
                diags.push(Diagnostic {
                    detail: d
                        .detail
                        .replace("Nothing was applied.", "Nothing will be applied."),
                    ..d
                });
            }
        }
        if !verdict.adopted.is_empty() {
            diags.push(Diagnostic::warning(
                "Existing objects will be adopted",
                format!(
                    "These objects exist with no owner; the apply will manage them, and destroy will \
                     leave them in place, without this resource's fields:{}",
                    verdict
                        .adopted
                        .iter()
                        .map(|k| format!("\n  - {k}"))
                        .collect::<String>()
                ),
            ));
        }
        if !verdict.take_over.is_empty() {
            diags.push(Diagnostic::warning(
                "Objects will be taken over",
                format!(
                    "takeover = true: these objects, managed by another tool, will be this resource's \
                     (destroy deletes them):{}",
                    verdict
                        .take_over
                        .iter()
                        .map(|&i| match &claims[i] {
                            Claim::OtherTool(tool) => format!("\n  - {} (from {tool})", refs[i]),
                            _ => format!("\n  - {}", refs[i]),
                        })
                        .collect::<String>()
                ),
            ));
        }
    }

    pub(super) async fn plan_change(&self, req: PlanRequest) -> PlanResponse {
        let mut planned = req.planned;
        // The salt is made at apply (a plan is made twice, and must not change): until then the
        // digests of Secrets are known only after apply.
        let salt = req.prior.as_ref().and_then(|p| {
            p.get(DIGEST_SALT)
                .as_str()
                .filter(|s| !s.is_empty())
                .map(str::to_owned)
        });
        if let Value::Object(map) = &mut planned {
            map.insert(
                DIGEST_SALT.to_owned(),
                salt.clone().map_or_else(Value::unknown, Value::string),
            );
        }
        let mut diags = Diagnostics::new();
        let rendered = if self.inputs_known(&planned) {
            let ctx = Context {
                phase: Phase::Plan,
                prior: req.prior.as_ref(),
            };
            self.render(&mut planned, Some(&req.config), &ctx, &mut diags)
                .await
        } else {
            None
        };
        if let Value::Object(map) = &mut planned {
            match rendered {
                Some((common, rendered)) => {
                    let id = format!("{}/{}", common.namespace, common.name);
                    tracing::debug!(resource = R::TYPE_NAME, id = %id, objects = rendered.digests.len(), "planned");
                    let prior_objects = req
                        .prior
                        .as_ref()
                        .map(|p| string_map(p.get("objects")))
                        .unwrap_or_default();
                    let kept = Self::kept(&prior_objects, &rendered);
                    if !kept.is_empty() {
                        diags.push(Diagnostic::warning(
                            "Objects kept",
                            format!(
                                "The configuration no longer renders these objects; they will be kept, \
                                 since deleting them could delete other objects, and destroy removes them:{}",
                                kept.keys().map(|k| format!("\n  - {k}")).collect::<String>()
                            ),
                        ));
                    }
                    self.preview(
                        &common,
                        &rendered,
                        &prior_objects,
                        req.prior.is_none(),
                        &mut diags,
                    )
                    .await;
                    let mut objects = rendered.digests.clone();
                    objects.extend(kept);
                    let mut objects = string_map_value(&objects);
                    if let (None, Value::Map(entries)) = (&salt, &mut objects) {
                        for (key, v) in entries.iter_mut() {
                            if ObjectRef::parse(key).is_ok_and(|r| r.group.is_empty() && r.kind == "Secret") {
                                *v = Value::unknown();
                            }
                        }
                    }
                    map.insert("objects".into(), objects);
                    map.insert("id".into(), Value::string(id));
                }
                // Unknown inputs (or a failure, reported in diags): what the provider computes
                // is known only at apply.
                None => {
                    for a in self
                        .schema
                        .attributes
                        .iter()
                        .filter(|a| a.computed && !a.optional && a.name != "id" && a.name != DIGEST_SALT)
                    {
                        map.insert(a.name.clone(), Value::unknown());
                    }
                }
            }
        }
        PlanResponse {
            planned,
            requires_replace: Vec::new(),
            diagnostics: diags,
        }
    }
}
