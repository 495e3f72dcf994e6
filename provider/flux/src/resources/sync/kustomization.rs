//! The Kustomization half that `flux_git_sync` and `flux_oci_sync` share (design/rendering.md
//! §4.2, §5.2): the `sync` options, `substitute`, `substitute_from`, `patches` and `decryption`, with
//! their attributes, decoding, checks and rendering.

use crate::render::{Meta, object};
use crate::resources::DependsOn;
use kube::api::DynamicObject;
use serde::Deserialize;
use serde_json::{Map, json};
use std::collections::BTreeMap;
use tfplugin::cty::Value;
use tfplugin::diag::Diagnostics;
use tfplugin::path::AttributePath;
use tfplugin::schema::validators;
use tfplugin::schema::{Attribute, Nesting};

/// The Kustomization's `group/version/Kind`: it records the configuration for imports.
pub const KUSTOMIZATION: &str = "kustomize.toolkit.fluxcd.io/v1/Kustomization";

/// Default of `sync.interval`: how often the Kustomization reconciles.
pub const DEFAULT_SYNC_INTERVAL: &str = "60m";
/// Default of `sync.timeout`.
pub const DEFAULT_TIMEOUT: &str = "3m";
/// Default of `sync.retry_interval`.
pub const DEFAULT_RETRY_INTERVAL: &str = "5m";
/// Default of the source interval (`git.interval`, `artifact.interval`).
pub const DEFAULT_SOURCE_INTERVAL: &str = "1m";
/// The kinds `substitute_from` entries may name.
pub const SUBSTITUTE_KINDS: &[&str] = &["ConfigMap", "Secret"];
/// The decryption providers Flux supports.
pub const DECRYPTION_PROVIDERS: &[&str] = &["sops"];

/// `sync`: how the Kustomization applies the source.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
pub struct SyncOptions {
    /// `spec.prune`.
    pub prune: bool,
    /// `spec.wait`: health-check every applied object.
    pub wait: bool,
    /// `spec.timeout`, a Go duration.
    pub timeout: String,
    /// `spec.retryInterval`, a Go duration.
    pub retry_interval: String,
    /// `spec.interval`, a Go duration.
    pub interval: String,
    /// `spec.serviceAccountName`; omitted when empty.
    pub service_account_name: String,
    /// `spec.targetNamespace`; omitted when empty.
    pub target_namespace: String,
    /// `spec.dependsOn`.
    pub depends_on: Vec<DependsOn>,
}

/// One `substitute_from` entry.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
pub struct SubstituteFrom {
    /// `ConfigMap` or `Secret`.
    pub kind: String,
    /// Object name.
    pub name: String,
    /// `optional`; omitted when unset.
    pub optional: Option<bool>,
}

/// One `patches` entry.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
pub struct Patch {
    /// The patch document as a compact JSON string (the input string as is when it does not
    /// parse, which validation rejects).
    #[serde(deserialize_with = "compact")]
    pub patch: String,
    /// The target selector, camelCase keys, only the fields given.
    #[serde(default, deserialize_with = "target")]
    pub target: BTreeMap<String, String>,
}

/// `decryption`.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
pub struct Decryption {
    /// `sops`.
    pub provider: String,
    /// The Secret holding the decryption keys; omitted when unset.
    #[serde(default, deserialize_with = "tfplugin::decode::non_empty")]
    pub secret_name: Option<String>,
}

/// The Kustomization options besides `sync`: post-build substitution, patches, decryption.
#[derive(Clone, Debug, Default, PartialEq, Eq, Deserialize)]
pub struct KustomizeOptions {
    /// `substitute`: `postBuild.substitute`.
    #[serde(default)]
    pub substitute: BTreeMap<String, String>,
    /// `substitute_from`: `postBuild.substituteFrom`.
    #[serde(default)]
    pub substitute_from: Vec<SubstituteFrom>,
    /// `patches`.
    #[serde(default)]
    pub patches: Vec<Patch>,
    /// `decryption`.
    pub decryption: Option<Decryption>,
}

/// The patch target fields: attribute name and Kustomization field name.
const TARGET_FIELDS: &[(&str, &str)] = &[
    ("group", "group"),
    ("version", "version"),
    ("kind", "kind"),
    ("name", "name"),
    ("namespace", "namespace"),
    ("label_selector", "labelSelector"),
    ("annotation_selector", "annotationSelector"),
];

/// A duration attribute with a default.
pub(crate) fn duration(name: &str, default: &str, description: &str) -> Attribute {
    Attribute::string(name)
        .default(Value::string(default))
        .validate(validators::duration())
        .describe(description)
}

/// The `sync` attribute; `with_path` adds `sync.path` (OCI; git takes `git.path`).
#[must_use]
pub fn sync_attribute(with_path: bool) -> Attribute {
    let mut attrs = Vec::new();
    if with_path {
        attrs.push(
            Attribute::string("path")
                .default(Value::string("./"))
                .describe("Path inside the artifact of the manifests to apply (Kustomization `spec.path`)."),
        );
    }
    attrs.extend([
        Attribute::bool("prune")
            .default(Value::Bool(true))
            .describe("Delete the objects that leave the source (Kustomization `spec.prune`)."),
        Attribute::bool("wait")
            .default(Value::Bool(true))
            .describe("Health-check every applied object (Kustomization `spec.wait`)."),
        duration(
            "timeout",
            DEFAULT_TIMEOUT,
            "How long the Kustomization waits for apply and health checks, a Go duration.",
        ),
        duration(
            "retry_interval",
            DEFAULT_RETRY_INTERVAL,
            "How soon a failed reconciliation is retried, a Go duration.",
        ),
        duration(
            "interval",
            DEFAULT_SYNC_INTERVAL,
            "How often the Kustomization reconciles (drift correction), a Go duration.",
        ),
        Attribute::string("service_account_name")
            .default(Value::string(""))
            .validate(validators::rfc1123_subdomain_or_empty())
            .describe(
                "ServiceAccount the Kustomization impersonates when applying (tenants); none when empty.",
            ),
        Attribute::string("target_namespace")
            .default(Value::string(""))
            .validate(validators::rfc1123_label_or_empty())
            .describe("Namespace set on every namespaced object applied; the manifests' own when empty."),
        crate::resources::depends_on_attribute(
            "Kustomization",
            "Kustomizations that must be ready before this one is applied (`spec.dependsOn`).",
        )
        .default(Value::List(Vec::new())),
    ]);
    Attribute::nested("sync", Nesting::Single, attrs)
        .default_from_nested()
        .describe("How the Kustomization applies the source.")
}

/// `substitute`, `substitute_from`, `patches` and `decryption`.
#[must_use]
pub fn kustomize_attributes() -> Vec<Attribute> {
    vec![
        Attribute::string_map("substitute")
            .describe("Variables substituted in the manifests after build (`postBuild.substitute`)."),
        Attribute::nested(
            "substitute_from",
            Nesting::List,
            vec![
                Attribute::string("kind")
                    .required()
                    .validate(validators::one_of(SUBSTITUTE_KINDS))
                    .describe("`ConfigMap` or `Secret`."),
                Attribute::string("name")
                    .required()
                    .validate(validators::rfc1123_subdomain())
                    .describe("Name of the ConfigMap or Secret, in this resource's namespace."),
                Attribute::bool("optional")
                    .describe("Do not fail when the object is missing."),
            ],
        )
        .describe("ConfigMaps and Secrets whose data are substitution variables (`postBuild.substituteFrom`)."),
        Attribute::nested(
            "patches",
            Nesting::List,
            vec![
                Attribute::string("patch")
                    .required()
                    .describe(
                        "The patch as YAML or JSON (`yamlencode(...)`, `jsonencode(...)`): an object for a strategic \
                         merge patch, a list for a JSON 6902 patch.",
                    ),
                Attribute::nested(
                    "target",
                    Nesting::Single,
                    TARGET_FIELDS
                        .iter()
                        .map(|(attr, field)| {
                            Attribute::string(attr).describe(&format!("Select objects by `{field}`."))
                        })
                        .collect(),
                )
                .describe("Objects the patch applies to; all objects (or as the patch names) when unset."),
            ],
        )
        .describe("Patches applied to the manifests after build (Kustomization `spec.patches`)."),
        Attribute::nested(
            "decryption",
            Nesting::Single,
            vec![
                Attribute::string("provider")
                    .default(Value::string("sops"))
                    .validate(validators::one_of(DECRYPTION_PROVIDERS))
                    .describe("Decryption provider: `sops`."),
                Attribute::string("secret_name")
                    .validate(validators::rfc1123_subdomain())
                    .describe("Secret holding the decryption keys (e.g. age or PGP); none when unset."),
            ],
        )
        .describe("Decrypt SOPS-encrypted manifests (Kustomization `spec.decryption`)."),
    ]
}

/// The patch as given (YAML or JSON), as a compact JSON string; the input as is when it does
/// not parse (validation rejects it).
fn compact<'de, D: serde::Deserializer<'de>>(d: D) -> Result<String, D::Error> {
    let text = String::deserialize(d)?;
    Ok(compact_patch(&text).unwrap_or(text))
}

/// The patch target's fields given and not empty, by their Kustomization names.
fn target<'de, D: serde::Deserializer<'de>>(d: D) -> Result<BTreeMap<String, String>, D::Error> {
    let given = Option::<BTreeMap<String, Option<String>>>::deserialize(d)?.unwrap_or_default();
    Ok(TARGET_FIELDS
        .iter()
        .filter_map(|(attr, field)| {
            let value = given.get(*attr)?.as_deref().filter(|v| !v.is_empty())?;
            Some(((*field).to_owned(), value.to_owned()))
        })
        .collect())
}

/// Parses a patch given as YAML or JSON into a compact JSON string; `None` unless it is an
/// object (strategic merge) or a list (JSON 6902).
#[must_use]
pub fn compact_patch(text: &str) -> Option<String> {
    let doc: serde_json::Value = serde_saphyr::from_str(text).ok()?;
    (doc.is_object() || doc.is_array()).then(|| doc.to_string())
}

/// Checks the shared options of a configuration that may hold unknowns: each known patch must
/// be a YAML or JSON object or list.
pub fn validate(config: &Value, diags: &mut Diagnostics) {
    let Some(patches) = config.get("patches").as_list() else {
        return;
    };
    for (i, p) in patches.iter().enumerate() {
        let Some(text) = p.get("patch").as_str() else {
            continue;
        };
        if compact_patch(text).is_none() {
            diags.error_at(
                AttributePath::root("patches").index(i).attr("patch"),
                "Invalid patch",
                format!(
                    "patches[{i}].patch must be a YAML or JSON object (a strategic merge patch) or list (a JSON 6902 \
                     patch), such as yamlencode({{...}}) or jsonencode([...]); got {text:?}."
                ),
            );
        }
    }
}

/// The source object (`source.toolkit.fluxcd.io/v1` `source_kind` with `source_spec`) and the
/// Kustomization applying its `path`: the last two objects of both sync resources.
#[must_use]
#[allow(clippy::too_many_arguments)]
pub fn source_and_kustomization(
    meta: &Meta,
    name: &str,
    namespace: &str,
    source_kind: &str,
    source_spec: Map<String, serde_json::Value>,
    path: &str,
    sync: &SyncOptions,
    k: &KustomizeOptions,
) -> [DynamicObject; 2] {
    [
        object(
            "source.toolkit.fluxcd.io/v1",
            source_kind,
            meta.metadata(name, Some(namespace)),
            json!({"spec": source_spec}),
        ),
        kustomization(meta, name, namespace, source_kind, path, sync, k),
    ]
}

/// The Kustomization applying `path` of the source `source_kind`/`name`
/// (design/rendering.md §4.2), fields in the modules' order.
#[must_use]
fn kustomization(
    meta: &Meta,
    name: &str,
    namespace: &str,
    source_kind: &str,
    path: &str,
    sync: &SyncOptions,
    k: &KustomizeOptions,
) -> DynamicObject {
    let mut spec = Map::new();
    spec.insert("sourceRef".into(), json!({"kind": source_kind, "name": name}));
    spec.insert("interval".into(), json!(sync.interval));
    spec.insert("retryInterval".into(), json!(sync.retry_interval));
    spec.insert("path".into(), json!(path));
    spec.insert("prune".into(), json!(sync.prune));
    spec.insert("wait".into(), json!(sync.wait));
    spec.insert("timeout".into(), json!(sync.timeout));
    if !sync.service_account_name.is_empty() {
        spec.insert("serviceAccountName".into(), json!(sync.service_account_name));
    }
    if !sync.target_namespace.is_empty() {
        spec.insert("targetNamespace".into(), json!(sync.target_namespace));
    }
    let mut post_build = Map::new();
    if !k.substitute.is_empty() {
        post_build.insert("substitute".into(), json!(k.substitute));
    }
    if !k.substitute_from.is_empty() {
        let from: Vec<serde_json::Value> = k
            .substitute_from
            .iter()
            .map(|s| {
                let mut m = Map::new();
                m.insert("kind".into(), json!(s.kind));
                m.insert("name".into(), json!(s.name));
                if let Some(o) = s.optional {
                    m.insert("optional".into(), json!(o));
                }
                serde_json::Value::Object(m)
            })
            .collect();
        post_build.insert("substituteFrom".into(), json!(from));
    }
    if !post_build.is_empty() {
        spec.insert("postBuild".into(), serde_json::Value::Object(post_build));
    }
    if !sync.depends_on.is_empty() {
        let deps: Vec<serde_json::Value> = sync.depends_on.iter().map(DependsOn::to_json).collect();
        spec.insert("dependsOn".into(), json!(deps));
    }
    if let Some(d) = &k.decryption {
        let mut m = Map::new();
        m.insert("provider".into(), json!(d.provider));
        if let Some(secret) = &d.secret_name {
            m.insert("secretRef".into(), json!({"name": secret}));
        }
        spec.insert("decryption".into(), serde_json::Value::Object(m));
    }
    if !k.patches.is_empty() {
        let patches: Vec<serde_json::Value> = k
            .patches
            .iter()
            .map(|p| json!({"patch": p.patch, "target": p.target}))
            .collect();
        spec.insert("patches".into(), json!(patches));
    }
    object(
        "kustomize.toolkit.fluxcd.io/v1",
        "Kustomization",
        meta.metadata(name, Some(namespace)),
        json!({"spec": spec}),
    )
}
