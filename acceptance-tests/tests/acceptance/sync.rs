use acceptance_tests::cluster::kinds::{NAMESPACE, SECRET};
use acceptance_tests::flux::{
    self, GIT_REPOSITORY, HELM_RELEASE, HELM_REPOSITORY, KUSTOMIZATION, OCI_REPOSITORY, StandIn, Verdict,
};
use acceptance_tests::{Cluster, WorkDir, bed};
use serde_json::json;
use std::time::Instant;

/// A namespace for one test's Flux objects, deleted when the test ends.
pub struct Namespace<'a> {
    cluster: &'a Cluster,
    name: &'static str,
}

impl<'a> Namespace<'a> {
    pub fn create(cluster: &'a Cluster, name: &'static str) -> Self {
        if cluster.get(NAMESPACE, None, name).is_some() {
            cluster.delete(NAMESPACE, None, name);
            assert!(
                cluster.wait_gone(NAMESPACE, None, name, 60),
                "namespace {name} left over"
            );
        }
        cluster.create(
            NAMESPACE,
            None,
            json!({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": name}}),
        );
        Self { cluster, name }
    }
}

impl Drop for Namespace<'_> {
    fn drop(&mut self) {
        if self.cluster.get(NAMESPACE, None, self.name).is_some() {
            self.cluster.delete(NAMESPACE, None, self.name);
        }
    }
}

/// The value of a Secret's data key, decoded.
pub fn secret_data(cluster: &Cluster, ns: &str, name: &str, key: &str) -> Option<String> {
    use base64::Engine as _;
    let secret = cluster.get(SECRET, Some(ns), name)?;
    let encoded = secret["data"][key].as_str()?;
    String::from_utf8(base64::engine::general_purpose::STANDARD.decode(encoded).ok()?).ok()
}

const GIT_SYNC: &str = r#"
resource "flux_git_sync" "apps" {
  name      = "apps"
  namespace = "NS"
  labels      = { team = "platform" }
  annotations = { "example.com/owner" = "sre" }
  git = {
    url      = "https://git.example.com/org/fleet"
    ref      = "refs/heads/main"
    path     = "./clusters/prod"
    interval = "INTERVAL"
    ignore   = "/*\n!/clusters"
    token    = "git-token-123"
  }
  sync = {
    prune                = true
    wait                 = true
    timeout              = "2m"
    retry_interval       = "1m30s"
    interval             = "30m"
    service_account_name = "flux"
    target_namespace     = "NS"
    depends_on           = [{ name = "infra", namespace = "" }]
  }
  substitute      = { cluster_env = "prod", region = "eu-west-1" }
  substitute_from = [{ kind = "ConfigMap", name = "vars", optional = true }, { kind = "Secret", name = "secret-vars" }]
  patches = [
    {
      patch  = yamlencode({ apiVersion = "apps/v1", kind = "Deployment", metadata = { name = "x" }, spec = { replicas = 2 } })
      target = { kind = "Deployment", name = "x" }
    },
    {
      patch  = jsonencode([{ op = "add", path = "/metadata/labels/env", value = "prod" }])
      target = { kind = "Service", label_selector = "app=web" }
    },
  ]
  decryption = { provider = "sops", secret_name = "sops-age" }
  timeouts {
    create = "1m"
    update = "1m"
  }
}
"#;

#[test]
fn git_sync_create_update_drift_import_destroy() {
    let (bed, cluster) = (bed(), Cluster::new(bed()));
    let _crds = flux::crds(&cluster);
    let ns = "sync-git";
    let _ns = Namespace::create(&cluster, ns);
    let _flux = StandIn::start(bed, &[ns]);
    let wd = WorkDir::new(bed, "git-sync");
    let config = |interval: &str| GIT_SYNC.replace("NS", ns).replace("INTERVAL", interval);
    wd.main_tf(&config("1m"));
    wd.apply();

    // Accepted by Flux's own schemas, as rendered.
    let repo = cluster
        .get(GIT_REPOSITORY, Some(ns), "apps")
        .expect("GitRepository");
    assert_eq!(repo["spec"]["url"], "https://git.example.com/org/fleet");
    assert_eq!(repo["spec"]["secretRef"]["name"], "apps");
    assert_eq!(repo["metadata"]["labels"]["team"], "platform");
    let ks = cluster
        .get(KUSTOMIZATION, Some(ns), "apps")
        .expect("Kustomization");
    assert_eq!(ks["spec"]["path"], "./clusters/prod");
    assert_eq!(ks["spec"]["retryInterval"], "1m30s");
    assert_eq!(ks["spec"]["dependsOn"], json!([{"name": "infra"}]));
    assert_eq!(
        ks["spec"]["patches"][0]["patch"],
        r#"{"apiVersion":"apps/v1","kind":"Deployment","metadata":{"name":"x"},"spec":{"replicas":2}}"#,
        "a YAML patch is rendered as compact JSON"
    );
    assert_eq!(ks["spec"]["patches"][1]["target"]["labelSelector"], "app=web");
    assert_eq!(ks["spec"]["decryption"]["secretRef"]["name"], "sops-age");
    assert_eq!(
        secret_data(&cluster, ns, "apps", "password").as_deref(),
        Some("git-token-123")
    );
    let values = wd.resource_values("flux_git_sync.apps").unwrap();
    assert_eq!(values["objects"].as_object().unwrap().len(), 3, "{values}");
    // The Secret's digest, shown in every plan, is salted (the salt is sensitive), so a CI log
    // cannot confirm a guess of the token.
    let secret_digest = values["objects"][format!("/v1/Secret/{ns}/apps")]
        .as_str()
        .unwrap()
        .to_owned();
    assert!(secret_digest.starts_with("salted:"), "{secret_digest}");
    let state = wd.state();
    let sensitive = &state["values"]["root_module"]["resources"][0]["sensitive_values"];
    assert_eq!(
        sensitive["digest_salt"], true,
        "the salt is sensitive: {sensitive}"
    );
    let (changes, plan) = wd.plan_changes();
    assert!(!changes, "second plan must be empty:\n{plan}");

    // Update in place: a new interval changes the GitRepository only.
    wd.main_tf(&config("5m"));
    let (changes, plan) = wd.plan_changes();
    assert!(changes && plan.stdout.contains("updated in-place"), "{plan}");
    assert!(!plan.stdout.contains("must be replaced"), "{plan}");
    wd.apply();
    let repo = cluster.get(GIT_REPOSITORY, Some(ns), "apps").unwrap();
    assert_eq!(repo["spec"]["interval"], "5m");

    // Drift: an edited Kustomization and a deleted Secret are planned back and restored.
    cluster.merge_patch(
        KUSTOMIZATION,
        Some(ns),
        "apps",
        json!({"spec": {"path": "./elsewhere"}}),
    );
    cluster.delete(SECRET, Some(ns), "apps");
    let (changes, plan) = wd.plan_changes();
    assert!(changes, "drift is detected:\n{plan}");
    assert!(
        plan.stdout
            .contains("kustomize.toolkit.fluxcd.io/v1/Kustomization/sync-git/apps"),
        "{plan}"
    );
    wd.apply();
    let ks = cluster.get(KUSTOMIZATION, Some(ns), "apps").unwrap();
    assert_eq!(ks["spec"]["path"], "./clusters/prod");
    assert_eq!(
        secret_data(&cluster, ns, "apps", "password").as_deref(),
        Some("git-token-123")
    );
    let (changes, plan) = wd.plan_changes();
    assert!(!changes, "{plan}");

    // Import round trip: the configuration record and the Secret give back every attribute.
    wd.ok(&["state", "rm", "flux_git_sync.apps"]);
    wd.ok(&["import", "-no-color", "flux_git_sync.apps", &format!("{ns}/apps")]);
    let (changes, plan) = wd.plan_changes();
    assert!(!changes, "a plan after import is empty:\n{plan}");

    wd.ok(&["destroy", "-auto-approve", "-no-color"]);
    for kind in [GIT_REPOSITORY, KUSTOMIZATION, SECRET] {
        assert!(
            cluster.get(kind, Some(ns), "apps").is_none(),
            "{} deleted",
            kind.1
        );
    }
}

const GIT_SYNC_AUTH: &str = r#"
variable "key" {
  type      = string
  sensitive = true
  ephemeral = true
}
resource "flux_git_sync" "ssh" {
  name      = "ssh"
  namespace = "NS"
  git = {
    url  = "git@git.example.com:org/fleet.git"
    path = "./clusters/prod"
    ssh = {
      private_key = file("id_ed25519")
      known_hosts = "git.example.com ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl"
      passphrase  = "key-passphrase"
    }
  }
}
resource "flux_git_sync" "ssh_wo" {
  name      = "ssh-wo"
  namespace = "NS"
  git = {
    url  = "ssh://git@git.example.com:2222/org/fleet.git"
    path = "./"
    ssh = {
      private_key_wo         = var.key
      private_key_wo_version = 1
      known_hosts            = "[git.example.com]:2222 ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl"
    }
  }
}
resource "flux_git_sync" "deploy_token" {
  name      = "deploy-token"
  namespace = "NS"
  git = {
    url      = "https://gitlab.example.com/org/fleet.git"
    path     = "./"
    username = "gitlab+deploy-token-1"
    token    = "gldt-123"
  }
}
"#;

/// SSH (an scp-like URL with a passphrase-protected key, and an `ssh://` URL with a port and a
/// write-only key) and HTTPS with a username of the user's choice: the Secrets and
/// GitRepositories the apiserver holds, a write-only key kept out of the state, an import round
/// trip of each.
#[test]
fn git_sync_ssh_and_custom_username_render_and_import() {
    let (bed, cluster) = (bed(), Cluster::new(bed()));
    if !bed.cli().supports_write_only() {
        eprintln!("skipped: the client does not support write-only attributes");
        return;
    }
    let _crds = flux::crds(&cluster);
    let ns = "sync-git-auth";
    let _ns = Namespace::create(&cluster, ns);
    let _flux = StandIn::start(bed, &[ns]);
    let wd = WorkDir::new(bed, "git-sync-auth");
    let key = acceptance_tests::sources::SshKey::generate("key-passphrase");
    let wo_key = acceptance_tests::sources::SshKey::generate("");
    wd.write("id_ed25519", &key.private);
    wd.main_tf(&GIT_SYNC_AUTH.replace("NS", ns));
    let var = format!("key={}", wo_key.private);
    for args in [
        &["apply", "-auto-approve", "-no-color", "-var", &var][..],
        &["plan", "-detailed-exitcode", "-no-color", "-var", &var][..],
    ] {
        let run = wd.run(args);
        assert_eq!(run.code, 0, "{run}");
    }

    let repo = cluster
        .get(GIT_REPOSITORY, Some(ns), "ssh")
        .expect("GitRepository");
    assert_eq!(
        repo["spec"]["url"], "ssh://git@git.example.com/org/fleet.git",
        "the scp-like URL in the form Flux takes"
    );
    assert_eq!(repo["spec"]["secretRef"]["name"], "ssh");
    assert_eq!(
        secret_data(&cluster, ns, "ssh", "identity").as_deref(),
        Some(key.private.as_str())
    );
    assert!(
        secret_data(&cluster, ns, "ssh", "known_hosts")
            .is_some_and(|k| k.starts_with("git.example.com ssh-ed25519"))
    );
    assert_eq!(
        secret_data(&cluster, ns, "ssh", "password").as_deref(),
        Some("key-passphrase")
    );
    assert_eq!(secret_data(&cluster, ns, "ssh", "username"), None);

    let repo = cluster
        .get(GIT_REPOSITORY, Some(ns), "ssh-wo")
        .expect("GitRepository");
    assert_eq!(
        repo["spec"]["url"],
        "ssh://git@git.example.com:2222/org/fleet.git"
    );
    assert_eq!(
        secret_data(&cluster, ns, "ssh-wo", "identity").as_deref(),
        Some(wo_key.private.as_str())
    );
    let state_file = std::fs::read_to_string(wd.file("terraform.tfstate")).unwrap();
    let wo_body = wo_key.private.lines().nth(1).expect("key body");
    assert!(
        !state_file.contains(wo_body),
        "the write-only key is in the state"
    );

    assert_eq!(
        secret_data(&cluster, ns, "deploy-token", "username").as_deref(),
        Some("gitlab+deploy-token-1")
    );
    assert_eq!(
        secret_data(&cluster, ns, "deploy-token", "password").as_deref(),
        Some("gldt-123")
    );

    // Import: the recorded configuration, and the key, passphrase or token from the Secret.
    for (address, name) in [
        ("flux_git_sync.ssh", "ssh"),
        ("flux_git_sync.ssh_wo", "ssh-wo"),
        ("flux_git_sync.deploy_token", "deploy-token"),
    ] {
        wd.ok(&["state", "rm", address]);
        let run = wd.run(&[
            "import",
            "-no-color",
            "-var",
            &var,
            address,
            &format!("{ns}/{name}"),
        ]);
        assert_eq!(run.code, 0, "{run}");
    }
    let run = wd.run(&["plan", "-detailed-exitcode", "-no-color", "-var", &var]);
    assert_eq!(run.code, 0, "a plan after import is empty:\n{run}");

    let run = wd.run(&["destroy", "-auto-approve", "-no-color", "-var", &var]);
    assert_eq!(run.code, 0, "{run}");
    for name in ["ssh", "ssh-wo", "deploy-token"] {
        assert!(
            cluster.get(SECRET, Some(ns), name).is_none(),
            "Secret {name} deleted"
        );
    }
}

const OCI_SYNC: &str = r#"
variable "password" {
  type      = string
  sensitive = true
  ephemeral = true
}
variable "password_version" {
  type = number
}
resource "flux_oci_sync" "podinfo" {
  name      = "podinfo"
  namespace = "NS"
  artifact = {
    url    = "oci://registry.example.com:5000/manifests/podinfo"
    semver = ">=1.0.0"
    auth = {
      credentials = { username = "flux", password_wo = var.password, password_wo_version = var.password_version }
    }
    tls = { ca = "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n" }
  }
  sync = { path = "./kustomize", target_namespace = "default", wait = true }
}
"#;

/// The write-only twin: the password reaches the cluster, never the plan or the state; a new
/// version rotates it.
#[test]
fn oci_sync_write_only_password_rotates_and_is_never_stored() {
    let (bed, cluster) = (bed(), Cluster::new(bed()));
    if !bed.cli().supports_write_only() {
        // Degrades cleanly: an older client is told, naming the attribute, before anything is
        // stored.
        let wd = WorkDir::new(bed, "oci-sync-old-client");
        wd.main_tf(
            &OCI_SYNC
                .replace("NS", "sync-oci")
                .replace("  ephemeral = true\n", "")
                .replace(
                    "variable \"password\" {",
                    "variable \"password\" {\n  default = \"x\"",
                )
                .replace(
                    "variable \"password_version\" {",
                    "variable \"password_version\" {\n  default = 1",
                ),
        );
        let run = wd.run(&["validate", "-no-color"]);
        assert_ne!(run.code, 0, "{run}");
        assert!(
            run.output()
                .contains("Write-only attribute not supported by this client"),
            "{run}"
        );
        return;
    }
    let _crds = flux::crds(&cluster);
    let ns = "sync-oci";
    let _ns = Namespace::create(&cluster, ns);
    let _flux = StandIn::start(bed, &[ns]);
    let wd = WorkDir::new(bed, "oci-sync");
    wd.main_tf(&OCI_SYNC.replace("NS", ns));
    let vars = |password: &str, version: u32| {
        vec![
            "-var".to_owned(),
            format!("password={password}"),
            "-var".to_owned(),
            format!("password_version={version}"),
        ]
    };
    let run = |args: &[&str], password: &str, version: u32| {
        // The variables go right after the subcommand, before any positional argument.
        let mut all: Vec<String> = vec![args[0].to_owned()];
        all.extend(vars(password, version));
        all.extend(args[1..].iter().map(|s| (*s).to_owned()));
        let all: Vec<&str> = all.iter().map(String::as_str).collect();
        wd.run(&all)
    };
    let docker_password = || {
        let config = secret_data(&cluster, ns, "podinfo-oci-auth", ".dockerconfigjson").expect("auth Secret");
        let config: serde_json::Value = serde_json::from_str(&config).unwrap();
        config["auths"]["registry.example.com:5000"]["password"].clone()
    };

    let plan = run(&["plan", "-no-color", "-out", "first.tfplan"], "first-S3CRET", 1);
    assert_eq!(plan.code, 0, "{plan}");
    // Ephemeral variables are given again when a saved plan is applied.
    let applied = run(&["apply", "-no-color", "first.tfplan"], "first-S3CRET", 1);
    assert_eq!(applied.code, 0, "{applied}");
    assert_eq!(docker_password(), "first-S3CRET", "{applied}");
    let ocirepo = cluster.get(OCI_REPOSITORY, Some(ns), "podinfo").unwrap();
    assert_eq!(ocirepo["spec"]["ref"]["semver"], ">=1.0.0");
    assert_eq!(ocirepo["spec"]["certSecretRef"]["name"], "podinfo-oci-tls");

    let show_plan = wd.ok(&["show", "-json", "first.tfplan"]);
    let state_file = std::fs::read_to_string(wd.file("terraform.tfstate")).unwrap();
    for (what, text) in [("plan JSON", &show_plan.stdout), ("state file", &state_file)] {
        assert!(!text.contains("first-S3CRET"), "the password is in the {what}");
        // Nor in the docker config's base64 `auth` field.
        assert!(
            !text.contains("Zmx1eDpmaXJzdC1TM0NSRVQ="),
            "the encoded password is in the {what}"
        );
    }

    let same = run(&["plan", "-detailed-exitcode", "-no-color"], "first-S3CRET", 1);
    assert_eq!(same.code, 0, "no changes with the same version:\n{same}");
    let new_value_same_version = run(&["plan", "-detailed-exitcode", "-no-color"], "second-S3CRET", 1);
    assert_eq!(
        new_value_same_version.code, 0,
        "a write-only value is compared through its version only:\n{new_value_same_version}"
    );

    let rotate = run(&["apply", "-auto-approve", "-no-color"], "second-S3CRET", 2);
    assert_eq!(rotate.code, 0, "{rotate}");
    assert!(rotate.stdout.contains("1 changed"), "{rotate}");
    assert_eq!(docker_password(), "second-S3CRET");
    let state_file = std::fs::read_to_string(wd.file("terraform.tfstate")).unwrap();
    assert!(!state_file.contains("second-S3CRET"));
    let state: serde_json::Value = serde_json::from_str(&state_file).unwrap();
    let credentials = &state["resources"][0]["instances"][0]["attributes"]["artifact"]["auth"]["credentials"];
    assert_eq!(
        credentials["password_wo_version"].as_f64(),
        Some(2.0),
        "the version is kept: {credentials}"
    );
    assert!(credentials["password_wo"].is_null(), "{credentials}");

    // Import keeps the write-only form: the version comes back from the record.
    wd.ok(&["state", "rm", "flux_oci_sync.podinfo"]);
    let import = run(
        &[
            "import",
            "-no-color",
            "flux_oci_sync.podinfo",
            &format!("{ns}/podinfo"),
        ],
        "x",
        2,
    );
    assert_eq!(import.code, 0, "{import}");
    let after = run(&["plan", "-detailed-exitcode", "-no-color"], "second-S3CRET", 2);
    assert_eq!(after.code, 0, "a plan after import is empty:\n{after}");

    let destroy = run(&["destroy", "-auto-approve", "-no-color"], "second-S3CRET", 2);
    assert_eq!(destroy.code, 0, "{destroy}");
    assert!(cluster.get(OCI_REPOSITORY, Some(ns), "podinfo").is_none());
    assert!(cluster.get(SECRET, Some(ns), "podinfo-oci-auth").is_none());
}

const HELM_RELEASE_HCL: &str = r##"
resource "flux_helm_release" "podinfo" {
  name      = "podinfo"
  namespace = "NS"
  repository = {
    url  = "URL"
    auth = { username = "bot", password = "helm-pw" }
  }
  chart = { name = "podinfo", version = "6.x" }
  values = {
    replicaCount = 2
    ui           = { message = "hello", color = "#34577c" }
    extraArgs    = ["--level=debug", "--port-metrics=9797"]
    resources    = { limits = { memory = "256Mi", cpu = 0.5 } }
  }
  values_from = [{ kind = "ConfigMap", name = "podinfo-values", values_key = "values.yaml", optional = true }]
  sync = { retries = 3, interval = "10m", timeout = "3m", target_namespace = "default", create_namespace = true }
  test            = true
  drift_detection = "warn"
}
"##;

/// The configuration recorded for import must not push a HelmRelease past Kubernetes' 256 KiB
/// limit on an object's annotations: values of 200 KiB apply, and import.
#[test]
fn a_helm_release_with_200_kib_of_values_applies_and_imports() {
    let (bed, cluster) = (bed(), Cluster::new(bed()));
    let _crds = flux::crds(&cluster);
    let ns = "sync-helm-big";
    let _ns = Namespace::create(&cluster, ns);
    let _flux = StandIn::start(bed, &[ns]);
    let values: serde_json::Map<String, serde_json::Value> = (0..2000)
        .map(|i| (format!("key{i:04}"), serde_json::json!(format!("{i:0100}"))))
        .collect();
    let values = serde_json::Value::Object(values).to_string();
    assert!(values.len() > 200 * 1024, "{}", values.len());
    let config = format!(
        "resource \"flux_helm_release\" \"big\" {{\n  name      = \"big\"\n  namespace = \"{ns}\"\n  \
         repository = {{ url = \"https://stefanprodan.github.io/podinfo\" }}\n  \
         chart = {{ name = \"podinfo\", version = \"6.x\" }}\n  \
         values = jsondecode(file(\"${{path.module}}/values.json\"))\n}}\n"
    );
    let wd = WorkDir::new(bed, "helm-release-big");
    wd.write("values.json", &values);
    wd.main_tf(&config);
    wd.apply();
    let hr = cluster.get(HELM_RELEASE, Some(ns), "big").expect("HelmRelease");
    assert_eq!(hr["spec"]["values"]["key1999"], format!("{:0100}", 1999));
    let (changes, plan) = wd.plan_changes();
    assert!(!changes, "{plan}");

    let imported = WorkDir::new(bed, "helm-release-big-import");
    imported.write("values.json", &values);
    imported.main_tf(&config);
    imported.ok(&[
        "import",
        "-no-color",
        "flux_helm_release.big",
        &format!("{ns}/big"),
    ]);
    let (changes, plan) = imported.plan_changes();
    assert!(!changes, "a plan after import is empty:\n{plan}");
    wd.ok(&["destroy", "-auto-approve", "-no-color"]);
}

/// A repository moving from an HTTP Helm repository to an OCI registry swaps the source: the
/// HelmRepository is pruned, an OCIRepository takes its place.
#[test]
fn helm_release_http_to_oci_prunes_the_old_source() {
    let (bed, cluster) = (bed(), Cluster::new(bed()));
    let _crds = flux::crds(&cluster);
    let ns = "sync-helm";
    let _ns = Namespace::create(&cluster, ns);
    let _flux = StandIn::start(bed, &[ns]);
    let wd = WorkDir::new(bed, "helm-release");
    let config = |url: &str| HELM_RELEASE_HCL.replace("NS", ns).replace("URL", url);
    wd.main_tf(&config("https://stefanprodan.github.io/podinfo"));
    wd.apply();
    let hr = cluster
        .get(HELM_RELEASE, Some(ns), "podinfo")
        .expect("HelmRelease");
    assert_eq!(hr["spec"]["values"]["replicaCount"], 2);
    assert_eq!(hr["spec"]["values"]["resources"]["limits"]["cpu"], 0.5);
    assert_eq!(hr["spec"]["values"]["extraArgs"][1], "--port-metrics=9797");
    assert_eq!(hr["spec"]["chart"]["spec"]["sourceRef"]["kind"], "HelmRepository");
    assert_eq!(hr["spec"]["driftDetection"]["mode"], "warn");
    assert!(cluster.get(HELM_REPOSITORY, Some(ns), "podinfo").is_some());
    assert_eq!(
        secret_data(&cluster, ns, "podinfo-helm-auth", "password").as_deref(),
        Some("helm-pw")
    );
    let (changes, plan) = wd.plan_changes();
    assert!(!changes, "{plan}");

    wd.main_tf(&config("oci://ghcr.io/stefanprodan/charts"));
    let (changes, plan) = wd.plan_changes();
    assert!(changes && plan.stdout.contains("updated in-place"), "{plan}");
    wd.apply();
    assert!(
        cluster.get(HELM_REPOSITORY, Some(ns), "podinfo").is_none(),
        "the HelmRepository is pruned"
    );
    let oci = cluster
        .get(OCI_REPOSITORY, Some(ns), "podinfo")
        .expect("OCIRepository");
    assert_eq!(oci["spec"]["url"], "oci://ghcr.io/stefanprodan/charts/podinfo");
    let hr = cluster.get(HELM_RELEASE, Some(ns), "podinfo").unwrap();
    assert_eq!(
        hr["spec"]["chartRef"],
        json!({"kind": "OCIRepository", "name": "podinfo"})
    );
    assert!(hr["spec"]["chart"].is_null(), "{hr}");
    let auth = secret_data(&cluster, ns, "podinfo-helm-auth", ".dockerconfigjson").expect("docker config");
    assert!(auth.contains("\"ghcr.io\""), "{auth}");
    let (changes, plan) = wd.plan_changes();
    assert!(!changes, "{plan}");

    wd.ok(&["state", "rm", "flux_helm_release.podinfo"]);
    wd.ok(&[
        "import",
        "-no-color",
        "flux_helm_release.podinfo",
        &format!("{ns}/podinfo"),
    ]);
    let (changes, plan) = wd.plan_changes();
    assert!(!changes, "a plan after import is empty:\n{plan}");
    wd.ok(&["destroy", "-auto-approve", "-no-color"]);
    assert!(cluster.get(HELM_RELEASE, Some(ns), "podinfo").is_none());
    assert!(cluster.get(OCI_REPOSITORY, Some(ns), "podinfo").is_none());
}

/// With `wait`, a terminal Flux failure fails the apply at once with Flux's message, the
/// objects applied stay in state, and the next apply converges; with no controller at all, the
/// timeout names the objects and why.
#[test]
fn wait_reports_flux_failures_and_timeouts() {
    let (bed, cluster) = (bed(), Cluster::new(bed()));
    let _crds = flux::crds(&cluster);
    let ns = "sync-wait";
    let _ns = Namespace::create(&cluster, ns);
    let wd = WorkDir::new(bed, "sync-wait");
    let hcl = r#"
resource "flux_git_sync" "tenant" {
  name      = "tenant"
  namespace = "NS"
  git       = { url = "https://git.example.com/org/tenant", path = "./deploy" }
  sync      = { target_namespace = "NS", service_account_name = "flux" }
  timeouts {
    create = "TIMEOUT"
    update = "1m"
  }
}
"#
    .replace("NS", ns);

    // No controller: the wait runs out and says what it waited for.
    wd.main_tf(&hcl.replace("TIMEOUT", "4s"));
    let started = Instant::now();
    let run = wd.run(&["apply", "-auto-approve", "-no-color"]);
    assert_ne!(run.code, 0);
    assert!(started.elapsed().as_secs() < 60, "bounded by the timeout");
    let out = run.output();
    assert!(out.contains("GitRepository sync-wait/tenant"), "{out}");
    assert!(out.contains("Kustomization sync-wait/tenant"), "{out}");
    assert!(out.contains("not reconciled yet"), "{out}");
    let values = wd
        .resource_values("flux_git_sync.tenant")
        .expect("applied objects are in state");
    assert_eq!(values["objects"].as_object().unwrap().len(), 2, "{values}");

    // A terminal failure is reported at once, with Flux's own message.
    let flux = StandIn::start(bed, &[ns]);
    let message = "ClusterRole/escalate forbidden: cannot create cluster-scoped objects as system:serviceaccount:sync-wait:flux";
    flux.set(Verdict::failed("ReconciliationFailed", message));
    wd.main_tf(&hcl.replace("TIMEOUT", "2m"));
    cluster.merge_patch(
        KUSTOMIZATION,
        Some(ns),
        "tenant",
        json!({"spec": {"path": "./drifted"}}),
    );
    let started = Instant::now();
    let run = wd.run(&["apply", "-auto-approve", "-no-color"]);
    assert_ne!(run.code, 0, "{run}");
    assert!(
        started.elapsed().as_secs() < 60,
        "failed fast, not at the 2m timeout"
    );
    let out = run.output().replace('\n', " ");
    assert!(out.contains("ReconciliationFailed"), "{out}");
    assert!(out.contains("cannot create cluster-scoped objects"), "{out}");

    // Fixed (the controller now succeeds): the next apply converges.
    flux.set(Verdict::ready());
    wd.apply();
    let (changes, plan) = wd.plan_changes();
    assert!(!changes, "{plan}");
    wd.ok(&["destroy", "-auto-approve", "-no-color"]);
}

/// A namespace that does not exist is named as such at once: the apiserver's 404 names the
/// namespace, which the engine tells from a missing API (retried while a new CRD's API appears).
#[test]
fn a_missing_namespace_is_reported_at_once_as_missing() {
    let (bed, cluster) = (bed(), Cluster::new(bed()));
    let _crds = flux::crds(&cluster);
    let wd = WorkDir::new(bed, "sync-missing-namespace");
    wd.main_tf(
        r#"
resource "flux_oci_sync" "app" {
  name      = "app"
  namespace = "no-such-namespace"
  artifact  = { url = "oci://registry.example.com/app" }
  wait      = false
}
"#,
    );
    let started = Instant::now();
    let run = wd.run(&["apply", "-auto-approve", "-no-color"]);
    assert_ne!(run.code, 0, "{run}");
    let out = run.output().replace('\n', " ");
    assert!(
        out.contains("its namespace \"no-such-namespace\" does not exist"),
        "{out}"
    );
    assert!(!out.contains("failed to find the API"), "{out}");
    assert!(
        started.elapsed().as_secs() < 8,
        "not retried as a missing API for 10 s: {:?}",
        started.elapsed()
    );
    let values = wd.resource_values("flux_oci_sync.app");
    assert!(
        values.is_none_or(|v| v["objects"].as_object().is_none_or(serde_json::Map::is_empty)),
        "nothing applied, nothing in state"
    );
}

/// Bad input is an error naming the attribute, at validate, and nothing is applied.
#[test]
fn bad_input_is_rejected_at_validate() {
    let bed = bed();
    let wd = WorkDir::new(bed, "sync-bad-input");
    let git = |inner: &str| {
        format!(
            "resource \"flux_git_sync\" \"x\" {{\n  name = \"x\"\n  namespace = \"flux-system\"\n{inner}\n}}\n"
        )
    };
    let git_ok = "  git = { url = \"https://github.com/org/repo\", path = \"./\" }";
    let oci = |artifact: &str| {
        format!(
            "resource \"flux_oci_sync\" \"x\" {{\n  name = \"x\"\n  namespace = \"flux-system\"\n  artifact = {artifact}\n}}\n"
        )
    };
    let helm = |extra: &str| {
        format!(
            "resource \"flux_helm_release\" \"x\" {{\n  name = \"x\"\n  namespace = \"flux-system\"\n  repository = {{ url = \"https://charts.example.com\" }}\n  chart = {{ name = \"x\" }}\n{extra}\n}}\n"
        )
    };
    let cases: Vec<(String, &str, &str)> = vec![
        (
            git("  git = { url = \"http://github.com/org/repo\", path = \"./\" }"),
            "git.url",
            "HTTPS",
        ),
        (
            git("  git = { url = \"ssh://git@github.com/org/repo\", path = \"./\" }"),
            "git.ssh",
            "known_hosts",
        ),
        (
            git(
                "  git = { url = \"git@github.com:org/repo\", path = \"./\", token = \"t\",\n    \
                 ssh = { private_key = \"k\", known_hosts = \"h\" } }",
            ),
            "git.token",
            "HTTPS only",
        ),
        (
            git(
                "  git = { url = \"https://gitlab.com/org/repo\", path = \"./\", username = \"gitlab+deploy-token-1\" }",
            ),
            "git.username",
            "token",
        ),
        (
            oci("{ url = \"https://ghcr.io/org/manifests\" }"),
            "artifact.url",
            "oci://",
        ),
        (
            oci("{ url = \"oci://ghcr.io/org/manifests\", tag = \"\", semver = \"\" }"),
            "artifact.tag",
            "semver",
        ),
        (
            helm("  drift_detection = \"sometimes\""),
            "drift_detection",
            "enabled",
        ),
        (
            git(&format!("{git_ok}\n  sync = {{ interval = \"10 minutes\" }}")),
            "sync.interval",
            "duration",
        ),
        (
            git(&format!("{git_ok}\n  patches = [{{ patch = \"just text\" }}]")),
            "patches[0].patch",
            "patch",
        ),
        (
            git(&format!(
                "{git_ok}\n  substitute_from = [{{ kind = \"Deployment\", name = \"vars\" }}]"
            )),
            "substitute_from[0].kind",
            "ConfigMap",
        ),
        (
            git(&format!(
                "{git_ok}\n  github = {{ app_id = \"1\", app_private_key = \"PEM\" }}"
            )),
            "github",
            "app_installation_id",
        ),
        (
            git(
                "  git = { url = \"https://github.com/org/repo\", path = \"./\", token = \"a\", token_wo = \"b\", token_wo_version = 1 }",
            ),
            "git.token_wo",
            "not both",
        ),
        (
            helm("  values = [\"not\", \"an\", \"object\"]"),
            "values",
            "object",
        ),
    ];
    for (body, path, words) in cases {
        wd.main_tf(&body);
        let run = wd.run(&["validate", "-no-color"]);
        assert_ne!(run.code, 0, "{path} must be rejected:\n{body}\n{run}");
        let out = run.output();
        assert!(
            out.contains("on main.tf") && out.contains(words),
            "{path}: the diagnostic explains ({words}):\n{out}"
        );
        let attr = path.split(['.', '[']).next_back().unwrap();
        assert!(
            out.contains(attr),
            "{path}: the diagnostic names the attribute:\n{out}"
        );
    }
    assert!(!wd.file("terraform.tfstate").exists(), "nothing was applied");
}

/// Every option of the three resources at once (and the other source kinds), applied without
/// waiting: kube-apiserver checks each object against Flux's own OpenAPI schemas.
#[test]
fn every_option_is_accepted_by_the_flux_crds() {
    let (bed, cluster) = (bed(), Cluster::new(bed()));
    let _crds = flux::crds(&cluster);
    let ns = "sync-options";
    let _ns = Namespace::create(&cluster, ns);
    let wd = WorkDir::new(bed, "sync-options");
    let hcl = r##"
locals {
  sync = {
    prune = false, wait = false, timeout = "90s", retry_interval = "2m", interval = "1h",
    service_account_name = "deployer", target_namespace = "apps",
    depends_on = [{ name = "infra", namespace = "flux-system" }, { name = "crds" }]
  }
}
resource "flux_git_sync" "app" {
  name        = "app"
  namespace   = "NS"
  wait        = false
  labels      = { tier = "apps" }
  annotations = { "example.com/note" = "all options" }
  git = {
    url = "https://github.com/org/repo", ref = "refs/tags/v1.2.3", path = "./deploy", interval = "10m",
    ignore = "*.md\n/docs", token = "t", ca = "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n"
  }
  github          = { app_id = "1", app_installation_id = "2", app_private_key = "PEM" }
  sync            = local.sync
  substitute      = { a = "1", b = "two" }
  substitute_from = [{ kind = "Secret", name = "s", optional = false }, { kind = "ConfigMap", name = "c" }]
  patches = [
    { patch = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\ndata:\n  k: v\n", target = { version = "v1", kind = "ConfigMap", name = "x", namespace = "apps", annotation_selector = "a=b" } },
    { patch = jsonencode([{ op = "remove", path = "/spec/replicas" }]), target = { group = "apps", kind = "Deployment" } },
    { patch = jsonencode({ apiVersion = "v1", kind = "Service", metadata = { name = "web" } }) },
  ]
  decryption = { provider = "sops", secret_name = "sops-keys" }
}
resource "flux_git_sync" "azure" {
  name      = "app-azure"
  namespace = "NS"
  wait      = false
  git       = { url = "https://dev.azure.com/org/project/_git/fleet", path = "./", provider = "azure" }
}
resource "flux_oci_sync" "app" {
  name      = "app-oci"
  namespace = "NS"
  wait      = false
  artifact = {
    url = "oci://123456789012.dkr.ecr.eu-west-1.amazonaws.com/manifests/app", tag = "v1", semver = "~1.2",
    interval = "2m", ignore = "tests/", auth = { provider = "aws" }, tls = { insecure = true, ca = "PEM" }
  }
  sync       = merge(local.sync, { path = "./overlays/prod" })
  decryption = { provider = "sops" }
}
resource "flux_helm_release" "http" {
  name      = "http"
  namespace = "NS"
  wait      = false
  repository = {
    url = "https://charts.example.com/stable", auth = { username = "u", password = "p" },
    provider = "generic", insecure = true, cert_secret_name = "repo-tls"
  }
  chart  = { name = "app", version = ">=1.0.0 <2.0.0" }
  values = { a = { b = [1, 2.5, "three", true, { c = null }] } }
  values_from = [
    { kind = "Secret", name = "v", values_key = "prod.yaml", target_path = "auth.token", optional = true },
    { kind = "ConfigMap", name = "w" },
  ]
  sync = {
    retries = 5, interval = "15m", timeout = "10m", disable_wait = true, create_namespace = true,
    service_account_name = "helm", target_namespace = "apps", depends_on = [{ name = "base", namespace = "infra" }]
  }
  test            = true
  drift_detection = "enabled"
}
resource "flux_helm_release" "oci" {
  name       = "oci"
  namespace  = "NS"
  wait       = false
  repository = { url = "oci://europe-docker.pkg.dev/project/charts", provider = "gcp", insecure = true }
  chart      = { name = "app", version = "1.x" }
  sync       = { retries = 0 }
  drift_detection = "disabled"
}
"##
    .replace("NS", ns);
    wd.main_tf(&hcl);
    wd.apply();
    for (kind, name) in [
        (GIT_REPOSITORY, "app"),
        (GIT_REPOSITORY, "app-azure"),
        (OCI_REPOSITORY, "app-oci"),
        (KUSTOMIZATION, "app"),
        (KUSTOMIZATION, "app-oci"),
        (HELM_REPOSITORY, "http"),
        (HELM_RELEASE, "http"),
        (OCI_REPOSITORY, "oci"),
        (HELM_RELEASE, "oci"),
    ] {
        assert!(cluster.get(kind, Some(ns), name).is_some(), "{} {name}", kind.1);
    }
    let azure = cluster.get(GIT_REPOSITORY, Some(ns), "app-azure").unwrap();
    assert_eq!(azure["spec"]["provider"], "azure", "{azure}");
    let hr = cluster.get(HELM_RELEASE, Some(ns), "http").unwrap();
    assert_eq!(hr["spec"]["values"]["a"]["b"][1], 2.5);
    assert_eq!(hr["spec"]["install"]["remediation"]["retries"], 5, "{hr}");
    let (changes, plan) = wd.plan_changes();
    assert!(!changes, "{plan}");
    wd.ok(&["destroy", "-auto-approve", "-no-color"]);
}
