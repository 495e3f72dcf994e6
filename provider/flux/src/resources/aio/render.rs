//! The objects of a `flux_aio` instance (design/rendering.md §3.2–3.10). Pure.

use super::settings::{
    AioSettings, Compatibility, Component, Controller, Resources, SecurityProfile, WorkloadProvider,
};
use crate::render::{Meta, object};
use crate::resources::Common;
use crate::resources::secrets;
use distribution::Distribution;
use kube::api::DynamicObject;
use serde_json::{Map, Value, json};
use std::collections::BTreeMap;

/// The annotation on every flux-aio object.
const ROLE_ANNOTATION: (&str, &str) = ("app.kubernetes.io/role", "cluster-admin");
/// The pod annotations the module sets, each to `"true"`.
pub(super) const DEFAULT_POD_ANNOTATIONS: &[&str] = &[
    "cluster-autoscaler.kubernetes.io/safe-to-evict",
    "prometheus.io/scrape",
];
/// The label Azure Workload Identity selects pods by.
pub(super) const AZURE_USE: &str = "azure.workload.identity/use";
/// The events address of the notification-controller inside the pod.
const EVENTS_ADDR: &str = "--events-addr=http://localhost:9690";

/// The image of each enabled controller container, by container name: the user's
/// `controllers.<name>.image` if given, else the distribution's image. A controller whose image
/// is neither given nor in the distribution is left out (see [`missing_images`]).
#[must_use]
pub fn images(s: &AioSettings, dist: &Distribution) -> BTreeMap<String, String> {
    s.controllers
        .enabled()
        .filter_map(|(c, ctl)| Some((c.container().to_owned(), image_of(c, ctl, dist)?)))
        .collect()
}

/// The enabled controllers that have no image: no `image` set and none in the distribution (a
/// Flux release older than the controller). [`render`] leaves their containers out.
#[must_use]
pub fn missing_images(s: &AioSettings, dist: &Distribution) -> Vec<Component> {
    s.controllers
        .enabled()
        .filter(|(c, ctl)| image_of(*c, ctl, dist).is_none())
        .map(|(c, _)| c)
        .collect()
}

fn image_of(c: Component, ctl: &Controller, dist: &Distribution) -> Option<String> {
    let default = dist.images.get(c.container());
    match &ctl.image {
        Some(image) => image.reference(default.map(String::as_str)),
        None => default.cloned(),
    }
}

/// Renders the objects of an instance in apply order: the distribution's CRDs, Namespace,
/// ResourceQuota, ServiceAccount, ClusterRole, ClusterRoleBinding, Deployment, then the optional
/// Services, PersistentVolumeClaim and image pull Secret. `field_manager` is the provider's
/// server-side-apply field manager, passed to kustomize-controller as `--override-manager`.
#[must_use]
pub fn render(
    common: &Common,
    s: &AioSettings,
    dist: &Distribution,
    field_manager: &str,
) -> Vec<DynamicObject> {
    let name = common.name.as_str();
    let ns = common.namespace.as_str();
    let version = format!("v{}", dist.version.trim_start_matches('v'));
    let mut meta = Meta::new(
        name,
        &version,
        &common.labels,
        &common.annotations,
        &[("app.kubernetes.io/part-of", "flux")],
    );
    meta.annotations
        .insert(ROLE_ANNOTATION.0.to_owned(), ROLE_ANNOTATION.1.to_owned());

    let mut objects: Vec<DynamicObject> = dist
        .crds
        .iter()
        .filter_map(|crd| crd_object(crd, &meta))
        .collect();

    let mut ns_meta = meta.clone();
    if let Some(level) = &s.pod_security_profile {
        for mode in ["enforce", "warn", "audit"] {
            ns_meta
                .labels
                .insert(format!("pod-security.kubernetes.io/{mode}"), level.clone());
        }
    }
    objects.push(object("v1", "Namespace", ns_meta.metadata(ns, None), json!({})));

    objects.push(object(
        "v1",
        "ResourceQuota",
        meta.metadata(name, Some(ns)),
        json!({"spec": {
            "hard": {"pods": "1000"},
            "scopeSelector": {"matchExpressions": [{
                "scopeName": "PriorityClass",
                "operator": "In",
                "values": ["system-node-critical", "system-cluster-critical"],
            }]},
        }}),
    ));

    let mut sa_meta = meta.clone();
    if let Some(w) = &s.workload_identity {
        let annotation = match w.provider {
            WorkloadProvider::Aws => "eks.amazonaws.com/role-arn",
            WorkloadProvider::Azure => {
                sa_meta.labels.insert(AZURE_USE.to_owned(), "true".to_owned());
                "azure.workload.identity/client-id"
            }
            WorkloadProvider::Gcp => "iam.gke.io/gcp-service-account",
        };
        sa_meta
            .annotations
            .insert(annotation.to_owned(), w.identity.clone());
    }
    objects.push(object(
        "v1",
        "ServiceAccount",
        sa_meta.metadata(name, Some(ns)),
        json!({}),
    ));

    let mut view_meta = meta.clone();
    for verb in ["admin", "edit", "view"] {
        view_meta.labels.insert(
            format!("rbac.authorization.k8s.io/aggregate-to-{verb}"),
            "true".to_owned(),
        );
    }
    objects.push(object(
        "rbac.authorization.k8s.io/v1",
        "ClusterRole",
        view_meta.metadata(&format!("{name}-view"), None),
        json!({"rules": [{
            "apiGroups": [
                "notification.toolkit.fluxcd.io",
                "source.toolkit.fluxcd.io",
                "helm.toolkit.fluxcd.io",
                "image.toolkit.fluxcd.io",
                "kustomize.toolkit.fluxcd.io",
                "source.extensions.fluxcd.io",
            ],
            "resources": ["*"],
            "verbs": ["get", "list", "watch"],
        }]}),
    ));
    objects.push(object(
        "rbac.authorization.k8s.io/v1",
        "ClusterRoleBinding",
        meta.metadata(name, None),
        json!({
            "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole", "name": "cluster-admin"},
            "subjects": [{"kind": "ServiceAccount", "name": name, "namespace": ns}],
        }),
    ));

    objects.push(deployment(common, s, dist, &meta, field_manager));

    let notification = s.controllers.notification.enabled;
    let services = [
        (
            notification && s.expose.webhook_receiver,
            "webhook-receiver",
            "http-webhook-nc",
        ),
        (
            notification && s.expose.notification_server,
            "notification-controller",
            "http-nc",
        ),
        (s.expose.source_server, "source-controller", "http-sc"),
    ];
    for (_, service, target) in services.iter().filter(|(on, _, _)| *on) {
        objects.push(object(
            "v1",
            "Service",
            meta.metadata(service, Some(ns)),
            json!({"spec": {
                "type": "ClusterIP",
                "selector": {"app.kubernetes.io/name": name},
                "ports": [{"name": "http", "port": 80, "protocol": "TCP", "targetPort": target}],
            }}),
        ));
    }

    if s.persistence.enabled {
        let mut spec = Map::new();
        spec.insert("accessModes".into(), json!(["ReadWriteOnce"]));
        if let Some(class) = &s.persistence.storage_class {
            spec.insert("storageClassName".into(), json!(class));
        }
        spec.insert(
            "resources".into(),
            json!({"requests": {"storage": s.persistence.size}}),
        );
        objects.push(object(
            "v1",
            "PersistentVolumeClaim",
            meta.metadata(name, Some(ns)),
            json!({"spec": spec}),
        ));
    }

    if let Some(p) = &s.image_pull_secret {
        let metadata = meta.metadata(&format!("{name}-image-pull"), Some(ns));
        objects.push(secrets::docker_config_secret(
            metadata,
            &p.registry,
            &p.username,
            &p.password,
        ));
    }
    objects
}

/// A distribution CRD with the common labels and annotations added to its own.
fn crd_object(crd: &Value, meta: &Meta) -> Option<DynamicObject> {
    let mut crd = crd.clone();
    let metadata = crd.get_mut("metadata")?.as_object_mut()?;
    for (field, extra) in [("labels", &meta.labels), ("annotations", &meta.annotations)] {
        let entry = metadata.entry(field).or_insert_with(|| Value::Object(Map::new()));
        if !entry.is_object() {
            *entry = Value::Object(Map::new());
        }
        if let Some(map) = entry.as_object_mut() {
            for (k, v) in extra {
                map.insert(k.clone(), json!(v));
            }
        }
    }
    serde_json::from_value(crd).ok()
}

/// The Deployment (design/rendering.md §3.3).
fn deployment(
    common: &Common,
    s: &AioSettings,
    dist: &Distribution,
    meta: &Meta,
    field_manager: &str,
) -> DynamicObject {
    let name = common.name.as_str();
    let azure = s
        .workload_identity
        .as_ref()
        .is_some_and(|w| w.provider == WorkloadProvider::Azure);
    let mut deploy_meta = meta.clone();
    let mut pod_labels: Map<String, Value> =
        s.pod_labels.iter().map(|(k, v)| (k.clone(), json!(v))).collect();
    pod_labels.insert("app.kubernetes.io/name".into(), json!(name));
    if azure {
        deploy_meta.labels.insert(AZURE_USE.to_owned(), "true".to_owned());
        pod_labels.insert(AZURE_USE.into(), json!("true"));
    }

    let env = environment(s);
    let security_context = s.security_context.clone().unwrap_or_else(|| {
        json!({
            "allowPrivilegeEscalation": false,
            "readOnlyRootFilesystem": true,
            "runAsNonRoot": true,
            "capabilities": {"drop": ["ALL"]},
            "seccompProfile": {"type": "RuntimeDefault"},
        })
    });
    let shared = Shared {
        s,
        name,
        field_manager,
        env: &env,
        security_context: &security_context,
    };
    let containers: Vec<Value> = s
        .controllers
        .enabled()
        .filter_map(|(c, ctl)| {
            let image = image_of(c, ctl, dist)?;
            Some(shared.container(c, ctl, &image))
        })
        .collect();

    let mut pod = Map::new();
    pod.insert("priorityClassName".into(), json!(s.priority_class_name));
    pod.insert("terminationGracePeriodSeconds".into(), json!(120));
    if s.compatibility == Compatibility::Kubernetes {
        pod.insert("securityContext".into(), json!({"fsGroup": 1337}));
    }
    pod.insert("serviceAccountName".into(), json!(name));
    pod.insert("hostNetwork".into(), json!(s.host_network));
    let data = if s.persistence.enabled {
        json!({"name": "data", "persistentVolumeClaim": {"claimName": name}})
    } else {
        json!({"name": "data", "emptyDir": {}})
    };
    let tmp = if s.tmpfs.enabled {
        let mut dir = Map::new();
        dir.insert("medium".into(), json!("Memory"));
        if let Some(limit) = &s.tmpfs.size_limit {
            dir.insert("sizeLimit".into(), json!(limit));
        }
        json!({"name": "tmp", "emptyDir": dir})
    } else {
        json!({"name": "tmp", "emptyDir": {}})
    };
    pod.insert("volumes".into(), json!([data, tmp]));
    if !s.node_selector.is_empty() {
        pod.insert("nodeSelector".into(), json!(s.node_selector));
    }
    pod.insert("affinity".into(), affinity(name, s.affinity.as_ref()));
    if !s.tolerations.is_empty() {
        let tolerations: Vec<Value> = s
            .tolerations
            .iter()
            .map(|t| {
                let mut m = Map::new();
                let fields = [
                    ("key", &t.key),
                    ("operator", &t.operator),
                    ("value", &t.value),
                    ("effect", &t.effect),
                ];
                for (k, v) in fields {
                    if let Some(v) = v {
                        m.insert(k.into(), json!(v));
                    }
                }
                if let Some(secs) = t.toleration_seconds {
                    m.insert("tolerationSeconds".into(), json!(secs));
                }
                Value::Object(m)
            })
            .collect();
        pod.insert("tolerations".into(), json!(tolerations));
    }
    pod.insert("containers".into(), json!(containers));
    let pull_secrets: Vec<Value> = match &s.image_pull_secret {
        Some(_) => vec![json!({"name": format!("{name}-image-pull")})],
        None => s.image_pull_secrets.iter().map(|n| json!({"name": n})).collect(),
    };
    if !pull_secrets.is_empty() {
        pod.insert("imagePullSecrets".into(), json!(pull_secrets));
    }

    let mut pod_annotations: Map<String, Value> = DEFAULT_POD_ANNOTATIONS
        .iter()
        .map(|k| ((*k).to_owned(), json!("true")))
        .collect();
    pod_annotations.extend(s.pod_annotations.iter().map(|(k, v)| (k.clone(), json!(v))));
    object(
        "apps/v1",
        "Deployment",
        deploy_meta.metadata(name, Some(&common.namespace)),
        json!({"spec": {
            "replicas": 1,
            "strategy": {"type": "Recreate"},
            "selector": {"matchLabels": {"app.kubernetes.io/name": name}},
            "template": {
                "metadata": {
                    "labels": pod_labels,
                    "annotations": pod_annotations,
                },
                "spec": pod,
            },
        }}),
    )
}

/// The pod's affinity: the fixed terms (Linux nodes, at most one Flux pod a node) with the
/// user's added. A required node selector term is an alternative, so each one given is
/// combined with the Linux requirement rather than added beside it; every other list is
/// appended to, and objects merge, the fixed values winning.
fn affinity(name: &str, user: Option<&Value>) -> Value {
    let linux = json!({"key": "kubernetes.io/os", "operator": "In", "values": ["linux"]});
    let mut fixed = json!({
        "nodeAffinity": {"requiredDuringSchedulingIgnoredDuringExecution": {"nodeSelectorTerms": [
            {"matchExpressions": [linux.clone()]},
        ]}},
        "podAntiAffinity": {"requiredDuringSchedulingIgnoredDuringExecution": [{
            "topologyKey": "kubernetes.io/hostname",
            "labelSelector": {"matchExpressions": [
                {"key": "app.kubernetes.io/name", "operator": "In", "values": [name]},
            ]},
        }]},
    });
    let Some(user) = user else {
        return fixed;
    };
    let mut user = user.clone();
    let terms_at = "/nodeAffinity/requiredDuringSchedulingIgnoredDuringExecution/nodeSelectorTerms";
    if let Some(Value::Array(terms)) = user.pointer_mut(terms_at).map(Value::take) {
        let combined: Vec<Value> = terms
            .into_iter()
            .map(|mut term| {
                let mut expressions = vec![linux.clone()];
                if let Some(Value::Array(own)) = term.get_mut("matchExpressions").map(Value::take) {
                    expressions.extend(own);
                }
                term["matchExpressions"] = Value::Array(expressions);
                term
            })
            .collect();
        if !combined.is_empty() {
            // Replaces the fixed term, which each combined term contains.
            if let Some(slot) = fixed.pointer_mut(terms_at) {
                *slot = Value::Array(combined);
            }
        }
        if let Some(Value::Object(required)) =
            user.pointer_mut("/nodeAffinity/requiredDuringSchedulingIgnoredDuringExecution")
        {
            required.remove("nodeSelectorTerms");
        }
    }
    add(&mut fixed, user);
    fixed
}

/// Adds `extra` to `base`: objects merge, arrays are appended to, and `base`'s scalars win.
fn add(base: &mut Value, extra: Value) {
    match (base, extra) {
        (Value::Object(b), Value::Object(e)) => {
            for (k, v) in e {
                match b.get_mut(&k) {
                    Some(existing) => add(existing, v),
                    None => {
                        b.insert(k, v);
                    }
                }
            }
        }
        (Value::Array(b), Value::Array(e)) => b.extend(e),
        (b @ Value::Null, e) => *b = e,
        _ => {}
    }
}

/// The environment of every container (design/rendering.md §3.3.2), user entries sorted by name last.
fn environment(s: &AioSettings) -> Vec<Value> {
    let mut env = vec![
        json!({"name": "SOURCE_CONTROLLER_LOCALHOST", "value": "localhost:9790"}),
        json!({"name": "SOURCE_WATCHER_LOCALHOST", "value": "localhost:9691"}),
        json!({"name": "RUNTIME_NAMESPACE", "valueFrom": {"fieldRef": {"fieldPath": "metadata.namespace"}}}),
        json!({"name": "GOMEMLIMIT", "valueFrom": {"resourceFieldRef": {"resource": "limits.memory"}}}),
        json!({"name": "TUF_ROOT", "value": "/tmp/.sigstore"}),
        json!({"name": "NO_PROXY", "value": s.proxy.no}),
    ];
    if let Some(https) = &s.proxy.https {
        env.push(json!({"name": "HTTPS_PROXY", "value": https}));
    }
    if let Some(http) = &s.proxy.http {
        env.push(json!({"name": "HTTP_PROXY", "value": http}));
    }
    env.extend(s.env.iter().map(|(k, v)| json!({"name": k, "value": v})));
    env
}

/// What differs between the containers (design/rendering.md §3.3.4).
struct Layout {
    ports: &'static [(u16, &'static str)],
    liveness: (&'static str, &'static str),
    readiness: (&'static str, &'static str),
    mounts: &'static [(&'static str, &'static str)],
}

const DATA_TMP: &[(&str, &str)] = &[("data", "/data"), ("tmp", "/tmp")];
const TMP: &[(&str, &str)] = &[("tmp", "/tmp")];

fn layout(c: Component) -> Layout {
    match c {
        Component::Source => Layout {
            ports: &[(9790, "http-sc"), (9791, "http-prom-sc"), (9792, "healthz-sc")],
            liveness: ("healthz-sc", "/healthz"),
            readiness: ("http-sc", "/"),
            mounts: DATA_TMP,
        },
        Component::Kustomize => Layout {
            ports: &[(9793, "http-prom-kc"), (9794, "healthz-kc")],
            liveness: ("healthz-kc", "/healthz"),
            readiness: ("healthz-kc", "/readyz"),
            mounts: TMP,
        },
        Component::Helm => Layout {
            ports: &[(9795, "http-prom-hc"), (9796, "healthz-hc")],
            liveness: ("healthz-hc", "/healthz"),
            readiness: ("healthz-hc", "/readyz"),
            mounts: TMP,
        },
        Component::Notification => Layout {
            ports: &[
                (9690, "http-nc"),
                (9797, "http-webhook-nc"),
                (9798, "http-prom-nc"),
                (9799, "healthz-nc"),
            ],
            liveness: ("healthz-nc", "/healthz"),
            readiness: ("healthz-nc", "/readyz"),
            mounts: TMP,
        },
        Component::Watcher => Layout {
            ports: &[(9691, "http-sw"), (9692, "http-prom-sw"), (9693, "healthz-sw")],
            liveness: ("healthz-sw", "/healthz"),
            readiness: ("http-sw", "/"),
            mounts: DATA_TMP,
        },
    }
}

/// The container args, in the order of design/rendering.md §3.3.4.
fn args(c: Component, ctl: &Controller, s: &AioSettings, name: &str, field_manager: &str) -> Vec<String> {
    let mut a: Vec<String> = vec![
        "--watch-all-namespaces".into(),
        format!("--log-level={}", s.log_level),
        "--log-encoding=json".into(),
        "--enable-leader-election=false".into(),
    ];
    let restricted = s.security_profile == SecurityProfile::Restricted;
    let events = s.controllers.notification.enabled;
    let concurrency = [
        format!("--concurrent={}", s.reconcile.concurrent),
        format!("--requeue-dependency={}", s.reconcile.requeue_dependency),
    ];
    let selector = "--watch-label-selector=!sharding.fluxcd.io/key".to_owned();
    match c {
        Component::Source => {
            a.extend([
                "--metrics-addr=:9791".into(),
                "--health-addr=:9792".into(),
                "--storage-addr=:9790".into(),
                "--storage-path=/data".into(),
                format!("--storage-adv-addr={name}.$(RUNTIME_NAMESPACE).svc.cluster.local."),
            ]);
            a.extend(concurrency);
            a.extend([
                selector,
                "--helm-cache-max-size=10".into(),
                "--helm-cache-ttl=60m".into(),
                "--helm-cache-purge-interval=5m".into(),
            ]);
            if events {
                a.push(EVENTS_ADDR.into());
            }
        }
        // The two appliers differ in ports, kustomize-controller's field manager and its
        // refusal of remote bases.
        Component::Kustomize | Component::Helm => {
            let kustomize = c == Component::Kustomize;
            let (metrics, health) = if kustomize { (9793, 9794) } else { (9795, 9796) };
            a.extend([
                format!("--metrics-addr=:{metrics}"),
                format!("--health-addr=:{health}"),
                selector,
            ]);
            if kustomize {
                a.push(format!("--override-manager={field_manager}"));
            }
            a.extend(concurrency);
            if events {
                a.push(EVENTS_ADDR.into());
            }
            if restricted {
                a.push("--no-cross-namespace-refs".into());
                if kustomize {
                    a.push("--no-remote-bases".into());
                }
                a.push(format!("--default-service-account={name}"));
            }
        }
        Component::Notification => {
            a.extend([
                "--receiverAddr=:9797".into(),
                "--metrics-addr=:9798".into(),
                "--health-addr=:9799".into(),
                "--events-addr=:9690".into(),
            ]);
            if restricted {
                a.push("--no-cross-namespace-refs".into());
            }
        }
        Component::Watcher => {
            a.extend([
                "--metrics-addr=:9692".into(),
                "--health-addr=:9693".into(),
                "--storage-addr=:9691".into(),
                "--storage-path=/data".into(),
                "--storage-adv-addr=source-watcher.$(RUNTIME_NAMESPACE).svc.cluster.local.".into(),
            ]);
            if events {
                a.push(EVENTS_ADDR.into());
            }
        }
    }
    if !ctl.feature_gates.is_empty() {
        a.push(format!("--feature-gates={}", ctl.feature_gates));
    }
    a.extend(ctl.args.iter().cloned());
    a
}

/// A container's `resources`: its own if set, else the top-level ones; empty parts omitted.
fn resources(r: &Resources) -> Value {
    let mut out = Map::new();
    for (section, q) in [("requests", &r.requests), ("limits", &r.limits)] {
        let mut m = Map::new();
        if let Some(cpu) = &q.cpu {
            m.insert("cpu".into(), json!(cpu));
        }
        if let Some(memory) = &q.memory {
            m.insert("memory".into(), json!(memory));
        }
        if !m.is_empty() {
            out.insert(section.into(), Value::Object(m));
        }
    }
    Value::Object(out)
}

/// What every container of the pod shares.
struct Shared<'a> {
    s: &'a AioSettings,
    name: &'a str,
    field_manager: &'a str,
    env: &'a [Value],
    security_context: &'a Value,
}

impl Shared<'_> {
    /// The container of controller `c` (design/rendering.md §3.3.3–3.3.4).
    fn container(&self, c: Component, ctl: &Controller, image: &str) -> Value {
        let l = layout(c);
        let ports: Vec<Value> = l
            .ports
            .iter()
            .map(|(port, port_name)| json!({"containerPort": port, "name": port_name, "protocol": "TCP"}))
            .collect();
        let mounts: Vec<Value> = l
            .mounts
            .iter()
            .map(|(volume, path)| json!({"name": volume, "mountPath": path}))
            .collect();
        let mut m = Map::new();
        m.insert("name".into(), json!(c.container()));
        m.insert("image".into(), json!(image));
        m.insert("imagePullPolicy".into(), json!("IfNotPresent"));
        m.insert("securityContext".into(), self.security_context.clone());
        m.insert("env".into(), json!(self.env));
        m.insert("ports".into(), json!(ports));
        m.insert(
            "args".into(),
            json!(args(c, ctl, self.s, self.name, self.field_manager)),
        );
        m.insert(
            "livenessProbe".into(),
            json!({"httpGet": {"port": l.liveness.0, "path": l.liveness.1}}),
        );
        m.insert(
            "readinessProbe".into(),
            json!({"httpGet": {"port": l.readiness.0, "path": l.readiness.1}}),
        );
        let res = resources(ctl.resources.as_ref().unwrap_or(&self.s.resources));
        if res.as_object().is_some_and(|o| !o.is_empty()) {
            m.insert("resources".into(), res);
        }
        m.insert("volumeMounts".into(), json!(mounts));
        Value::Object(m)
    }
}
