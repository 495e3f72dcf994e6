//! The seed's scenarios end to end: the real tofu applies the provider's resources, and the
//! real Flux controllers (source-, kustomize-, helm- and notification-controller, built from the
//! Go module proxy and run as local processes) reconcile them from real sources on loopback: a
//! Git server over HTTPS (public, token-protected, and self-hosted with its own CA), Debian's
//! docker-registry (Flux manifests artifacts and Helm charts as OCI, with htpasswd auth), and a
//! Helm HTTP repository. Every assertion is on what Flux did in the cluster.
//!
//! Nothing here patches a status. The one stand-in is the kubelet, which the test bed lacks, so
//! the payloads are objects that need no running Pod (ConfigMaps, Roles).

use super::sync::{Namespace, secret_data};
use acceptance_tests::cluster::Kind;
use acceptance_tests::cluster::kinds::{NAMESPACE, SECRET};
use acceptance_tests::controllers::Profile;
use acceptance_tests::flux::{self, GIT_REPOSITORY, HELM_RELEASE, KUSTOMIZATION, OCI_REPOSITORY};
use acceptance_tests::sources::{Chart, ServerOptions, SourceServer, SshKey, SshServer, TestCa, trusted_ca};
use acceptance_tests::{Cluster, WorkDir, bed};
use distribution::testing::{RegistryOptions, TestRegistry};
use serde_json::Value;
use std::time::{Duration, Instant};

const CONFIG_MAP: Kind = ("v1", "ConfigMap", "configmaps");

/// The token the Git servers accept for `/private/` repositories (user `git`, as Flux sends).
const GIT_TOKEN: &str = "s3cret-git-token";

/// A ConfigMap manifest for a repository or artifact.
fn config_map(name: &str, greeting: &str) -> String {
    format!("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {name}\ndata:\n  greeting: {greeting}\n")
}

/// Polls `f` every 500 ms until it returns `Some`, for at most `seconds`.
fn eventually<T>(seconds: u64, mut f: impl FnMut() -> Option<T>) -> Option<T> {
    let deadline = Instant::now() + Duration::from_secs(seconds);
    loop {
        if let Some(v) = f() {
            return Some(v);
        }
        if Instant::now() > deadline {
            return None;
        }
        std::thread::sleep(Duration::from_millis(500));
    }
}

fn data(cluster: &Cluster, ns: &str, name: &str, key: &str) -> Option<String> {
    cluster.get(CONFIG_MAP, Some(ns), name)?["data"][key]
        .as_str()
        .map(str::to_owned)
}

/// The object's `Ready` condition as `(status, reason, message)`, if reported for its current
/// generation.
fn ready(object: &Value) -> Option<(String, String, String)> {
    let generation = object["metadata"]["generation"].as_i64();
    if object["status"]["observedGeneration"].as_i64() != generation {
        return None;
    }
    let c = object["status"]["conditions"]
        .as_array()?
        .iter()
        .find(|c| c["type"] == "Ready")?;
    let s = |k: &str| c[k].as_str().unwrap_or_default().to_owned();
    Some((s("status"), s("reason"), s("message")))
}

/// Asserts that Flux itself reports `kind ns/name` Ready for its current generation.
fn assert_ready(cluster: &Cluster, kind: Kind, ns: &str, name: &str) -> String {
    let object = cluster
        .get(kind, Some(ns), name)
        .unwrap_or_else(|| panic!("{} {ns}/{name} exists", kind.1));
    let (status, reason, message) = ready(&object).unwrap_or_else(|| {
        panic!(
            "{} {ns}/{name} has no Ready condition for its generation: {object}",
            kind.1
        )
    });
    assert_eq!(status, "True", "{} {ns}/{name}: {reason}: {message}", kind.1);
    message
}

/// Runs an apply that must fail within its 45 s timeouts (well under 90 s); its output on one
/// line.
fn failing_apply(wd: &WorkDir) -> String {
    let started = Instant::now();
    let run = wd.run(&["apply", "-auto-approve", "-no-color"]);
    assert_ne!(run.code, 0, "{run}");
    assert!(
        started.elapsed() < Duration::from_secs(90),
        "bounded by the timeout"
    );
    run.output().replace('\n', " ")
}

/// Asserts that Flux reports the GitRepository and Kustomization of each `(name, ConfigMap,
/// greeting)` Ready, the Kustomization having applied a revision of `main`, and that the
/// repository's ConfigMap holds the greeting.
fn assert_git_synced(cluster: &Cluster, ns: &str, syncs: &[(&str, &str, &str)]) {
    for (name, config_map, greeting) in syncs {
        assert_ready(cluster, GIT_REPOSITORY, ns, name);
        let message = assert_ready(cluster, KUSTOMIZATION, ns, name);
        assert!(
            message.contains("Applied revision: refs/heads/main@sha1:"),
            "{message}"
        );
        assert_eq!(
            data(cluster, ns, config_map, "greeting").as_deref(),
            Some(*greeting)
        );
    }
}

/// The Git servers: one with a certificate from the CA the controllers trust (public and
/// token-protected repositories), one self-hosted with a CA of its own.
fn git_servers() -> (SourceServer, SourceServer, TestCa) {
    let auth = Some(("git".to_owned(), GIT_TOKEN.to_owned()));
    let public = SourceServer::start(&ServerOptions {
        tls: Some(trusted_ca().0.serving_cert()),
        auth: auth.clone(),
    });
    let own_ca = TestCa::new("self-hosted git CA");
    let self_hosted = SourceServer::start(&ServerOptions {
        tls: Some(own_ca.serving_cert()),
        auth,
    });
    (public, self_hosted, own_ca)
}

fn git_sync(name: &str, ns: &str, url: &str, extra_git: &str, extra: &str) -> String {
    format!(
        r#"
resource "flux_git_sync" "{name}" {{
  name      = "{name}"
  namespace = "{ns}"
  git = {{
    url      = "{url}"
    path     = "./deploy"
    interval = "5s"
{extra_git}
  }}
  sync = {{ target_namespace = "{ns}", prune = true, interval = "5s", retry_interval = "5s" }}
{extra}
}}
"#
    )
}

/// Scenario 1 and 6: flux_git_sync from a public repository, a private one with a token and a
/// self-hosted server with `git.ca`. Each Kustomization becomes Ready through the real
/// controllers before apply returns, the repository's ConfigMap is created, a new commit is
/// picked up, and destroy lets Flux garbage-collect what it created.
#[test]
fn git_sync_public_private_and_self_hosted_reconcile_for_real() {
    let (bed, cluster) = (bed(), Cluster::new(bed()));
    let _flux = flux::controllers(&cluster, Profile::Privileged);
    let ns = "e2e-git";
    let _ns = Namespace::create(&cluster, ns);
    let (public, self_hosted, own_ca) = git_servers();
    let public_repo = public.git_repo(
        "public/fleet.git",
        &[("deploy/cm.yaml", &config_map("from-public", "hello"))],
    );
    let _private_repo = public.git_repo(
        "private/fleet.git",
        &[("deploy/cm.yaml", &config_map("from-private", "hi"))],
    );
    let _own_repo = self_hosted.git_repo(
        "private/fleet.git",
        &[("deploy/cm.yaml", &config_map("from-self-hosted", "hey"))],
    );

    let wd = WorkDir::new(bed, "e2e-git");
    wd.write("ca.crt", own_ca.pem());
    let token = format!("    token    = \"{GIT_TOKEN}\"");
    let hcl = [
        git_sync("public", ns, &public.url("public/fleet.git"), "", ""),
        git_sync("private", ns, &public.url("private/fleet.git"), &token, ""),
        git_sync(
            "selfhosted",
            ns,
            &self_hosted.url("private/fleet.git"),
            &format!("{token}\n    ca       = file(\"ca.crt\")"),
            "",
        ),
    ]
    .concat();
    wd.main_tf(&hcl);
    wd.apply();

    // `wait` returned only once Flux reported every object Ready: no polling needed here.
    assert_git_synced(
        &cluster,
        ns,
        &[
            ("public", "from-public", "hello"),
            ("private", "from-private", "hi"),
            ("selfhosted", "from-self-hosted", "hey"),
        ],
    );
    let cm = cluster.get(CONFIG_MAP, Some(ns), "from-public").unwrap();
    assert_eq!(
        cm["metadata"]["labels"]["kustomize.toolkit.fluxcd.io/name"], "public",
        "created by kustomize-controller: {cm}"
    );
    let (changes, plan) = wd.plan_changes();
    assert!(!changes, "the controllers' status is not drift:\n{plan}");

    // A new commit is picked up by Flux on its interval.
    let sha = public_repo.commit(
        &[("deploy/cm.yaml", &config_map("from-public", "updated"))],
        &[],
        "update",
    );
    let seen = eventually(90, || {
        (data(&cluster, ns, "from-public", "greeting").as_deref() == Some("updated")).then_some(())
    });
    assert!(seen.is_some(), "the new commit {sha} was not applied");
    let repo = cluster.get(GIT_REPOSITORY, Some(ns), "public").unwrap();
    assert!(
        repo["status"]["artifact"]["revision"]
            .as_str()
            .is_some_and(|r| r.ends_with(&sha)),
        "{repo}"
    );

    // Destroy: the provider's objects go, and Flux prunes what it created (prune = true).
    let started = Instant::now();
    wd.ok(&["destroy", "-auto-approve", "-no-color"]);
    assert!(
        started.elapsed() < Duration::from_secs(120),
        "destroy did not hang"
    );
    for name in ["public", "private", "selfhosted"] {
        assert!(cluster.get(KUSTOMIZATION, Some(ns), name).is_none());
        assert!(cluster.get(GIT_REPOSITORY, Some(ns), name).is_none());
    }
    for cm in ["from-public", "from-private", "from-self-hosted"] {
        assert!(
            cluster.wait_gone(CONFIG_MAP, Some(ns), cm, 30),
            "Flux garbage-collects {cm} when its Kustomization is deleted"
        );
    }
}

/// Scenario 5 (Git): a wrong path and a wrong token fail the apply within the timeout with the
/// controller's own reason; once fixed, the next apply converges.
#[test]
fn git_sync_failures_report_the_controllers_reason_and_recover() {
    let (bed, cluster) = (bed(), Cluster::new(bed()));
    let _flux = flux::controllers(&cluster, Profile::Privileged);
    let ns = "e2e-git-fail";
    let _ns = Namespace::create(&cluster, ns);
    let (server, _self_hosted, _) = git_servers();
    let _repo = server.git_repo("private/app.git", &[("deploy/cm.yaml", &config_map("app", "ok"))]);
    let wd = WorkDir::new(bed, "e2e-git-fail");
    let url = server.url("private/app.git");
    let config = |path: &str, token: &str| {
        git_sync(
            "app",
            ns,
            &url,
            &format!("    token    = \"{token}\""),
            "  timeouts {\n    create = \"45s\"\n    update = \"45s\"\n  }",
        )
        .replace("./deploy", path)
    };

    wd.main_tf(&config("./missing", GIT_TOKEN));
    let out = failing_apply(&wd);
    assert!(out.contains("Kustomization e2e-git-fail/app"), "{out}");
    assert!(
        out.contains("kustomization path not found"),
        "kustomize-controller's message: {out}"
    );

    wd.main_tf(&config("./deploy", "wrong-token"));
    let out = failing_apply(&wd);
    assert!(out.contains("GitRepository e2e-git-fail/app"), "{out}");
    assert!(
        out.contains("authentication required"),
        "source-controller's message: {out}"
    );

    wd.main_tf(&config("./deploy", GIT_TOKEN));
    wd.apply();
    assert_ready(&cluster, KUSTOMIZATION, ns, "app");
    assert_eq!(data(&cluster, ns, "app", "greeting").as_deref(), Some("ok"));
    let (changes, plan) = wd.plan_changes();
    assert!(!changes, "{plan}");
    wd.ok(&["destroy", "-auto-approve", "-no-color"]);
}

/// Git as users have it: a repository over SSH (Debian's OpenSSH server, a passphrase-protected
/// key, the server's `known_hosts`) and one over HTTPS with a GitLab deploy token's username.
/// Flux reconciles both; a wrong username and a wrong host key fail the apply with
/// source-controller's own message, and fixing them converges.
#[test]
fn git_sync_over_ssh_and_with_a_custom_username_reconcile_for_real() {
    let (bed, cluster) = (bed(), Cluster::new(bed()));
    let _flux = flux::controllers(&cluster, Profile::Privileged);
    let ns = "e2e-git-auth";
    let _ns = Namespace::create(&cluster, ns);
    let deploy_user = "gitlab+deploy-token-1";
    let https = SourceServer::start(&ServerOptions {
        tls: Some(trusted_ca().0.serving_cert()),
        auth: Some((deploy_user.to_owned(), GIT_TOKEN.to_owned())),
    });
    let _repo = https.git_repo(
        "private/fleet.git",
        &[("deploy/cm.yaml", &config_map("from-deploy-token", "hi"))],
    );
    let _ssh_repo = https.git_repo(
        "private/ssh.git",
        &[("deploy/cm.yaml", &config_map("from-ssh", "hello"))],
    );
    let key = SshKey::generate("key-passphrase");
    let sshd = SshServer::start(&[key.public.as_str()]);
    let other_host = SshServer::start(&[]);

    let wd = WorkDir::new(bed, "e2e-git-auth");
    wd.write("id_ed25519", &key.private);
    let timeouts = "  timeouts {\n    create = \"45s\"\n    update = \"45s\"\n  }";
    let config = |username: &str, known_hosts: &str| {
        wd.write("known_hosts", known_hosts);
        [
            git_sync(
                "ssh",
                ns,
                &sshd.url(&https.root().join("private/ssh.git")),
                "    ssh = {\n      private_key = file(\"id_ed25519\")\n      passphrase  = \"key-passphrase\"\n      \
                 known_hosts = file(\"known_hosts\")\n    }",
                timeouts,
            ),
            git_sync(
                "deploy",
                ns,
                &https.url("private/fleet.git"),
                &format!("    username = \"{username}\"\n    token    = \"{GIT_TOKEN}\""),
                timeouts,
            ),
        ]
        .concat()
    };

    wd.main_tf(&config(deploy_user, &sshd.known_hosts()));
    wd.apply();
    assert_git_synced(
        &cluster,
        ns,
        &[
            ("ssh", "from-ssh", "hello"),
            ("deploy", "from-deploy-token", "hi"),
        ],
    );
    assert!(
        sshd.log().contains("Accepted publickey"),
        "source-controller fetched over SSH: {}",
        sshd.log()
    );
    let (changes, plan) = wd.plan_changes();
    assert!(!changes, "{plan}");

    wd.ok(&["destroy", "-auto-approve", "-no-color"]);
    assert!(cluster.wait_gone(CONFIG_MAP, Some(ns), "from-ssh", 30));

    // The username `git` (the default) is refused by a server that wants the deploy token's,
    // and the host key of another server is refused by Flux: each GitRepository fails with the
    // controller's message. (Fresh objects: a change of the Secret alone leaves the
    // GitRepository's generation, and so its last Ready condition, as it was until Flux's next
    // fetch.)
    wd.main_tf(&config(
        "git",
        &other_host
            .known_hosts()
            .replace(&format!(":{}]", other_host.port()), &format!(":{}]", sshd.port())),
    ));
    let out = failing_apply(&wd);
    assert!(out.contains("GitRepository e2e-git-auth/deploy"), "{out}");
    assert!(
        out.contains("authentication required"),
        "source-controller's message: {out}"
    );
    assert!(out.contains("GitRepository e2e-git-auth/ssh"), "{out}");
    assert!(
        out.contains("knownhosts: key mismatch") || out.contains("key is unknown"),
        "source-controller's message: {out}"
    );
    wd.ok(&["destroy", "-auto-approve", "-no-color"]);
}

/// Pushes a Flux manifests artifact holding one ConfigMap (`name`, `greeting`) under `tag`.
fn push_manifests(
    registry: &TestRegistry,
    credentials: Option<(String, String)>,
    tag: &str,
    name: &str,
    greeting: &str,
) {
    let source = distribution::Source {
        artifact: registry.artifact("manifests/app"),
        registry: String::new(),
        credentials,
        insecure: true,
        ca_pem: None,
    };
    let files = vec![(
        "deploy/cm.yaml".to_owned(),
        config_map(name, greeting).into_bytes(),
    )];
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime")
        .block_on(distribution::testing::push_artifact_to(&source, tag, files))
        .expect("push artifact");
}

/// Scenario 2: flux_oci_sync from a public registry with a semver range (a newer tag in the
/// range is reconciled) and from a private one with htpasswd credentials, the password
/// write-only where the CLI supports it.
#[test]
fn oci_sync_public_semver_and_private_credentials_reconcile_for_real() {
    let (bed, cluster) = (bed(), Cluster::new(bed()));
    let _flux = flux::controllers(&cluster, Profile::Privileged);
    let ns = "e2e-oci";
    let _ns = Namespace::create(&cluster, ns);
    let public = TestRegistry::start(&RegistryOptions::default())
        .expect("registry")
        .expect("docker-registry is installed by testbed.sh build");
    let password = r#"oci-p@ss"wo\rd"#;
    let credentials = Some(("flux".to_owned(), password.to_owned()));
    let private = TestRegistry::start(&RegistryOptions {
        credentials: credentials.clone(),
        tls: None,
    })
    .expect("registry")
    .expect("docker-registry");
    push_manifests(&public, None, "1.0.0", "from-public", "one");
    push_manifests(&public, None, "2.0.0", "from-public", "out-of-range");
    push_manifests(&private, credentials, "latest", "from-private", "private");

    let write_only = bed.cli().supports_write_only();
    let hcl = format!(
        r#"
variable "password" {{
  type      = string
  sensitive = true
{ephemeral}}}
resource "flux_oci_sync" "public" {{
  name      = "public"
  namespace = "{ns}"
  artifact  = {{ url = "{public_url}", semver = ">=1.0.0 <2.0.0", interval = "5s", tls = {{ insecure = true }} }}
  sync      = {{ path = "./deploy", target_namespace = "{ns}", interval = "5s" }}
}}
resource "flux_oci_sync" "private" {{
  name      = "private"
  namespace = "{ns}"
  artifact = {{
    url  = "{private_url}"
    tag  = "latest"
    auth = {{ credentials = {{ username = "flux", {password_attr} }} }}
    tls  = {{ insecure = true }}
  }}
  sync = {{ path = "./deploy", target_namespace = "{ns}" }}
}}
"#,
        ephemeral = if write_only { "  ephemeral = true\n" } else { "" },
        public_url = public.artifact("manifests/app"),
        private_url = private.artifact("manifests/app"),
        password_attr = if write_only {
            "password_wo = var.password, password_wo_version = 1"
        } else {
            "password = var.password"
        },
    );
    let wd = WorkDir::new(bed, "e2e-oci");
    wd.main_tf(&hcl);
    let var = format!("password={password}");
    let apply = wd.run(&["apply", "-auto-approve", "-no-color", "-var", &var]);
    assert_eq!(apply.code, 0, "{apply}");
    for name in ["public", "private"] {
        assert_ready(&cluster, OCI_REPOSITORY, ns, name);
        assert_ready(&cluster, KUSTOMIZATION, ns, name);
    }
    let repo = cluster.get(OCI_REPOSITORY, Some(ns), "public").unwrap();
    assert!(
        repo["status"]["artifact"]["revision"]
            .as_str()
            .is_some_and(|r| r.starts_with("1.0.0@sha256:")),
        "the newest tag in range, not 2.0.0: {repo}"
    );
    assert_eq!(
        data(&cluster, ns, "from-public", "greeting").as_deref(),
        Some("one")
    );
    assert_eq!(
        data(&cluster, ns, "from-private", "greeting").as_deref(),
        Some("private")
    );
    if write_only {
        let state = std::fs::read_to_string(wd.file("terraform.tfstate")).unwrap();
        assert!(
            !state.contains("oci-p@ss"),
            "a write-only password is not in state"
        );
    }
    let plan = wd.run(&["plan", "-detailed-exitcode", "-no-color", "-var", &var]);
    assert_eq!(plan.code, 0, "{plan}");

    // A newer tag in the range is reconciled on the artifact's interval.
    push_manifests(&public, None, "1.1.0", "from-public", "one-one");
    let seen = eventually(90, || {
        (data(&cluster, ns, "from-public", "greeting").as_deref() == Some("one-one")).then_some(())
    });
    assert!(seen.is_some(), "1.1.0 was not applied");

    let destroy = wd.run(&["destroy", "-auto-approve", "-no-color", "-var", &var]);
    assert_eq!(destroy.code, 0, "{destroy}");
    assert!(
        cluster.wait_gone(CONFIG_MAP, Some(ns), "from-public", 30),
        "pruned by Flux"
    );
    assert!(cluster.get(SECRET, Some(ns), "private-oci-auth").is_none());
}

/// A chart whose ConfigMap carries `greeting` and `color` from its values.
fn greeting_chart(name: &str, version: &str) -> Chart {
    Chart::config_map(
        name,
        version,
        "greeting: default\ncolor: none\n",
        &["greeting", "color"],
    )
}

/// Scenario 3 and 5 (Helm): flux_helm_release from an HTTP Helm repository and from an OCI
/// registry, with `values` and `values_from`; the chart's objects carry the values. A chart
/// version that does not exist fails with helm-controller's message, and the fix converges.
#[test]
fn helm_release_http_and_oci_install_with_values_for_real() {
    let (bed, cluster) = (bed(), Cluster::new(bed()));
    let _flux = flux::controllers(&cluster, Profile::Privileged);
    let ns = "e2e-helm";
    let _ns = Namespace::create(&cluster, ns);
    let http = SourceServer::start(&ServerOptions::default());
    http.helm_repo(
        "charts",
        &[
            greeting_chart("greeter", "0.1.0"),
            greeting_chart("greeter", "0.2.0"),
        ],
    );
    let registry = TestRegistry::start(&RegistryOptions::default())
        .expect("registry")
        .expect("docker-registry");
    let chart = greeting_chart("greeter", "1.2.3");
    let source = distribution::Source {
        artifact: registry.artifact("charts/greeter"),
        registry: String::new(),
        credentials: None,
        insecure: true,
        ca_pem: None,
    };
    let config =
        serde_json::json!({"apiVersion": "v2", "name": "greeter", "version": "1.2.3", "type": "application"});
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
        .block_on(distribution::testing::push_oci_artifact(
            &source,
            "1.2.3",
            (
                "application/vnd.cncf.helm.config.v1+json",
                serde_json::to_vec(&config).unwrap(),
            ),
            (
                "application/vnd.cncf.helm.chart.content.v1.tar+gzip",
                chart.archive(),
            ),
            Default::default(),
        ))
        .expect("push chart");
    cluster.create(
        CONFIG_MAP,
        Some(ns),
        serde_json::json!({"apiVersion": "v1", "kind": "ConfigMap",
            "metadata": {"name": "greeter-values", "namespace": ns},
            "data": {"values.yaml": "color: blue\n"}}),
    );

    let release = |name: &str, url: &str, version: &str, extra: &str| {
        format!(
            r#"
resource "flux_helm_release" "{name}" {{
  name       = "{name}"
  namespace  = "{ns}"
  repository = {{ url = "{url}"{extra} }}
  chart      = {{ name = "greeter", version = "{version}" }}
  values     = {{ greeting = "hello from {name}" }}
  values_from = [{{ kind = "ConfigMap", name = "greeter-values", values_key = "values.yaml" }}]
  sync = {{ target_namespace = "{ns}", interval = "1m" }}
  timeouts {{
    create = "60s"
    update = "60s"
  }}
}}
"#
        )
    };
    let oci_url = format!("oci://{}/charts", registry.addr());
    let wd = WorkDir::new(bed, "e2e-helm");
    let hcl = |http_version: &str| {
        [
            release("from-http", &http.url("charts"), http_version, ""),
            release("from-oci", &oci_url, "1.x", ", insecure = true"),
        ]
        .concat()
    };

    // A version the repository does not have fails with the controllers' message, in time.
    wd.main_tf(&hcl("9.9.9"));
    let started = Instant::now();
    let run = wd.run(&["apply", "-auto-approve", "-no-color"]);
    assert_ne!(run.code, 0, "{run}");
    assert!(
        started.elapsed() < Duration::from_secs(120),
        "bounded by the timeout"
    );
    let out = run.output().replace('\n', " ");
    assert!(out.contains("HelmRelease e2e-helm/from-http"), "{out}");
    assert!(
        out.contains("9.9.9"),
        "the controller's message names the version: {out}"
    );

    // Fixed: both releases install, and the chart's ConfigMap carries both kinds of values.
    wd.main_tf(&hcl("0.x"));
    wd.apply();
    for name in ["from-http", "from-oci"] {
        let message = assert_ready(&cluster, HELM_RELEASE, ns, name);
        assert!(message.contains("succeeded"), "{message}");
        assert_eq!(
            data(&cluster, ns, name, "greeting").as_deref(),
            Some(format!("hello from {name}").as_str()),
            "values reach the chart"
        );
        assert_eq!(
            data(&cluster, ns, name, "color").as_deref(),
            Some("blue"),
            "values_from reach the chart"
        );
    }
    assert_eq!(
        data(&cluster, ns, "from-http", "chart-version").as_deref(),
        Some("0.2.0"),
        "the newest 0.x"
    );
    let oci_version = data(&cluster, ns, "from-oci", "chart-version").unwrap_or_default();
    assert!(oci_version.starts_with("1.2.3"), "{oci_version}");
    let (changes, plan) = wd.plan_changes();
    assert!(!changes, "{plan}");

    // Destroy uninstalls: helm-controller removes the release's objects.
    wd.ok(&["destroy", "-auto-approve", "-no-color"]);
    for name in ["from-http", "from-oci"] {
        assert!(cluster.get(HELM_RELEASE, Some(ns), name).is_none());
        assert!(
            cluster.wait_gone(CONFIG_MAP, Some(ns), name, 30),
            "helm-controller uninstalls {name}"
        );
    }
}

/// Scenario 4 and 7: the seed's tenant on-boarding (examples/tenant as it is) with the
/// controllers in the restricted profile. The tenant's Kustomization impersonates the tenant's
/// service account, so namespaced objects are created; a cluster-scoped object in the tenant
/// repository is refused by the API server's RBAC, and the provider's wait reports Flux's own
/// message long before the timeout. Off-boarding removes the tenant namespace.
#[test]
fn tenant_onboarding_is_confined_by_rbac_and_offboarding_removes_it() {
    // The same order of locks as the other tests of examples/tenant: the example's turn first.
    let _tenant = super::examples::tenant_example_lock();
    let (bed, cluster) = (bed(), Cluster::new(bed()));
    let _flux = flux::controllers(&cluster, Profile::Restricted);
    let ns = "dev-team-apps";
    if cluster.get(NAMESPACE, None, ns).is_some() {
        cluster.delete(NAMESPACE, None, ns);
        assert!(cluster.wait_gone(NAMESPACE, None, ns, 60));
    }
    let (server, _self_hosted, _) = git_servers();
    let repo = server.git_repo(
        "private/dev-team-apps.git",
        &[
            ("deploy/cm.yaml", &config_map("team-config", "dev")),
            (
                "deploy/role.yaml",
                "apiVersion: rbac.authorization.k8s.io/v1\nkind: Role\nmetadata:\n  name: team-reader\nrules:\n- apiGroups: [\"\"]\n  resources: [\"pods\"]\n  verbs: [\"get\"]\n",
            ),
        ],
    );
    let wd = WorkDir::new(bed, "e2e-tenant");
    wd.copy_from(&super::examples::example("tenant"));
    let vars = [
        "-var".to_owned(),
        format!("kubeconfig={}", bed.kubeconfig.display()),
        "-var".to_owned(),
        format!("git_url={}", server.url("private/dev-team-apps.git")),
        "-var".to_owned(),
        format!("devteam_token={GIT_TOKEN}"),
    ];
    let run = |cmd: &[&str]| {
        let mut args: Vec<&str> = cmd.to_vec();
        args.extend(vars.iter().map(String::as_str));
        wd.run(&args)
    };
    let apply = run(&["apply", "-auto-approve", "-no-color"]);
    assert_eq!(apply.code, 0, "{apply}");
    assert_ready(&cluster, KUSTOMIZATION, ns, "dev-team-apps");
    assert_eq!(
        data(&cluster, ns, "team-config", "greeting").as_deref(),
        Some("dev")
    );
    assert!(
        cluster
            .get(
                ("rbac.authorization.k8s.io/v1", "Role", "roles"),
                Some(ns),
                "team-reader"
            )
            .is_some(),
        "namespaced objects are created as the tenant"
    );
    assert_eq!(
        secret_data(&cluster, ns, "dev-team-apps", "password").as_deref(),
        Some(GIT_TOKEN)
    );
    let plan = run(&["plan", "-detailed-exitcode", "-no-color"]);
    assert_eq!(plan.code, 0, "{plan}");

    // The tenant pushes a cluster-scoped object: the API server refuses it to the tenant's
    // identity, and Flux says so. A re-apply with a new interval makes the provider wait on it.
    let _ = repo.commit(
        &[(
            "deploy/escalate.yaml",
            "apiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRole\nmetadata:\n  name: dev-team-escalate\nrules: []\n",
        )],
        &[],
        "escalate",
    );
    // The example polls its repository every minute; ask for a fetch now, as `flux reconcile
    // source git` does.
    cluster.merge_patch(
        GIT_REPOSITORY,
        Some(ns),
        "dev-team-apps",
        serde_json::json!({"metadata": {"annotations": {"reconcile.fluxcd.io/requestedAt": "escalate"}}}),
    );
    let failed = eventually(120, || {
        let ks = cluster.get(KUSTOMIZATION, Some(ns), "dev-team-apps")?;
        let (status, reason, message) = ready(&ks)?;
        (status == "False").then_some((reason, message))
    });
    let (reason, message) = failed.expect("kustomize-controller refuses the ClusterRole");
    assert!(
        message.contains("forbidden") || message.contains("cannot"),
        "{reason}: {message}"
    );
    assert!(
        message.contains("system:serviceaccount:dev-team-apps:flux"),
        "impersonated: {message}"
    );
    assert!(
        cluster
            .get(
                ("rbac.authorization.k8s.io/v1", "ClusterRole", "clusterroles"),
                None,
                "dev-team-escalate"
            )
            .is_none()
    );
    let main_tf = std::fs::read_to_string(wd.file("main.tf")).unwrap();
    wd.write(
        "main.tf",
        &main_tf.replace(
            "    path  = \"./deploy\"\n",
            "    path  = \"./deploy\"\n    interval = \"2m\"\n",
        ),
    );
    let started = Instant::now();
    let apply = run(&["apply", "-auto-approve", "-no-color"]);
    assert_ne!(apply.code, 0, "{apply}");
    assert!(
        started.elapsed() < Duration::from_secs(60),
        "failed with Flux's reason before the 5m timeout"
    );
    let out = apply.output().replace('\n', " ");
    assert!(out.contains("Kustomization dev-team-apps/dev-team-apps"), "{out}");
    assert!(out.contains("dev-team-escalate"), "Flux's own message: {out}");

    // Off-boarding: destroy removes the tenant namespace and everything in it.
    let destroy = run(&["destroy", "-auto-approve", "-no-color"]);
    assert_eq!(destroy.code, 0, "{destroy}");
    assert!(
        cluster.wait_gone(NAMESPACE, None, ns, 120),
        "the tenant namespace is gone"
    );
}

/// Scenario 7: the bare-metal example's Cilium release (examples/aio-bare-metal), its
/// repository pointed at a local chart standing in for Cilium, installed by the real
/// helm-controller with the example's values.
#[test]
fn bare_metal_cilium_release_installs_through_helm_controller() {
    let (bed, cluster) = (bed(), Cluster::new(bed()));
    let _flux = flux::controllers(&cluster, Profile::Privileged);
    let ns = "e2e-bare-metal";
    let _ns = Namespace::create(&cluster, ns);
    let target = "e2e-kube-system";
    let _target = Namespace::create(&cluster, target);
    let http = SourceServer::start(&ServerOptions::default());
    let template = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cilium-config\ndata:\n  \
                    operator-replicas: {{ .Values.operator.replicas | quote }}\n  \
                    ipam: {{ .Values.ipam.mode | quote }}\n";
    http.helm_repo(
        "cilium",
        &[Chart {
            name: "cilium".into(),
            version: "1.18.0".into(),
            values: "operator:\n  replicas: 2\nipam:\n  mode: cluster-pool\n".into(),
            templates: vec![("config.yaml".into(), template.into())],
        }],
    );
    let example =
        std::fs::read_to_string(super::examples::example("aio-bare-metal").join("main.tf")).unwrap();
    let start = example
        .find("resource \"flux_helm_release\" \"cilium\"")
        .expect("the example's release");
    let block = example[start..]
        .replace(
            "namespace = flux_aio.flux.namespace",
            &format!("namespace = \"{ns}\""),
        )
        .replace("https://helm.cilium.io", &http.url("cilium"))
        .replace(
            "target_namespace = \"kube-system\"",
            &format!("target_namespace = \"{target}\""),
        );
    assert!(block.contains(&http.url("cilium")), "{block}");
    let wd = WorkDir::new(bed, "e2e-bare-metal");
    wd.main_tf(&block);
    wd.apply();
    assert_ready(&cluster, HELM_RELEASE, ns, "cilium");
    assert_eq!(
        data(&cluster, target, "cilium-config", "operator-replicas").as_deref(),
        Some("1")
    );
    assert_eq!(
        data(&cluster, target, "cilium-config", "ipam").as_deref(),
        Some("kubernetes")
    );
    wd.ok(&["destroy", "-auto-approve", "-no-color"]);
    assert!(cluster.wait_gone(CONFIG_MAP, Some(target), "cilium-config", 30));
}
