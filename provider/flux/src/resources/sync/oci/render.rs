//! The objects of a `flux_oci_sync`.

use super::{AUTH_SUFFIX, OciSettings, TLS_SUFFIX};
use crate::VERSION;
use crate::render::{Meta, object, registry_host};
use crate::resources::Common;
use crate::resources::secrets;
use crate::resources::sync::kustomization::source_and_kustomization;
use kube::api::DynamicObject;
use serde_json::{Map, json};

/// Renders the objects of a `flux_oci_sync`, in apply order: the credentials Secret (with
/// `auth.credentials`), the CA Secret (with `tls.ca`), the OCIRepository, the Kustomization.
#[must_use]
pub fn render(common: &Common, s: &OciSettings) -> Vec<DynamicObject> {
    let (name, ns) = (common.name.as_str(), common.namespace.as_str());
    let meta = Meta::new(name, VERSION, &common.labels, &common.annotations, &[]);
    let a = &s.artifact;
    let auth_name = format!("{name}{AUTH_SUFFIX}");
    let tls_name = format!("{name}{TLS_SUFFIX}");
    let mut objects = Vec::new();
    if let Some(c) = &a.auth.credentials {
        let metadata = meta.metadata(&auth_name, Some(ns));
        let registry = registry_host(&a.url);
        objects.push(secrets::docker_config_secret(
            metadata,
            registry,
            &c.username,
            &c.password,
        ));
    }
    if !a.tls.ca.is_empty() {
        let tls_meta = Meta::new(
            name,
            VERSION,
            &common.labels,
            &common.annotations,
            &[("app.kubernetes.io/component", "oci-tls")],
        );
        objects.push(object(
            "v1",
            "Secret",
            tls_meta.metadata(&tls_name, Some(ns)),
            json!({"stringData": {"ca.crt": a.tls.ca}}),
        ));
    }
    let mut spec = Map::new();
    spec.insert("interval".into(), json!(a.interval));
    spec.insert("url".into(), json!(a.url));
    let reference = match &a.semver {
        Some(semver) => json!({"semver": semver}),
        None => json!({"tag": a.tag}),
    };
    spec.insert("ref".into(), reference);
    spec.insert("provider".into(), json!(a.auth.provider));
    if a.auth.credentials.is_some() {
        spec.insert("secretRef".into(), json!({"name": auth_name}));
    }
    if !a.ignore.is_empty() {
        spec.insert("ignore".into(), json!(a.ignore));
    }
    if a.tls.insecure {
        spec.insert("insecure".into(), json!(true));
    }
    if !a.tls.ca.is_empty() {
        spec.insert("certSecretRef".into(), json!({"name": tls_name}));
    }
    objects.extend(source_and_kustomization(
        &meta,
        name,
        ns,
        "OCIRepository",
        spec,
        &s.sync.path,
        &s.sync.options,
        &s.kustomize,
    ));
    objects
}
