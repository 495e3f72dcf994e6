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

#[test]
fn tf_log_debug_shows_provider_lines_with_levels() {
    let wd = WorkDir::new(bed(), "tf-log");
    wd.main_tf_with_kubernetes(UNREACHABLE, &tenant("tf-log"));
    let mut cmd = wd.command(&["plan", "-no-color"]);
    cmd.env("TF_LOG", "debug");
    let run = wd.run_command(cmd, &["plan"]);
    assert_eq!(run.code, 0, "{run}");
    let provider_lines: Vec<&str> = run
        .stderr
        .lines()
        .filter(|l| l.contains("provider.terraform-provider-flux"))
        .collect();
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
