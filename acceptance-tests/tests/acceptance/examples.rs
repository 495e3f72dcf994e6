use acceptance_tests::cluster::kinds::{NAMESPACE, RESOURCE_QUOTA};
use acceptance_tests::{Cluster, WorkDir, bed};
use std::path::Path;

fn example(name: &str) -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("..")
        .join("examples")
        .join(name)
}

#[test]
fn tenant_example_applies_as_is() {
    let (bed, cluster) = (bed(), Cluster::new(bed()));
    let wd = WorkDir::new(bed, "example-tenant");
    wd.copy_from(&example("tenant"));
    let kubeconfig = format!("kubeconfig={}", bed.kubeconfig.display());
    let ok = |args: &[&str]| {
        let mut all: Vec<&str> = args.to_vec();
        all.extend(["-no-color", "-var", &kubeconfig]);
        let run = wd.run(&all);
        assert_eq!(run.code, 0, "{run}");
        run
    };
    ok(&["validate"]).stdout.contains("valid");
    ok(&["apply", "-auto-approve"]);
    assert!(cluster.get(NAMESPACE, None, "dev-team-apps").is_some());
    let quota = cluster
        .get(RESOURCE_QUOTA, Some("dev-team-apps"), "flux-quota")
        .expect("quota");
    assert_eq!(
        quota["spec"]["hard"]["count/helmreleases.helm.toolkit.fluxcd.io"],
        "100"
    );
    let plan = wd.run(&["plan", "-detailed-exitcode", "-no-color", "-var", &kubeconfig]);
    assert_eq!(plan.code, 0, "no changes after apply:\n{plan}");
    ok(&["destroy", "-auto-approve"]);
    assert!(cluster.get(NAMESPACE, None, "dev-team-apps").is_none());
}
