use acceptance_tests::faults::{Component, ControlPlane, Rng};
use acceptance_tests::{Cluster, WorkDir, bed};
use std::collections::{BTreeMap, BTreeSet};
use std::time::{Duration, Instant};

/// The seed of every fault run: the same kill points on every machine.
const SEED: u64 = 0x00F1_u64 << 32 | 0x5eed;

/// Fault runs per scenario and component (`FAULT_RUNS`, default 10).
fn runs() -> u64 {
    std::env::var("FAULT_RUNS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(10)
}

/// The inventory keys every resource instance of the state file holds.
fn inventory(wd: &WorkDir) -> BTreeSet<String> {
    let Ok(text) = std::fs::read_to_string(wd.file("terraform.tfstate")) else {
        return BTreeSet::new();
    };
    let state: serde_json::Value = serde_json::from_str(&text).expect("state JSON");
    let mut keys = BTreeSet::new();
    for resource in state["resources"].as_array().into_iter().flatten() {
        for instance in resource["instances"].as_array().into_iter().flatten() {
            if let Some(objects) = instance["attributes"]["objects"].as_object() {
                keys.extend(objects.keys().cloned());
            }
        }
    }
    keys
}

/// `(group, version, kind)` of an inventory key.
fn kind_of(key: &str) -> (String, String, String) {
    let mut parts = key.split('/');
    let mut next = || parts.next().unwrap_or_default().to_owned();
    (next(), next(), next())
}

/// The keys of the live objects of `kinds`, and of those carrying an owner mark.
fn live(
    cluster: &Cluster,
    kinds: &BTreeSet<(String, String, String)>,
) -> (BTreeSet<String>, BTreeSet<String>) {
    let (mut all, mut marked) = (BTreeSet::new(), BTreeSet::new());
    for (group, version, kind) in kinds {
        let objects = cluster
            .list_kind(group, version, kind)
            .unwrap_or_else(|| panic!("list {kind}: the API server must be back"));
        for o in objects {
            let meta = &o["metadata"];
            let key = format!(
                "{group}/{version}/{kind}/{}/{}",
                meta["namespace"].as_str().unwrap_or_default(),
                meta["name"].as_str().unwrap_or_default()
            );
            if !meta["annotations"]["flux-aio.provider/owner"].is_null() {
                marked.insert(key.clone());
            }
            all.insert(key);
        }
    }
    (all, marked)
}

/// What the runs of one scenario found.
#[derive(Default, Debug)]
struct Tally {
    runs: u64,
    faulted_applies_failed: u64,
    state_ahead_of_cluster: u64,
    marked_outside_state_after_fault: u64,
    converged: u64,
}

/// Kills `component` at a random point of `tofu apply` of `wd`'s configuration, `runs()` times:
/// after each, a state entry the cluster lacks must show in the next plan, the next apply must
/// converge (and the plan after it be empty), no object carrying an owner mark may be left
/// outside the state, and destroy must leave none at all.
fn inject(
    plane: &ControlPlane,
    cluster: &Cluster,
    wd: &WorkDir,
    component: Component,
    rng: &mut Rng,
    label: &str,
) -> Tally {
    // A clean apply first: how long an apply takes (the window for the kill), and which kinds
    // the configuration renders.
    let started = Instant::now();
    wd.apply();
    let window = started.elapsed();
    let kinds: BTreeSet<_> = inventory(wd).iter().map(|k| kind_of(k)).collect();
    wd.ok(&["destroy", "-auto-approve", "-no-color"]);

    let mut tally = Tally::default();
    for run in 0..runs() {
        let delay = Duration::from_millis(rng.below(window.as_millis() as u64 + 1));
        let down = Duration::from_millis(200 + rng.below(1500));
        let child = wd
            .command(&["apply", "-auto-approve", "-no-color"])
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .expect("tofu apply");
        std::thread::sleep(delay);
        plane.kill(component);
        std::thread::sleep(down);
        plane.revive(component);
        let faulted = child.wait_with_output().expect("tofu apply");
        tally.runs += 1;
        if !faulted.status.success() {
            tally.faulted_applies_failed += 1;
        }

        let held = inventory(wd);
        let (all, marked) = live(cluster, &kinds);
        let missing: Vec<&String> = held.difference(&all).collect();
        if !missing.is_empty() {
            tally.state_ahead_of_cluster += 1;
            let plan = wd.run(&["plan", "-detailed-exitcode", "-no-color"]);
            assert_eq!(
                plan.code, 2,
                "{label} run {run}: the state holds {missing:?}, which the cluster lacks; the plan must show it:\n{plan}"
            );
        }
        let outside = marked.difference(&held).count();
        if outside > 0 {
            tally.marked_outside_state_after_fault += 1;
        }

        let converge = wd.run(&["apply", "-auto-approve", "-no-color"]);
        assert_eq!(
            converge.code,
            0,
            "{label} run {run} (kill after {delay:?}, down {down:?}): the next apply must converge:\n{converge}\n\
             faulted apply:\n{}\n{}",
            String::from_utf8_lossy(&faulted.stdout),
            String::from_utf8_lossy(&faulted.stderr)
        );
        let (changes, plan) = wd.plan_changes();
        assert!(
            !changes,
            "{label} run {run}: converged, so the plan is empty:\n{plan}"
        );
        let held = inventory(wd);
        let (_, marked) = live(cluster, &kinds);
        let orphans: Vec<&String> = marked.difference(&held).collect();
        assert!(
            orphans.is_empty(),
            "{label} run {run}: marked objects outside the state: {orphans:?}"
        );
        tally.converged += 1;

        wd.ok(&["destroy", "-auto-approve", "-no-color"]);
        let (_, marked) = live(cluster, &kinds);
        assert!(marked.is_empty(), "{label} run {run}: destroy left {marked:?}");
        eprintln!(
            "faults {label} run {run}: killed {} after {delay:?} for {down:?}; faulted apply {}; converged",
            match component {
                Component::Etcd => "etcd",
                Component::ApiServer => "kube-apiserver",
            },
            if faulted.status.success() {
                "succeeded"
            } else {
                "failed"
            },
        );
    }
    eprintln!("faults {label}: {tally:?}");
    tally
}

/// Fault injection into a flux_aio install: kube-apiserver, then etcd, killed at random points.
#[test]
fn flux_aio_install_converges_after_the_api_server_or_etcd_dies() {
    let plane = ControlPlane::start();
    let cluster = Cluster::for_kubeconfig(&plane.kubeconfig);
    let registry = super::aio::registry_with(false);
    let wd = WorkDir::new(bed(), "faults-aio");
    wd.main_tf_with_kubernetes(
        &format!("{{ config_path = \"{}\" }}", plane.kubeconfig.display()),
        &format!(
            "resource \"flux_aio\" \"flux\" {{\n  wait = false\n  distribution = {{\n    artifact = \"{}\"\n    \
             insecure = true\n  }}\n  timeouts {{\n    create = \"90s\"\n    update = \"90s\"\n    delete = \"3m\"\n  }}\n}}\n",
            registry.artifact("flux-manifests")
        ),
    );
    let mut rng = Rng::new(SEED);
    let mut figures = BTreeMap::new();
    for component in [Component::ApiServer, Component::Etcd] {
        let label = format!("flux_aio/{component:?}");
        figures.insert(
            label.clone(),
            inject(&plane, &cluster, &wd, component, &mut rng, &label),
        );
    }
    eprintln!("faults flux_aio (seed {SEED:#x}): {figures:?}");
}

/// Fault injection into a 30-resource apply (a tenant and 29 Git syncs in its namespace).
#[test]
fn a_30_resource_sync_apply_converges_after_the_api_server_or_etcd_dies() {
    let plane = ControlPlane::start();
    let cluster = Cluster::for_kubeconfig(&plane.kubeconfig);
    acceptance_tests::flux::install_crds(&cluster);
    let wd = WorkDir::new(bed(), "faults-sync");
    wd.main_tf_with_kubernetes(
        &format!("{{ config_path = \"{}\" }}", plane.kubeconfig.display()),
        "resource \"flux_tenant\" \"t\" {\n  name      = \"faults\"\n  namespace = \"faults\"\n  timeouts {\n    \
         create = \"90s\"\n    delete = \"3m\"\n  }\n}\n\n\
         resource \"flux_git_sync\" \"app\" {\n  count     = 29\n  name      = \"app-${count.index}\"\n  \
         namespace = flux_tenant.t.namespace\n  wait      = false\n  git = {\n    \
         url  = \"https://git.example.com/org/repo.git\"\n    path = \"./deploy\"\n  }\n  timeouts {\n    \
         create = \"90s\"\n    delete = \"3m\"\n  }\n}\n",
    );
    let mut rng = Rng::new(SEED ^ 0x30);
    let mut figures = BTreeMap::new();
    for component in [Component::ApiServer, Component::Etcd] {
        let label = format!("sync/{component:?}");
        figures.insert(
            label.clone(),
            inject(&plane, &cluster, &wd, component, &mut rng, &label),
        );
    }
    eprintln!("faults sync (seed {:#x}): {figures:?}", SEED ^ 0x30);
}
