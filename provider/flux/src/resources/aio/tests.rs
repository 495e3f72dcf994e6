//! Tests of the `flux_aio` schema, settings, validation and rendering.

use super::*;
use crate::golden::assert_golden;
use crate::render::{to_json, to_yaml};
use crate::resources::{Common, testing};
use distribution::Distribution;
use kube::api::DynamicObject;
use serde_json::json;
use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::OnceLock;
use tfplugin::cty::Value;
use tfplugin::diag::{Diagnostics, Severity};
use tfplugin::schema::{Schema, validate_config};

// ---------------------------------------------------------------------------------------------
// Fixtures

/// The Flux v2.9.4 distribution, with the CRDs of the release manifests.
fn dist() -> &'static Distribution {
    static DIST: OnceLock<Distribution> = OnceLock::new();
    DIST.get_or_init(|| {
        let dir = distribution::testing::testdata_dir().join("flux-manifests/v2.9.4");
        let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
            .unwrap_or_else(|e| panic!("read {}: {e}", dir.display()))
            .map(|e| e.expect("directory entry").path())
            .filter(|p| p.extension().is_some_and(|x| x == "yaml"))
            .collect();
        files.sort();
        let mut crds = Vec::new();
        for f in files {
            let text = std::fs::read_to_string(&f).expect("read manifest");
            let docs: Vec<serde_json::Value> =
                serde_saphyr::from_multiple(&text).unwrap_or_else(|e| panic!("parse {}: {e}", f.display()));
            crds.extend(
                docs.into_iter()
                    .filter(|d| d["kind"] == "CustomResourceDefinition"),
            );
        }
        crds.sort_by(|a, b| {
            a["metadata"]["name"]
                .as_str()
                .cmp(&b["metadata"]["name"].as_str())
        });
        Distribution {
            version: "2.9.4".into(),
            crds,
            images: images_at("ghcr.io/fluxcd"),
        }
    })
}

/// The v2.9.4 controller images under `registry`.
fn images_at(registry: &str) -> BTreeMap<String, String> {
    [
        ("source-controller", "v1.9.4"),
        ("kustomize-controller", "v1.9.4"),
        ("helm-controller", "v1.6.3"),
        ("notification-controller", "v1.9.3"),
        ("source-watcher", "v2.2.3"),
    ]
    .into_iter()
    .map(|(c, tag)| (c.to_owned(), format!("{registry}/{c}:{tag}")))
    .collect()
}

fn schema() -> Schema {
    testing::schema_of(attributes())
}

fn config(j: &serde_json::Value) -> Value {
    testing::config(&schema(), j)
}

fn planned(j: &serde_json::Value) -> Value {
    testing::planned(&schema(), j)
}

fn aio(j: &serde_json::Value) -> AioSettings {
    testing::decoded(&planned(j))
}

fn common() -> Common {
    testing::common("flux", "flux-system")
}

/// The objects a plan applies: rendered, then patched.
fn rendered(j: &serde_json::Value) -> Vec<DynamicObject> {
    let settings = aio(j);
    let mut objects = render(&common(), &settings, dist(), "flux-provider");
    crate::render::patch::patch_objects(&mut objects, &settings.patches, "patches")
        .expect("the patches apply");
    objects
}

fn is_crd(o: &DynamicObject) -> bool {
    o.types
        .as_ref()
        .is_some_and(|t| t.kind == "CustomResourceDefinition")
}

/// The golden form of a rendering with CRDs: each CRD's spec replaced by `{}`.
fn crd_specs_dropped(objects: &[DynamicObject]) -> Vec<DynamicObject> {
    objects
        .iter()
        .cloned()
        .map(|mut o| {
            if is_crd(&o)
                && let Some(m) = o.data.as_object_mut()
            {
                m.insert("spec".into(), json!({}));
            }
            o
        })
        .collect()
}

/// Compares the rendering without its CRDs with `testdata/aio/<case>.yaml`.
fn golden(case: &str, objects: &[DynamicObject]) {
    let rest: Vec<DynamicObject> = objects.iter().filter(|o| !is_crd(o)).cloned().collect();
    assert_golden(&format!("aio/{case}.yaml"), &to_yaml(&rest));
}

fn find<'a>(objects: &'a [DynamicObject], kind: &str, name: &str) -> Option<&'a DynamicObject> {
    objects.iter().find(|o| {
        o.types.as_ref().is_some_and(|t| t.kind == kind) && o.metadata.name.as_deref() == Some(name)
    })
}

/// The Deployment `flux` as JSON.
fn deployment(objects: &[DynamicObject]) -> serde_json::Value {
    to_json(find(objects, "Deployment", "flux").expect("the Deployment is rendered"))
}

fn pod(objects: &[DynamicObject]) -> serde_json::Value {
    deployment(objects)["spec"]["template"]["spec"].clone()
}

fn container_names(objects: &[DynamicObject]) -> Vec<String> {
    pod(objects)["containers"]
        .as_array()
        .expect("containers")
        .iter()
        .map(|c| c["name"].as_str().expect("name").to_owned())
        .collect()
}

fn container(objects: &[DynamicObject], name: &str) -> serde_json::Value {
    pod(objects)["containers"]
        .as_array()
        .expect("containers")
        .iter()
        .find(|c| c["name"] == name)
        .cloned()
        .unwrap_or_else(|| panic!("no container {name}"))
}

fn args(objects: &[DynamicObject], name: &str) -> Vec<String> {
    container(objects, name)["args"]
        .as_array()
        .expect("args")
        .iter()
        .map(|a| a.as_str().expect("arg").to_owned())
        .collect()
}

fn env_names(objects: &[DynamicObject], name: &str) -> Vec<String> {
    container(objects, name)["env"]
        .as_array()
        .expect("env")
        .iter()
        .map(|e| e["name"].as_str().expect("env name").to_owned())
        .collect()
}

fn kinds(objects: &[DynamicObject]) -> Vec<String> {
    objects
        .iter()
        .filter(|o| !is_crd(o))
        .map(|o| {
            format!(
                "{}/{}",
                o.types.as_ref().map(|t| t.kind.as_str()).unwrap_or_default(),
                o.metadata.name.as_deref().unwrap_or_default()
            )
        })
        .collect()
}

// ---------------------------------------------------------------------------------------------
// Schema and settings

#[test]
fn schema_is_valid() {
    schema().validate_implementation().unwrap();
}

#[test]
fn every_attribute_is_described() {
    fn walk(attrs: &[tfplugin::schema::Attribute], prefix: &str) {
        for a in attrs {
            assert!(!a.description.is_empty(), "{prefix}{} has no description", a.name);
            if let tfplugin::schema::AttributeKind::Nested(_, nested) = &a.kind {
                walk(nested, &format!("{prefix}{}.", a.name));
            }
        }
    }
    walk(&attributes(), "");
}

#[test]
fn secrets_are_sensitive() {
    let attrs = attributes();
    let nested = |name: &str| match &attrs.iter().find(|a| a.name == name).expect(name).kind {
        tfplugin::schema::AttributeKind::Nested(_, n) => n.clone(),
        tfplugin::schema::AttributeKind::Value(_) => panic!("{name} is not nested"),
    };
    let password = |attrs: &[tfplugin::schema::Attribute]| {
        attrs
            .iter()
            .find(|a| a.name == "password")
            .expect("password")
            .sensitive
    };
    assert!(password(&nested("image_pull_secret")));
    let dist = nested("distribution");
    let creds = match &dist
        .iter()
        .find(|a| a.name == "credentials")
        .expect("credentials")
        .kind
    {
        tfplugin::schema::AttributeKind::Nested(_, n) => n.clone(),
        tfplugin::schema::AttributeKind::Value(_) => panic!("credentials is not nested"),
    };
    assert!(password(&creds));
}

#[test]
fn schema_defaults_decode_to_the_documented_settings() {
    let s = AioSettings::default();
    assert_eq!(aio(&json!({})), s);
    assert_eq!(s.version, "2.9.x");
    assert!(s.host_network);
    assert_eq!(s.log_level, "info");
    assert_eq!(s.security_profile, SecurityProfile::Privileged);
    assert_eq!(s.deletion_policy, DeletionPolicy::Delete);
    assert_eq!(s.proxy.no, ".cluster.local.,.cluster.local,.svc");
    assert_eq!(
        (s.reconcile.concurrent, s.reconcile.requeue_dependency.as_str()),
        (5, "30s")
    );
    assert_eq!(s.persistence.storage_class, None, "the cluster's default class");
    assert_eq!(s.resources.requests.cpu.as_deref(), Some("100m"));
    assert_eq!(s.resources.limits.memory.as_deref(), Some("1Gi"));
    assert_eq!(s.resources.limits.cpu, None);
    let enabled: Vec<_> = s.controllers.enabled().map(|(c, _)| c).collect();
    assert_eq!(enabled, Component::ALL, "every controller runs by default");
    assert_eq!(s.controllers.kustomize.feature_gates, "ExternalArtifact=true");
    assert_eq!(s.controllers.source.feature_gates, "");
    let keys: Vec<_> = s
        .tolerations
        .iter()
        .map(|t| t.key.as_deref().unwrap_or_default())
        .collect();
    assert_eq!(
        keys,
        ["node.kubernetes.io/not-ready", "node.kubernetes.io/unreachable"]
    );
    assert_eq!(s.tolerations[1].toleration_seconds, Some(300));
}

#[test]
fn nested_defaults_fill_around_what_is_set() {
    let s = aio(&json!({
        "controllers": {"helm": {"enabled": false}},
        "resources": {"limits": {"cpu": "2000m"}},
        "persistence": {"enabled": true},
        "proxy": {"https": "http://proxy:3128"},
    }));
    assert!(!s.controllers.helm.enabled);
    assert_eq!(s.controllers.helm.feature_gates, DEFAULT_FEATURE_GATES);
    assert_eq!(
        s.controllers.kustomize,
        AioSettings::default().controllers.kustomize
    );
    assert_eq!(s.controllers.source, AioSettings::default().controllers.source);
    assert_eq!(s.resources.limits.cpu.as_deref(), Some("2000m"));
    assert_eq!(s.resources.limits.memory.as_deref(), Some(DEFAULT_LIMITS_MEMORY));
    assert_eq!(s.resources.requests.cpu.as_deref(), Some(DEFAULT_REQUESTS_CPU));
    assert_eq!(s.persistence.size, DEFAULT_STORAGE_SIZE);
    assert_eq!(s.persistence.storage_class, None);
    assert_eq!(s.proxy.no, DEFAULT_NO_PROXY);
}

#[test]
fn empty_strings_count_as_unset() {
    let s = aio(&json!({
        "proxy": {"https": "", "http": ""},
        "tmpfs": {"enabled": true, "size_limit": ""},

        "resources": {"limits": {"cpu": ""}},
        "controllers": {"source": {"image": {"repository": "r/s", "tag": "", "digest": ""}}},
    }));
    assert_eq!(s.proxy.https, None);
    assert_eq!(s.proxy.http, None);
    assert_eq!(s.tmpfs.size_limit, None);
    assert_eq!(s.resources.limits.cpu, None);
    assert_eq!(
        s.controllers
            .source
            .image
            .as_ref()
            .and_then(|i| i.reference(None))
            .as_deref(),
        Some("r/s:latest")
    );
}

#[test]
fn image_references() {
    let image = |tag: Option<&str>, digest: Option<&str>| ImageRef {
        repository: Some("ghcr.io/fluxcd/source-controller".into()),
        tag: tag.map(Into::into),
        digest: digest.map(Into::into),
    };
    let cases = [
        (
            image(Some("v1"), Some("sha256:ab")),
            "ghcr.io/fluxcd/source-controller:v1@sha256:ab",
        ),
        (
            image(None, Some("sha256:ab")),
            "ghcr.io/fluxcd/source-controller@sha256:ab",
        ),
        (image(Some("v1"), None), "ghcr.io/fluxcd/source-controller:v1"),
        (image(None, None), "ghcr.io/fluxcd/source-controller:latest"),
    ];
    for (i, want) in cases {
        assert_eq!(i.reference(None).as_deref(), Some(want));
    }
    // Without a repository, the distribution's, its tag and digest replaced.
    let tag_only = ImageRef {
        repository: None,
        tag: Some("v1.9.5".into()),
        digest: None,
    };
    let default = "registry.local:5000/fluxcd/source-controller:v1.9.4@sha256:ab";
    assert_eq!(
        tag_only.reference(Some(default)).as_deref(),
        Some("registry.local:5000/fluxcd/source-controller:v1.9.5")
    );
    assert_eq!(tag_only.reference(None), None, "no repository at all");
    assert_eq!(repository_of("localhost:5000/flux"), "localhost:5000/flux");
}

// ---------------------------------------------------------------------------------------------
// Rendering: defaults

#[test]
fn golden_default() {
    let objects = rendered(&json!({}));
    assert_golden("aio/default.yaml", &to_yaml(&crd_specs_dropped(&objects)));
}

#[test]
fn default_objects_in_apply_order() {
    let objects = rendered(&json!({}));
    assert_eq!(objects.iter().filter(|o| is_crd(o)).count(), 15);
    assert!(objects[..15].iter().all(is_crd), "CRDs come first");
    assert_eq!(
        kinds(&objects),
        [
            "Namespace/flux-system",
            "ResourceQuota/flux",
            "ServiceAccount/flux",
            "ClusterRole/flux-view",
            "ClusterRoleBinding/flux",
            "Deployment/flux",
        ]
    );
}

#[test]
fn crds_carry_the_common_metadata() {
    let mut c = common();
    c.labels.insert("team".into(), "platform".into());
    let objects = render(&c, &AioSettings::default(), dist(), "flux-provider");
    let crds: Vec<&DynamicObject> = objects.iter().filter(|o| is_crd(o)).collect();
    let names: Vec<&str> = crds.iter().filter_map(|o| o.metadata.name.as_deref()).collect();
    let mut sorted = names.clone();
    sorted.sort_unstable();
    assert_eq!(names, sorted, "CRDs keep the distribution's order (by name)");
    assert!(names.contains(&"artifactgenerators.source.extensions.fluxcd.io"));
    for crd in crds {
        let labels = crd.metadata.labels.as_ref().expect("labels");
        let annotations = crd.metadata.annotations.as_ref().expect("annotations");
        let name = crd.metadata.name.as_deref().unwrap_or_default();
        assert_eq!(labels["app.kubernetes.io/name"], "flux", "{name}");
        assert_eq!(labels["app.kubernetes.io/version"], "v2.9.4", "{name}");
        assert_eq!(labels["app.kubernetes.io/managed-by"], "flux-provider", "{name}");
        assert_eq!(labels["app.kubernetes.io/part-of"], "flux", "{name}");
        assert_eq!(labels["team"], "platform", "{name}");
        assert!(
            labels.contains_key("app.kubernetes.io/component"),
            "{name} keeps its own labels"
        );
        assert_eq!(annotations["app.kubernetes.io/role"], "cluster-admin", "{name}");
        assert!(
            annotations.contains_key("controller-gen.kubebuilder.io/version"),
            "{name} keeps its own annotations"
        );
        assert!(crd.data["spec"]["versions"].is_array(), "{name} keeps its spec");
    }
}

#[test]
fn every_object_has_the_common_metadata() {
    let objects = rendered(&json!({
        "expose": {"webhook_receiver": true, "notification_server": true, "source_server": true},
        "persistence": {"enabled": true},
        "image_pull_secret": {"registry": "r", "username": "u", "password": "p"},
    }));
    assert_eq!(objects.len(), 15 + 6 + 5);
    for o in &objects {
        let labels = o.metadata.labels.as_ref().expect("labels");
        let name = o.metadata.name.as_deref().unwrap_or_default();
        for (k, v) in [
            ("app.kubernetes.io/name", "flux"),
            ("app.kubernetes.io/version", "v2.9.4"),
            ("app.kubernetes.io/managed-by", "flux-provider"),
            ("app.kubernetes.io/part-of", "flux"),
        ] {
            assert_eq!(labels.get(k).map(String::as_str), Some(v), "{name} {k}");
        }
        let annotations = o.metadata.annotations.as_ref().expect("annotations");
        assert_eq!(annotations["app.kubernetes.io/role"], "cluster-admin", "{name}");
    }
}

#[test]
fn default_deployment_matches_the_reference_rendering() {
    let objects = rendered(&json!({}));
    let d = deployment(&objects);
    assert_eq!(d["spec"]["replicas"], 1);
    assert_eq!(d["spec"]["strategy"], json!({"type": "Recreate"}));
    assert_eq!(
        d["spec"]["selector"],
        json!({"matchLabels": {"app.kubernetes.io/name": "flux"}})
    );
    assert_eq!(
        d["spec"]["template"]["metadata"],
        json!({
            "labels": {"app.kubernetes.io/name": "flux"},
            "annotations": {
                "cluster-autoscaler.kubernetes.io/safe-to-evict": "true",
                "prometheus.io/scrape": "true",
            },
        })
    );
    let p = pod(&objects);
    assert_eq!(p["priorityClassName"], "system-cluster-critical");
    assert_eq!(p["terminationGracePeriodSeconds"], 120);
    assert_eq!(p["securityContext"], json!({"fsGroup": 1337}));
    assert_eq!(p["serviceAccountName"], "flux");
    assert_eq!(p["hostNetwork"], true);
    assert!(p.get("dnsPolicy").is_none());
    assert!(p.get("imagePullSecrets").is_none());
    assert_eq!(
        p["volumes"],
        json!([{"name": "data", "emptyDir": {}}, {"name": "tmp", "emptyDir": {}}])
    );
    assert_eq!(
        p["affinity"],
        json!({
            "nodeAffinity": {"requiredDuringSchedulingIgnoredDuringExecution": {"nodeSelectorTerms": [
                {"matchExpressions": [{"key": "kubernetes.io/os", "operator": "In", "values": ["linux"]}]},
            ]}},
            "podAntiAffinity": {"requiredDuringSchedulingIgnoredDuringExecution": [{
                "topologyKey": "kubernetes.io/hostname",
                "labelSelector": {"matchExpressions": [
                    {"key": "app.kubernetes.io/name", "operator": "In", "values": ["flux"]},
                ]},
            }]},
        })
    );
    assert_eq!(
        p["tolerations"],
        json!([
            {"key": "node.kubernetes.io/not-ready", "operator": "Exists"},
            {"key": "node.kubernetes.io/unreachable", "operator": "Exists", "effect": "NoExecute", "tolerationSeconds": 300},
        ])
    );
    assert_eq!(
        container_names(&objects),
        [
            "source-controller",
            "kustomize-controller",
            "helm-controller",
            "notification-controller",
            "source-watcher",
        ]
    );

    let source = container(&objects, "source-controller");
    assert_eq!(source["image"], "ghcr.io/fluxcd/source-controller:v1.9.4");
    assert_eq!(source["imagePullPolicy"], "IfNotPresent");
    assert_eq!(
        source["securityContext"],
        json!({
            "allowPrivilegeEscalation": false,
            "readOnlyRootFilesystem": true,
            "runAsNonRoot": true,
            "capabilities": {"drop": ["ALL"]},
            "seccompProfile": {"type": "RuntimeDefault"},
        })
    );
    assert_eq!(
        source["env"],
        json!([
            {"name": "SOURCE_CONTROLLER_LOCALHOST", "value": "localhost:9790"},
            {"name": "SOURCE_WATCHER_LOCALHOST", "value": "localhost:9691"},
            {"name": "RUNTIME_NAMESPACE", "valueFrom": {"fieldRef": {"fieldPath": "metadata.namespace"}}},
            {"name": "GOMEMLIMIT", "valueFrom": {"resourceFieldRef": {"resource": "limits.memory"}}},
            {"name": "TUF_ROOT", "value": "/tmp/.sigstore"},
            {"name": "NO_PROXY", "value": ".cluster.local.,.cluster.local,.svc"},
        ])
    );
    assert_eq!(
        source["ports"],
        json!([
            {"containerPort": 9790, "name": "http-sc", "protocol": "TCP"},
            {"containerPort": 9791, "name": "http-prom-sc", "protocol": "TCP"},
            {"containerPort": 9792, "name": "healthz-sc", "protocol": "TCP"},
        ])
    );
    assert_eq!(
        args(&objects, "source-controller"),
        [
            "--watch-all-namespaces",
            "--log-level=info",
            "--log-encoding=json",
            "--enable-leader-election=false",
            "--metrics-addr=:9791",
            "--health-addr=:9792",
            "--storage-addr=:9790",
            "--storage-path=/data",
            "--storage-adv-addr=flux.$(RUNTIME_NAMESPACE).svc.cluster.local.",
            "--concurrent=5",
            "--requeue-dependency=30s",
            "--watch-label-selector=!sharding.fluxcd.io/key",
            "--helm-cache-max-size=10",
            "--helm-cache-ttl=60m",
            "--helm-cache-purge-interval=5m",
            "--events-addr=http://localhost:9690",
        ]
    );
    assert_eq!(
        source["livenessProbe"],
        json!({"httpGet": {"port": "healthz-sc", "path": "/healthz"}})
    );
    assert_eq!(
        source["readinessProbe"],
        json!({"httpGet": {"port": "http-sc", "path": "/"}})
    );
    assert_eq!(
        source["resources"],
        json!({"requests": {"cpu": "100m", "memory": "64Mi"}, "limits": {"memory": "1Gi"}})
    );
    assert_eq!(
        source["volumeMounts"],
        json!([{"name": "data", "mountPath": "/data"}, {"name": "tmp", "mountPath": "/tmp"}])
    );

    assert_eq!(
        args(&objects, "kustomize-controller").join(" "),
        "--watch-all-namespaces --log-level=info --log-encoding=json --enable-leader-election=false \
         --metrics-addr=:9793 --health-addr=:9794 --watch-label-selector=!sharding.fluxcd.io/key \
         --override-manager=flux-provider --concurrent=5 --requeue-dependency=30s \
         --events-addr=http://localhost:9690 --feature-gates=ExternalArtifact=true"
    );
    assert_eq!(
        args(&objects, "helm-controller").join(" "),
        "--watch-all-namespaces --log-level=info --log-encoding=json --enable-leader-election=false \
         --metrics-addr=:9795 --health-addr=:9796 --watch-label-selector=!sharding.fluxcd.io/key \
         --concurrent=5 --requeue-dependency=30s --events-addr=http://localhost:9690 \
         --feature-gates=ExternalArtifact=true"
    );
    assert_eq!(
        args(&objects, "notification-controller").join(" "),
        "--watch-all-namespaces --log-level=info --log-encoding=json --enable-leader-election=false \
         --receiverAddr=:9797 --metrics-addr=:9798 --health-addr=:9799 --events-addr=:9690"
    );
    assert_eq!(
        args(&objects, "source-watcher").join(" "),
        "--watch-all-namespaces --log-level=info --log-encoding=json --enable-leader-election=false \
         --metrics-addr=:9692 --health-addr=:9693 --storage-addr=:9691 --storage-path=/data \
         --storage-adv-addr=source-watcher.$(RUNTIME_NAMESPACE).svc.cluster.local. \
         --events-addr=http://localhost:9690"
    );
    for name in container_names(&objects) {
        let c = container(&objects, &name);
        assert_eq!(c["env"], source["env"], "{name} has the same env");
        assert_eq!(c["securityContext"], source["securityContext"], "{name}");
        assert_eq!(c["resources"], source["resources"], "{name}");
        assert_eq!(c["imagePullPolicy"], "IfNotPresent", "{name}");
    }
    for (name, readiness) in [
        (
            "kustomize-controller",
            json!({"httpGet": {"port": "healthz-kc", "path": "/readyz"}}),
        ),
        (
            "helm-controller",
            json!({"httpGet": {"port": "healthz-hc", "path": "/readyz"}}),
        ),
        (
            "notification-controller",
            json!({"httpGet": {"port": "healthz-nc", "path": "/readyz"}}),
        ),
        (
            "source-watcher",
            json!({"httpGet": {"port": "http-sw", "path": "/"}}),
        ),
    ] {
        assert_eq!(container(&objects, name)["readinessProbe"], readiness, "{name}");
    }
    assert_eq!(
        container(&objects, "source-watcher")["volumeMounts"],
        json!([{"name": "data", "mountPath": "/data"}, {"name": "tmp", "mountPath": "/tmp"}])
    );
    assert_eq!(
        container(&objects, "helm-controller")["volumeMounts"],
        json!([{"name": "tmp", "mountPath": "/tmp"}])
    );
}

#[test]
fn override_manager_follows_the_field_manager() {
    let objects = render(&common(), &AioSettings::default(), dist(), "my-manager");
    assert!(args(&objects, "kustomize-controller").contains(&"--override-manager=my-manager".to_owned()));
}

#[test]
fn default_images_come_from_the_distribution() {
    assert_eq!(images(&AioSettings::default(), dist()), dist().images);
    assert!(missing_images(&AioSettings::default(), dist()).is_empty());
}

// ---------------------------------------------------------------------------------------------
// Rendering: one golden per option group

#[test]
fn golden_cloud() {
    // The seed's "Cloud" tab: EKS with IRSA, no host network, persistent artifact storage.
    let objects = rendered(&json!({
        "host_network": false,
        "security_profile": "privileged",
        "workload_identity": {"provider": "aws", "identity": "arn:aws:iam::111122223333:role/my-role"},
        "persistence": {"enabled": true, "storage_class": "standard", "size": "8Gi"},
    }));
    golden("cloud", &objects);
    let claim = |persistence: serde_json::Value| {
        let objects = rendered(&json!({ "persistence": persistence }));
        to_json(find(&objects, "PersistentVolumeClaim", "flux").expect("PVC"))["spec"].clone()
    };
    // Unset: the cluster's default class; "": no class (static volumes only), as Kubernetes
    // reads an empty storageClassName.
    assert!(
        claim(json!({"enabled": true}))
            .as_object()
            .is_some_and(|spec| !spec.contains_key("storageClassName"))
    );
    assert_eq!(
        claim(json!({"enabled": true, "storage_class": ""}))["storageClassName"],
        ""
    );
    assert_eq!(
        claim(json!({"enabled": true, "storage_class": "gp3"}))["storageClassName"],
        "gp3"
    );
    assert_eq!(pod(&objects)["hostNetwork"], false);
    assert_eq!(
        pod(&objects)["volumes"][0],
        json!({"name": "data", "persistentVolumeClaim": {"claimName": "flux"}})
    );
    let sa = find(&objects, "ServiceAccount", "flux").expect("ServiceAccount");
    assert_eq!(
        sa.metadata.annotations.as_ref().expect("annotations")["eks.amazonaws.com/role-arn"],
        "arn:aws:iam::111122223333:role/my-role"
    );
    let pvc = to_json(find(&objects, "PersistentVolumeClaim", "flux").expect("PVC"));
    assert_eq!(
        pvc["spec"],
        json!({"accessModes": ["ReadWriteOnce"], "storageClassName": "standard", "resources": {"requests": {"storage": "8Gi"}}})
    );
    assert_eq!(
        kinds(&objects).last().map(String::as_str),
        Some("PersistentVolumeClaim/flux")
    );
}

#[test]
fn workload_identity_azure_and_gcp() {
    let objects = rendered(&json!({"workload_identity": {"provider": "azure", "identity": "client-id"}}));
    golden("workload-azure", &objects);
    let sa = find(&objects, "ServiceAccount", "flux").expect("ServiceAccount");
    assert_eq!(
        sa.metadata.labels.as_ref().expect("labels")["azure.workload.identity/use"],
        "true"
    );
    assert_eq!(
        sa.metadata.annotations.as_ref().expect("annotations")["azure.workload.identity/client-id"],
        "client-id"
    );
    let d = deployment(&objects);
    assert_eq!(d["metadata"]["labels"]["azure.workload.identity/use"], "true");
    assert_eq!(
        d["spec"]["template"]["metadata"]["labels"]["azure.workload.identity/use"],
        "true"
    );

    let objects = rendered(
        &json!({"workload_identity": {"provider": "gcp", "identity": "flux@p.iam.gserviceaccount.com"}}),
    );
    let sa = find(&objects, "ServiceAccount", "flux").expect("ServiceAccount");
    assert_eq!(
        sa.metadata.annotations.as_ref().expect("annotations")["iam.gke.io/gcp-service-account"],
        "flux@p.iam.gserviceaccount.com"
    );
    assert!(
        deployment(&objects)["metadata"]["labels"]
            .get("azure.workload.identity/use")
            .is_none()
    );
}

#[test]
fn golden_restricted() {
    let objects = rendered(&json!({"security_profile": "restricted"}));
    golden("restricted", &objects);
    let tail = |name: &str, n: usize| {
        let a = args(&objects, name);
        a[a.len() - n..].to_vec()
    };
    assert_eq!(
        tail("kustomize-controller", 4),
        [
            "--no-cross-namespace-refs",
            "--no-remote-bases",
            "--default-service-account=flux",
            "--feature-gates=ExternalArtifact=true",
        ]
    );
    assert_eq!(
        tail("helm-controller", 3),
        [
            "--no-cross-namespace-refs",
            "--default-service-account=flux",
            "--feature-gates=ExternalArtifact=true",
        ]
    );
    assert_eq!(tail("notification-controller", 1), ["--no-cross-namespace-refs"]);
    let default = rendered(&json!({}));
    for name in ["source-controller", "source-watcher"] {
        assert_eq!(
            args(&objects, name),
            args(&default, name),
            "{name} is not affected"
        );
    }
    assert_eq!(
        find(&objects, "ClusterRoleBinding", "flux").map(|o| o.data.clone()),
        find(&default, "ClusterRoleBinding", "flux").map(|o| o.data.clone()),
        "RBAC does not change"
    );
}

#[test]
fn golden_disabled_controllers() {
    let objects = rendered(&json!({
        "controllers": {
            "helm": {"enabled": false},
            "notification": {"enabled": false},
            "watcher": {"enabled": false},
        },
        "expose": {"webhook_receiver": true, "notification_server": true},
    }));
    golden("disabled-controllers", &objects);
    assert_eq!(
        container_names(&objects),
        ["source-controller", "kustomize-controller"]
    );
    for name in ["source-controller", "kustomize-controller"] {
        assert!(
            !args(&objects, name)
                .iter()
                .any(|a| a.starts_with("--events-addr")),
            "{name} has no events address without the notification-controller"
        );
    }
    assert!(find(&objects, "Service", "webhook-receiver").is_none());
    assert!(find(&objects, "Service", "notification-controller").is_none());
    let s = aio(&json!({"controllers": {"helm": {"enabled": false}}}));
    assert_eq!(
        images(&s, dist()).keys().collect::<Vec<_>>(),
        [
            "kustomize-controller",
            "notification-controller",
            "source-controller",
            "source-watcher"
        ]
    );
}

#[test]
fn golden_expose() {
    let objects = rendered(&json!({
        "expose": {"webhook_receiver": true, "notification_server": true, "source_server": true},
    }));
    golden("expose", &objects);
    assert_eq!(
        kinds(&objects)[6..],
        [
            "Service/webhook-receiver",
            "Service/notification-controller",
            "Service/source-controller",
        ]
    );
    let svc = to_json(find(&objects, "Service", "webhook-receiver").expect("service"));
    assert_eq!(
        svc["spec"],
        json!({
            "type": "ClusterIP",
            "selector": {"app.kubernetes.io/name": "flux"},
            "ports": [{"name": "http", "port": 80, "protocol": "TCP", "targetPort": "http-webhook-nc"}],
        })
    );
}

#[test]
fn golden_proxy_env() {
    let objects = rendered(&json!({
        "proxy": {"https": "http://proxy:3128", "http": "http://proxy:3128", "no": "10.0.0.0/8,.svc"},
        "env": {"KUBERNETES_SERVICE_PORT": "6443", "KUBERNETES_SERVICE_HOST": "10.0.0.1", "A_FIRST": "1"},
    }));
    golden("proxy-env", &objects);
    for name in container_names(&objects) {
        assert_eq!(
            env_names(&objects, &name),
            [
                "SOURCE_CONTROLLER_LOCALHOST",
                "SOURCE_WATCHER_LOCALHOST",
                "RUNTIME_NAMESPACE",
                "GOMEMLIMIT",
                "TUF_ROOT",
                "NO_PROXY",
                "HTTPS_PROXY",
                "HTTP_PROXY",
                "A_FIRST",
                "KUBERNETES_SERVICE_HOST",
                "KUBERNETES_SERVICE_PORT",
            ],
            "{name}"
        );
    }
    assert_eq!(
        container(&objects, "helm-controller")["env"][5]["value"],
        "10.0.0.0/8,.svc"
    );
}

#[test]
fn golden_tmpfs() {
    let objects = rendered(&json!({"tmpfs": {"enabled": true, "size_limit": "512Mi"}}));
    golden("tmpfs", &objects);
    assert_eq!(
        pod(&objects)["volumes"][1],
        json!({"name": "tmp", "emptyDir": {"medium": "Memory", "sizeLimit": "512Mi"}})
    );
    let objects = rendered(&json!({"tmpfs": {"enabled": true}}));
    assert_eq!(
        pod(&objects)["volumes"][1],
        json!({"name": "tmp", "emptyDir": {"medium": "Memory"}})
    );
}

#[test]
fn golden_image_pull_secret() {
    let objects = rendered(&json!({
        "image_pull_secret": {"registry": "registry.example.com:5000", "username": "flux", "password": "s3cr3t"},
    }));
    golden("image-pull-secret", &objects);
    let secret = to_json(find(&objects, "Secret", "flux-image-pull").expect("Secret"));
    assert_eq!(secret["type"], "kubernetes.io/dockerconfigjson");
    assert_eq!(
        secret["stringData"][".dockerconfigjson"],
        r#"{"auths": {"registry.example.com:5000": {"username": "flux","password": "s3cr3t","auth": "Zmx1eDpzM2NyM3Q="}}}"#
    );
    assert_eq!(secret["metadata"]["namespace"], "flux-system");
    assert_eq!(
        pod(&objects)["imagePullSecrets"],
        json!([{"name": "flux-image-pull"}])
    );
    assert_eq!(
        kinds(&objects).last().map(String::as_str),
        Some("Secret/flux-image-pull")
    );

    let objects = rendered(&json!({"image_pull_secrets": ["a", "b"]}));
    assert_eq!(
        pod(&objects)["imagePullSecrets"],
        json!([{"name": "a"}, {"name": "b"}])
    );
    assert!(find(&objects, "Secret", "flux-image-pull").is_none());
}

#[test]
fn golden_tolerations_security_context() {
    let objects = rendered(&json!({
        "tolerations": [
            {"operator": "Exists"},
            {"key": "dedicated", "operator": "Equal", "value": "flux", "effect": "NoSchedule"},
            {"key": "spot", "operator": "Exists", "effect": "NoExecute", "toleration_seconds": 60},
        ],
        "security_context": r#"{"runAsNonRoot":true,"runAsUser":65534,"readOnlyRootFilesystem":true}"#,
    }));
    golden("tolerations-security-context", &objects);
    assert_eq!(
        pod(&objects)["tolerations"],
        json!([
            {"operator": "Exists"},
            {"key": "dedicated", "operator": "Equal", "value": "flux", "effect": "NoSchedule"},
            {"key": "spot", "operator": "Exists", "effect": "NoExecute", "tolerationSeconds": 60},
        ])
    );
    for name in container_names(&objects) {
        assert_eq!(
            container(&objects, &name)["securityContext"],
            json!({"runAsNonRoot": true, "runAsUser": 65534, "readOnlyRootFilesystem": true}),
            "{name}"
        );
    }
    let objects = rendered(&json!({"tolerations": []}));
    assert!(
        pod(&objects).get("tolerations").is_none(),
        "an empty list removes the defaults"
    );
}

#[test]
fn golden_openshift() {
    let objects = rendered(&json!({"compatibility": "openshift"}));
    golden("openshift", &objects);
    assert!(pod(&objects).get("securityContext").is_none());
}

#[test]
fn golden_pod_security_profile() {
    let objects = rendered(&json!({"pod_security_profile": "privileged"}));
    golden("pod-security-profile", &objects);
    let ns = find(&objects, "Namespace", "flux-system").expect("Namespace");
    let labels = ns.metadata.labels.as_ref().expect("labels");
    for mode in ["enforce", "warn", "audit"] {
        assert_eq!(
            labels[&format!("pod-security.kubernetes.io/{mode}")],
            "privileged"
        );
    }
    let default = rendered(&json!({}));
    let labels = find(&default, "Namespace", "flux-system")
        .and_then(|o| o.metadata.labels.clone())
        .expect("labels");
    assert!(!labels.keys().any(|k| k.starts_with("pod-security")));
}

#[test]
fn golden_registry_images() {
    let mirrored = Distribution {
        images: images_at("registry.local:5000/mirror/fluxcd"),
        ..dist().clone()
    };
    let s = AioSettings::default();
    let objects = render(&common(), &s, &mirrored, "flux-provider");
    golden("registry-images", &objects);
    assert_eq!(
        container(&objects, "helm-controller")["image"],
        "registry.local:5000/mirror/fluxcd/helm-controller:v1.6.3"
    );
    assert_eq!(images(&s, &mirrored), mirrored.images);
}

#[test]
fn golden_controller_resources_and_feature_gates() {
    let objects = rendered(&json!({
        "log_level": "debug",
        "reconcile": {"concurrent": 10, "requeue_dependency": "1m30s"},
        "resources": {"limits": {"cpu": "2000m"}},
        "controllers": {
            "source": {
                "image": {"repository": "example.com/source-controller", "tag": "v9", "digest": "sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"},
                "resources": {"requests": {"cpu": "0.5", "memory": "128M"}, "limits": {"memory": "2G"}},
                "feature_gates": "DisableChartDigestTracking=true",
            },
            "kustomize": {"feature_gates": "", "resources": {"limits": {"memory": "2Gi"}}},
            "helm": {"feature_gates": "ExternalArtifact=true,OOMWatch=true", "image": {"repository": "example.com/helm-controller"}},
            "watcher": {"feature_gates": "A=true", "image": {"repository": "example.com/source-watcher", "digest": "sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"}},
        },
    }));
    golden("controller-resources", &objects);
    let source = container(&objects, "source-controller");
    assert_eq!(
        source["resources"],
        json!({"requests": {"cpu": "0.5", "memory": "128M"}, "limits": {"memory": "2G"}})
    );
    assert_eq!(
        container(&objects, "kustomize-controller")["resources"],
        json!({"limits": {"memory": "2Gi"}}),
        "a controller's resources replace the top-level ones wholesale"
    );
    assert_eq!(
        container(&objects, "notification-controller")["resources"],
        json!({"requests": {"cpu": "100m", "memory": "64Mi"}, "limits": {"cpu": "2000m", "memory": "1Gi"}})
    );
    assert_eq!(
        args(&objects, "source-controller").last().map(String::as_str),
        Some("--feature-gates=DisableChartDigestTracking=true")
    );
    assert!(
        !args(&objects, "kustomize-controller")
            .iter()
            .any(|a| a.starts_with("--feature-gates"))
    );
    assert!(args(&objects, "kustomize-controller").contains(&"--requeue-dependency=1m30s".to_owned()));
    assert!(args(&objects, "helm-controller").contains(&"--concurrent=10".to_owned()));
    assert!(args(&objects, "source-watcher").contains(&"--log-level=debug".to_owned()));
    let s = aio(&json!({
        "controllers": {
            "source": {"image": {"repository": "example.com/source-controller", "tag": "v9"}},
            "helm": {"image": {"repository": "example.com/helm-controller"}},
            "watcher": {"image": {"repository": "example.com/source-watcher", "digest": "sha256:00"}},
        },
    }));
    let imgs = images(&s, dist());
    assert_eq!(imgs["source-controller"], "example.com/source-controller:v9");
    assert_eq!(imgs["helm-controller"], "example.com/helm-controller:latest");
    assert_eq!(imgs["source-watcher"], "example.com/source-watcher@sha256:00");
    assert_eq!(
        imgs["kustomize-controller"],
        "ghcr.io/fluxcd/kustomize-controller:v1.9.4"
    );
}

#[test]
fn golden_user_metadata() {
    let mut c = common();
    c.name = "aio".into();
    c.namespace = "flux".into();
    c.labels.insert("team".into(), "platform".into());
    c.annotations.insert("owner".into(), "ops".into());
    let objects = render(&c, &AioSettings::default(), dist(), "flux-provider");
    golden("user-metadata", &objects);
    let d = deployment_named(&objects, "aio");
    assert_eq!(d["metadata"]["labels"]["team"], "platform");
    assert_eq!(d["metadata"]["annotations"]["owner"], "ops");
    assert_eq!(
        d["spec"]["template"]["metadata"]["labels"],
        json!({"app.kubernetes.io/name": "aio"}),
        "pod labels are only the selector"
    );
}

fn deployment_named(objects: &[DynamicObject], name: &str) -> serde_json::Value {
    to_json(find(objects, "Deployment", name).expect("Deployment"))
}

#[test]
fn controllers_without_an_image_are_left_out() {
    let mut old = dist().clone();
    old.images.remove("source-watcher");
    let s = AioSettings::default();
    assert_eq!(missing_images(&s, &old), [Component::Watcher]);
    let objects = render(&common(), &s, &old, "flux-provider");
    assert!(!container_names(&objects).contains(&"source-watcher".to_owned()));
    assert!(!images(&s, &old).contains_key("source-watcher"));
}

// ---------------------------------------------------------------------------------------------
// Validation

/// The paths of the errors the schema validators and [`validate`] report for a configuration.
fn error_paths(config: &Value) -> Vec<String> {
    let mut d = Diagnostics::new();
    validate_config(&schema(), config, &mut d);
    validate(config, &mut d);
    d.iter()
        .filter(|d| d.severity == Severity::Error)
        .map(|d| d.path.as_ref().map(ToString::to_string).unwrap_or_default())
        .collect()
}

#[test]
fn validation_table() {
    let digest = "sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";
    let cases: Vec<(&str, serde_json::Value, &[&str])> = vec![
        ("defaults", json!({}), &[]),
        (
            "cloud",
            json!({
                "host_network": false,
                "workload_identity": {"provider": "aws", "identity": "arn:aws:iam::1:role/r"},
                "persistence": {"enabled": true, "size": "20Gi"},
            }),
            &[],
        ),
        (
            "everything valid",
            json!({
                "version": ">=2.7.0, <3.0.0",
                "distribution": {"artifact": "oci://registry.local:5000/fluxcd/flux-manifests", "registry": "registry.local:5000/mirror"},
                "controllers": {
                    "source": {"image": {"repository": "ghcr.io/fluxcd/source-controller", "tag": "v1.9.4", "digest": digest},
                               "resources": {"requests": {"cpu": "0.5"}, "limits": {"cpu": "1"}}},
                    "kustomize": {"resources": {"requests": {"cpu": "100m", "memory": "64Mi"}, "limits": {"cpu": "1000m", "memory": "1Gi"}}},
                },
                "tmpfs": {"enabled": true, "size_limit": "1Gi"},
                "resources": {"requests": {"memory": "1Gi"}, "limits": {"cpu": "100m"}},
                "image_pull_secrets": ["pull-secret"],
                "tolerations": [{"operator": "Exists"}, {"key": "k", "operator": "Exists", "effect": "NoExecute", "toleration_seconds": 5}],
                "security_context": "{\"runAsNonRoot\": true}",
            }),
            &[],
        ),
        ("version word", json!({"version": "latest"}), &["version"]),
        ("version v", json!({"version": "v2.9.4"}), &[]),
        ("version tilde", json!({"version": "~2.9"}), &[]),
        (
            "artifact scheme",
            json!({"distribution": {"artifact": "https://ghcr.io/fluxcd/flux-manifests"}}),
            &["distribution.artifact"],
        ),
        (
            "artifact tag",
            json!({"distribution": {"artifact": "oci://ghcr.io/fluxcd/flux-manifests:v2.9.4"}}),
            &["distribution.artifact"],
        ),
        (
            "registry scheme",
            json!({"distribution": {"registry": "https://ghcr.io"}}),
            &["distribution.registry"],
        ),
        ("log level", json!({"log_level": "warn"}), &["log_level"]),
        ("log level trace", json!({"log_level": "trace"}), &[]),
        (
            "gcp workload identity on the host network (the default)",
            json!({"workload_identity": {"provider": "gcp", "identity": "flux@p.iam.gserviceaccount.com"}}),
            &["host_network"],
        ),
        (
            "gcp workload identity on the host network",
            json!({"host_network": true, "workload_identity": {"provider": "gcp", "identity": "flux@p.iam.gserviceaccount.com"}}),
            &["host_network"],
        ),
        (
            "gcp workload identity on the pod network",
            json!({"host_network": false, "workload_identity": {"provider": "gcp", "identity": "flux@p.iam.gserviceaccount.com"}}),
            &[],
        ),
        (
            "azure workload identity on the host network",
            json!({"workload_identity": {"provider": "azure", "identity": "00000000-0000-0000-0000-000000000000"}}),
            &[],
        ),
        (
            "security profile",
            json!({"security_profile": "strict"}),
            &["security_profile"],
        ),
        (
            "pod security profile",
            json!({"pod_security_profile": "baseline"}),
            &["pod_security_profile"],
        ),
        (
            "compatibility",
            json!({"compatibility": "rancher"}),
            &["compatibility"],
        ),
        (
            "deletion policy",
            json!({"deletion_policy": "keep"}),
            &["deletion_policy"],
        ),
        (
            "pod customisation",
            json!({
                "node_selector": {"kubernetes.azure.com/mode": "system"},
                "pod_labels": {"sidecar.istio.io/inject": "false"},
                "pod_annotations": {"linkerd.io/inject": "disabled"},
                "priority_class_name": "system-node-critical",
                "affinity": "{\"podAffinity\": {}}",
                "controllers": {"source": {"image": {"tag": "v1.9.5"}, "args": ["--log-encoding=console"]}},
                "patches": [
                    {"patch": "spec:\n  replicas: 1\n", "target": {"kind": "Deployment"}},
                    {"patch": "- op: add\n  path: /metadata/labels/x\n  value: y\n", "target": {"kind": "Namespace"}},
                ],
            }),
            &[],
        ),
        (
            "selector pod label",
            json!({"pod_labels": {"app.kubernetes.io/name": "x"}}),
            &["pod_labels[\"app.kubernetes.io/name\"]"],
        ),
        (
            "pod label value",
            json!({"pod_labels": {"a": "not a value"}}),
            &["pod_labels[\"a\"]"],
        ),
        (
            "node selector key",
            json!({"node_selector": {"bad key": "x"}}),
            &["node_selector[\"bad key\"]"],
        ),
        (
            "priority class",
            json!({"priority_class_name": "Not_OK"}),
            &["priority_class_name"],
        ),
        (
            "affinity not an object",
            json!({"affinity": "[1]"}),
            &["affinity"],
        ),
        (
            "affinity not JSON",
            json!({"affinity": "{podAffinity"}),
            &["affinity"],
        ),
        (
            "controller arg not a flag",
            json!({"controllers": {"helm": {"args": ["verbose"]}}}),
            &["controllers.helm.args[0]"],
        ),
        (
            "restricted lockdown flag",
            json!({"security_profile": "restricted", "controllers": {"kustomize": {"args": ["--no-remote-bases=false"]}}}),
            &["controllers.kustomize.args[0]"],
        ),
        (
            "lockdown flag with the privileged profile",
            json!({"controllers": {"kustomize": {"args": ["--no-remote-bases=true"]}}}),
            &[],
        ),
        (
            "patch not YAML",
            json!({"patches": [{"patch": "spec: [", "target": {"kind": "Deployment"}}]}),
            &["patches[0].patch"],
        ),
        (
            "json 6902 patch without a target",
            json!({"patches": [{"patch": "- op: remove\n  path: /spec\n"}]}),
            &["patches[0].target"],
        ),
        (
            "patch target name",
            json!({"patches": [{"patch": "spec: {}", "target": {"name": "("}}]}),
            &["patches[0].target"],
        ),
        (
            "pull secret conflict",
            json!({"image_pull_secrets": ["a"], "image_pull_secret": {"registry": "r", "username": "u", "password": "p"}}),
            &["image_pull_secret"],
        ),
        (
            "pull secret name",
            json!({"image_pull_secrets": ["ok", "Not_OK"]}),
            &["image_pull_secrets[1]"],
        ),
        (
            "identity empty",
            json!({"workload_identity": {"provider": "aws", "identity": ""}}),
            &["workload_identity.identity"],
        ),
        (
            "identity provider",
            json!({"workload_identity": {"provider": "ibm", "identity": "x"}}),
            &["workload_identity.provider"],
        ),
        (
            "security context not json",
            json!({"security_context": "{runAsNonRoot: true}"}),
            &["security_context"],
        ),
        (
            "security context array",
            json!({"security_context": "[1]"}),
            &["security_context"],
        ),
        (
            "persistence size G",
            json!({"persistence": {"size": "8G"}}),
            &["persistence.size"],
        ),
        (
            "persistence size Mi",
            json!({"persistence": {"size": "512Mi"}}),
            &["persistence.size"],
        ),
        (
            "tmpfs size",
            json!({"tmpfs": {"size_limit": "1G"}}),
            &["tmpfs.size_limit"],
        ),
        (
            "requeue",
            json!({"reconcile": {"requeue_dependency": "30"}}),
            &["reconcile.requeue_dependency"],
        ),
        (
            "concurrent",
            json!({"reconcile": {"concurrent": 0}}),
            &["reconcile.concurrent"],
        ),
        (
            "cpu cores",
            json!({"resources": {"requests": {"cpu": "0.1"}}}),
            &["resources.requests.cpu"],
        ),
        (
            "cpu zero",
            json!({"resources": {"limits": {"cpu": "0m"}}}),
            &["resources.limits.cpu"],
        ),
        (
            "memory G",
            json!({"resources": {"limits": {"memory": "1G"}}}),
            &["resources.limits.memory"],
        ),
        (
            "cpu requests over limits",
            json!({"resources": {"requests": {"cpu": "200m"}, "limits": {"cpu": "100m"}}}),
            &["resources.requests.cpu"],
        ),
        (
            "cpu default request over limit",
            json!({"resources": {"limits": {"cpu": "50m"}}}),
            &["resources.limits.cpu"],
        ),
        (
            "memory request over default limit",
            json!({"resources": {"requests": {"memory": "2Gi"}}}),
            &["resources.requests.memory"],
        ),
        (
            "kustomize cpu cores",
            json!({"controllers": {"kustomize": {"resources": {"limits": {"cpu": "1"}}}}}),
            &["controllers.kustomize.resources.limits.cpu"],
        ),
        (
            "watcher memory M",
            json!({"controllers": {"watcher": {"resources": {"requests": {"memory": "64M"}}}}}),
            &["controllers.watcher.resources.requests.memory"],
        ),
        (
            "helm requests over limits",
            json!({"controllers": {"helm": {"resources": {"requests": {"cpu": "500m"}, "limits": {"cpu": "250m"}}}}}),
            &["controllers.helm.resources.requests.cpu"],
        ),
        (
            "notification no default limit",
            json!({"controllers": {"notification": {"resources": {"requests": {"memory": "2Gi"}}}}}),
            &[],
        ),
        (
            "source any quantity",
            json!({"controllers": {"source": {"resources": {"requests": {"cpu": "0.5", "memory": "100M"}}}}}),
            &[],
        ),
        (
            "source bad quantity",
            json!({"controllers": {"source": {"resources": {"requests": {"memory": "lots"}}}}}),
            &["controllers.source.resources.requests.memory"],
        ),
        (
            "source requests over limits",
            json!({"controllers": {"source": {"resources": {"requests": {"memory": "2G"}, "limits": {"memory": "1Gi"}}}}}),
            &["controllers.source.resources.requests.memory"],
        ),
        (
            "image tag",
            json!({"controllers": {"helm": {"image": {"repository": "ghcr.io/fluxcd/helm-controller", "tag": "v1:2"}}}}),
            &["controllers.helm.image.tag"],
        ),
        (
            "image with tag in repository",
            json!({"controllers": {"helm": {"image": {"repository": "ghcr.io/fluxcd/helm-controller:v1"}}}}),
            &["controllers.helm.image.repository"],
        ),
        (
            "image digest",
            json!({"controllers": {"source": {"image": {"repository": "ghcr.io/fluxcd/source-controller", "digest": "abc"}}}}),
            &["controllers.source.image.digest"],
        ),
        (
            "toleration exists with value",
            json!({"tolerations": [{"key": "k", "operator": "Exists", "value": "v"}]}),
            &["tolerations[0].value"],
        ),
        (
            "toleration equal without key",
            json!({"tolerations": [{"operator": "Equal", "value": "v"}]}),
            &["tolerations[0].key"],
        ),
        (
            "toleration seconds without NoExecute",
            json!({"tolerations": [{"operator": "Exists"}, {"key": "k", "value": "v", "effect": "NoSchedule", "toleration_seconds": 10}]}),
            &["tolerations[1].toleration_seconds"],
        ),
        (
            "toleration operator",
            json!({"tolerations": [{"key": "k", "operator": "In"}]}),
            &["tolerations[0].operator"],
        ),
    ];
    for (name, j, want) in cases {
        assert_eq!(error_paths(&config(&j)), want, "{name}");
    }
}

/// `config` with the value at `path` (attribute names) replaced by an unknown.
fn with_unknown(mut config: Value, path: &[&str]) -> Value {
    fn set(v: &mut Value, path: &[&str]) {
        if let (Value::Object(m), Some((first, rest))) = (v, path.split_first()) {
            let slot = m.entry((*first).to_owned()).or_insert(Value::Null);
            if rest.is_empty() {
                *slot = Value::unknown();
            } else {
                set(slot, rest);
            }
        }
    }
    set(&mut config, path);
    config
}

#[test]
fn validation_skips_unknown_inputs() {
    let cases: Vec<(&str, serde_json::Value, &[&str])> = vec![
        (
            "pull secrets",
            json!({"image_pull_secret": {"registry": "r", "username": "u", "password": "p"}}),
            &["image_pull_secrets"],
        ),
        (
            "identity",
            json!({"workload_identity": {"provider": "aws", "identity": ""}}),
            &["workload_identity", "identity"],
        ),
        ("security context", json!({}), &["security_context"]),
        (
            "limits",
            json!({"resources": {"requests": {"memory": "2Gi"}}}),
            &["resources", "limits"],
        ),
        (
            "limit memory",
            json!({"resources": {"requests": {"memory": "2Gi"}, "limits": {}}}),
            &["resources", "limits", "memory"],
        ),
        (
            "request",
            json!({"resources": {"requests": {"cpu": "200m"}, "limits": {"cpu": "100m"}}}),
            &["resources", "requests", "cpu"],
        ),
        ("tolerations", json!({}), &["tolerations"]),
    ];
    for (name, j, path) in cases {
        let c = with_unknown(config(&j), path);
        assert_eq!(error_paths(&c), Vec::<String>::new(), "{name}");
    }
    // An unknown toleration field skips only the rules that need it.
    let c = config(&json!({"tolerations": [{"operator": "Equal", "value": "v", "toleration_seconds": 5}]}));
    let Value::Object(mut m) = c else { panic!("object") };
    if let Some(Value::List(items)) = m.get_mut("tolerations") {
        items[0] = with_unknown(items[0].clone(), &["key"]);
    }
    assert_eq!(
        error_paths(&Value::Object(m)),
        ["tolerations[0].toleration_seconds"]
    );
}

#[test]
fn exposing_notification_services_without_the_controller_warns() {
    let c = config(&json!({
        "controllers": {"notification": {"enabled": false}},
        "expose": {"webhook_receiver": true, "notification_server": true, "source_server": true},
    }));
    let mut d = Diagnostics::new();
    validate(&c, &mut d);
    let warnings: Vec<String> = d
        .iter()
        .filter(|d| d.severity == Severity::Warning)
        .map(|d| d.path.as_ref().map(ToString::to_string).unwrap_or_default())
        .collect();
    assert_eq!(
        warnings,
        ["expose.webhook_receiver", "expose.notification_server"]
    );
    assert!(!d.has_error());
}

#[test]
fn golden_pod_customisation() {
    let objects = rendered(&json!({
        "node_selector": {"kubernetes.azure.com/mode": "system"},
        "pod_labels": {"sidecar.istio.io/inject": "false"},
        "pod_annotations": {"linkerd.io/inject": "disabled", "cluster-autoscaler.kubernetes.io/safe-to-evict": "false"},
        "priority_class_name": "system-node-critical",
        "affinity": serde_json::to_string(&json!({
            "nodeAffinity": {"requiredDuringSchedulingIgnoredDuringExecution": {"nodeSelectorTerms": [
                {"matchExpressions": [{"key": "pool", "operator": "In", "values": ["system"]}]},
                {"matchExpressions": [{"key": "pool", "operator": "In", "values": ["infra"]}]},
            ]}},
            "podAffinity": {"preferredDuringSchedulingIgnoredDuringExecution": [{"weight": 1, "podAffinityTerm": {
                "topologyKey": "topology.kubernetes.io/zone", "labelSelector": {"matchLabels": {"app": "registry"}}}}]},
        })).unwrap(),
        "controllers": {
            "source": {"image": {"tag": "v1.9.5"}},
            "helm": {"args": ["--log-encoding=console", "--concurrent=20"]},
        },
        "patches": [
            {"patch": "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: flux\nspec:\n  template:\n    spec:\n      containers:\n      - name: kustomize-controller\n        env:\n        - name: EXTRA\n          value: \"1\"\n"},
            {"patch": "- op: add\n  path: /metadata/annotations/example.com~1team\n  value: platform\n",
             "target": {"kind": "ServiceAccount", "name": "fl.x"}},
        ],
    }));
    golden("pod-customisation", &objects);
    let pod = pod(&objects);
    assert_eq!(
        pod["nodeSelector"],
        json!({"kubernetes.azure.com/mode": "system"})
    );
    assert_eq!(pod["priorityClassName"], "system-node-critical");
    let template = &deployment(&objects)["spec"]["template"]["metadata"];
    assert_eq!(template["labels"]["sidecar.istio.io/inject"], "false");
    assert_eq!(
        template["labels"]["app.kubernetes.io/name"], "flux",
        "the selector label stays"
    );
    assert_eq!(
        template["annotations"]["cluster-autoscaler.kubernetes.io/safe-to-evict"], "false",
        "the user's wins"
    );
    assert_eq!(template["annotations"]["prometheus.io/scrape"], "true");
    // Each required node term is combined with the Linux requirement; the anti-affinity stays.
    let terms = pod["affinity"]["nodeAffinity"]["requiredDuringSchedulingIgnoredDuringExecution"]["nodeSelectorTerms"]
        .as_array()
        .unwrap();
    assert_eq!(terms.len(), 2);
    for term in terms {
        assert_eq!(term["matchExpressions"][0]["key"], "kubernetes.io/os");
        assert_eq!(term["matchExpressions"].as_array().unwrap().len(), 2);
    }
    assert!(pod["affinity"]["podAntiAffinity"].is_object());
    assert!(pod["affinity"]["podAffinity"]["preferredDuringSchedulingIgnoredDuringExecution"].is_array());
    assert_eq!(
        container(&objects, "source-controller")["image"],
        "ghcr.io/fluxcd/source-controller:v1.9.5",
        "tag-only: the distribution's repository"
    );
    let helm_args = args(&objects, "helm-controller");
    assert_eq!(
        &helm_args[helm_args.len() - 2..],
        ["--log-encoding=console", "--concurrent=20"]
    );
    let env = container(&objects, "kustomize-controller")["env"].clone();
    assert_eq!(
        env.as_array().unwrap().last().unwrap(),
        &json!({"name": "EXTRA", "value": "1"})
    );
    assert!(
        container(&objects, "kustomize-controller")["args"]
            .as_array()
            .unwrap()
            .len()
            > 3,
        "merged, not replaced"
    );
    let sa = to_json(find(&objects, "ServiceAccount", "flux").unwrap());
    assert_eq!(sa["metadata"]["annotations"]["example.com/team"], "platform");
}

#[test]
fn changing_the_class_of_an_existing_claim_is_refused_at_plan() {
    let state = |persistence: serde_json::Value| planned(&json!({ "persistence": persistence }));
    let refused = |before: serde_json::Value, after: serde_json::Value| {
        storage_class_change(Some(&state(before)), &state(after))
            .map(|d| d.path.map(|p| p.to_string()).unwrap_or_default())
    };
    let path = Some("persistence.storage_class".to_owned());
    // A state written when "standard" was the default, planned with the class unset now.
    assert_eq!(
        refused(
            json!({"enabled": true, "storage_class": "standard"}),
            json!({"enabled": true})
        ),
        path
    );
    assert_eq!(
        refused(
            json!({"enabled": true}),
            json!({"enabled": true, "storage_class": ""})
        ),
        path
    );
    assert_eq!(
        refused(
            json!({"enabled": true, "storage_class": "gp2"}),
            json!({"enabled": true, "storage_class": "gp3"})
        ),
        path
    );
    // Same class, or a claim created or deleted by this plan: nothing to refuse.
    assert_eq!(
        refused(
            json!({"enabled": true, "storage_class": "gp3"}),
            json!({"enabled": true, "storage_class": "gp3"})
        ),
        None
    );
    assert_eq!(
        refused(
            json!({"enabled": false, "storage_class": "standard"}),
            json!({"enabled": true})
        ),
        None
    );
    assert_eq!(
        refused(
            json!({"enabled": true, "storage_class": "standard"}),
            json!({"enabled": false})
        ),
        None
    );
    assert!(
        storage_class_change(None, &state(json!({"enabled": true}))).is_none(),
        "a create"
    );
}
