//! The objects of a `flux_helm_release` instance (design/rendering.md §6.2): the credentials Secret
//! (with `repository.auth`), the source (HelmRepository or OCIRepository) and the HelmRelease,
//! in apply order.

use super::settings::HelmReleaseSettings;
use super::{AUTH_SUFFIX, HELM_CHART_MEDIA_TYPE, HELM_REPOSITORY_INTERVAL};
use crate::VERSION;
use crate::render::{Meta, object, registry_host};
use crate::resources::secrets;
use crate::resources::{Common, DependsOn};
use kube::api::DynamicObject;
use serde_json::{Map, Value, json};

/// Renders the objects of an instance.
#[must_use]
pub fn render(common: &Common, s: &HelmReleaseSettings) -> Vec<DynamicObject> {
    let name = common.name.as_str();
    let ns = common.namespace.as_str();
    let meta = Meta::new(name, VERSION, &common.labels, &common.annotations, &[]);
    let oci = s.is_oci();
    let auth_name = format!("{name}{AUTH_SUFFIX}");
    let repo = &s.repository;
    let mut objects = Vec::new();

    if let Some(auth) = &repo.auth {
        let mut metadata = meta.metadata(&auth_name, Some(ns));
        objects.push(if oci {
            let registry = registry_host(&repo.url);
            secrets::docker_config_secret(metadata, registry, &auth.username, &auth.password)
        } else {
            secrets::annotate(&mut metadata, &[("password", &auth.password)]);
            let body = json!({"stringData": {"username": auth.username, "password": auth.password.value}});
            object("v1", "Secret", metadata, body)
        });
    }

    let mut source = Map::new();
    if oci {
        source.insert("interval".into(), json!(s.sync.interval));
        source.insert(
            "url".into(),
            json!(format!("{}/{}", repo.url.trim_end_matches('/'), s.chart.name)),
        );
        source.insert("ref".into(), json!({"semver": s.chart.version}));
        source.insert("provider".into(), json!(repo.provider));
        if repo.auth.is_some() {
            source.insert("secretRef".into(), json!({"name": auth_name}));
        }
        if repo.insecure {
            source.insert("insecure".into(), json!(true));
        }
        source.insert(
            "layerSelector".into(),
            json!({"mediaType": HELM_CHART_MEDIA_TYPE, "operation": "copy"}),
        );
    } else {
        source.insert("interval".into(), json!(HELM_REPOSITORY_INTERVAL));
        source.insert("url".into(), json!(repo.url));
        if repo.auth.is_some() {
            source.insert("secretRef".into(), json!({"name": auth_name}));
        }
        if repo.insecure {
            source.insert("insecure".into(), json!(true));
        }
        if let Some(cert) = &repo.cert_secret_name {
            source.insert("certSecretRef".into(), json!({"name": cert}));
        }
        source.insert("provider".into(), json!(repo.provider));
    }
    let source_kind = if oci { "OCIRepository" } else { "HelmRepository" };
    objects.push(object(
        "source.toolkit.fluxcd.io/v1",
        source_kind,
        meta.metadata(name, Some(ns)),
        json!({"spec": source}),
    ));

    objects.push(object(
        "helm.toolkit.fluxcd.io/v2",
        "HelmRelease",
        meta.metadata(name, Some(ns)),
        json!({"spec": release_spec(name, s, &meta, source_kind)}),
    ));
    objects
}

/// The HelmRelease `spec`, fields in the module's order.
fn release_spec(name: &str, s: &HelmReleaseSettings, meta: &Meta, source_kind: &str) -> Map<String, Value> {
    let sync = &s.sync;
    let mut spec = Map::new();
    spec.insert("releaseName".into(), json!(name));
    spec.insert("interval".into(), json!(sync.interval));
    spec.insert("timeout".into(), json!(sync.timeout));
    if let Some(target) = &sync.target_namespace {
        spec.insert("targetNamespace".into(), json!(target));
        spec.insert("storageNamespace".into(), json!(target));
    }
    if let Some(sa) = &sync.service_account_name {
        spec.insert("serviceAccountName".into(), json!(sa));
    }
    if s.is_oci() {
        spec.insert("chartRef".into(), json!({"kind": source_kind, "name": name}));
    } else {
        let mut chart_meta = Map::new();
        chart_meta.insert("labels".into(), json!(meta.labels));
        if !meta.annotations.is_empty() {
            chart_meta.insert("annotations".into(), json!(meta.annotations));
        }
        spec.insert(
            "chart".into(),
            json!({
                "metadata": chart_meta,
                "spec": {
                    "chart": s.chart.name,
                    "version": s.chart.version,
                    "sourceRef": {"kind": source_kind, "name": name},
                    "interval": sync.interval,
                },
            }),
        );
    }
    spec.insert(
        "install".into(),
        json!({
            "crds": "Create",
            "remediation": {"retries": sync.retries},
            "createNamespace": sync.create_namespace,
            "disableWait": sync.disable_wait,
            "disableWaitForJobs": sync.disable_wait,
        }),
    );
    spec.insert(
        "upgrade".into(),
        json!({
            "crds": "CreateReplace",
            "remediation": {"retries": sync.retries},
            "disableWait": sync.disable_wait,
            "disableWaitForJobs": sync.disable_wait,
        }),
    );
    spec.insert("test".into(), json!({"enable": s.test}));
    if let Some(values) = &s.values {
        spec.insert("values".into(), Value::Object(values.clone()));
    }
    if !s.values_from.is_empty() {
        let items: Vec<Value> = s
            .values_from
            .iter()
            .map(|v| {
                let mut m = Map::new();
                m.insert("kind".into(), json!(v.kind));
                m.insert("name".into(), json!(v.name));
                if let Some(k) = &v.values_key {
                    m.insert("valuesKey".into(), json!(k));
                }
                if let Some(p) = &v.target_path {
                    m.insert("targetPath".into(), json!(p));
                }
                if let Some(o) = v.optional {
                    m.insert("optional".into(), json!(o));
                }
                Value::Object(m)
            })
            .collect();
        spec.insert("valuesFrom".into(), Value::Array(items));
    }
    if !sync.depends_on.is_empty() {
        let items: Vec<Value> = sync.depends_on.iter().map(DependsOn::to_json).collect();
        spec.insert("dependsOn".into(), Value::Array(items));
    }
    if let Some(mode) = &s.drift_detection {
        spec.insert("driftDetection".into(), json!({"mode": mode}));
    }
    spec
}
