use acceptance_tests::cluster::kinds::NAMESPACE;
use acceptance_tests::{Cluster, WorkDir, bed};

const UNREACHABLE: &str = "{ host = \"https://127.0.0.1:1\", insecure = true }";

fn tenant(ns: &str) -> String {
    format!("resource \"flux_tenant\" \"t\" {{\n  name      = \"dev-team\"\n  namespace = \"{ns}\"\n}}\n")
}

#[test]
fn plan_of_a_create_needs_no_cluster() {
    let wd = WorkDir::new(bed(), "offline-plan");
    wd.main_tf_with_kubernetes(UNREACHABLE, &tenant("offline-plan"));
    let plan = wd.ok(&["plan", "-no-color"]);
    assert!(plan.stdout.contains("flux_tenant.t will be created"), "{plan}");
    assert!(
        plan.stdout.contains("\"/v1/Namespace//offline-plan\""),
        "objects are known at plan time:\n{plan}"
    );
}

#[test]
fn apply_to_an_unreachable_cluster_names_the_host_and_stores_nothing() {
    let (bed, cluster) = (bed(), Cluster::new(bed()));
    let wd = WorkDir::new(bed, "unreachable");
    wd.main_tf_with_kubernetes(UNREACHABLE, &tenant("unreachable"));
    let apply = wd.run(&["apply", "-auto-approve", "-no-color"]);
    assert_ne!(apply.code, 0, "{apply}");
    assert!(
        apply.stderr.contains("https://127.0.0.1:1"),
        "the error names the host:\n{apply}"
    );
    let list = wd.ok(&["state", "list"]);
    assert!(
        list.stdout.trim().is_empty(),
        "nothing was applied, so nothing is in state:\n{list}"
    );
    assert!(cluster.get(NAMESPACE, None, "unreachable").is_none());
}

/// The log lines the CLI relays from the provider.
fn provider_lines(stderr: &str) -> Vec<&str> {
    stderr
        .lines()
        .filter(|l| l.contains("provider.terraform-provider-flux"))
        .collect()
}

#[test]
fn tf_log_debug_shows_provider_lines_with_levels() {
    let wd = WorkDir::new(bed(), "tf-log");
    wd.main_tf_with_kubernetes(UNREACHABLE, &tenant("tf-log"));
    let mut cmd = wd.command(&["plan", "-no-color"]);
    cmd.env("TF_LOG", "debug");
    let run = wd.run_command(cmd, &["plan"]);
    assert_eq!(run.code, 0, "{run}");
    let provider_lines = provider_lines(&run.stderr);
    assert!(
        provider_lines
            .iter()
            .any(|l| l.contains("[DEBUG]") && l.contains("planned")),
        "a DEBUG line from the provider's plan:\n{}",
        provider_lines.join("\n")
    );
    assert!(
        provider_lines.iter().any(|l| l.contains("[INFO]")),
        "an INFO line from the provider:\n{}",
        provider_lines.join("\n")
    );
    assert!(
        !run.stderr.contains("\"@level\""),
        "log lines are parsed by the CLI, not passed raw"
    );
    let quiet = wd.ok(&["plan", "-no-color"]);
    assert!(
        !quiet.stderr.contains("[DEBUG]"),
        "without TF_LOG the provider is quiet:\n{quiet}"
    );
}

#[test]
fn exec_credentials_are_used_and_cached_for_the_whole_apply() {
    let (bed, cluster) = (bed(), Cluster::new(bed()));
    let wd = WorkDir::new(bed, "exec");
    // A credential plugin that hands out the admin client certificate, counting its calls.
    let pki = bed.dir.join("pki");
    let calls = wd.file("calls");
    let script = format!(
        "#!/usr/bin/env python3\nimport json\nopen({calls:?}, 'a').write('call\\n')\n\
         print(json.dumps({{'apiVersion': 'client.authentication.k8s.io/v1', 'kind': 'ExecCredential', 'status': {{\n\
           'clientCertificateData': open({cert:?}).read(), 'clientKeyData': open({key:?}).read(),\n\
           'expirationTimestamp': '2099-01-01T00:00:00Z'}}}}))\n",
        calls = calls.display().to_string(),
        cert = pki.join("admin.crt").display().to_string(),
        key = pki.join("admin.key").display().to_string(),
    );
    wd.write("credentials.py", &script);
    let kubernetes = format!(
        "{{\n    host = \"{host}\"\n    cluster_ca_certificate = file(\"{ca}\")\n    exec = {{\n      \
         api_version = \"client.authentication.k8s.io/v1\"\n      command = \"python3\"\n      \
         args = [\"{script}\"]\n    }}\n  }}",
        host = bed.host,
        ca = pki.join("ca.crt").display(),
        script = wd.file("credentials.py").display(),
    );
    wd.main_tf_with_kubernetes(&kubernetes, &tenant("exec-tenant"));
    wd.apply();
    assert!(cluster.get(NAMESPACE, None, "exec-tenant").is_some());
    let count = std::fs::read_to_string(&calls)
        .unwrap_or_default()
        .lines()
        .count();
    // `tofu apply` runs the provider twice: for the plan (which looks at the cluster for
    // objects it would adopt) and for the apply. Each process runs the plugin once.
    assert_eq!(
        count, 2,
        "one plugin run serves every request of each provider process"
    );
    wd.ok(&["destroy", "-auto-approve", "-no-color"]);
}

#[test]
fn kube_environment_variables_are_a_fallback() {
    let (bed, cluster) = (bed(), Cluster::new(bed()));
    let wd = WorkDir::new(bed, "kube-env");
    wd.main_tf_with_kubernetes("{}", &tenant("kube-env"));
    let with_env = |args: &[&str]| {
        let mut cmd = wd.command(args);
        cmd.env("KUBE_CONFIG_PATH", &bed.kubeconfig);
        let run = wd.run_command(cmd, args);
        assert_eq!(run.code, 0, "{run}");
    };
    with_env(&["apply", "-auto-approve", "-no-color"]);
    assert!(cluster.get(NAMESPACE, None, "kube-env").is_some());
    with_env(&["destroy", "-auto-approve", "-no-color"]);
}

/// With no `kubernetes` settings and no `KUBE_*` variable, the provider reaches no cluster,
/// even when `KUBECONFIG` and `~/.kube/config` both point at a live one: the plan stops with an
/// error that says how to name the cluster, and nothing is applied.
#[test]
fn kubeconfig_and_home_config_are_never_read_implicitly() {
    let (bed, cluster) = (bed(), Cluster::new(bed()));
    let wd = WorkDir::new(bed, "no-implicit-kubeconfig");
    let home = wd.path().join("home");
    std::fs::create_dir_all(home.join(".kube")).expect("make ~/.kube");
    std::fs::copy(&bed.kubeconfig, home.join(".kube/config")).expect("copy kubeconfig");
    let without_block = format!(
        "terraform {{\n  required_providers {{\n    flux = {{ source = \"flux-aio/flux\" }}\n  }}\n}}\n\n{}",
        tenant("no-implicit-kubeconfig")
    );
    for (config, args) in [
        (without_block.as_str(), ["plan", "-no-color", "-input=false"]),
        (without_block.as_str(), ["apply", "-auto-approve", "-no-color"]),
    ] {
        wd.write("main.tf", config);
        let mut cmd = wd.command(&args);
        cmd.env("HOME", &home).env("KUBECONFIG", &bed.kubeconfig);
        let run = wd.run_command(cmd, &args);
        assert_ne!(run.code, 0, "{run}");
        assert!(run.stderr.contains("No cluster configured"), "{run}");
        assert!(
            run.stderr.contains("KUBE_CONFIG_PATH"),
            "the error says how:\n{run}"
        );
    }
    wd.main_tf_with_kubernetes(
        "{ config_context = \"default\" }",
        &tenant("no-implicit-kubeconfig"),
    );
    let mut cmd = wd.command(&["plan", "-no-color"]);
    cmd.env("HOME", &home).env("KUBECONFIG", &bed.kubeconfig);
    let run = wd.run_command(cmd, &["plan"]);
    assert_ne!(run.code, 0, "{run}");
    assert!(
        run.stderr.contains("Kubeconfig context without a kubeconfig"),
        "{run}"
    );
    assert!(cluster.get(NAMESPACE, None, "no-implicit-kubeconfig").is_none());
}

/// At TF_LOG=trace, no line of the provider's carries the token or the client key it was
/// configured with, even when the API server refuses them.
#[test]
fn tokens_and_client_keys_never_reach_the_logs() {
    let bed = bed();
    let wd = WorkDir::new(bed, "tf-log-secrets");
    let token = "tok-NEVER-LOGGED-4711";
    let key_marker = "KEYMATERIAL-NEVER-LOGGED";
    let kubernetes = format!(
        "{{\n    host = \"{}\"\n    token = \"{token}\"\n    cluster_ca_certificate = file(\"{}\")\n    \
         client_certificate = \"-----BEGIN CERTIFICATE-----\\nMIIB\\n-----END CERTIFICATE-----\\n\"\n    \
         client_key = \"-----BEGIN EC PRIVATE KEY-----\\n{key_marker}\\n-----END EC PRIVATE KEY-----\\n\"\n  }}",
        bed.host,
        bed.dir.join("pki/ca.crt").display()
    );
    wd.main_tf_with_kubernetes(&kubernetes, &tenant("tf-log-secrets"));
    let mut cmd = wd.command(&["apply", "-auto-approve", "-no-color"]);
    cmd.env("TF_LOG", "trace");
    let run = wd.run_command(cmd, &["apply"]);
    assert_ne!(run.code, 0, "the bogus credentials are refused:\n{run}");
    let provider_lines = provider_lines(&run.stderr);
    assert!(
        provider_lines
            .iter()
            .any(|l| l.contains("[TRACE]") || l.contains("[DEBUG]")),
        "the provider logged at trace level:\n{}",
        provider_lines.join("\n")
    );
    for line in provider_lines {
        assert!(
            !line.contains(token) && !line.contains(key_marker),
            "leaked: {line}"
        );
    }
}

/// An exec plugin's token that lives 5 seconds, and an apply that waits 20: the provider runs
/// the plugin again before each token expires, so the wait keeps working. The API server of a
/// private control plane authenticates tokens through a webhook that refuses any token older
/// than 5 seconds.
#[test]
fn exec_credentials_are_renewed_during_a_long_wait() {
    use acceptance_tests::faults::ControlPlane;
    use acceptance_tests::flux::{StandIn, Verdict};
    let bed = bed();
    let wd = WorkDir::new(bed, "exec-renewal");
    let port_file = wd.file("webhook-port");
    /// Stops the webhook when the test ends, passed or not.
    struct Webhook(std::process::Child);
    impl Drop for Webhook {
        fn drop(&mut self) {
            let _ = self.0.kill();
            let _ = self.0.wait();
        }
    }
    let _webhook = Webhook(
        std::process::Command::new("python3")
            .arg(std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("token-webhook.py"))
            .arg(&port_file)
            .arg("5000")
            .spawn()
            .expect("token webhook"),
    );
    let mut port = String::new();
    for _ in 0..100 {
        port = std::fs::read_to_string(&port_file).unwrap_or_default();
        if !port.is_empty() {
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
    let webhook_config = wd.file("webhook.kubeconfig");
    std::fs::write(
        &webhook_config,
        format!(
            "apiVersion: v1\nkind: Config\nclusters:\n- name: webhook\n  cluster:\n    server: http://127.0.0.1:{port}/\n\
             users:\n- name: apiserver\n  user: {{}}\ncontexts:\n- name: webhook\n  context:\n    cluster: webhook\n    \
             user: apiserver\ncurrent-context: webhook\n"
        ),
    )
    .unwrap();
    let plane = ControlPlane::start_with(&[
        format!(
            "--authentication-token-webhook-config-file={}",
            webhook_config.display()
        ),
        "--authentication-token-webhook-cache-ttl=0s".to_owned(),
        "--authentication-token-webhook-version=v1".to_owned(),
    ]);
    let cluster = Cluster::for_kubeconfig(&plane.kubeconfig);
    acceptance_tests::flux::install_crds(&cluster);
    cluster.create(
        NAMESPACE,
        None,
        serde_json::json!({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "renewal"}}),
    );
    let flux = StandIn::start_on(
        plane.kubeconfig.clone(),
        &["renewal"],
        Verdict::failed("Progressing", "stand-in: not ready for 20 seconds"),
    );

    let calls = wd.file("calls");
    wd.write(
        "credentials.py",
        &format!(
            "#!/usr/bin/env python3\nimport json, time, datetime\nopen({calls:?}, 'a').write('call\\n')\n\
             now = time.time()\n\
             expires = datetime.datetime.fromtimestamp(now + 5, datetime.timezone.utc).strftime('%Y-%m-%dT%H:%M:%SZ')\n\
             print(json.dumps({{'apiVersion': 'client.authentication.k8s.io/v1', 'kind': 'ExecCredential',\n\
             'status': {{'token': 'tok-%d' % int(now * 1000), 'expirationTimestamp': expires}}}}))\n",
            calls = calls.display().to_string(),
        ),
    );
    let kubernetes = format!(
        "{{\n    host = \"{host}\"\n    cluster_ca_certificate = file(\"{ca}\")\n    exec = {{\n      \
         api_version = \"client.authentication.k8s.io/v1\"\n      command = \"python3\"\n      \
         args = [\"{script}\"]\n    }}\n  }}",
        host = plane.host(),
        ca = plane.dir().join("pki/ca.crt").display(),
        script = wd.file("credentials.py").display(),
    );
    wd.main_tf_with_kubernetes(
        &kubernetes,
        "resource \"flux_git_sync\" \"app\" {\n  name      = \"app\"\n  namespace = \"renewal\"\n  git = {\n    \
         url  = \"https://git.example.com/org/repo.git\"\n    path = \"./deploy\"\n  }\n  timeouts {\n    \
         create = \"90s\"\n  }\n}\n",
    );
    let child = wd
        .command(&["apply", "-auto-approve", "-no-color"])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("tofu apply");
    std::thread::sleep(std::time::Duration::from_secs(20));
    flux.set(Verdict::ready());
    let out = child.wait_with_output().expect("tofu apply");
    assert!(
        out.status.success(),
        "the apply outlives its 5-second tokens:\n{}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    let runs = std::fs::read_to_string(&calls)
        .unwrap_or_default()
        .lines()
        .count();
    assert!(
        runs >= 5,
        "the plugin ran again before each token expired: {runs} runs"
    );
}
