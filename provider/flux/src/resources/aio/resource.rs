//! `flux_aio` as a Terraform resource: resolves the Flux distribution (with the on-disk cache
//! and the offline fallback), renders, and uninstalls safely.

use super::{AioSettings, attributes, images, missing_images, storage_class_change, validate};
use crate::resources::{
    Attributes, Common, Context, FluxResource, Phase, decode_settings, import_error, read_for_import,
    read_namespace_for_import, shared_user_metadata, string_map_value,
};
use async_trait::async_trait;
use distribution::{Cache, Resolved, Source, VersionRange};
use engine::{Deadline, Engine, ObjectRef};
use kube::api::DynamicObject;
use std::collections::BTreeMap;
use tfplugin::cty::Value;
use tfplugin::{AttributePath, Diagnostic, Diagnostics};

/// `flux_aio`.
pub struct Aio;

/// The Deployment annotation recording the settings an import cannot infer from the objects
/// (the requested version, where the distribution comes from, `wait`, `deletion_policy`).
/// Secrets are never recorded.
pub const SETTINGS_ANNOTATION: &str = "flux-aio.provider/settings";

/// The Deployments of a standard Flux installation (`flux install`, bootstrap, the Helm chart).
const STANDARD_CONTROLLERS: &[&str] = &[
    "source-controller",
    "kustomize-controller",
    "helm-controller",
    "notification-controller",
    "image-reflector-controller",
    "image-automation-controller",
    "source-watcher",
];

/// The settings of an instance, with the distribution they resolved to.
pub struct Resolution {
    /// The decoded settings.
    pub settings: AioSettings,
    /// The resolved Flux release.
    pub resolved: Resolved,
}

fn source(s: &AioSettings) -> Source {
    Source {
        artifact: s.distribution.artifact.clone(),
        registry: s.distribution.registry.clone(),
        credentials: s
            .distribution
            .credentials
            .as_ref()
            .map(|c| (c.username.clone(), c.password.value.clone())),
        insecure: s.distribution.insecure,
        ca_pem: s.distribution.ca.clone(),
    }
}

fn artifact_error(e: &distribution::Error) -> Diagnostic {
    let path = match e {
        distribution::Error::NoMatchingVersion { .. } => AttributePath::root("version"),
        distribution::Error::Unauthorized { .. } => AttributePath::root("distribution").attr("credentials"),
        _ => AttributePath::root("distribution").attr("artifact"),
    };
    Diagnostic::error("Cannot get the Flux distribution", e.report()).with_path(path)
}

/// What the state pins: `(resolved_version, artifact_digest)` for the same `version`.
fn pinned(state: Option<&Value>, version: &str) -> Option<(String, String)> {
    let state = state?;
    (state.get("version").as_str() == Some(version)).then_some(())?;
    Some((
        state.get("resolved_version").as_str()?.to_owned(),
        state.get("artifact_digest").as_str()?.to_owned(),
    ))
}

/// Loads a pinned release from the cache (entries are verified against their digest), pulling
/// it by its exact version when it is not there (another machine applied the plan). What is
/// pulled must be what the plan pinned: a tag re-pushed since is an error, not other content.
async fn load(
    source: &Source,
    version: &str,
    digest: &str,
    cache: &Cache,
) -> Result<Resolved, distribution::Error> {
    match distribution::load_pinned(source, version, digest, cache).await {
        Err(distribution::Error::NotCached { .. }) => {
            let exact = VersionRange::parse(version)?;
            let resolved = distribution::resolve(source, &exact, cache).await?;
            if resolved.digest != digest {
                return Err(distribution::Error::DigestMismatch {
                    what: format!(
                        "{}:v{version} (the tag was pushed again since the plan; plan again to review the new content)",
                        source.artifact.trim()
                    ),
                    expected: digest.to_owned(),
                    actual: resolved.digest,
                });
            }
            Ok(resolved)
        }
        other => other,
    }
}

#[async_trait]
impl FluxResource for Aio {
    type Settings = Resolution;
    const TYPE_NAME: &'static str = "flux_aio";
    const DESCRIPTION: &'static str = "Installs Flux All-In-One: the Flux controllers as one Deployment, with the \
        CRDs and default images of a Flux release taken from the Flux distribution artifact. Destroy uninstalls \
        safely (controllers, then finalizers, CRDs and the namespace), leaving the workloads Flux deployed.";
    const NAME_DESCRIPTION: &'static str = "Instance name: the Deployment, ServiceAccount and RBAC names.";
    const NAMESPACE_DESCRIPTION: &'static str = "Namespace Flux runs in, created by this resource.";
    const NAME_DEFAULT: Option<&'static str> = Some("flux");
    const NAMESPACE_DEFAULT: Option<&'static str> = Some("flux-system");
    const CONFLICT_HELP: &'static str = "A standard Flux installation (flux install, bootstrap or the \
        Helm chart) runs in this namespace. Its controllers would run beside Flux AIO, which has no \
        leader election, and both would reconcile every object. Migrate (docs/guides/migrating-from-\
        flux-bootstrap.md): set takeover = true to replace it, its controller Deployments being \
        deleted only once the AIO Deployment is ready, or remove them first. Found:";

    /// A CRD dropped by a downgrade stays: deleting it would delete every object of its kind in
    /// the cluster. Destroy still removes it with the rest.
    fn keep_when_dropped(object: &ObjectRef) -> bool {
        object.is_crd()
    }

    /// The controller Deployments of a standard Flux installation in the same namespace.
    fn conflicting(common: &Common) -> Vec<ObjectRef> {
        STANDARD_CONTROLLERS
            .iter()
            .map(|name| ObjectRef {
                group: "apps".into(),
                version: "v1".into(),
                kind: "Deployment".into(),
                namespace: common.namespace.clone(),
                name: (*name).to_owned(),
            })
            .collect()
    }

    fn attributes() -> Vec<tfplugin::schema::Attribute> {
        attributes()
    }

    fn validate(config: &Value, diags: &mut Diagnostics) {
        validate(config, diags);
    }

    async fn settings(ctx: &Context<'_>, value: &Value, diags: &mut Diagnostics) -> Option<Resolution> {
        let s: AioSettings = decode_settings(value, diags)?;
        let source = source(&s);
        let cache = Cache::from_env();
        let resolved = match ctx.phase {
            // The plan pinned the release; apply exactly that.
            Phase::Apply => match pinned(Some(value), &s.version) {
                Some((version, digest)) => load(&source, &version, &digest, &cache).await,
                // The plan could not resolve it (unknown inputs then): resolve now.
                None => match VersionRange::parse(&s.version) {
                    Ok(range) => distribution::resolve(&source, &range, &cache).await,
                    Err(e) => Err(e),
                },
            },
            Phase::Read => match pinned(ctx.prior, &s.version) {
                Some((version, digest)) => load(&source, &version, &digest, &cache).await,
                None => match VersionRange::parse(&s.version) {
                    Ok(range) => distribution::resolve(&source, &range, &cache).await,
                    Err(e) => Err(e),
                },
            },
            Phase::Plan => {
                if let Some(refused) = storage_class_change(ctx.prior, value) {
                    diags.push(refused);
                    return None;
                }
                let range = match VersionRange::parse(&s.version) {
                    Ok(r) => r,
                    Err(e) => {
                        diags.push(
                            Diagnostic::error("Invalid version", e.report())
                                .with_path(AttributePath::root("version")),
                        );
                        return None;
                    }
                };
                match distribution::resolve(&source, &range, &cache).await {
                    Err(e) if e.is_unreachable() => match pinned(ctx.prior, &s.version) {
                        Some((version, digest)) => {
                            let cached = distribution::load_pinned(&source, &version, &digest, &cache).await;
                            if cached.is_ok() {
                                diags.push(Diagnostic::warning(
                                    "Flux distribution registry unreachable; planned from the cache",
                                    format!(
                                        "{} The plan uses Flux {version} ({digest}) as the state pins it; a newer \
                                         release matching {:?} would not be seen.",
                                        e.report(),
                                        s.version
                                    ),
                                ));
                            }
                            cached.map_err(|_| e)
                        }
                        None => Err(e),
                    },
                    other => other,
                }
            }
        };
        let resolved = match resolved {
            Ok(r) => r,
            Err(e) => {
                diags.push(artifact_error(&e));
                return None;
            }
        };
        let missing = missing_images(&s, &resolved.distribution);
        if !missing.is_empty() {
            for c in missing {
                diags.error_at(
                    AttributePath::root("controllers")
                        .attr(c.attribute())
                        .attr("image"),
                    "No image for an enabled controller",
                    format!(
                        "Flux {} does not ship {}; set its image or disable it.",
                        resolved.version,
                        c.container()
                    ),
                );
            }
            return None;
        }
        Some(Resolution {
            settings: s,
            resolved,
        })
    }

    fn computed(r: &Resolution) -> Vec<(&'static str, Value)> {
        vec![
            ("resolved_version", Value::string(r.resolved.version.clone())),
            ("artifact_digest", Value::string(r.resolved.digest.clone())),
            (
                "images",
                string_map_value(&images(&r.settings, &r.resolved.distribution)),
            ),
        ]
    }

    fn patches(r: &Resolution) -> &[crate::render::patch::Patch] {
        &r.settings.patches
    }

    fn render(common: &Common, r: &Resolution, field_manager: &str) -> Vec<DynamicObject> {
        let mut objects = super::render(common, &r.settings, &r.resolved.distribution, field_manager);
        // Record the settings the cluster cannot tell, so an import can read them back.
        let record = serde_json::json!({
            "version": r.settings.version,
            "artifact": r.settings.distribution.artifact,
            "registry": r.settings.distribution.registry,
            "insecure": r.settings.distribution.insecure,
            "ca": r.settings.distribution.ca,
            "wait": common.wait,
            "deletion_policy": r.settings.deletion_policy.as_str(),
        });
        if let Some(deployment) = objects
            .iter_mut()
            .find(|o| o.types.as_ref().is_some_and(|t| t.kind == "Deployment"))
        {
            deployment
                .metadata
                .annotations
                .get_or_insert_with(Default::default)
                .insert(SETTINGS_ANNOTATION.to_owned(), record.to_string());
        }
        objects
    }

    /// The safe uninstall: the controllers first (foreground: once their Pods are gone), then the finalizers of every Flux object
    /// (nothing would remove them once the controllers are gone), then the CRDs, then the rest
    /// with the namespace last. Workloads Flux deployed stay. `orphan` leaves everything.
    async fn delete(
        engine: &Engine,
        prior: &Value,
        refs: &[ObjectRef],
        deadline: &Deadline,
    ) -> engine::Result<()> {
        if prior.get("deletion_policy").as_str() == Some("orphan") {
            tracing::info!("deletion_policy is orphan: leaving Flux in the cluster");
            return Ok(());
        }
        let (workloads, rest): (Vec<ObjectRef>, Vec<ObjectRef>) = refs
            .iter()
            .cloned()
            .partition(|r| r.group == "apps" && r.kind == "Deployment");
        // Foreground: the controller Pods are gone before the finalizers are stripped, so no
        // controller is left to re-add one.
        engine.delete_foreground(&workloads, deadline).await?;
        let (crds, rest): (Vec<ObjectRef>, Vec<ObjectRef>) = rest.into_iter().partition(ObjectRef::is_crd);
        let stripped = engine.strip_finalizers(&crds, deadline).await?;
        tracing::info!(objects = stripped, "removed finalizers from Flux objects");
        engine.delete(&crds, true, deadline).await?;
        // `delete` goes in reverse order: the namespace (first in the rendering) goes last.
        engine.delete(&rest, true, deadline).await
    }

    async fn import(
        engine: &Engine,
        namespace: &str,
        name: &str,
        _recorded: Attributes,
    ) -> Result<Attributes, Diagnostic> {
        let get = |key: String| read_for_import(engine, key);
        let deployment = get(format!("apps/v1/Deployment/{namespace}/{name}"))
            .await?
            .ok_or_else(|| import_error(format!("no Flux AIO Deployment {namespace}/{name}")))?;
        let ns = read_namespace_for_import(engine, namespace).await?;
        let version = deployment
            .metadata
            .labels
            .as_ref()
            .and_then(|l| l.get("app.kubernetes.io/version"))
            .map(|v| v.trim_start_matches('v').to_owned())
            .ok_or_else(|| {
                import_error(format!(
                    "Deployment {namespace}/{name} has no app.kubernetes.io/version label"
                ))
            })?;
        let pod = deployment
            .data
            .pointer("/spec/template/spec")
            .cloned()
            .unwrap_or_default();
        let containers = pod["containers"].as_array().cloned().unwrap_or_default();
        let args = |container: &str| -> Vec<String> {
            containers
                .iter()
                .find(|c| c["name"] == container)
                .and_then(|c| c["args"].as_array())
                .map(|a| a.iter().filter_map(|v| v.as_str().map(str::to_owned)).collect())
                .unwrap_or_default()
        };
        let source_args = args("source-controller");
        let log_level = source_args
            .iter()
            .find_map(|a| a.strip_prefix("--log-level="))
            .unwrap_or("info")
            .to_owned();
        let restricted = args("kustomize-controller")
            .iter()
            .any(|a| a == "--no-cross-namespace-refs");
        let (labels, annotations) = shared_user_metadata(&ns, &deployment);
        let record: serde_json::Value = deployment
            .metadata
            .annotations
            .as_ref()
            .and_then(|a| a.get(SETTINGS_ANNOTATION))
            .and_then(|r| serde_json::from_str(r).ok())
            .unwrap_or_default();
        let text = |k: &str| record[k].as_str().map(str::to_owned);
        let version = text("version").unwrap_or(version);
        let mut distribution = BTreeMap::from([
            (
                "artifact".to_owned(),
                Value::string(text("artifact").unwrap_or_else(|| super::DEFAULT_ARTIFACT.to_owned())),
            ),
            (
                "registry".to_owned(),
                Value::string(text("registry").unwrap_or_else(|| super::DEFAULT_REGISTRY.to_owned())),
            ),
            (
                "insecure".to_owned(),
                Value::Bool(record["insecure"].as_bool().unwrap_or(false)),
            ),
        ]);
        distribution.insert("credentials".to_owned(), Value::Null);
        distribution.insert("ca".to_owned(), text("ca").map_or(Value::Null, Value::string));
        let mut attrs = BTreeMap::from([
            ("distribution".to_owned(), Value::Object(distribution)),
            (
                "wait".to_owned(),
                Value::Bool(record["wait"].as_bool().unwrap_or(true)),
            ),
            (
                "deletion_policy".to_owned(),
                Value::string(text("deletion_policy").unwrap_or_else(|| "delete".to_owned())),
            ),
            ("version".to_owned(), Value::string(version)),
            ("log_level".to_owned(), Value::string(log_level)),
            (
                "host_network".to_owned(),
                Value::Bool(pod["hostNetwork"].as_bool().unwrap_or(false)),
            ),
            (
                "security_profile".to_owned(),
                Value::string(if restricted { "restricted" } else { "privileged" }),
            ),
            ("labels".to_owned(), string_map_value(&labels)),
            ("annotations".to_owned(), string_map_value(&annotations)),
        ]);
        // The pod's own settings, less what the provider sets itself.
        let strings = |v: &serde_json::Value| -> BTreeMap<String, String> {
            v.as_object()
                .map(|m| {
                    m.iter()
                        .filter_map(|(k, v)| Some((k.clone(), v.as_str()?.to_owned())))
                        .collect()
                })
                .unwrap_or_default()
        };
        let template = deployment
            .data
            .pointer("/spec/template/metadata")
            .cloned()
            .unwrap_or_default();
        let mut pod_labels = strings(&template["labels"]);
        pod_labels.retain(|k, _| k != "app.kubernetes.io/name" && k != super::render::AZURE_USE);
        let mut pod_annotations = strings(&template["annotations"]);
        pod_annotations
            .retain(|k, v| !(super::render::DEFAULT_POD_ANNOTATIONS.contains(&k.as_str()) && v == "true"));
        for (attribute, map) in [
            ("node_selector", strings(&pod["nodeSelector"])),
            ("pod_labels", pod_labels),
            ("pod_annotations", pod_annotations),
        ] {
            if !map.is_empty() {
                attrs.insert(attribute.to_owned(), string_map_value(&map));
            }
        }
        if let Some(class) = pod["priorityClassName"].as_str() {
            attrs.insert("priority_class_name".to_owned(), Value::string(class));
        }
        attrs.retain(|_, v| !v.is_null());
        Ok(attrs)
    }
}
