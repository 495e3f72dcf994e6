//! User patches on rendered objects, as Flux's Kustomization and flux-operator's FluxInstance
//! take them: a strategic merge patch (a YAML or JSON object) or a JSON 6902 patch (a list of
//! operations), applied to the objects a target selects. Pure: no I/O, so a plan patches
//! without a cluster.

use regex::Regex;
use serde_json::{Map, Value};
use std::fmt;

/// One patch and the objects it applies to.
#[derive(Clone, Debug, Default, PartialEq, Eq, serde::Deserialize)]
pub struct Patch {
    /// The patch text: a YAML or JSON object (strategic merge) or list (JSON 6902).
    pub patch: String,
    /// Which objects it applies to; without one, a strategic merge patch names its object by
    /// its own `kind` and `metadata.name`.
    pub target: Option<Target>,
}

/// A selection of objects; every field set must match, names and namespaces as anchored
/// regular expressions (as in kustomize).
#[derive(Clone, Debug, Default, PartialEq, Eq, serde::Deserialize)]
pub struct Target {
    /// API group (`""` for the core group).
    #[serde(default)]
    pub group: Option<String>,
    /// API version.
    #[serde(default)]
    pub version: Option<String>,
    /// Kind.
    #[serde(default)]
    pub kind: Option<String>,
    /// Name, an anchored regular expression.
    #[serde(default)]
    pub name: Option<String>,
    /// Namespace, an anchored regular expression.
    #[serde(default)]
    pub namespace: Option<String>,
    /// Label selector (`a=b`, `a!=b`, `a`, `!a`, `a in (x,y)`, `a notin (x)`, comma-separated).
    #[serde(default)]
    pub label_selector: Option<String>,
    /// Annotation selector, in the same syntax.
    #[serde(default)]
    pub annotation_selector: Option<String>,
}

/// Why a patch could not be parsed or applied. `field` is the attribute of the patch at fault
/// (`patch` or `target`).
#[derive(Debug, PartialEq, Eq)]
pub struct PatchError {
    /// `patch` or `target`.
    pub field: &'static str,
    /// What is wrong.
    pub message: String,
}

impl fmt::Display for PatchError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl PatchError {
    fn patch(message: impl Into<String>) -> Self {
        Self {
            field: "patch",
            message: message.into(),
        }
    }

    fn target(message: impl Into<String>) -> Self {
        Self {
            field: "target",
            message: message.into(),
        }
    }
}

/// A parsed patch.
#[derive(Debug)]
enum Parsed {
    Strategic(Map<String, Value>),
    Json6902(json_patch::Patch),
}

fn parse(text: &str) -> Result<Parsed, PatchError> {
    // YAML 1.2 booleans only, as kustomize reads patches: `Y` or `no` stay strings.
    let options = serde_saphyr::options! { strict_booleans: true };
    let value: Value = serde_saphyr::from_str_with_options(text, options)
        .map_err(|e| PatchError::patch(format!("not YAML or JSON: {e}")))?;
    match value {
        Value::Object(map) => Ok(Parsed::Strategic(map)),
        list @ Value::Array(_) => serde_json::from_value(list)
            .map(Parsed::Json6902)
            .map_err(|e| PatchError::patch(format!("not a JSON 6902 patch (a list of operations): {e}"))),
        _ => Err(PatchError::patch(
            "a patch is an object (strategic merge) or a list of JSON 6902 operations",
        )),
    }
}

/// Checks a patch on its own, before anything is rendered: it parses, a JSON 6902 patch has a
/// target, and the target's expressions compile.
///
/// # Errors
/// The first problem found.
pub fn check(p: &Patch) -> Result<(), PatchError> {
    let parsed = parse(&p.patch)?;
    if matches!(parsed, Parsed::Json6902(_)) && p.target.is_none() {
        return Err(PatchError::target("a JSON 6902 patch needs a target"));
    }
    if let Parsed::Strategic(map) = &parsed
        && p.target.is_none()
        && (map.get("kind").and_then(Value::as_str).is_none()
            || map
                .get("metadata")
                .and_then(|m| m.get("name"))
                .and_then(Value::as_str)
                .is_none())
    {
        return Err(PatchError::target(
            "without a target, a strategic merge patch names its object with kind and metadata.name",
        ));
    }
    if let Some(t) = &p.target {
        Selector::new(t)?;
    }
    Ok(())
}

/// Applies `patches` (the attribute `attribute`) to rendered objects, or explains at
/// `attribute[i].patch` or `attribute[i].target` why not.
///
/// # Errors
/// The diagnostic of the first patch at fault; the objects are then left as they were.
pub fn patch_objects(
    objects: &mut Vec<kube::api::DynamicObject>,
    patches: &[Patch],
    attribute: &str,
) -> Result<(), tfplugin::Diagnostic> {
    if patches.is_empty() {
        return Ok(());
    }
    let mut values: Vec<Value> = objects.iter().map(super::to_json).collect();
    apply_all(&mut values, patches).map_err(|(i, e)| {
        tfplugin::Diagnostic::error("Patch cannot be applied", format!("{attribute}[{i}]: {e}"))
            .with_path(tfplugin::AttributePath::root(attribute).index(i).attr(e.field))
    })?;
    let patched: Result<Vec<_>, _> = values.into_iter().map(serde_json::from_value).collect();
    *objects = patched.map_err(|e| {
        tfplugin::Diagnostic::error(
            "Patch cannot be applied",
            format!("{attribute}: a patched object is no longer a Kubernetes object: {e}"),
        )
        .with_path(tfplugin::AttributePath::root(attribute))
    })?;
    Ok(())
}

/// Applies `patches` in order to the objects (JSON forms) they select.
///
/// # Errors
/// The index of the patch at fault and why: it does not parse, selects nothing, fails to
/// apply, or changes the identity (apiVersion, kind, name, namespace) of an object.
pub fn apply_all(objects: &mut [Value], patches: &[Patch]) -> Result<(), (usize, PatchError)> {
    for (i, p) in patches.iter().enumerate() {
        apply(objects, p).map_err(|e| (i, e))?;
    }
    Ok(())
}

fn apply(objects: &mut [Value], p: &Patch) -> Result<(), PatchError> {
    let parsed = parse(&p.patch)?;
    let selector = match &p.target {
        Some(t) => Selector::new(t)?,
        None => match &parsed {
            Parsed::Strategic(map) => Selector::of_patch(map),
            Parsed::Json6902(_) => return Err(PatchError::target("a JSON 6902 patch needs a target")),
        },
    };
    let mut matched = 0;
    for object in objects.iter_mut().filter(|o| selector.matches(o)) {
        matched += 1;
        let identity = identity(object);
        match &parsed {
            Parsed::Strategic(map) => {
                let mut patch = map.clone();
                if p.target.is_some() {
                    // With a target, the patch's own identity fields select nothing.
                    for k in ["apiVersion", "kind"] {
                        patch.remove(k);
                    }
                }
                strategic_merge(object, &Value::Object(patch), &kind_of(object));
            }
            Parsed::Json6902(ops) => json_patch::patch(object, ops)
                .map_err(|e| PatchError::patch(format!("{}: {e}", describe(&identity))))?,
        }
        if identity != self::identity(object) {
            return Err(PatchError::patch(format!(
                "it changes the identity of {} (apiVersion, kind, name or namespace)",
                describe(&identity)
            )));
        }
    }
    if matched == 0 {
        return Err(PatchError::target("it selects none of the rendered objects"));
    }
    Ok(())
}

type Identity = [Option<String>; 4];

fn identity(o: &Value) -> Identity {
    let s = |ptr: &str| o.pointer(ptr).and_then(Value::as_str).map(str::to_owned);
    [
        s("/apiVersion"),
        s("/kind"),
        s("/metadata/name"),
        s("/metadata/namespace"),
    ]
}

fn describe(id: &Identity) -> String {
    let [_, kind, name, ns] = id;
    match ns {
        Some(ns) => format!(
            "{} {ns}/{}",
            kind.as_deref().unwrap_or_default(),
            name.as_deref().unwrap_or_default()
        ),
        None => format!(
            "{} {}",
            kind.as_deref().unwrap_or_default(),
            name.as_deref().unwrap_or_default()
        ),
    }
}

fn kind_of(o: &Value) -> String {
    o.get("kind")
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_owned()
}

/// A compiled [`Target`].
struct Selector {
    group: Option<String>,
    version: Option<String>,
    kind: Option<String>,
    name: Option<Regex>,
    namespace: Option<Regex>,
    labels: Vec<Requirement>,
    annotations: Vec<Requirement>,
}

impl Selector {
    fn new(t: &Target) -> Result<Self, PatchError> {
        let anchored = |what: &str, re: &Option<String>| {
            re.as_ref()
                .map(|re| {
                    Regex::new(&format!("^(?:{re})$"))
                        .map_err(|e| PatchError::target(format!("{what}: not a regular expression: {e}")))
                })
                .transpose()
        };
        Ok(Self {
            group: t.group.clone(),
            version: t.version.clone(),
            kind: t.kind.clone(),
            name: anchored("name", &t.name)?,
            namespace: anchored("namespace", &t.namespace)?,
            labels: requirements("label_selector", t.label_selector.as_deref())?,
            annotations: requirements("annotation_selector", t.annotation_selector.as_deref())?,
        })
    }

    /// The object a strategic merge patch without a target names.
    fn of_patch(patch: &Map<String, Value>) -> Self {
        let s = |ptr: &str| {
            Value::Object(patch.clone())
                .pointer(ptr)
                .and_then(Value::as_str)
                .map(str::to_owned)
        };
        let exact = |v: Option<String>| v.and_then(|v| Regex::new(&format!("^{}$", regex::escape(&v))).ok());
        Self {
            group: None,
            version: None,
            kind: s("/kind"),
            name: exact(s("/metadata/name")),
            namespace: exact(s("/metadata/namespace")),
            labels: Vec::new(),
            annotations: Vec::new(),
        }
    }

    fn matches(&self, o: &Value) -> bool {
        let api_version = o.get("apiVersion").and_then(Value::as_str).unwrap_or_default();
        let (group, version) = api_version.rsplit_once('/').unwrap_or(("", api_version));
        let str_at = |ptr: &str| o.pointer(ptr).and_then(Value::as_str).unwrap_or_default();
        let map_at = |ptr: &str| o.pointer(ptr).and_then(Value::as_object);
        self.group.as_deref().is_none_or(|g| g == group)
            && self.version.as_deref().is_none_or(|v| v == version)
            && self.kind.as_deref().is_none_or(|k| k == str_at("/kind"))
            && self
                .name
                .as_ref()
                .is_none_or(|re| re.is_match(str_at("/metadata/name")))
            && self
                .namespace
                .as_ref()
                .is_none_or(|re| re.is_match(str_at("/metadata/namespace")))
            && self.labels.iter().all(|r| r.matches(map_at("/metadata/labels")))
            && self
                .annotations
                .iter()
                .all(|r| r.matches(map_at("/metadata/annotations")))
    }
}

/// One requirement of a label (or annotation) selector.
#[derive(Debug)]
enum Requirement {
    Exists(String),
    Absent(String),
    In(String, Vec<String>),
    NotIn(String, Vec<String>),
}

impl Requirement {
    fn matches(&self, map: Option<&Map<String, Value>>) -> bool {
        let get = |k: &str| map.and_then(|m| m.get(k)).and_then(Value::as_str);
        match self {
            Self::Exists(k) => get(k).is_some(),
            Self::Absent(k) => get(k).is_none(),
            Self::In(k, values) => get(k).is_some_and(|v| values.iter().any(|x| x == v)),
            Self::NotIn(k, values) => get(k).is_none_or(|v| values.iter().all(|x| x != v)),
        }
    }
}

/// Parses `a=b,a!=b,a,!a,a in (x,y),a notin (x)`.
fn requirements(what: &str, selector: Option<&str>) -> Result<Vec<Requirement>, PatchError> {
    let Some(selector) = selector.map(str::trim).filter(|s| !s.is_empty()) else {
        return Ok(Vec::new());
    };
    let bad = |part: &str| PatchError::target(format!("{what}: cannot read {part:?}"));
    let mut parts = Vec::new();
    let (mut depth, mut start) = (0i32, 0);
    for (i, c) in selector.char_indices() {
        match c {
            '(' => depth += 1,
            ')' => depth -= 1,
            ',' if depth == 0 => {
                parts.push(&selector[start..i]);
                start = i + 1;
            }
            _ => {}
        }
    }
    parts.push(&selector[start..]);
    let key_ok = |k: &str| !k.is_empty() && !k.contains(char::is_whitespace);
    parts
        .into_iter()
        .map(str::trim)
        .map(|part| {
            let set = |rest: &str| -> Option<Vec<String>> {
                let inner = rest.trim().strip_prefix('(')?.strip_suffix(')')?;
                Some(inner.split(',').map(|v| v.trim().to_owned()).collect())
            };
            if let Some((k, v)) = part.split_once("!=") {
                let k = k.trim();
                return key_ok(k)
                    .then(|| Requirement::NotIn(k.into(), vec![v.trim().into()]))
                    .ok_or_else(|| bad(part));
            }
            if let Some((k, v)) = part.split_once("==").or_else(|| part.split_once('=')) {
                let k = k.trim();
                return key_ok(k)
                    .then(|| Requirement::In(k.into(), vec![v.trim().into()]))
                    .ok_or_else(|| bad(part));
            }
            if let Some((k, rest)) = part.split_once(" notin ") {
                return set(rest)
                    .filter(|_| key_ok(k.trim()))
                    .map(|values| Requirement::NotIn(k.trim().into(), values))
                    .ok_or_else(|| bad(part));
            }
            if let Some((k, rest)) = part.split_once(" in ") {
                return set(rest)
                    .filter(|_| key_ok(k.trim()))
                    .map(|values| Requirement::In(k.trim().into(), values))
                    .ok_or_else(|| bad(part));
            }
            if let Some(k) = part.strip_prefix('!') {
                return key_ok(k.trim())
                    .then(|| Requirement::Absent(k.trim().into()))
                    .ok_or_else(|| bad(part));
            }
            key_ok(part)
                .then(|| Requirement::Exists(part.into()))
                .ok_or_else(|| bad(part))
        })
        .collect()
}

/// The merge key of a list field, as the Kubernetes types declare it (`patchMergeKey`) for the
/// built-in kinds the provider renders; lists without one are replaced.
fn merge_key(kind: &str, field: &str) -> Option<&'static str> {
    Some(match field {
        "containers"
        | "initContainers"
        | "ephemeralContainers"
        | "volumes"
        | "env"
        | "imagePullSecrets"
        | "resourceClaims" => "name",
        "ports" if kind == "Service" => "port",
        "ports" => "containerPort",
        "volumeMounts" => "mountPath",
        "volumeDevices" => "devicePath",
        "hostAliases" => "ip",
        "topologySpreadConstraints" => "topologyKey",
        "ownerReferences" => "uid",
        "conditions" => "type",
        _ => return None,
    })
}

/// Lists of scalars that merge as sets (`patchStrategy: merge` without a key).
fn merges_as_set(field: &str) -> bool {
    field == "finalizers"
}

/// Applies a strategic merge patch: maps merge (a `null` deletes), lists with a merge key merge
/// element by element (`$patch: delete` removes one), other lists are replaced, and
/// `$patch: replace` replaces a map.
pub fn strategic_merge(target: &mut Value, patch: &Value, kind: &str) {
    merge_value(target, patch, kind);
}

fn merge_value(target: &mut Value, patch: &Value, kind: &str) {
    let Value::Object(patch_map) = patch else {
        *target = patch.clone();
        return;
    };
    match patch_map.get("$patch").and_then(Value::as_str) {
        Some("replace") => {
            let mut replaced = patch_map.clone();
            replaced.remove("$patch");
            *target = Value::Object(replaced);
            return;
        }
        Some("delete") => {
            *target = Value::Object(Map::new());
            return;
        }
        _ => {}
    }
    if !target.is_object() {
        *target = Value::Object(Map::new());
    }
    let Value::Object(target_map) = target else {
        return;
    };
    for (key, value) in patch_map {
        if key.starts_with('$') {
            continue;
        }
        match value {
            Value::Null => {
                target_map.remove(key);
            }
            Value::Array(items) => {
                let merged = match (merge_key(kind, key), target_map.get(key)) {
                    (Some(mk), Some(Value::Array(existing))) => merge_list(existing, items, mk, kind),
                    (None, Some(Value::Array(existing))) if merges_as_set(key) => {
                        let mut out = existing.clone();
                        out.extend(items.iter().filter(|v| !existing.contains(v)).cloned());
                        out
                    }
                    _ => items
                        .iter()
                        .filter(|v| v.get("$patch").is_none())
                        .cloned()
                        .collect(),
                };
                target_map.insert(key.clone(), Value::Array(merged));
            }
            Value::Object(_) => {
                let entry = target_map.entry(key.clone()).or_insert(Value::Null);
                if value.get("$patch").and_then(Value::as_str) == Some("delete") {
                    target_map.remove(key);
                } else {
                    merge_value(entry, value, kind);
                }
            }
            scalar => {
                target_map.insert(key.clone(), scalar.clone());
            }
        }
    }
}

fn merge_list(existing: &[Value], patch: &[Value], key: &str, kind: &str) -> Vec<Value> {
    let mut out = existing.to_vec();
    for item in patch {
        let id = item.get(key);
        let position = id.and_then(|id| out.iter().position(|e| e.get(key) == Some(id)));
        let delete = item.get("$patch").and_then(Value::as_str) == Some("delete");
        match (position, delete) {
            (Some(i), true) => {
                out.remove(i);
            }
            (None, true) => {}
            (Some(i), false) => merge_value(&mut out[i], item, kind),
            (None, false) => {
                let mut added = Value::Null;
                merge_value(&mut added, item, kind);
                out.push(added);
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn deployment() -> Value {
        json!({
            "apiVersion": "apps/v1", "kind": "Deployment",
            "metadata": {"name": "flux", "namespace": "flux-system", "labels": {"app.kubernetes.io/name": "flux"}},
            "spec": {"template": {
                "metadata": {"annotations": {"prometheus.io/scrape": "true"}},
                "spec": {
                    "containers": [
                        {"name": "source-controller", "args": ["--a"], "env": [{"name": "X", "value": "1"}]},
                        {"name": "kustomize-controller", "args": ["--b"]},
                    ],
                    "tolerations": [{"key": "a", "operator": "Exists"}],
                },
            }},
        })
    }

    fn service() -> Value {
        json!({"apiVersion": "v1", "kind": "Service",
               "metadata": {"name": "webhook-receiver", "namespace": "flux-system"},
               "spec": {"ports": [{"name": "http", "port": 80}]}})
    }

    fn patched(patch: &str, target: Option<Target>) -> Result<Vec<Value>, (usize, PatchError)> {
        let mut objects = vec![deployment(), service()];
        apply_all(
            &mut objects,
            &[Patch {
                patch: patch.into(),
                target,
            }],
        )?;
        Ok(objects)
    }

    fn kind(kind: &str) -> Option<Target> {
        Some(Target {
            kind: Some(kind.into()),
            ..Target::default()
        })
    }

    #[test]
    fn strategic_merge_merges_containers_by_name_and_replaces_plain_lists() {
        let objects = patched(
            "spec:\n  template:\n    metadata:\n      annotations:\n        sidecar.istio.io/inject: \"false\"\n        prometheus.io/scrape: null\n    spec:\n      containers:\n      - name: kustomize-controller\n        env:\n        - name: Y\n          value: \"2\"\n      - name: source-controller\n        env:\n        - name: X\n          value: changed\n      tolerations:\n      - operator: Exists\n",
            kind("Deployment"),
        )
        .unwrap();
        let pod = &objects[0]["spec"]["template"];
        assert_eq!(
            pod["metadata"]["annotations"],
            json!({"sidecar.istio.io/inject": "false"})
        );
        let containers = pod["spec"]["containers"].as_array().unwrap();
        assert_eq!(containers.len(), 2, "merged by name, none added");
        assert_eq!(containers[0]["env"], json!([{"name": "X", "value": "changed"}]));
        assert_eq!(containers[0]["args"], json!(["--a"]), "untouched fields stay");
        assert_eq!(containers[1]["env"], json!([{"name": "Y", "value": "2"}]));
        assert_eq!(
            pod["spec"]["tolerations"],
            json!([{"operator": "Exists"}]),
            "no merge key: replaced"
        );
        assert_eq!(objects[1], service(), "the target selects the Deployment only");
    }

    #[test]
    fn strategic_merge_deletes_list_elements_and_replaces_maps_on_request() {
        let objects = patched(
            r#"{"kind": "Deployment", "metadata": {"name": "flux"}, "spec": {"template": {"spec": {
                "containers": [{"name": "kustomize-controller", "$patch": "delete"}],
                "tolerations": null}}}}"#,
            None,
        )
        .unwrap();
        let spec = &objects[0]["spec"]["template"]["spec"];
        assert_eq!(spec["containers"].as_array().unwrap().len(), 1);
        assert!(spec.get("tolerations").is_none());
        let objects = patched(
            "spec:\n  template:\n    metadata:\n      $patch: replace\n      labels: {a: b}\n",
            kind("Deployment"),
        )
        .unwrap();
        assert_eq!(
            objects[0]["spec"]["template"]["metadata"],
            json!({"labels": {"a": "b"}})
        );
    }

    #[test]
    fn json6902_operations_apply_to_the_target() {
        let objects = patched(
            "- op: add\n  path: /spec/template/spec/containers/0/args/-\n  value: --log-level=debug\n- op: replace\n  path: /spec/ports/0/port\n  value: 8080\n",
            Some(Target {
                name: Some("flux|webhook-.*".into()),
                ..Target::default()
            }),
        );
        // The second operation has no /spec/ports in the Deployment: the whole patch fails there.
        let (i, e) = objects.unwrap_err();
        assert_eq!((i, e.field), (0, "patch"));
        assert!(e.message.contains("Deployment flux-system/flux"), "{e}");
        let objects = patched(
            "- op: add\n  path: /spec/template/spec/containers/0/args/-\n  value: --log-level=debug\n",
            kind("Deployment"),
        )
        .unwrap();
        assert_eq!(
            objects[0]["spec"]["template"]["spec"]["containers"][0]["args"],
            json!(["--a", "--log-level=debug"])
        );
    }

    #[test]
    fn targets_select_by_group_version_name_namespace_and_labels() {
        let select = |t: Target| {
            let s = Selector::new(&t).unwrap();
            [deployment(), service()]
                .iter()
                .map(|o| s.matches(o))
                .collect::<Vec<_>>()
        };
        let t = |f: fn(&mut Target)| {
            let mut t = Target::default();
            f(&mut t);
            t
        };
        assert_eq!(select(t(|t| t.group = Some("apps".into()))), [true, false]);
        assert_eq!(select(t(|t| t.group = Some(String::new()))), [false, true]);
        assert_eq!(select(t(|t| t.version = Some("v1".into()))), [true, true]);
        assert_eq!(
            select(t(|t| t.name = Some("flu".into()))),
            [false, false],
            "anchored"
        );
        assert_eq!(select(t(|t| t.name = Some("webhook-.*".into()))), [false, true]);
        assert_eq!(
            select(t(|t| t.namespace = Some("flux-system".into()))),
            [true, true]
        );
        assert_eq!(
            select(t(
                |t| t.label_selector = Some("app.kubernetes.io/name=flux".into())
            )),
            [true, false]
        );
        assert_eq!(
            select(t(
                |t| t.label_selector = Some("app.kubernetes.io/name in (a, flux)".into())
            )),
            [true, false]
        );
        assert_eq!(
            select(t(|t| t.label_selector = Some("!app.kubernetes.io/name".into()))),
            [false, true]
        );
        assert_eq!(
            select(t(
                |t| t.label_selector = Some("app.kubernetes.io/name!=flux".into())
            )),
            [false, true]
        );
        assert!(Selector::new(&t(|t| t.name = Some("(".into()))).is_err());
        assert!(Selector::new(&t(|t| t.label_selector = Some("a in x".into()))).is_err());
    }

    #[test]
    fn bad_patches_are_refused_naming_the_field() {
        let field = |patch: &str, target: Option<Target>| {
            check(&Patch {
                patch: patch.into(),
                target,
            })
            .map_err(|e| e.field)
        };
        assert_eq!(field("spec: [", kind("Deployment")), Err("patch"));
        assert_eq!(field("42", kind("Deployment")), Err("patch"));
        assert_eq!(
            field("- op: frobnicate\n  path: /a\n", kind("Deployment")),
            Err("patch")
        );
        assert_eq!(field("- op: remove\n  path: /a\n", None), Err("target"));
        assert_eq!(field("spec: {}", None), Err("target"));
        assert_eq!(field("spec: {}", kind("Deployment")), Ok(()));
        // Selecting nothing, or renaming an object, fails at render.
        assert_eq!(patched("spec: {}", kind("Secret")).unwrap_err().1.field, "target");
        let renamed = patched("metadata:\n  name: other\n", kind("Deployment")).unwrap_err();
        assert!(renamed.1.message.contains("identity"), "{}", renamed.1);
    }
}
