use acceptance_tests::cluster::kinds::{NAMESPACE, ROLE_BINDING, SERVICE_ACCOUNT};
use acceptance_tests::{Cluster, WorkDir, bed};
use serde_json::json;

const CONFIG_MAP: acceptance_tests::cluster::Kind = ("v1", "ConfigMap", "configmaps");
const OWNER: &str = "flux-aio.provider/owner";

fn tenant(name: &str, ns: &str, extra: &str) -> String {
    format!(
        "resource \"flux_tenant\" \"t\" {{\n  name      = \"{name}\"\n  namespace = \"{ns}\"\n{extra}\n}}\n"
    )
}

#[test]
fn a_namespace_made_by_hand_is_adopted_and_left_in_place_on_destroy() {
    let (bed, cluster) = (bed(), Cluster::new(bed()));
    let ns = "own-adopted";
    // A namespace someone made by hand (or with kubernetes_namespace), holding a workload.
    cluster.create(
        NAMESPACE,
        None,
        json!({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": ns, "labels": {"team": "a"}}}),
    );
    cluster.create(
        CONFIG_MAP,
        Some(ns),
        json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "workload", "namespace": ns}}),
    );
    let wd = WorkDir::new(bed, "own-adopted");
    wd.main_tf(&tenant("dev-team", ns, ""));

    let plan = wd.ok(&["plan", "-no-color"]);
    assert!(
        plan.flat().contains("Existing objects will be adopted")
            && plan.flat().contains(&format!("/v1/Namespace//{ns}")),
        "the plan says the namespace will be adopted:\n{plan}"
    );
    let apply = wd.apply();
    assert!(apply.flat().contains("Existing objects adopted"), "{apply}");
    let namespace = cluster.get(NAMESPACE, None, ns).unwrap();
    assert_eq!(
        namespace["metadata"]["annotations"][OWNER],
        format!("flux_tenant/{ns}/dev-team")
    );
    assert_eq!(
        namespace["metadata"]["labels"]["toolkit.fluxcd.io/tenant"],
        "dev-team"
    );
    let sa = cluster.get(SERVICE_ACCOUNT, Some(ns), "flux").unwrap();
    assert_eq!(
        sa["metadata"]["annotations"][OWNER],
        format!("flux_tenant/{ns}/dev-team")
    );
    assert!(
        sa["metadata"]["annotations"]["flux-aio.provider/adopted"].is_null(),
        "what the tenant created is not adopted"
    );
    let (changes, plan) = wd.plan_changes();
    assert!(!changes, "{plan}");

    let destroy = wd.ok(&["destroy", "-auto-approve", "-no-color"]);
    assert!(
        destroy
            .flat()
            .contains("Adopted objects left in place by destroy"),
        "destroy says what it left:\n{destroy}"
    );
    let namespace = cluster
        .get(NAMESPACE, None, ns)
        .expect("the adopted namespace stays");
    assert!(
        namespace["metadata"]["deletionTimestamp"].is_null(),
        "{namespace}"
    );
    assert_eq!(
        namespace["metadata"]["labels"]["team"], "a",
        "what others set stays"
    );
    assert!(
        namespace["metadata"]["labels"]["toolkit.fluxcd.io/tenant"].is_null()
            && namespace["metadata"]["annotations"][OWNER].is_null(),
        "the provider's fields and marks are gone: {namespace}"
    );
    assert!(
        cluster.get(CONFIG_MAP, Some(ns), "workload").is_some(),
        "the workload stays"
    );
    assert!(
        cluster.wait_gone(SERVICE_ACCOUNT, Some(ns), "flux", 10),
        "what the tenant created is deleted"
    );
    cluster.delete(NAMESPACE, None, ns);
}

#[test]
fn two_tenants_sharing_a_namespace_do_not_touch_each_other() {
    let (bed, cluster) = (bed(), Cluster::new(bed()));
    let ns = "own-shared";
    let first = WorkDir::new(bed, "own-shared-a");
    first.main_tf(&tenant("team-a", ns, ""));
    first.apply();

    let second = WorkDir::new(bed, "own-shared-b");
    second.main_tf(&tenant("team-b", ns, ""));
    let apply = second.run(&["apply", "-auto-approve", "-no-color"]);
    assert_ne!(apply.code, 0, "{apply}");
    let out = apply.flat();
    assert!(
        out.contains(&format!("owned by flux_tenant/{ns}/team-a"))
            && out.contains(&format!("flux_tenant/{ns}/team-b")),
        "the error names both owners:\n{apply}"
    );
    assert!(
        cluster.get(ROLE_BINDING, Some(ns), "team-b").is_none(),
        "nothing of the second tenant was applied"
    );
    assert!(
        !second.file("terraform.tfstate").exists(),
        "refused at plan: no state at all"
    );
    // The refused apply destroyed nothing either: the first tenant is intact and quiet.
    let (changes, plan) = first.plan_changes();
    assert!(!changes, "{plan}");
    first.ok(&["destroy", "-auto-approve", "-no-color"]);
    assert!(cluster.wait_gone(NAMESPACE, None, ns, 60));
}

#[test]
fn prune_and_destroy_leave_what_another_owner_took_since() {
    let (bed, cluster) = (bed(), Cluster::new(bed()));
    let ns = "own-taken";
    let crb = format!("dev-team-{ns}");
    let crb_kind = acceptance_tests::cluster::kinds::CLUSTER_ROLE_BINDING;
    let taken = || {
        cluster.merge_patch(
            crb_kind,
            None,
            &crb,
            json!({"metadata": {"annotations": {OWNER: "flux_tenant/elsewhere/other"}}}),
        );
    };
    let wd = WorkDir::new(bed, "own-taken");
    wd.main_tf(&tenant("dev-team", ns, "  role = \"cluster-admin\""));
    wd.apply();
    // Someone else's resource now owns the ClusterRoleBinding: destroy leaves it, saying so.
    taken();
    let destroy = wd.ok(&["destroy", "-auto-approve", "-no-color"]);
    assert!(
        destroy.flat().contains("Objects not deleted by destroy")
            && destroy
                .flat()
                .contains("now owned by flux_tenant/elsewhere/other"),
        "{destroy}"
    );
    assert!(
        cluster.get(crb_kind, None, &crb).is_some(),
        "left to its new owner"
    );
    assert!(
        cluster.wait_gone(NAMESPACE, None, ns, 60),
        "the tenant's own namespace is deleted"
    );

    // Applying again is refused at plan, naming both owners; nothing is applied.
    let apply = wd.run(&["apply", "-auto-approve", "-no-color"]);
    assert_ne!(apply.code, 0, "{apply}");
    assert!(
        apply.flat().contains("owned by flux_tenant/elsewhere/other")
            && apply
                .flat()
                .contains(&format!("not by flux_tenant/{ns}/dev-team")),
        "{apply}"
    );
    assert!(cluster.get(NAMESPACE, None, ns).is_none(), "nothing applied");

    // Pruning leaves it too: the role change drops the binding from this tenant only.
    cluster.delete(crb_kind, None, &crb);
    wd.apply();
    taken();
    wd.main_tf(&tenant("dev-team", ns, "  role = \"namespace-admin\""));
    let apply = wd.apply();
    assert!(
        apply.flat().contains("Objects not deleted by update (prune)"),
        "{apply}"
    );
    assert!(
        cluster.get(crb_kind, None, &crb).is_some(),
        "left to its new owner"
    );
    let values = wd.resource_values("flux_tenant.t").unwrap();
    assert!(
        !values["objects"]
            .as_object()
            .unwrap()
            .keys()
            .any(|k| k.contains("ClusterRoleBinding")),
        "the state no longer holds it: {values}"
    );
    let (changes, plan) = wd.plan_changes();
    assert!(!changes, "{plan}");
    wd.ok(&["destroy", "-auto-approve", "-no-color"]);
    cluster.delete(crb_kind, None, &crb);
}

/// Every object of the state's flux_tenant instances, by inventory key, with the owner the
/// instance's objects must carry.
fn owned_by_state(wd: &WorkDir) -> Vec<(String, String)> {
    let state = wd.state();
    let mut owned = Vec::new();
    for resource in state["values"]["root_module"]["resources"]
        .as_array()
        .into_iter()
        .flatten()
    {
        let v = &resource["values"];
        let owner = format!(
            "flux_tenant/{}/{}",
            v["namespace"].as_str().unwrap(),
            v["name"].as_str().unwrap()
        );
        for key in v["objects"].as_object().into_iter().flatten().map(|(k, _)| k) {
            owned.push((key.clone(), owner.clone()));
        }
    }
    owned
}

/// The live owner mark of the object with inventory key `key`, if it exists.
fn live_owner(cluster: &Cluster, key: &str) -> Option<Option<String>> {
    let parts: Vec<&str> = key.split('/').collect();
    let (group, version, kind, ns, name) = (parts[0], parts[1], parts[2], parts[3], parts[4]);
    let plural = match kind {
        "Namespace" => "namespaces",
        "ServiceAccount" => "serviceaccounts",
        "ResourceQuota" => "resourcequotas",
        "RoleBinding" => "rolebindings",
        "ClusterRoleBinding" => "clusterrolebindings",
        other => panic!("unexpected kind {other}"),
    };
    let api_version: &'static str = Box::leak(
        if group.is_empty() {
            version.to_owned()
        } else {
            format!("{group}/{version}")
        }
        .into_boxed_str(),
    );
    let kind: &'static str = Box::leak(kind.to_owned().into_boxed_str());
    let namespace = (!ns.is_empty()).then_some(ns);
    cluster
        .get((api_version, kind, plural), namespace, name)
        .map(|o| o["metadata"]["annotations"][OWNER].as_str().map(str::to_owned))
}

#[test]
fn two_applies_on_different_states_never_touch_each_others_objects() {
    let (bed, cluster) = (bed(), Cluster::new(bed()));
    // Team a's 20 tenants in conc-0..19, team b's in conc-10..29: ten namespaces both want.
    let config = |team: &str, from: usize| {
        let namespaces: Vec<String> = (from..from + 20).map(|i| format!("\"conc-{i}\"")).collect();
        format!(
            "resource \"flux_tenant\" \"t\" {{\n  for_each  = toset([{}])\n  name      = \"team-{team}\"\n  \
             namespace = each.key\n}}\n",
            namespaces.join(", ")
        )
    };
    let a = WorkDir::new(bed, "own-concurrent-a");
    a.main_tf(&config("a", 0));
    let b = WorkDir::new(bed, "own-concurrent-b");
    b.main_tf(&config("b", 10));
    let (run_a, run_b) = std::thread::scope(|s| {
        let ta = s.spawn(|| a.run(&["apply", "-auto-approve", "-no-color"]));
        let tb = s.spawn(|| b.run(&["apply", "-auto-approve", "-no-color"]));
        (ta.join().unwrap(), tb.join().unwrap())
    });
    // Each namespace both wanted went to one team; the other's tenant there was refused.
    for run in [&run_a, &run_b] {
        let text = run.flat();
        let refusals = text.matches("Error: ").count();
        let ownership_refusals = text.matches("Error: Object owned by another resource").count()
            + text.matches("created by someone else").count();
        assert_eq!(refusals, ownership_refusals, "only ownership refusals:\n{run}");
    }
    let (owned_a, owned_b) = (owned_by_state(&a), owned_by_state(&b));
    let tenants = |owned: &[(String, String)]| {
        let mut t: Vec<&String> = owned.iter().map(|(_, o)| o).collect();
        t.sort();
        t.dedup();
        t.len()
    };
    assert_eq!(
        tenants(&owned_a) + tenants(&owned_b),
        30,
        "every namespace has exactly one tenant"
    );
    for (key, owner) in owned_a.iter().chain(&owned_b) {
        assert_eq!(
            live_owner(&cluster, key),
            Some(Some(owner.clone())),
            "{key} is in the state of {owner} and must carry its mark"
        );
    }
    let keys_a: std::collections::BTreeSet<&String> = owned_a.iter().map(|(k, _)| k).collect();
    assert!(
        owned_b.iter().all(|(k, _)| !keys_a.contains(k)),
        "no object in both states"
    );

    // Destroying team a leaves every object of team b as it was. (Destroy plans the whole
    // configuration first, refresh included, and the tenants team a never got would be refused
    // there again: `-refresh=false` skips that, as troubleshooting.md says.)
    a.ok(&["destroy", "-auto-approve", "-no-color", "-refresh=false"]);
    for (key, owner) in &owned_b {
        assert_eq!(
            live_owner(&cluster, key),
            Some(Some(owner.clone())),
            "{key} untouched"
        );
    }
    b.ok(&["destroy", "-auto-approve", "-no-color", "-refresh=false"]);
    for i in 0..30 {
        assert!(cluster.wait_gone(NAMESPACE, None, &format!("conc-{i}"), 60));
    }
}
