//! Cross-attribute checks of `flux_aio` that the schema validators cannot express. The
//! configuration may hold unknown values: a check whose inputs are unknown is skipped.

use super::settings::{AioSettings, Component};
use crate::resources::secrets;
use tfplugin::Diagnostic;
use tfplugin::cty::Value;
use tfplugin::diag::Diagnostics;
use tfplugin::path::AttributePath;

/// Adds an error (or warning) for each cross-attribute rule `config` breaks, naming the
/// attribute path.
pub fn validate(config: &Value, diags: &mut Diagnostics) {
    pull_secrets(config, diags);
    workload_identity(config, diags);
    gke_host_network(config, diags);
    json_object_attribute(
        config,
        "security_context",
        "a container securityContext as a JSON object, e.g. jsonencode({ runAsNonRoot = true })",
        diags,
    );
    json_object_attribute(
        config,
        "affinity",
        "a pod affinity as a JSON object, e.g. jsonencode({ podAffinity = {...} })",
        diags,
    );
    pod_labels(config, diags);
    patches(config, diags);
    restricted_args(config, diags);
    let defaults = AioSettings::default().resources;
    check_resources(
        config.get("resources"),
        &AttributePath::root("resources"),
        Some(&defaults),
        true,
        diags,
    );
    let controllers = config.get("controllers");
    for c in Component::ALL {
        let path = AttributePath::root("controllers")
            .attr(c.attribute())
            .attr("resources");
        check_resources(
            controllers.get(c.attribute()).get("resources"),
            &path,
            None,
            c != Component::Source,
            diags,
        );
    }
    tolerations(config, diags);
    exposed_without_notification(config, diags);
}

/// A value that is known and not null.
fn set(v: &Value) -> bool {
    !v.is_null() && !v.is_unknown()
}

fn pull_secrets(config: &Value, diags: &mut Diagnostics) {
    let credentials = config.get("distribution").get("credentials");
    let path = AttributePath::root("distribution").attr("credentials");
    secrets::validate(credentials, &path, "password", true, diags);
    let pull = config.get("image_pull_secret");
    secrets::validate(
        pull,
        &AttributePath::root("image_pull_secret"),
        "password",
        true,
        diags,
    );
    if set(config.get("image_pull_secret")) && set(config.get("image_pull_secrets")) {
        diags.error_at(
            AttributePath::root("image_pull_secret"),
            "Conflicting attributes",
            "image_pull_secret generates a pull Secret for the pod and conflicts with image_pull_secrets, which \
             names existing ones: set only one of them.",
        );
    }
}

fn workload_identity(config: &Value, diags: &mut Diagnostics) {
    let w = config.get("workload_identity");
    let identity = w.get("identity");
    if set(w.get("provider"))
        && let Some(id) = identity.as_str()
        && id.trim().is_empty()
    {
        diags.error_at(
            AttributePath::root("workload_identity").attr("identity"),
            "Missing workload identity",
            format!(
                "workload_identity.provider is {:?}, so workload_identity.identity must name the identity to bind \
                 (an AWS role ARN, an Azure client ID or a GCP service account).",
                w.get("provider").as_str().unwrap_or_default()
            ),
        );
    }
}

/// GKE's metadata server hands a Pod its Kubernetes service account's identity only on the Pod
/// network: a Pod on the host network gets the node's identity instead, so `gcp` workload
/// identity would silently not apply.
fn gke_host_network(config: &Value, diags: &mut Diagnostics) {
    let host_network = config.get("host_network");
    // Unset means the default, true; unknown is skipped.
    let on_host = host_network.is_null() || host_network.as_bool() == Some(true);
    if config.get("workload_identity").get("provider").as_str() == Some("gcp") && on_host {
        diags.error_at(
            AttributePath::root("host_network"),
            "Workload identity needs the Pod network on GKE",
            "workload_identity.provider is \"gcp\", but host_network is true (its default): GKE's \
             Workload Identity Federation does not serve Pods on the host network, so Flux would run as the \
             node's service account instead. Set host_network = false (GKE clusters have a CNI)."
                .to_owned(),
        );
    }
}

/// An attribute that holds a JSON object (`jsonencode({...})`).
fn json_object_attribute(config: &Value, attribute: &str, what: &str, diags: &mut Diagnostics) {
    let Some(text) = config.get(attribute).as_str() else {
        return;
    };
    let problem = match serde_json::from_str::<serde_json::Value>(text) {
        Ok(serde_json::Value::Object(_)) => return,
        Ok(_) => "is JSON but not an object".to_owned(),
        Err(e) => format!("is not valid JSON ({e})"),
    };
    diags.error_at(
        AttributePath::root(attribute),
        format!("Invalid {}", attribute.replace('_', " ")),
        format!("{attribute} {problem}: it must be {what}."),
    );
}

/// The selector label belongs to the Deployment: a user value would orphan its pods.
fn pod_labels(config: &Value, diags: &mut Diagnostics) {
    const SELECTOR: &str = "app.kubernetes.io/name";
    if config
        .get("pod_labels")
        .as_map()
        .is_some_and(|m| m.contains_key(SELECTOR))
    {
        diags.error_at(
            AttributePath::root("pod_labels").key(SELECTOR),
            "Reserved pod label",
            format!(
                "{SELECTOR} selects the pod for its Deployment (it is the instance name) and cannot be set."
            ),
        );
    }
}

/// Each patch parses and, where it needs one, has a target.
fn patches(config: &Value, diags: &mut Diagnostics) {
    let Some(list) = config.get("patches").as_list() else {
        return;
    };
    for (i, p) in list.iter().enumerate() {
        if !p.is_wholly_known() {
            continue;
        }
        let Some(patch) =
            crate::resources::decode_settings::<crate::render::patch::Patch>(p, &mut Diagnostics::new())
        else {
            continue;
        };
        if let Err(e) = crate::render::patch::check(&patch) {
            diags.error_at(
                AttributePath::root("patches").index(i).attr(e.field),
                "Invalid patch",
                format!("patches[{i}]: {e}"),
            );
        }
    }
}

/// The flags that make the restricted profile's multi-tenancy lockdown: extra arguments may
/// not loosen them.
const LOCKDOWN_FLAGS: &[&str] = &[
    "--no-cross-namespace-refs",
    "--no-remote-bases",
    "--default-service-account",
];

fn restricted_args(config: &Value, diags: &mut Diagnostics) {
    if config.get("security_profile").as_str() != Some("restricted") {
        return;
    }
    for c in Component::ALL {
        let Some(args) = config.get("controllers").get(c.attribute()).get("args").as_list() else {
            continue;
        };
        for (i, arg) in args.iter().enumerate() {
            let Some(flag) = arg.as_str().map(|a| a.split('=').next().unwrap_or(a)) else {
                continue;
            };
            if LOCKDOWN_FLAGS.contains(&flag) {
                diags.error_at(
                    AttributePath::root("controllers")
                        .attr(c.attribute())
                        .attr("args")
                        .index(i),
                    "Argument overrides the restricted profile",
                    format!(
                        "{flag} is set by security_profile = \"restricted\" (the multi-tenancy lockdown) and \
                         cannot be overridden; use security_profile = \"privileged\" to choose it yourself."
                    ),
                );
            }
        }
    }
}

/// One side of a requests/limits comparison.
enum Side {
    /// Unknown at this point: skip the check.
    Unknown,
    /// Known; the quantity (if any), and whether the user set it (rather than a default).
    Known(Option<String>, bool),
}

fn side(res: &Value, section: &str, which: &str, default: Option<&str>) -> Side {
    let sec = res.get(section);
    if sec.is_unknown() {
        return Side::Unknown;
    }
    let v = sec.get(which);
    if v.is_unknown() {
        return Side::Unknown;
    }
    match v.as_str() {
        Some("") => Side::Known(None, true),
        Some(s) => Side::Known(Some(s.to_owned()), true),
        None => Side::Known(default.map(str::to_owned), false),
    }
}

/// Requests may not exceed limits (the Timoni rule for cpu; memory too, as Kubernetes rejects
/// it). `defaults` are the schema defaults of the attribute, applied where the configuration
/// leaves a quantity null. With `timoni`, quantities that break Timoni's format (reported by
/// the schema validators) are not compared.
fn check_resources(
    res: &Value,
    path: &AttributePath,
    defaults: Option<&super::settings::Resources>,
    timoni: bool,
    diags: &mut Diagnostics,
) {
    if !set(res) {
        return;
    }
    for which in ["cpu", "memory"] {
        let default = |q: &super::settings::Quantities| match which {
            "cpu" => q.cpu.clone(),
            _ => q.memory.clone(),
        };
        let req_default = defaults.and_then(|d| default(&d.requests));
        let lim_default = defaults.and_then(|d| default(&d.limits));
        let (Side::Known(Some(req), req_user), Side::Known(Some(lim), lim_user)) = (
            side(res, "requests", which, req_default.as_deref()),
            side(res, "limits", which, lim_default.as_deref()),
        ) else {
            continue;
        };
        if timoni && !(timoni_format(which, &req) && timoni_format(which, &lim)) {
            continue;
        }
        let (Some(r), Some(l)) = (engine::quantity::parse(&req), engine::quantity::parse(&lim)) else {
            continue;
        };
        if r > l {
            let at = if req_user || !lim_user {
                "requests"
            } else {
                "limits"
            };
            diags.error_at(
                path.attr(at).attr(which),
                "Requests exceed limits",
                format!(
                    "{path}.requests.{which} is {req:?}, more than {path}.limits.{which} {lim:?}{}: requests must not \
                     exceed limits.",
                    if req_user && lim_user {
                        ""
                    } else {
                        " (counting defaults)"
                    }
                ),
            );
        }
    }
}

/// Whether a quantity follows Timoni's rule: cpu `^[1-9][0-9]*m$`, memory `^[1-9][0-9]*(Mi|Gi)$`.
fn timoni_format(which: &str, q: &str) -> bool {
    let digits = match which {
        "cpu" => q.strip_suffix('m'),
        _ => q.strip_suffix("Mi").or_else(|| q.strip_suffix("Gi")),
    };
    digits.is_some_and(|d| !d.is_empty() && !d.starts_with('0') && d.bytes().all(|b| b.is_ascii_digit()))
}

/// The rules Kubernetes applies to each toleration, reported at the element's attribute.
fn tolerations(config: &Value, diags: &mut Diagnostics) {
    let Some(items) = config.get("tolerations").as_list() else {
        return;
    };
    for (i, t) in items.iter().enumerate() {
        if !set(t) {
            continue;
        }
        let path = AttributePath::root("tolerations").index(i);
        let (key, operator, value, effect, seconds) = (
            t.get("key"),
            t.get("operator"),
            t.get("value"),
            t.get("effect"),
            t.get("toleration_seconds"),
        );
        let exists = operator.as_str() == Some("Exists");
        if exists && value.as_str().is_some_and(|v| !v.is_empty()) {
            diags.error_at(
                path.attr("value"),
                "Invalid toleration",
                format!("{path}.value must be empty when the operator is \"Exists\"."),
            );
        }
        if !operator.is_unknown() && !exists && !key.is_unknown() && key.as_str().is_none_or(str::is_empty) {
            diags.error_at(
                path.attr("key"),
                "Invalid toleration",
                format!("{path}.key is empty, so the operator must be \"Exists\" (tolerate every taint)."),
            );
        }
        if set(seconds) && !effect.is_unknown() && effect.as_str() != Some("NoExecute") {
            diags.error_at(
                path.attr("toleration_seconds"),
                "Invalid toleration",
                format!("{path}.toleration_seconds needs effect \"NoExecute\"."),
            );
        }
    }
}

/// Services of the notification-controller are not rendered while it is disabled.
fn exposed_without_notification(config: &Value, diags: &mut Diagnostics) {
    let enabled = config.get("controllers").get("notification").get("enabled");
    if enabled.as_bool() != Some(false) {
        return;
    }
    for service in ["webhook_receiver", "notification_server"] {
        if config.get("expose").get(service).as_bool() == Some(true) {
            diags.push(
                Diagnostic::warning(
                    "Service not rendered",
                    format!(
                        "expose.{service} has no effect while controllers.notification.enabled is false: the \
                         Service would have no backend, so it is not rendered."
                    ),
                )
                .with_path(AttributePath::root("expose").attr(service)),
            );
        }
    }
}

/// The error for a plan that would change the class of an existing claim: Kubernetes refuses
/// it (a claim's spec is immutable but for its size), so the apply could only fail halfway.
/// `prior` is the state before the plan, `planned` the planned value.
#[must_use]
pub fn storage_class_change(prior: Option<&Value>, planned: &Value) -> Option<Diagnostic> {
    let before = prior?.get("persistence");
    let after = planned.get("persistence");
    let enabled = |p: &Value| p.get("enabled").as_bool() == Some(true);
    let (old, new) = (before.get("storage_class"), after.get("storage_class"));
    if !enabled(before) || !enabled(after) || new.is_unknown() || old == new {
        return None;
    }
    let class = |v: &Value| {
        v.as_str()
            .map_or_else(|| "the cluster's default class".to_owned(), |c| format!("{c:?}"))
    };
    Some(
        Diagnostic::error(
            "The claim's storage class cannot change",
            format!(
                "The PersistentVolumeClaim was created with {} and would now get {}; Kubernetes \
                 refuses to change a claim's class. Set persistence.storage_class back to {}, or \
                 disable persistence in one apply (the claim and its cache are deleted) and enable \
                 it with the new class in the next.",
                class(old),
                class(new),
                old.as_str()
                    .map_or_else(|| "unset".to_owned(), |c| format!("{c:?}")),
            ),
        )
        .with_path(AttributePath::root("persistence").attr("storage_class")),
    )
}
