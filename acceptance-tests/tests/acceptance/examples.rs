use acceptance_tests::cluster::kinds::{NAMESPACE, RESOURCE_QUOTA};
use acceptance_tests::flux::{
    self, GIT_REPOSITORY, HELM_RELEASE, HELM_REPOSITORY, KUSTOMIZATION, OCI_REPOSITORY, StandIn,
};
use acceptance_tests::{Cluster, WorkDir, bed};
use std::path::Path;

/// The directory of `examples/<name>`.
pub fn example(name: &str) -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("..")
        .join("examples")
        .join(name)
}

/// Applies an example with the test bed's kubeconfig and `vars`, checks the second plan is
/// empty, runs `check`, then destroys it.
fn apply_example(name: &str, vars: &[(&str, &str)], check: impl FnOnce(&Cluster)) {
    let (bed, cluster) = (bed(), Cluster::new(bed()));
    let wd = WorkDir::new(bed, &format!("example-{name}"));
    wd.copy_from(&example(name));
    let mut settings = vec![format!("kubeconfig={}", bed.kubeconfig.display())];
    settings.extend(vars.iter().map(|(k, v)| format!("{k}={v}")));
    let with_vars = |args: &[&str]| {
        let mut all: Vec<&str> = args.to_vec();
        all.push("-no-color");
        for v in &settings {
            all.extend(["-var", v.as_str()]);
        }
        let run = wd.run(&all);
        (run.code, run)
    };
    let validate = wd.run(&["validate", "-no-color"]);
    assert_eq!(validate.code, 0, "{name}: {validate}");
    let (code, run) = with_vars(&["apply", "-auto-approve"]);
    assert_eq!(code, 0, "{name}: {run}");
    check(&cluster);
    let (code, run) = with_vars(&["plan", "-detailed-exitcode"]);
    assert_eq!(code, 0, "{name}: no changes after apply:\n{run}");
    let (code, run) = with_vars(&["destroy", "-auto-approve"]);
    assert_eq!(code, 0, "{name}: {run}");
}

/// Every sync and Helm tab of the seed, applied as is (secrets as TF_VAR_ values would give
/// them), accepted by the real Flux CRDs, with a stand-in Flux reporting Ready.
#[test]
fn sync_and_helm_examples_apply_as_is() {
    let (bed, cluster) = (bed(), Cluster::new(bed()));
    let _crds = flux::crds(&cluster);
    let _ns = super::sync::Namespace::create(&cluster, "flux-system");
    let _flux = StandIn::start(bed, &["flux-system"]);
    let get = |cluster: &Cluster, kind, name: &str| {
        cluster
            .get(kind, Some("flux-system"), name)
            .unwrap_or_else(|| panic!("{} flux-system/{name}", kind.1))
    };
    apply_example("oci-sync-public", &[], |c| {
        let repo = get(c, OCI_REPOSITORY, "podinfo");
        assert_eq!(repo["spec"]["ref"]["semver"], ">=1.0.0");
        assert_eq!(get(c, KUSTOMIZATION, "podinfo")["spec"]["wait"], true);
    });
    apply_example(
        "oci-sync-private",
        &[("registry_password", "ghcr-token"), ("artifact_insecure", "true")],
        |c| {
            let password =
                super::sync::secret_data(c, "flux-system", "podinfo-oci-auth", ".dockerconfigjson");
            assert!(password.unwrap().contains("ghcr-token"));
            assert_eq!(get(c, OCI_REPOSITORY, "podinfo")["spec"]["insecure"], true);
        },
    );
    apply_example("git-sync-public", &[], |c| {
        let repo = get(c, GIT_REPOSITORY, "podinfo");
        assert_eq!(repo["spec"]["ref"]["name"], "refs/heads/master");
        assert_eq!(
            get(c, KUSTOMIZATION, "podinfo")["spec"]["targetNamespace"],
            "default"
        );
    });
    apply_example(
        "git-sync-private",
        &[
            ("git_token", "ghp_example"),
            ("git_username", "gitlab+deploy-token-1"),
        ],
        |c| {
            let token = super::sync::secret_data(c, "flux-system", "podinfo", "password");
            assert_eq!(token.as_deref(), Some("ghp_example"));
            let username = super::sync::secret_data(c, "flux-system", "podinfo", "username");
            assert_eq!(username.as_deref(), Some("gitlab+deploy-token-1"));
        },
    );
    apply_example("git-sync-github-app", &[("github_app_pem", PEM)], |c| {
        assert_eq!(
            get(c, GIT_REPOSITORY, "flux-system")["spec"]["provider"],
            "github"
        );
        let key = super::sync::secret_data(c, "flux-system", "flux-system", "githubAppPrivateKey");
        assert_eq!(key.as_deref(), Some(PEM));
    });
    apply_example(
        "git-sync-self-hosted",
        &[("git_ca", CA), ("git_token", "glpat")],
        |c| {
            let ca = super::sync::secret_data(c, "flux-system", "podinfo", "ca.crt");
            assert_eq!(ca.as_deref(), Some(CA));
        },
    );
    apply_example("helm-release-http", &[], |c| {
        assert!(c.get(HELM_REPOSITORY, Some("flux-system"), "podinfo").is_some());
        let hr = get(c, HELM_RELEASE, "podinfo");
        assert_eq!(hr["spec"]["values"]["replicaCount"], 2);
        assert_eq!(hr["spec"]["driftDetection"]["mode"], "enabled");
    });
    apply_example("helm-release-oci", &[("registry_password", "s3cr3t")], |c| {
        assert!(c.get(OCI_REPOSITORY, Some("flux-system"), "podinfo").is_some());
        let hr = get(c, HELM_RELEASE, "podinfo");
        assert_eq!(hr["spec"]["values"]["extraArgs"][0], "--level=debug");
        assert_eq!(hr["spec"]["test"]["enable"], true);
    });
}

/// examples/tenant owns the namespace `dev-team-apps`: the tests that apply it (here and with
/// the released binary) take turns.
pub fn tenant_example_lock() -> std::sync::MutexGuard<'static, ()> {
    static LOCK: std::sync::Mutex<()> = std::sync::Mutex::new(());
    LOCK.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// The multi-tenancy on-boarding bundle: the tenant, then its git sync inside the tenant
/// namespace, impersonating the tenant's ServiceAccount; destroy off-boards.
#[test]
fn tenant_example_applies_as_is() {
    let _turn = tenant_example_lock();
    let (bed, cluster) = (bed(), Cluster::new(bed()));
    let _crds = flux::crds(&cluster);
    let _flux = StandIn::start(bed, &["dev-team-apps"]);
    apply_example("tenant", &[("devteam_token", "devteam-token")], |c| {
        let quota = c
            .get(RESOURCE_QUOTA, Some("dev-team-apps"), "flux-quota")
            .expect("quota");
        assert_eq!(
            quota["spec"]["hard"]["count/helmreleases.helm.toolkit.fluxcd.io"],
            "100"
        );
        let ks = c
            .get(KUSTOMIZATION, Some("dev-team-apps"), "dev-team-apps")
            .expect("Kustomization");
        assert_eq!(ks["spec"]["serviceAccountName"], "flux");
        assert_eq!(ks["spec"]["targetNamespace"], "dev-team-apps");
    });
    assert!(
        cluster.wait_gone(NAMESPACE, None, "dev-team-apps", 60),
        "off-boarded"
    );
}

const PEM: &str = "-----BEGIN RSA PRIVATE KEY-----\nMIIEexample\n-----END RSA PRIVATE KEY-----\n";
const CA: &str = "-----BEGIN CERTIFICATE-----\nMIIBexample\n-----END CERTIFICATE-----\n";

/// The three installation tabs of the seed, applied as they are (with the test registry as
/// the distribution artifact, and a stand-in kubelet).
#[test]
fn aio_examples_apply_as_is() {
    let _serial = super::aio::serial();
    let (bed, cluster) = (bed(), Cluster::new(bed()));
    let registry = super::aio::registry_with(false);
    let _cleanup = super::aio::Cleanup::new(&cluster, &["flux-system"]);
    // The bare-metal tab also installs Cilium through flux_helm_release.
    let _flux = StandIn::start(bed, &["flux-system"]);
    for name in ["aio-default", "aio-bare-metal", "aio-cloud"] {
        let wd = WorkDir::new(bed, name);
        wd.copy_from(&example(name));
        let vars = [
            format!("kubeconfig={}", bed.kubeconfig.display()),
            format!("flux_artifact={}", registry.artifact("flux-manifests")),
            "flux_artifact_insecure=true".to_owned(),
        ];
        let mut args: Vec<&str> = Vec::new();
        for v in &vars {
            args.extend(["-var", v.as_str()]);
        }
        let validate = wd.run(&["validate", "-no-color"]);
        assert_eq!(validate.code, 0, "{name}: {validate}");
        super::aio::apply_with_kubelet_args(&wd, &cluster, "flux-system", &args);
        let deployment = cluster
            .get(
                acceptance_tests::cluster::kinds::DEPLOYMENT,
                Some("flux-system"),
                "flux",
            )
            .unwrap();
        let pod = &deployment["spec"]["template"]["spec"];
        match name {
            "aio-bare-metal" => assert_eq!(pod["hostNetwork"], true, "{name}"),
            // The server omits `hostNetwork: false`.
            _ => assert!(pod["hostNetwork"].as_bool() != Some(true), "{name}"),
        }
        if name == "aio-cloud" {
            let sa = cluster
                .get(
                    acceptance_tests::cluster::kinds::SERVICE_ACCOUNT,
                    Some("flux-system"),
                    "flux",
                )
                .unwrap();
            assert_eq!(
                sa["metadata"]["annotations"]["eks.amazonaws.com/role-arn"],
                "arn:aws:iam::111122223333:role/my-role"
            );
            assert_eq!(pod["volumes"][0]["persistentVolumeClaim"]["claimName"], "flux");
        }
        let mut plan = vec!["plan", "-detailed-exitcode", "-no-color"];
        plan.extend(args.iter().copied());
        let run = wd.run(&plan);
        assert_eq!(run.code, 0, "{name}: no changes after apply:\n{run}");
        let mut destroy = vec!["destroy", "-auto-approve", "-no-color"];
        destroy.extend(args.iter().copied());
        let run = wd.run(&destroy);
        assert_eq!(run.code, 0, "{name}: {run}");
        assert!(super::aio::flux_crds(&cluster).is_empty(), "{name}: uninstalled");
    }
}

/// Every directory under examples/ is formatted (`fmt -check`), valid (`validate`), and has a
/// README line; a new example cannot slip in unchecked.
#[test]
fn every_example_is_formatted_valid_and_documented() {
    let bed = bed();
    let root = example("");
    let fmt = std::process::Command::new(&bed.tofu)
        .args(["fmt", "-check", "-recursive", "-no-color"])
        .arg(&root)
        .env("TF_CLI_CONFIG_FILE", "/dev/null")
        .output()
        .expect("run fmt");
    assert!(
        fmt.status.success(),
        "unformatted examples:\n{}{}",
        String::from_utf8_lossy(&fmt.stdout),
        String::from_utf8_lossy(&fmt.stderr)
    );
    let mut names: Vec<String> = std::fs::read_dir(&root)
        .unwrap()
        .filter_map(Result::ok)
        .filter(|e| e.path().is_dir())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    assert!(names.len() >= 12, "{names:?}");
    for name in names {
        let readme = std::fs::read_to_string(example(&name).join("README.md")).unwrap_or_default();
        assert!(!readme.trim().is_empty(), "{name} has a README line");
        let wd = WorkDir::new(bed, &format!("validate-{name}"));
        wd.copy_from(&example(&name));
        let run = wd.run(&["validate", "-no-color"]);
        assert_eq!(run.code, 0, "{name}: {run}");
    }
}

/// The example at the top of each resource page of docs/ is valid HCL for the provider.
#[test]
fn every_resource_doc_example_validates() {
    let bed = bed();
    let docs = Path::new(env!("CARGO_MANIFEST_DIR")).join("../docs/resources");
    let mut pages: Vec<_> = std::fs::read_dir(&docs)
        .unwrap()
        .filter_map(Result::ok)
        .map(|e| e.path())
        .collect();
    pages.sort();
    assert_eq!(pages.len(), 5, "{pages:?}");
    for page in pages {
        let text = std::fs::read_to_string(&page).unwrap();
        let start = text.find("```hcl\n").expect("an HCL example") + "```hcl\n".len();
        let body = &text[start..start + text[start..].find("```").unwrap()];
        let wd = WorkDir::new(bed, "doc-example");
        wd.main_tf(body);
        let run = wd.run(&["validate", "-no-color"]);
        assert_eq!(run.code, 0, "{}: {run}", page.display());
    }
}
