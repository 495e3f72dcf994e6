//! Helpers for the resources' own import code.

use crate::error::engine_diagnostic;
use engine::{Engine, ObjectRef};
use kube::api::DynamicObject;
use std::collections::BTreeMap;
use tfplugin::Diagnostic;

/// The labels and annotations two live objects of one instance share, minus the provider's
/// own labels and the server's: what the user set, for import.
#[must_use]
pub fn shared_user_metadata(
    a: &DynamicObject,
    b: &DynamicObject,
) -> (BTreeMap<String, String>, BTreeMap<String, String>) {
    const OWN: &[&str] = &[
        "app.kubernetes.io/name",
        "app.kubernetes.io/version",
        "app.kubernetes.io/managed-by",
        "app.kubernetes.io/part-of",
        "toolkit.fluxcd.io/tenant",
        "kubernetes.io/metadata.name",
        "app.kubernetes.io/role",
        "flux-aio.provider/settings",
        "deployment.kubernetes.io/revision",
        engine::ownership::OWNER_ANNOTATION,
        engine::ownership::ADOPTED_ANNOTATION,
    ];
    let common = |x: &Option<BTreeMap<String, String>>, y: &Option<BTreeMap<String, String>>| {
        let (x, y) = (x.clone().unwrap_or_default(), y.clone().unwrap_or_default());
        x.into_iter()
            .filter(|(k, v)| y.get(k) == Some(v) && !OWN.contains(&k.as_str()))
            .collect::<BTreeMap<_, _>>()
    };
    (
        common(&a.metadata.labels, &b.metadata.labels),
        common(&a.metadata.annotations, &b.metadata.annotations),
    )
}

/// Reads the object with inventory key `key` for an import.
///
/// # Errors
/// A diagnostic when the key is malformed or the read fails.
pub async fn read_for_import(engine: &Engine, key: String) -> Result<Option<DynamicObject>, Diagnostic> {
    let r = ObjectRef::parse(&key).map_err(|e| import_error(e.to_string()))?;
    engine.get(&r).await.map_err(|e| engine_diagnostic("import", &e))
}

/// Reads the namespace of an instance being imported.
///
/// # Errors
/// A diagnostic when the read fails or the namespace does not exist.
pub async fn read_namespace_for_import(
    engine: &Engine,
    namespace: &str,
) -> Result<DynamicObject, Diagnostic> {
    read_for_import(engine, format!("/v1/Namespace//{namespace}"))
        .await?
        .ok_or_else(|| import_error(format!("namespace {namespace:?} does not exist")))
}

/// An error diagnostic for an import that found something unexpected.
#[must_use]
pub fn import_error(what: String) -> Diagnostic {
    Diagnostic::error("Cannot import", what)
}
