use acceptance_tests::cluster::kinds::{
    CLUSTER_ROLE_BINDING, NAMESPACE, RESOURCE_QUOTA, ROLE_BINDING, SERVICE_ACCOUNT,
};
use acceptance_tests::{Cluster, WorkDir, bed};

fn tenant(ns: &str, extra: &str) -> String {
    format!(
        "resource \"flux_tenant\" \"t\" {{\n  name      = \"dev-team\"\n  namespace = \"{ns}\"\n{extra}\n}}\n"
    )
}

#[test]
fn create_then_noop_plan_then_destroy() {
    let (bed, cluster) = (bed(), Cluster::new(bed()));
    let ns = "tenant-lifecycle";
    let wd = WorkDir::new(bed, "tenant-lifecycle");
    wd.main_tf(&tenant(ns, ""));

    let plan = wd.ok(&["plan", "-no-color"]);
    assert!(
        plan.stdout.contains(&format!("\"/v1/Namespace//{ns}\"")),
        "plan lists the objects:\n{plan}"
    );
    wd.apply();

    let namespace = cluster.get(NAMESPACE, None, ns).expect("namespace created");
    assert_eq!(
        namespace["metadata"]["labels"]["toolkit.fluxcd.io/tenant"],
        "dev-team"
    );
    assert_eq!(
        namespace["metadata"]["labels"]["app.kubernetes.io/managed-by"],
        "flux-provider"
    );
    assert!(cluster.get(SERVICE_ACCOUNT, Some(ns), "flux").is_some());
    let binding = cluster
        .get(ROLE_BINDING, Some(ns), "dev-team")
        .expect("role binding");
    assert_eq!(binding["roleRef"]["name"], "admin");
    assert_eq!(binding["subjects"][0]["name"], "flux");
    let quota = cluster
        .get(RESOURCE_QUOTA, Some(ns), "flux-quota")
        .expect("quota");
    assert_eq!(
        quota["spec"]["hard"]["count/kustomizations.kustomize.toolkit.fluxcd.io"],
        "100"
    );
    assert!(
        cluster
            .get(CLUSTER_ROLE_BINDING, None, &format!("dev-team-{ns}"))
            .is_none()
    );
    let managers: Vec<String> = quota["metadata"]["managedFields"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["manager"].as_str().unwrap_or_default().to_owned())
        .collect();
    assert!(
        managers.contains(&"flux-provider".to_owned()),
        "applied with the field manager: {managers:?}"
    );

    let values = wd.resource_values("flux_tenant.t").expect("in state");
    assert_eq!(values["id"], format!("{ns}/dev-team"));
    assert_eq!(values["objects"].as_object().unwrap().len(), 4);

    let (changes, plan) = wd.plan_changes();
    assert!(!changes, "second plan must be empty:\n{plan}");

    wd.ok(&["destroy", "-auto-approve", "-no-color"]);
    assert!(
        cluster.get(NAMESPACE, None, ns).is_none(),
        "destroy waits until the namespace is gone"
    );
}

#[test]
fn out_of_band_changes_are_detected_and_restored() {
    let (bed, cluster) = (bed(), Cluster::new(bed()));
    let ns = "tenant-drift";
    let wd = WorkDir::new(bed, "tenant-drift");
    wd.main_tf(&tenant(ns, "  resource_quota = { kustomizations = 10 }"));
    wd.apply();

    cluster.delete(RESOURCE_QUOTA, Some(ns), "flux-quota");
    assert!(cluster.wait_gone(RESOURCE_QUOTA, Some(ns), "flux-quota", 10));
    cluster.merge_patch(
        ROLE_BINDING,
        Some(ns),
        "dev-team",
        serde_json::json!({"metadata": {"labels": {"toolkit.fluxcd.io/tenant": "someone-else"}}}),
    );

    let (changes, plan) = wd.plan_changes();
    assert!(changes, "drift must show in the plan:\n{plan}");
    assert!(
        plan.stdout
            .contains(&format!("\"/v1/ResourceQuota/{ns}/flux-quota\"")),
        "{plan}"
    );
    assert!(
        plan.stdout
            .contains(&format!("rbac.authorization.k8s.io/v1/RoleBinding/{ns}/dev-team")),
        "{plan}"
    );

    wd.apply();
    let quota = cluster
        .get(RESOURCE_QUOTA, Some(ns), "flux-quota")
        .expect("quota restored");
    assert_eq!(
        quota["spec"]["hard"]["count/kustomizations.kustomize.toolkit.fluxcd.io"],
        "10"
    );
    let binding = cluster.get(ROLE_BINDING, Some(ns), "dev-team").unwrap();
    assert_eq!(
        binding["metadata"]["labels"]["toolkit.fluxcd.io/tenant"],
        "dev-team"
    );
    let (changes, plan) = wd.plan_changes();
    assert!(!changes, "plan after repair must be empty:\n{plan}");
    wd.ok(&["destroy", "-auto-approve", "-no-color"]);
}

#[test]
fn role_change_prunes_the_cluster_role_binding() {
    let (bed, cluster) = (bed(), Cluster::new(bed()));
    let ns = "tenant-role";
    let wd = WorkDir::new(bed, "tenant-role");
    wd.main_tf(&tenant(ns, "  role = \"cluster-admin\""));
    wd.apply();
    let crb = cluster
        .get(CLUSTER_ROLE_BINDING, None, &format!("dev-team-{ns}"))
        .expect("cluster role binding");
    assert_eq!(crb["roleRef"]["name"], "cluster-admin");

    wd.main_tf(&tenant(ns, "  role = \"namespace-admin\""));
    let (changes, plan) = wd.plan_changes();
    assert!(
        changes && plan.stdout.contains("ClusterRoleBinding"),
        "plan shows the prune:\n{plan}"
    );
    assert!(
        plan.stdout.contains("update in-place"),
        "a role change is an in-place update:\n{plan}"
    );
    wd.apply();
    assert!(
        cluster
            .get(CLUSTER_ROLE_BINDING, None, &format!("dev-team-{ns}"))
            .is_none(),
        "pruned"
    );
    assert!(
        cluster.get(ROLE_BINDING, Some(ns), "dev-team").is_some(),
        "the rest stays"
    );
    let (changes, plan) = wd.plan_changes();
    assert!(!changes, "{plan}");
    wd.ok(&["destroy", "-auto-approve", "-no-color"]);
}

#[test]
fn import_round_trip_gives_an_empty_plan() {
    let bed = bed();
    let ns = "tenant-import";
    let config = tenant(
        ns,
        "  service_account = \"deployer\"\n  role = \"cluster-admin\"\n  labels = { team = \"dev\" }\n  \
         annotations = { owner = \"platform\" }\n  resource_quota = { kustomizations = 7, helmreleases = 3 }",
    );
    let created = WorkDir::new(bed, "tenant-import-a");
    created.main_tf(&config);
    created.apply();

    let imported = WorkDir::new(bed, "tenant-import-b");
    imported.main_tf(&config);
    imported.ok(&["import", "-no-color", "flux_tenant.t", &format!("{ns}/dev-team")]);
    let values = imported.resource_values("flux_tenant.t").expect("imported");
    assert_eq!(values["service_account"], "deployer");
    assert_eq!(values["role"], "cluster-admin");
    assert_eq!(values["resource_quota"]["kustomizations"], 7);
    assert_eq!(values["labels"]["team"], "dev");
    assert_eq!(values["objects"].as_object().unwrap().len(), 5);
    let (changes, plan) = imported.plan_changes();
    assert!(!changes, "plan after import must be empty:\n{plan}");

    // An `import` block by resource identity (OpenTofu 1.12, Terraform 1.12) does the same.
    if bed.cli().supports_identity() {
        import_by_identity(bed, &config, ns);
    }

    let elsewhere = WorkDir::new(bed, "tenant-import-missing");
    elsewhere.main_tf(&tenant("nowhere", ""));
    let missing = elsewhere.run(&["import", "-no-color", "flux_tenant.t", "nowhere/dev-team"]);
    assert_ne!(missing.code, 0);
    assert!(
        missing.output().contains("namespace \"nowhere\" does not exist"),
        "{missing}"
    );
    created.ok(&["destroy", "-auto-approve", "-no-color"]);
}

#[test]
fn bad_input_is_rejected_at_validate_naming_the_attribute() {
    let (bed, cluster) = (bed(), Cluster::new(bed()));
    let cases = [
        (
            "bad-role",
            tenant("tenant-bad-role", "  role = \"owner\""),
            "role",
            "\"owner\"",
        ),
        (
            "bad-namespace",
            tenant("Tenant_Bad", ""),
            "namespace",
            "RFC 1123 label",
        ),
        (
            "negative-quota",
            tenant("tenant-bad-quota", "  resource_quota = { kustomizations = -1 }"),
            "resource_quota.kustomizations",
            "whole number",
        ),
        (
            "bad-timeout",
            tenant("tenant-bad-timeout", "  timeouts {\n    delete = \"soon\"\n  }"),
            "timeouts.delete",
            "Go duration",
        ),
    ];
    for (name, config, attribute, detail) in cases {
        let wd = WorkDir::new(bed, name);
        wd.main_tf(&config);
        let validate = wd.run(&["validate", "-no-color"]);
        assert_ne!(validate.code, 0, "{name}: validate must fail:\n{validate}");
        let out = validate.output();
        assert!(
            out.contains(detail),
            "{name}: diagnostic explains the problem:\n{validate}"
        );
        assert!(
            out.contains(&format!("{attribute} is")),
            "{name}: diagnostic names {attribute}:\n{validate}"
        );
        let apply = wd.run(&["apply", "-auto-approve", "-no-color"]);
        assert_ne!(apply.code, 0, "{name}: apply must fail too");
        for ns in ["tenant-bad-role", "tenant-bad-quota", "tenant-bad-timeout"] {
            assert!(
                cluster.get(NAMESPACE, None, ns).is_none(),
                "{name}: nothing applied"
            );
        }
    }
}

#[test]
fn a_failed_apply_keeps_exactly_what_was_applied_and_the_next_apply_converges() {
    let (bed, cluster) = (bed(), Cluster::new(bed()));
    let ns = "tenant-partial";
    // An existing RoleBinding with another roleRef: roleRef is immutable, so applying ours fails
    // after the Namespace and the ServiceAccount were applied.
    cluster.create(
        NAMESPACE,
        None,
        serde_json::json!({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": ns}}),
    );
    let conflicting = serde_json::json!({
        "apiVersion": "rbac.authorization.k8s.io/v1", "kind": "RoleBinding",
        "metadata": {"name": "dev-team", "namespace": ns},
        "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole", "name": "view"},
        "subjects": [{"kind": "ServiceAccount", "name": "flux", "namespace": ns}],
    });
    cluster.create(ROLE_BINDING, Some(ns), conflicting);

    let wd = WorkDir::new(bed, "tenant-partial");
    wd.main_tf(&tenant(ns, ""));
    let failed = wd.run(&["apply", "-auto-approve", "-no-color"]);
    assert_ne!(failed.code, 0, "{failed}");
    assert!(
        failed.stderr.contains(&format!("RoleBinding {ns}/dev-team")),
        "names the object:\n{failed}"
    );
    let values = wd
        .resource_values("flux_tenant.t")
        .expect("the applied part is in state");
    let held: Vec<&String> = values["objects"].as_object().unwrap().keys().collect();
    assert_eq!(
        held,
        vec![
            &format!("/v1/Namespace//{ns}"),
            &format!("/v1/ServiceAccount/{ns}/flux")
        ],
        "state holds exactly the objects applied before the failure"
    );

    cluster.delete(ROLE_BINDING, Some(ns), "dev-team");
    assert!(cluster.wait_gone(ROLE_BINDING, Some(ns), "dev-team", 10));
    wd.apply();
    let binding = cluster
        .get(ROLE_BINDING, Some(ns), "dev-team")
        .expect("role binding");
    assert_eq!(binding["roleRef"]["name"], "admin");
    let (changes, plan) = wd.plan_changes();
    assert!(!changes, "converged:\n{plan}");
    wd.ok(&["destroy", "-auto-approve", "-no-color"]);
}

fn import_by_identity(bed: &'static acceptance_tests::Bed, config: &str, ns: &str) {
    let by_identity = WorkDir::new(bed, "tenant-import-identity");
    by_identity.main_tf(&format!(
        "{config}\nimport {{\n  to       = flux_tenant.t\n  identity = {{ namespace = \"{ns}\", name = \"dev-team\" }}\n}}\n"
    ));
    let applied = by_identity.apply();
    assert!(applied.stdout.contains("1 imported"), "{applied}");
    let values = by_identity.resource_values("flux_tenant.t").expect("imported");
    assert_eq!(values["service_account"], "deployer");
    let (changes, plan) = by_identity.plan_changes();
    assert!(!changes, "plan after import by identity must be empty:\n{plan}");
}

/// The apply's own requests, as the provider counts them in its "apply finished" log line: for
/// each of the tenant's four new objects one read (whose is it?), one create and one patch that
/// makes the create's fields the apply entry. The create's answer serves the take-over and the
/// readiness check, so neither reads the object again (before, 20 requests for these 12).
#[test]
fn creating_a_tenant_costs_three_requests_per_object() {
    let bed = bed();
    let wd = WorkDir::new(bed, "tenant-requests");
    wd.main_tf(&tenant("tenant-requests", ""));
    let mut cmd = wd.command(&["apply", "-auto-approve", "-no-color"]);
    cmd.env("TF_LOG_PROVIDER", "info");
    let run = wd.run_command(cmd, &["apply"]);
    assert_eq!(run.code, 0, "{run}");
    let line = run
        .stderr
        .lines()
        .find(|l| l.contains("apply finished"))
        .unwrap_or_else(|| panic!("an \"apply finished\" line:\n{run}"));
    let requests: usize = line
        .split_whitespace()
        .find_map(|w| w.strip_prefix("api_requests="))
        .and_then(|n| n.trim_matches(|c: char| !c.is_ascii_digit()).parse().ok())
        .unwrap_or_else(|| panic!("api_requests in {line}"));
    assert_eq!(requests, 4 * 3, "{line}");
    wd.ok(&["destroy", "-auto-approve", "-no-color"]);
}
