//! The adapter's side of ownership: every rendered object is marked with its instance, objects
//! found in the cluster are checked before anything is applied, and prune and destroy touch
//! only what carries this instance's mark.

use engine::ownership::{ADOPTED_ANNOTATION, OWNER_ANNOTATION};
use engine::{Claim, ObjectRef};
use kube::api::DynamicObject;
use std::collections::BTreeMap;
use tfplugin::{AttributePath, Diagnostic, Diagnostics};

/// The owner mark of an instance: its resource type and ID, as Timoni names instances.
#[must_use]
pub fn owner(type_name: &str, namespace: &str, name: &str) -> String {
    format!("{type_name}/{namespace}/{name}")
}

/// Marks every rendered object with its owner.
pub fn mark(objects: &mut [DynamicObject], owner: &str) {
    for o in objects {
        o.metadata
            .annotations
            .get_or_insert_with(Default::default)
            .insert(OWNER_ANNOTATION.to_owned(), owner.to_owned());
    }
}

/// What the live claims on the rendered objects let an apply do.
#[derive(Debug, Default)]
pub struct Verdict {
    /// Indices of objects another tool manages, taken over on request.
    pub take_over: Vec<usize>,
    /// Keys of objects found with no owner, adopted (never deleted).
    pub adopted: Vec<String>,
}

/// Checks the live claims on the rendered `objects` (in the same order) and marks the adopted
/// ones. Errors (another instance's object; another tool's, without `takeover`) go to `diags`
/// and mean nothing may be applied. `prior` is the instance's inventory: an unmarked object in
/// it was applied by this instance before objects carried marks, so it is not adopted.
pub fn check(
    objects: &mut [DynamicObject],
    claims: &[Claim],
    prior: &BTreeMap<String, String>,
    me: &str,
    takeover: bool,
    diags: &mut Diagnostics,
) -> Verdict {
    let mut verdict = Verdict::default();
    for (i, (object, claim)) in objects.iter_mut().zip(claims).enumerate() {
        let r = ObjectRef::of(object);
        let key = r.key();
        let adopt = match claim {
            Claim::Absent | Claim::Ours { adopted: false } => false,
            Claim::Ours { adopted: true } => true,
            Claim::Unowned => !prior.contains_key(&key),
            Claim::OtherInstance(other) => {
                diags.push(Diagnostic::error(
                    "Object owned by another resource",
                    format!(
                        "{r} is owned by {other}, not by {me}. Two resources may not manage one \
                         object: rename one of them, or destroy {other} first. Nothing was applied."
                    ),
                ));
                false
            }
            Claim::OtherTool(tool) if !takeover => {
                diags.push(
                    Diagnostic::error(
                        "Object managed by another tool",
                        format!(
                            "{r} is managed by {tool}. Set takeover = true to take it over (this \
                             resource then owns it and deletes it on destroy), or remove it from \
                             {tool} first. Nothing was applied."
                        ),
                    )
                    .with_path(AttributePath::root("takeover")),
                );
                false
            }
            Claim::OtherTool(_) => {
                verdict.take_over.push(i);
                false
            }
        };
        if adopt {
            object
                .metadata
                .annotations
                .get_or_insert_with(Default::default)
                .insert(ADOPTED_ANNOTATION.to_owned(), "true".to_owned());
            if matches!(claim, Claim::Unowned) {
                verdict.adopted.push(key);
            }
        }
    }
    verdict
}

/// A warning listing the objects an apply adopted.
#[must_use]
pub fn adopted_warning(adopted: &[String]) -> Option<Diagnostic> {
    (!adopted.is_empty()).then(|| {
        Diagnostic::warning(
            "Existing objects adopted",
            format!(
                "These objects existed with no owner and are now managed by this resource; destroy \
                 leaves them in place, without this resource's fields:{}",
                bullets(adopted.iter())
            ),
        )
    })
}

/// How prune and destroy treat each object of an inventory.
#[derive(Debug, Default)]
pub struct Removal {
    /// Created (or taken over) by this instance: deleted.
    pub delete: Vec<ObjectRef>,
    /// Adopted: left in place, less this instance's fields.
    pub release: Vec<ObjectRef>,
    /// Not (or no longer) this instance's: left as they are, each with why.
    pub left: Vec<(ObjectRef, String)>,
}

impl Removal {
    /// Sorts `refs` by their live `claims` (same order).
    #[must_use]
    pub fn sort(refs: &[ObjectRef], claims: &[Claim]) -> Self {
        let mut removal = Self::default();
        for (r, claim) in refs.iter().zip(claims) {
            match claim {
                Claim::Absent => {}
                Claim::Ours { adopted: false } => removal.delete.push(r.clone()),
                Claim::Ours { adopted: true } => removal.release.push(r.clone()),
                Claim::OtherInstance(other) => {
                    removal.left.push((r.clone(), format!("now owned by {other}")))
                }
                Claim::OtherTool(tool) => removal.left.push((r.clone(), format!("now managed by {tool}"))),
                Claim::Unowned => removal.left.push((
                    r.clone(),
                    "it no longer carries this resource's owner mark".to_owned(),
                )),
            }
        }
        removal
    }

    /// The warnings telling what was left in place, and why.
    #[must_use]
    pub fn warnings(&self, operation: &str) -> Vec<Diagnostic> {
        let mut out = Vec::new();
        if !self.release.is_empty() {
            out.push(Diagnostic::warning(
                format!("Adopted objects left in place by {operation}"),
                format!(
                    "These objects existed before this resource adopted them; they stay, without its \
                     fields:{}",
                    bullets(self.release.iter())
                ),
            ));
        }
        if !self.left.is_empty() {
            out.push(Diagnostic::warning(
                format!("Objects not deleted by {operation}"),
                format!(
                    "These objects are not this resource's any more and were left as they are:{}",
                    bullets(self.left.iter().map(|(r, why)| format!("{r}: {why}")))
                ),
            ));
        }
        out
    }
}

fn bullets<T: std::fmt::Display>(items: impl Iterator<Item = T>) -> String {
    items.map(|i| format!("\n  - {i}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn object(kind: &str, name: &str) -> DynamicObject {
        serde_json::from_value(json!({"apiVersion": "v1", "kind": kind, "metadata": {"name": name}})).unwrap()
    }

    #[test]
    fn another_instance_or_an_unasked_takeover_is_an_error_and_unowned_objects_are_adopted() {
        let me = owner("flux_tenant", "apps", "a");
        let mut objects = vec![
            object("Namespace", "apps"),
            object("ServiceAccount", "flux"),
            object("ConfigMap", "timoni"),
            object("ConfigMap", "mine"),
            object("ConfigMap", "legacy"),
        ];
        let claims = [
            Claim::Unowned,
            Claim::OtherInstance("flux_tenant/apps/b".into()),
            Claim::OtherTool("Timoni instance flux/flux".into()),
            Claim::Ours { adopted: true },
            Claim::Unowned,
        ];
        let prior = BTreeMap::from([("/v1/ConfigMap//legacy".to_owned(), "d".to_owned())]);
        let mut diags = Diagnostics::new();
        let verdict = check(&mut objects, &claims, &prior, &me, false, &mut diags);
        let errors: Vec<&Diagnostic> = diags.iter().collect();
        assert_eq!(errors.len(), 2, "{errors:?}");
        assert!(errors[0].detail.contains("flux_tenant/apps/b") && errors[0].detail.contains(&me));
        assert!(errors[1].detail.contains("takeover = true"));
        assert_eq!(verdict.adopted, ["/v1/Namespace//apps"]);
        let adopted = |o: &DynamicObject| {
            o.metadata
                .annotations
                .as_ref()
                .and_then(|a| a.get(ADOPTED_ANNOTATION))
                .is_some()
        };
        assert!(adopted(&objects[0]) && adopted(&objects[3]));
        assert!(
            !adopted(&objects[4]),
            "in the inventory before marks existed: created by us"
        );

        let mut diags = Diagnostics::new();
        let verdict = check(&mut objects[2..3], &claims[2..3], &prior, &me, true, &mut diags);
        assert!(diags.is_empty());
        assert_eq!(verdict.take_over, [0]);
    }

    #[test]
    fn removal_deletes_only_what_carries_our_mark() {
        let refs: Vec<ObjectRef> = ["a", "b", "c", "d", "e"]
            .iter()
            .map(|n| ObjectRef::of(&object("ConfigMap", n)))
            .collect();
        let claims = [
            Claim::Ours { adopted: false },
            Claim::Ours { adopted: true },
            Claim::OtherInstance("flux_tenant/x/y".into()),
            Claim::Unowned,
            Claim::Absent,
        ];
        let removal = Removal::sort(&refs, &claims);
        assert_eq!(removal.delete, [refs[0].clone()]);
        assert_eq!(removal.release, [refs[1].clone()]);
        assert_eq!(removal.left.len(), 2);
        let warnings = removal.warnings("destroy");
        assert_eq!(warnings.len(), 2);
        assert!(warnings[1].detail.contains("flux_tenant/x/y"));
    }
}
