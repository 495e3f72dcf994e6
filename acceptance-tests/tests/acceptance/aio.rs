use acceptance_tests::cluster::kinds::{CLUSTER_ROLE_BINDING, CRD, DEPLOYMENT, NAMESPACE};
use acceptance_tests::{Cluster, WorkDir, bed};
use distribution::testing::{
    RegistryOptions, TestRegistry, gotk_components, replace_in_files, testdata_dir, yaml_files,
};

const USER: &str = "flux";
const PASSWORD: &str = "artifact-pull-pw";

/// Removes what a flux_aio test installed even when it fails half way, so the next test starts
/// from a clean cluster.
pub struct Cleanup<'a> {
    cluster: &'a Cluster,
    namespaces: Vec<&'static str>,
}

impl<'a> Cleanup<'a> {
    /// Cleans up `namespaces` and every Flux CRD now and on drop. Now, because the CRDs the
    /// stand-in tests install carry no owner mark: a flux_aio would adopt them, and adopted
    /// objects stay on destroy.
    pub fn new(cluster: &'a Cluster, namespaces: &[&'static str]) -> Self {
        let cleanup = Self {
            cluster,
            namespaces: namespaces.to_vec(),
        };
        cleanup.clean();
        for _ in 0..240 {
            if flux_crds(cluster).is_empty() {
                break;
            }
            std::thread::sleep(std::time::Duration::from_millis(250));
        }
        cleanup
    }

    fn clean(&self) {
        for ns in &self.namespaces {
            if self.cluster.get(NAMESPACE, None, ns).is_some() {
                self.cluster.delete(NAMESPACE, None, ns);
            }
        }
        for crd in flux_crds(self.cluster) {
            self.cluster.delete(CRD, None, &crd);
        }
        let _ = self
            .cluster
            .get(CLUSTER_ROLE_BINDING, None, "flux")
            .map(|_| self.cluster.delete(CLUSTER_ROLE_BINDING, None, "flux"));
    }
}

impl Drop for Cleanup<'_> {
    fn drop(&mut self) {
        self.clean();
    }
}

/// flux_aio installs and deletes the cluster-wide Flux CRDs: its tests run one at a time, and
/// apart from the tests that need the CRDs.
pub fn serial() -> std::sync::RwLockWriteGuard<'static, ()> {
    acceptance_tests::flux::exclusive()
}

/// A registry holding Flux 2.9.4 (release-asset layout) and a synthetic 2.8.0 derived from it
/// (other image tags, the ExternalArtifact CRD missing) in `flux-manifests`, and 2.9.4 in the
/// `gotk-components.yaml` layout in `flux-gotk`.
fn registry() -> TestRegistry {
    registry_with(true)
}

pub fn registry_with(auth: bool) -> TestRegistry {
    let registry = TestRegistry::start(&RegistryOptions {
        credentials: auth.then(|| (USER.into(), PASSWORD.into())),
        tls: None,
    })
    .expect("start docker-registry")
    .expect("docker-registry is installed by testbed.sh build");
    let files = yaml_files(&testdata_dir().join("flux-manifests/v2.9.4")).expect("test data");
    let older: Vec<(String, Vec<u8>)> = replace_in_files(
        &files,
        &[
            (":v1.9.4", ":v1.8.0"),
            (":v1.6.3", ":v1.5.0"),
            (":v1.9.3", ":v1.8.0"),
            (":v2.2.3", ":v2.1.0"),
        ],
    );
    let older = without_crd(older, "externalartifacts.source.toolkit.fluxcd.io");
    let gotk = vec![(
        "gotk-components.yaml".to_owned(),
        String::from_utf8(gotk_components(&files))
            .unwrap()
            .replace("image: fluxcd/", "image: ghcr.io/fluxcd/")
            .into_bytes(),
    )];
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let creds = auth.then(|| (USER.to_owned(), PASSWORD.to_owned()));
    rt.block_on(async {
        let push = |repo: &str, tag: &str, files: Vec<(String, Vec<u8>)>| {
            let reference = format!("{}:{tag}", registry.artifact(repo));
            let creds = creds.clone();
            async move {
                distribution::testing::push_artifact(&reference, files, creds, true)
                    .await
                    .expect("push")
            }
        };
        push("flux-manifests", "v2.9.4", files.clone()).await;
        push("flux-manifests", "v2.8.0", older).await;
        push("flux-gotk", "v2.9.4", gotk).await;
    });
    registry
}

/// Removes one CRD document from the release files.
fn without_crd(files: Vec<(String, Vec<u8>)>, name: &str) -> Vec<(String, Vec<u8>)> {
    files
        .into_iter()
        .map(|(file, content)| {
            let text = String::from_utf8(content).unwrap();
            let kept: Vec<&str> = text
                .split("\n---")
                .filter(|doc| !doc.contains(&format!("name: {name}")))
                .collect();
            (file, kept.join("\n---").into_bytes())
        })
        .collect()
}

fn aio(registry: &TestRegistry, repo: &str, namespace: &str, extra: &str) -> String {
    format!(
        "resource \"flux_aio\" \"flux\" {{\n  namespace = \"{namespace}\"\n{extra}\n  distribution = {{\n    \
         artifact = \"{}\"\n    insecure = true\n    credentials = {{ username = \"{USER}\", password = \"{PASSWORD}\" }}\n  }}\n}}\n",
        registry.artifact(repo)
    )
}

/// Runs `apply` while standing in for the kubelet, completing the rollout of the Deployment.
fn apply_with_kubelet(wd: &WorkDir, cluster: &Cluster, namespace: &str) {
    apply_with_kubelet_args(wd, cluster, namespace, &[]);
}

/// [`apply_with_kubelet`] with extra CLI arguments.
pub fn apply_with_kubelet_args(wd: &WorkDir, cluster: &Cluster, namespace: &str, extra: &[&str]) {
    let mut args = vec!["apply", "-auto-approve", "-no-color"];
    args.extend_from_slice(extra);
    let mut child = wd
        .command(&args)
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("tofu apply");
    loop {
        if child.try_wait().unwrap().is_some() {
            break;
        }
        let _ = cluster.complete_rollout(namespace, "flux");
        std::thread::sleep(std::time::Duration::from_millis(300));
    }
    let out = child.wait_with_output().unwrap();
    assert!(
        out.status.success(),
        "apply failed:\n{}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

pub fn flux_crds(cluster: &Cluster) -> Vec<String> {
    cluster
        .names(CRD, None)
        .into_iter()
        .filter(|n| n.contains(".toolkit.fluxcd.io") || n.contains("fluxcd.io"))
        .collect()
}

fn container_images(cluster: &Cluster, ns: &str) -> Vec<String> {
    let d = cluster.get(DEPLOYMENT, Some(ns), "flux").expect("deployment");
    d["spec"]["template"]["spec"]["containers"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["image"].as_str().unwrap().to_owned())
        .collect()
}

#[test]
fn install_upgrade_prune_and_safe_uninstall() {
    let _serial = serial();
    let (bed, cluster) = (bed(), Cluster::new(bed()));
    let _cleanup = Cleanup::new(&cluster, &["flux-lifecycle"]);
    let registry = registry();
    let ns = "flux-lifecycle";
    let wd = WorkDir::new(bed, "aio-lifecycle");
    wd.main_tf(&aio(&registry, "flux-manifests", ns, "  version = \"2.8.x\""));
    apply_with_kubelet(&wd, &cluster, ns);

    let values = wd.resource_values("flux_aio.flux").unwrap();
    assert_eq!(values["resolved_version"], "2.8.0");
    assert!(values["artifact_digest"].as_str().unwrap().starts_with("sha256:"));
    assert_eq!(
        values["images"]["helm-controller"],
        "ghcr.io/fluxcd/helm-controller:v1.5.0"
    );
    let crds = flux_crds(&cluster);
    assert!(!crds.contains(&"externalartifacts.source.toolkit.fluxcd.io".to_owned()));
    assert!(crds.contains(&"kustomizations.kustomize.toolkit.fluxcd.io".to_owned()));
    assert!(container_images(&cluster, ns).contains(&"ghcr.io/fluxcd/source-controller:v1.8.0".to_owned()));
    let (changes, plan) = wd.plan_changes();
    assert!(!changes, "second plan must be empty:\n{plan}");

    // Upgrade: a newer release matching the range plans an upgrade of images and CRDs.
    wd.main_tf(&aio(&registry, "flux-manifests", ns, "  version = \"2.x\""));
    let (changes, plan) = wd.plan_changes();
    assert!(changes, "{plan}");
    assert!(
        plan.stdout.contains("\"2.8.0\" -> \"2.9.4\""),
        "the plan shows the version change:\n{plan}"
    );
    assert!(
        plan.stdout
            .contains("source-controller:v1.8.0\" -> \"ghcr.io/fluxcd/source-controller:v1.9.4"),
        "{plan}"
    );
    assert!(
        plan.stdout.contains("externalartifacts.source.toolkit.fluxcd.io"),
        "the new CRD is planned:\n{plan}"
    );
    apply_with_kubelet(&wd, &cluster, ns);
    assert!(flux_crds(&cluster).contains(&"externalartifacts.source.toolkit.fluxcd.io".to_owned()));
    assert!(container_images(&cluster, ns).contains(&"ghcr.io/fluxcd/source-controller:v1.9.4".to_owned()));

    // Back to the older release: the CRD it lacks is kept (deleting it would delete every
    // ExternalArtifact in the cluster), with a warning; destroy removes it below.
    wd.main_tf(&aio(
        &registry,
        "flux-manifests",
        ns,
        "  version = \"2.8.0\"\n  timeouts {\n    delete = \"40s\"\n  }",
    ));
    let plan = wd.ok(&["plan", "-no-color"]);
    assert!(
        plan.flat().contains("Objects kept")
            && plan.flat().contains("externalartifacts.source.toolkit.fluxcd.io"),
        "{plan}"
    );
    apply_with_kubelet(&wd, &cluster, ns);
    assert!(
        flux_crds(&cluster).contains(&"externalartifacts.source.toolkit.fluxcd.io".to_owned()),
        "kept"
    );
    let (changes, plan) = wd.plan_changes();
    assert!(!changes, "{plan}");

    // What Flux would have left behind: Kustomizations holding Flux's finalizer (which nothing
    // removes once the controllers are gone; more than one list page of them, 500), and a
    // workload it deployed elsewhere.
    for name in std::iter::once("apps".to_owned()).chain((0..510).map(|i| format!("apps-{i}"))) {
        cluster.create(
            (
                "kustomize.toolkit.fluxcd.io/v1",
                "Kustomization",
                "kustomizations",
            ),
            Some(ns),
            serde_json::json!({"apiVersion": "kustomize.toolkit.fluxcd.io/v1", "kind": "Kustomization",
                "metadata": {"name": name, "namespace": ns, "finalizers": ["finalizers.fluxcd.io"]},
                "spec": {"interval": "10m", "prune": true, "sourceRef": {"kind": "GitRepository", "name": "x"}}}),
        );
    }
    cluster.create(
        ("v1", "ConfigMap", "configmaps"),
        Some("default"),
        serde_json::json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "deployed-by-flux",
            "labels": {"kustomize.toolkit.fluxcd.io/name": "apps", "kustomize.toolkit.fluxcd.io/namespace": ns}}}),
    );
    // A dependent of the controllers' Deployment that is slow to go (as its Pods would be):
    // destroy deletes the Deployment in the foreground and touches the CRDs only after it is
    // gone, so here it times out naming the Deployment, with every CRD still in place.
    let deployment = cluster.get(DEPLOYMENT, Some(ns), "flux").unwrap();
    cluster.create(
        ("v1", "ConfigMap", "configmaps"),
        Some(ns),
        serde_json::json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {
            "name": "pod-stand-in", "namespace": ns, "finalizers": ["acceptance-tests/hold"],
            "ownerReferences": [{"apiVersion": "apps/v1", "kind": "Deployment", "name": "flux",
                "uid": deployment["metadata"]["uid"], "blockOwnerDeletion": true}]}}),
    );
    let crds_before = flux_crds(&cluster);
    let destroy = wd.run(&["destroy", "-auto-approve", "-no-color"]);
    assert_ne!(destroy.code, 0, "{destroy}");
    assert!(
        destroy.flat().contains(&format!("Deployment {ns}/flux"))
            && destroy.flat().contains("foregroundDeletion"),
        "the timeout names the Deployment waiting for its dependents:\n{destroy}"
    );
    assert_eq!(
        flux_crds(&cluster),
        crds_before,
        "no CRD deleted before the controllers are gone"
    );
    cluster.merge_patch(
        ("v1", "ConfigMap", "configmaps"),
        Some(ns),
        "pod-stand-in",
        serde_json::json!({"metadata": {"finalizers": null}}),
    );
    wd.ok(&["destroy", "-auto-approve", "-no-color"]);
    assert!(
        flux_crds(&cluster).is_empty(),
        "no Flux CRD left: {:?}",
        flux_crds(&cluster)
    );
    assert!(
        cluster
            .get(
                ("v1", "ConfigMap", "configmaps"),
                Some("default"),
                "deployed-by-flux"
            )
            .is_some(),
        "workloads Flux deployed stay"
    );
    cluster.delete(
        ("v1", "ConfigMap", "configmaps"),
        Some("default"),
        "deployed-by-flux",
    );
    assert!(cluster.get(NAMESPACE, None, ns).is_none(), "namespace gone");
    assert!(cluster.get(CLUSTER_ROLE_BINDING, None, "flux").is_none());
}

#[test]
fn drift_is_repaired_and_a_plan_with_the_registry_down_uses_the_cache() {
    let _serial = serial();
    let (bed, cluster) = (bed(), Cluster::new(bed()));
    let _cleanup = Cleanup::new(&cluster, &["flux-drift"]);
    let mut registry = registry();
    let ns = "flux-drift";
    let wd = WorkDir::new(bed, "aio-drift");
    // The pod beyond the fixed options, and patches of both kinds: applied to the cluster
    // and quiet on the next plan.
    let settings = r#"  wait = false
  expose = { source_server = true }
  node_selector   = { "kubernetes.io/arch" = "amd64" }
  pod_annotations = { "linkerd.io/inject" = "disabled" }
  controllers = { helm = { args = ["--log-encoding=console"] } }
  patches = [
    {
      patch  = "spec:\n  template:\n    spec:\n      containers:\n      - name: kustomize-controller\n        env:\n        - name: EXTRA\n          value: \"1\"\n"
      target = { kind = "Deployment" }
    },
    {
      patch  = jsonencode([{ op = "add", path = "/metadata/annotations/example.com~1team", value = "platform" }])
      target = { kind = "ServiceAccount", name = "flux" }
    },
  ]
"#;
    let claim = "  persistence = { enabled = true, storage_class = \"standard\" }";
    wd.main_tf(&aio(&registry, "flux-gotk", ns, &format!("{settings}{claim}")));
    wd.apply();
    assert_eq!(
        wd.resource_values("flux_aio.flux").unwrap()["resolved_version"],
        "2.9.4"
    );
    let d = cluster.get(DEPLOYMENT, Some(ns), "flux").unwrap();
    let pod = &d["spec"]["template"];
    assert_eq!(pod["spec"]["nodeSelector"]["kubernetes.io/arch"], "amd64");
    assert_eq!(pod["metadata"]["annotations"]["linkerd.io/inject"], "disabled");
    let containers = pod["spec"]["containers"].as_array().unwrap();
    let named = |n: &str| containers.iter().find(|c| c["name"] == n).unwrap();
    assert_eq!(
        named("helm-controller")["args"]
            .as_array()
            .unwrap()
            .last()
            .unwrap(),
        "--log-encoding=console"
    );
    assert!(
        named("kustomize-controller")["env"]
            .as_array()
            .unwrap()
            .iter()
            .any(|e| e["name"] == "EXTRA" && e["value"] == "1"),
        "the strategic merge patch reached the cluster: {d}"
    );
    let sa = cluster
        .get(
            acceptance_tests::cluster::kinds::SERVICE_ACCOUNT,
            Some(ns),
            "flux",
        )
        .unwrap();
    assert_eq!(
        sa["metadata"]["annotations"]["example.com/team"], "platform",
        "the JSON 6902 patch"
    );
    let (changes, plan) = wd.plan_changes();
    assert!(!changes, "patches are quiet:\n{plan}");

    cluster.strategic_patch(
        DEPLOYMENT,
        Some(ns),
        "flux",
        serde_json::json!({"spec": {"template": {"spec": {"containers": [
            {"name": "source-controller", "args": ["--log-level=debug"]}]}}}}),
    );
    cluster.delete(
        acceptance_tests::cluster::kinds::SERVICE,
        Some(ns),
        "source-controller",
    );
    cluster.delete(CRD, None, "buckets.source.toolkit.fluxcd.io");
    let (changes, plan) = wd.plan_changes();
    assert!(changes, "{plan}");
    for key in [
        format!("apps/v1/Deployment/{ns}/flux"),
        format!("/v1/Service/{ns}/source-controller"),
        "apiextensions.k8s.io/v1/CustomResourceDefinition//buckets.source.toolkit.fluxcd.io".to_owned(),
    ] {
        assert!(
            plan.stdout.contains(&key),
            "drift of {key} shows in the plan:\n{plan}"
        );
    }
    wd.apply();
    let d = cluster.get(DEPLOYMENT, Some(ns), "flux").unwrap();
    assert!(
        d["spec"]["template"]["spec"]["containers"][0]["args"]
            .as_array()
            .unwrap()
            .len()
            > 5,
        "args restored"
    );
    let (changes, plan) = wd.plan_changes();
    assert!(!changes, "repaired:\n{plan}");

    // A claim's class cannot change (the state of a release whose default was "standard",
    // planned with the class unset now): refused at plan, naming the attribute.
    wd.main_tf(&aio(
        &registry,
        "flux-gotk",
        ns,
        &format!("{settings}  persistence = {{ enabled = true }}"),
    ));
    let refused = wd.run(&["plan", "-no-color"]);
    assert_ne!(refused.code, 0, "{refused}");
    assert!(
        refused.stderr.contains("storage class cannot change")
            && refused.stderr.contains("persistence.storage_class"),
        "{refused}"
    );
    wd.main_tf(&aio(&registry, "flux-gotk", ns, &format!("{settings}{claim}")));

    registry.stop();
    let (changes, plan) = wd.plan_changes();
    assert!(!changes, "the cache serves the plan:\n{plan}");
    assert!(
        plan.stderr.contains("planned from the cache") || plan.stdout.contains("planned from the cache"),
        "{plan}"
    );
    wd.ok(&["destroy", "-auto-approve", "-no-color"]);
}

#[test]
fn import_and_orphan_destroy() {
    let _serial = serial();
    let (bed, cluster) = (bed(), Cluster::new(bed()));
    let _cleanup = Cleanup::new(&cluster, &["flux-import"]);
    // Credentials are secrets: an import cannot read them back, so this registry has none.
    let registry = registry_with(false);
    let ns = "flux-import";
    let config = aio(
        &registry,
        "flux-manifests",
        ns,
        "  version = \"2.9.4\"\n  wait = false\n  log_level = \"debug\"\n  deletion_policy = \"orphan\"\n  \
         node_selector = { pool = \"system\" }\n  pod_labels = { team = \"platform\" }\n  \
         pod_annotations = { \"prometheus.io/scrape\" = \"false\", \"linkerd.io/inject\" = \"disabled\" }\n  \
         priority_class_name = \"system-node-critical\"",
    )
    .replace(
        &format!("    credentials = {{ username = \"{USER}\", password = \"{PASSWORD}\" }}\n"),
        "",
    );
    let created = WorkDir::new(bed, "aio-import-a");
    created.main_tf(&config);
    created.apply();

    let imported = WorkDir::new(bed, "aio-import-b");
    imported.main_tf(&config);
    imported.ok(&["import", "-no-color", "flux_aio.flux", &format!("{ns}/flux")]);
    let values = imported.resource_values("flux_aio.flux").unwrap();
    assert_eq!(values["resolved_version"], "2.9.4");
    assert_eq!(values["log_level"], "debug");
    let (changes, plan) = imported.plan_changes();
    assert!(!changes, "plan after import must be empty:\n{plan}");

    imported.ok(&["destroy", "-auto-approve", "-no-color"]);
    assert!(
        cluster.get(DEPLOYMENT, Some(ns), "flux").is_some(),
        "orphan leaves Flux running"
    );
    assert!(!flux_crds(&cluster).is_empty());
    // Clean up with the safe uninstall.
    created.main_tf(&config.replace("\"orphan\"", "\"delete\""));
    created.apply();
    created.ok(&["destroy", "-auto-approve", "-no-color"]);
    assert!(flux_crds(&cluster).is_empty());
}

#[test]
fn bad_versions_and_credentials_get_clear_errors() {
    let _serial = serial();
    let (bed, cluster) = (bed(), Cluster::new(bed()));
    let _cleanup = Cleanup::new(&cluster, &["flux-bad"]);
    let registry = registry();
    let wd = WorkDir::new(bed, "aio-bad");
    wd.main_tf(&aio(
        &registry,
        "flux-manifests",
        "flux-bad",
        "  version = \"2.7.x\"",
    ));
    let plan = wd.run(&["plan", "-no-color"]);
    assert_ne!(plan.code, 0);
    assert!(
        plan.stderr.contains("version") && plan.stderr.contains("2.7.x"),
        "{plan}"
    );

    wd.main_tf(&aio(&registry, "flux-manifests", "flux-bad", "").replace(PASSWORD, "wrong"));
    let plan = wd.run(&["plan", "-no-color"]);
    assert_ne!(plan.code, 0);
    assert!(
        plan.stderr.contains("credentials"),
        "names the attribute:\n{plan}"
    );

    wd.main_tf(&aio(&registry, "flux-manifests", "flux-bad", "  image_pull_secrets = [\"a\"]\n  image_pull_secret = { registry = \"r\", username = \"u\", password = \"p\" }"));
    let validate = wd.run(&["validate", "-no-color"]);
    assert_ne!(validate.code, 0, "{validate}");
    assert!(validate.stderr.contains("image_pull_secret"), "{validate}");
    assert!(
        cluster.get(NAMESPACE, None, "flux-bad").is_none(),
        "nothing applied"
    );
}

/// A Timoni-style install: the Deployment applied with field manager `timoni` and Timoni's
/// instance labels, carrying an env var and a toleration (and one env var the HCL never sets).
fn timoni_deployment(cluster: &Cluster, ns: &str) {
    cluster.apply_as(
        "timoni",
        DEPLOYMENT,
        Some(ns),
        "flux",
        &serde_json::json!({
            "apiVersion": "apps/v1", "kind": "Deployment",
            "metadata": {"name": "flux", "namespace": ns,
                         "labels": {"instance.timoni.sh/name": "flux", "instance.timoni.sh/namespace": ns}},
            "spec": {
                // As the AIO module renders it (a RollingUpdate strategy's defaulted
                // `rollingUpdate`, owned by no manager, would make any Recreate apply invalid).
                "strategy": {"type": "Recreate"},
                "selector": {"matchLabels": {"app.kubernetes.io/name": "flux"}},
                "template": {
                    "metadata": {"labels": {"app.kubernetes.io/name": "flux"}},
                    "spec": {
                        "containers": [{"name": "source-controller", "image": "ghcr.io/fluxcd/source-controller:v1.9.4",
                                        "env": [{"name": "EDGE_MODE", "value": "on"}, {"name": "TIMONI_ONLY", "value": "x"}]}],
                        "tolerations": [{"key": "edge", "operator": "Exists", "effect": "NoSchedule"}],
                    },
                },
            },
        }),
    );
}

/// The env var names of the AIO Deployment's source-controller, its toleration keys, and its
/// field managers.
fn deployment_fields(cluster: &Cluster, ns: &str) -> (Vec<String>, Vec<String>, Vec<String>) {
    let d = cluster.get(DEPLOYMENT, Some(ns), "flux").expect("deployment");
    let names = |v: &serde_json::Value, key: &str| -> Vec<String> {
        v.as_array()
            .map(|a| {
                a.iter()
                    .filter_map(|e| e[key].as_str().map(str::to_owned))
                    .collect()
            })
            .unwrap_or_default()
    };
    let spec = &d["spec"]["template"]["spec"];
    let source = spec["containers"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["name"] == "source-controller")
        .unwrap();
    (
        names(&source["env"], "name"),
        names(&spec["tolerations"], "key"),
        names(&d["metadata"]["managedFields"], "manager"),
    )
}

#[test]
fn takes_over_a_timoni_install_and_a_standard_flux_only_when_asked() {
    let _serial = serial();
    let (bed, cluster) = (bed(), Cluster::new(bed()));
    let _cleanup = Cleanup::new(&cluster, &["flux-adopt", "flux-second"]);
    let registry = registry();
    let ns = "flux-adopt";
    // Another tool's install: the namespace and ServiceAccount of a Helm release, the AIO
    // Deployment of a Timoni instance, and a standard source-controller of `flux install`.
    cluster.create(
        NAMESPACE,
        None,
        serde_json::json!({"apiVersion": "v1", "kind": "Namespace",
        "metadata": {"name": ns, "labels": {"app.kubernetes.io/managed-by": "Helm"}}}),
    );
    cluster.create(
        acceptance_tests::cluster::kinds::SERVICE_ACCOUNT,
        Some(ns),
        serde_json::json!({
        "apiVersion": "v1", "kind": "ServiceAccount",
        "metadata": {"name": "flux", "namespace": ns, "labels": {"app.kubernetes.io/managed-by": "Helm"}}}),
    );
    timoni_deployment(&cluster, ns);
    cluster.create(
        DEPLOYMENT,
        Some(ns),
        serde_json::json!({"apiVersion": "apps/v1", "kind": "Deployment",
            "metadata": {"name": "source-controller", "namespace": ns,
                         "labels": {"app.kubernetes.io/part-of": "flux", "app.kubernetes.io/instance": ns}},
            "spec": {"selector": {"matchLabels": {"app": "source-controller"}},
                     "template": {"metadata": {"labels": {"app": "source-controller"}},
                                  "spec": {"containers": [{"name": "manager", "image": "ghcr.io/fluxcd/source-controller:v1.9.4"}]}}}}),
    );
    let edge = "  env = { EDGE_MODE = \"on\" }\n  tolerations = [{ key = \"edge\", operator = \"Exists\", effect = \"NoSchedule\" }]";

    // Without takeover: refused, naming each tool, and nothing is applied.
    let wd = WorkDir::new(bed, "aio-adopt");
    wd.main_tf(&aio(&registry, "flux-manifests", ns, edge));
    let refused = wd.run(&["apply", "-auto-approve", "-no-color"]);
    assert_ne!(refused.code, 0, "{refused}");
    let text = refused.flat();
    assert!(
        text.contains(&format!(
            "Deployment {ns}/flux is managed by Timoni instance {ns}/flux"
        )) && text.contains("Set takeover = true"),
        "{refused}"
    );
    assert!(
        text.contains("A standard Flux installation")
            && text.contains(&format!("Deployment {ns}/source-controller")),
        "the standard install is refused with how to migrate:\n{refused}"
    );
    assert!(flux_crds(&cluster).is_empty(), "nothing applied");
    assert!(deployment_fields(&cluster, ns).2.contains(&"timoni".to_owned()));

    // With takeover (and no kubelet stand-in: the rollout never completes, and the wait says so).
    wd.main_tf(&aio(
        &registry,
        "flux-manifests",
        ns,
        &format!("{edge}\n  takeover = true\n  timeouts {{\n    create = \"4s\"\n  }}"),
    ));
    let plan = wd.ok(&["plan", "-no-color"]);
    assert!(
        plan.flat().contains("Objects will be taken over")
            && plan
                .flat()
                .contains(&format!("Deployment {ns}/flux (from Timoni instance {ns}/flux)"))
            && plan.flat().contains("Another installation will be replaced"),
        "the plan says what it takes over:\n{plan}"
    );
    let apply = wd.run(&["apply", "-auto-approve", "-no-color"]);
    assert_ne!(apply.code, 0, "{apply}");
    assert!(
        apply.stderr.contains(&format!("Deployment {ns}/flux"))
            && apply.stderr.contains("rollout not observed yet"),
        "the timeout names the object and why:\n{apply}"
    );
    assert!(
        cluster.get(DEPLOYMENT, Some(ns), "source-controller").is_some(),
        "the standard controllers stay until Flux AIO is ready"
    );
    let sa = cluster
        .get(
            acceptance_tests::cluster::kinds::SERVICE_ACCOUNT,
            Some(ns),
            "flux",
        )
        .unwrap();
    assert_eq!(
        sa["metadata"]["labels"]["app.kubernetes.io/managed-by"],
        "flux-provider"
    );
    let (env, tolerations, managers) = deployment_fields(&cluster, ns);
    assert!(
        !managers.contains(&"timoni".to_owned()),
        "Timoni's fields are ours now: {managers:?}"
    );
    assert!(env.contains(&"EDGE_MODE".to_owned()) && tolerations.contains(&"edge".to_owned()));
    assert!(
        !env.contains(&"TIMONI_ONLY".to_owned()),
        "what the HCL does not set is gone: {env:?}"
    );
    let d = cluster.get(DEPLOYMENT, Some(ns), "flux").unwrap();
    assert!(
        d["metadata"]["labels"]["instance.timoni.sh/name"].is_null(),
        "{d}"
    );

    // Once the rollout completes, the next apply converges and removes the standard install.
    apply_with_kubelet(&wd, &cluster, ns);
    assert!(
        cluster.wait_gone(DEPLOYMENT, Some(ns), "source-controller", 30),
        "migrated: the standard controllers are gone once Flux AIO is ready"
    );
    let (changes, plan) = wd.plan_changes();
    assert!(!changes, "{plan}");

    // The env var and the toleration dropped from the HCL are gone from the cluster.
    wd.main_tf(&aio(&registry, "flux-manifests", ns, "  takeover = true"));
    apply_with_kubelet(&wd, &cluster, ns);
    let (env, tolerations, _) = deployment_fields(&cluster, ns);
    assert!(!env.contains(&"EDGE_MODE".to_owned()), "{env:?}");
    assert!(!tolerations.contains(&"edge".to_owned()), "{tolerations:?}");

    // A second flux_aio cannot take the first one's CRDs.
    let second = WorkDir::new(bed, "aio-second");
    second.main_tf(&aio(
        &registry,
        "flux-manifests",
        "flux-second",
        "  takeover = true",
    ));
    let refused = second.run(&["apply", "-auto-approve", "-no-color"]);
    assert_ne!(refused.code, 0, "{refused}");
    assert!(
        refused.flat().contains(&format!(
            "is owned by flux_aio/{ns}/flux, not by flux_aio/flux-second/flux"
        )),
        "{refused}"
    );
    assert!(
        cluster.get(NAMESPACE, None, "flux-second").is_none(),
        "nothing applied"
    );

    // Taken over on request, so deleted as if created.
    wd.ok(&["destroy", "-auto-approve", "-no-color"]);
    assert!(cluster.get(NAMESPACE, None, ns).is_none());
}

#[test]
fn bad_input_is_rejected_before_anything_is_applied() {
    let _serial = serial();
    let (bed, cluster) = (bed(), Cluster::new(bed()));
    let _cleanup = Cleanup::new(&cluster, &["flux-bad-input"]);
    let registry = registry();
    let cases = [
        ("security_profile = \"locked\"", "security_profile"),
        (
            "workload_identity = { provider = \"oracle\", identity = \"x\" }",
            "workload_identity.provider",
        ),
        (
            "resources = { requests = { memory = \"64MB\" } }",
            "resources.requests.memory",
        ),
        (
            "persistence = { enabled = true, size = \"8G\" }",
            "persistence.size",
        ),
        (
            "patches = [{ patch = \"- op: remove\\n  path: /spec\\n\" }]",
            "patches[0]",
        ),
    ];
    for (setting, attribute) in cases {
        let wd = WorkDir::new(bed, "aio-bad-input");
        wd.main_tf(&aio(
            &registry,
            "flux-manifests",
            "flux-bad-input",
            &format!("  {setting}"),
        ));
        let validate = wd.run(&["validate", "-no-color"]);
        assert_ne!(validate.code, 0, "{setting}: {validate}");
        assert!(
            validate.stderr.contains(attribute),
            "{setting}: names {attribute}:\n{validate}"
        );
    }
    // An artifact that holds no Flux manifests.
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let reference = format!("{}:v2.9.5", registry.artifact("not-flux"));
    rt.block_on(distribution::testing::push_artifact(
        &reference,
        vec![("README.md".into(), b"not flux".to_vec())],
        Some((USER.into(), PASSWORD.into())),
        true,
    ))
    .unwrap();
    let wd = WorkDir::new(bed, "aio-not-flux");
    wd.main_tf(&aio(&registry, "not-flux", "flux-bad-input", ""));
    let plan = wd.run(&["plan", "-no-color"]);
    assert_ne!(plan.code, 0, "{plan}");
    let stderr = plan.stderr.split_whitespace().collect::<Vec<_>>().join(" ");
    assert!(
        stderr.contains("not-flux") && stderr.contains("no flux manifests"),
        "{plan}"
    );
    assert!(
        cluster.get(NAMESPACE, None, "flux-bad-input").is_none(),
        "nothing applied"
    );
}

/// A registry behind TLS with a private CA: `distribution.ca` makes it trusted, and without it
/// the plan fails with the TLS error rather than falling back to anything.
#[test]
fn a_registry_with_a_private_ca_works_with_distribution_ca() {
    let bed = bed();
    let pki = tempfile::tempdir().unwrap();
    let sh = |cmd: &str| {
        let out = std::process::Command::new("bash")
            .arg("-c")
            .arg(cmd)
            .current_dir(pki.path())
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{cmd}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    };
    sh(
        "openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 1 -subj /CN=test-ca \
        -keyout ca.key -out ca.crt -addext basicConstraints=critical,CA:TRUE -addext keyUsage=critical,keyCertSign 2>/dev/null",
    );
    sh(
        "openssl req -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -subj /CN=registry -keyout tls.key -out tls.csr 2>/dev/null \
        && openssl x509 -req -in tls.csr -CA ca.crt -CAkey ca.key -CAcreateserial -days 1 -out tls.crt \
        -extfile <(printf 'basicConstraints=CA:FALSE\\nextendedKeyUsage=serverAuth\\nsubjectAltName=IP:127.0.0.1,DNS:localhost\\n') 2>/dev/null",
    );
    let read = |f: &str| std::fs::read_to_string(pki.path().join(f)).unwrap();
    let registry = TestRegistry::start(&RegistryOptions {
        credentials: None,
        tls: Some((read("tls.crt"), read("tls.key"))),
    })
    .unwrap()
    .expect("docker-registry");
    let source = distribution::Source {
        artifact: registry.artifact("flux-manifests").replace("http://", "oci://"),
        registry: String::new(),
        credentials: None,
        insecure: false,
        ca_pem: Some(read("ca.crt")),
    };
    let files = yaml_files(&testdata_dir().join("flux-manifests/v2.9.4")).unwrap();
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
        .block_on(distribution::testing::push_artifact_to(&source, "v2.9.4", files))
        .expect("push over TLS");

    let hcl = |ca: &str| {
        format!(
            "resource \"flux_aio\" \"flux\" {{\n  namespace = \"flux-ca\"\n  version = \"2.9.4\"\n  distribution = {{\n    \
             artifact = \"{}\"\n{ca}  }}\n}}\n",
            source.artifact
        )
    };
    let wd = WorkDir::new(bed, "aio-ca");
    wd.write("ca.crt", &read("ca.crt"));
    wd.main_tf(&hcl("    ca = file(\"ca.crt\")\n"));
    let plan = wd.ok(&["plan", "-no-color"]);
    assert!(
        plan.stdout.contains("ghcr.io/fluxcd/source-controller:v1.9.4"),
        "resolved over TLS:\n{plan}"
    );

    wd.main_tf(&hcl(""));
    let plan = wd.run(&["plan", "-no-color"]);
    assert_ne!(plan.code, 0, "{plan}");
    let stderr = plan.stderr.split_whitespace().collect::<Vec<_>>().join(" ");
    assert!(
        stderr.to_lowercase().contains("tls") || stderr.contains("certificate"),
        "{plan}"
    );
}

/// A saved plan pins the artifact's digest: applied on another machine (an empty artifact
/// cache) after the tag was pushed again with other content, the apply fails on the changed
/// `artifact_digest` and applies nothing. (The CLI's re-plan at apply resolves the new digest and
/// refuses it as an inconsistent final plan; the provider's own check in `load` covers a pinned
/// digest whose cache entry is missing.)
#[test]
fn apply_refuses_an_artifact_pushed_again_since_the_plan() {
    let _serial = serial();
    let (bed, cluster) = (bed(), Cluster::new(bed()));
    let registry = registry_with(false);
    let _cleanup = Cleanup::new(&cluster, &["flux-repushed"]);
    let wd = WorkDir::new(bed, "aio-repushed");
    wd.main_tf(&format!(
        "resource \"flux_aio\" \"flux\" {{\n  namespace = \"flux-repushed\"\n  version = \"2.9.4\"\n  wait = false\n  \
         distribution = {{\n    artifact = \"{}\"\n    insecure = true\n  }}\n}}\n",
        registry.artifact("flux-manifests")
    ));
    wd.ok(&["plan", "-no-color", "-out", "saved.tfplan"]);
    let files = yaml_files(&testdata_dir().join("flux-manifests/v2.9.4")).expect("test data");
    let other = replace_in_files(&files, &[(":v1.9.4", ":v1.9.4-repushed")]);
    let reference = format!("{}:v2.9.4", registry.artifact("flux-manifests"));
    let new_digest = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
        .block_on(distribution::testing::push_artifact(
            &reference, other, None, true,
        ))
        .expect("push again");
    // Another machine: nothing in the artifact cache.
    let _ = std::fs::remove_dir_all(wd.file("artifact-cache"));
    let run = wd.run(&["apply", "-no-color", "saved.tfplan"]);
    assert_ne!(run.code, 0, "{run}");
    let out = run.output().replace('\n', " ");
    assert!(out.contains(".artifact_digest"), "{out}");
    assert!(out.contains(&new_digest), "names the digest found: {out}");
    assert!(
        cluster.get(NAMESPACE, None, "flux-repushed").is_none(),
        "nothing was applied"
    );
}
