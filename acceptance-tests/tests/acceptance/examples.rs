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

/// The three installation tabs of the seed, applied as they are (with the test registry as
/// the distribution artifact, and a stand-in kubelet).
#[test]
fn aio_examples_apply_as_is() {
    let _serial = super::aio::serial();
    let (bed, cluster) = (bed(), Cluster::new(bed()));
    let registry = super::aio::registry_with(false);
    let _cleanup = super::aio::Cleanup::new(&cluster, &["flux-system"]);
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
