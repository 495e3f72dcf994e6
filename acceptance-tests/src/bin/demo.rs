//! The main job (`bash scripts/demo.sh`): what the provider is for, on the test bed.
//!
//! A control plane on loopback runs the real Flux controllers in the restricted (multi-tenancy)
//! profile; a Git server on loopback holds a tenant's repository. `examples/tenant` is applied
//! with the real `tofu`: the tenant's namespace and identity, and a `flux_git_sync` that Flux
//! reconciles while impersonating the tenant. The demo prints the plan, the Kustomization's
//! Ready condition as Flux reports it, the objects Flux created, then off-boards the tenant.
//!
//! The only stand-in on the test bed is the kubelet (there is none): the tenant's payload is
//! objects that need no running Pod.

use acceptance_tests::controllers::Profile;
use acceptance_tests::flux::{self, KUSTOMIZATION};
use acceptance_tests::sources::{ServerOptions, SourceServer, trusted_ca};
use acceptance_tests::{Cluster, WorkDir, bed};
use std::io::Write as _;
use std::path::Path;

const NAMESPACE: &str = "dev-team-apps";
const TOKEN: &str = "demo-token";

fn main() {
    let mut out = std::io::stdout().lock();
    let mut say = |text: &str| {
        let _ = writeln!(out, "{text}");
        let _ = out.flush();
    };
    let bed = bed();
    let cluster = Cluster::new(bed);
    say(&format!("== control plane at {}", bed.host));
    let flux = flux::controllers(&cluster, Profile::Restricted);
    say("== Flux controllers running (restricted profile): source, kustomize, helm, notification");

    let git = SourceServer::start(&ServerOptions {
        tls: Some(trusted_ca().0.serving_cert()),
        auth: Some(("git".to_owned(), TOKEN.to_owned())),
    });
    let url = git.url("private/dev-team-apps.git");
    let _repo = git.git_repo(
        "private/dev-team-apps.git",
        &[
            (
                "deploy/app-config.yaml",
                "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: app-config\ndata:\n  greeting: hello from the dev team\n",
            ),
            (
                "deploy/reader.yaml",
                "apiVersion: rbac.authorization.k8s.io/v1\nkind: Role\nmetadata:\n  name: pod-reader\nrules:\n- apiGroups: [\"\"]\n  resources: [\"pods\"]\n  verbs: [\"get\", \"list\"]\n",
            ),
        ],
    );
    say(&format!("== the tenant's repository: {url} (token auth)"));

    let wd = WorkDir::new(bed, "demo");
    wd.copy_from(&Path::new(env!("CARGO_MANIFEST_DIR")).join("../examples/tenant"));
    let vars = [
        format!("kubeconfig={}", bed.kubeconfig.display()),
        format!("git_url={url}"),
        format!("devteam_token={TOKEN}"),
    ];
    let tofu = |say: &mut dyn FnMut(&str), args: &[&str], expect: &[i32]| {
        let mut all: Vec<&str> = args.to_vec();
        all.push("-no-color");
        for v in &vars {
            all.extend(["-var", v.as_str()]);
        }
        say(&format!("== tofu {}", args.join(" ")));
        let run = wd.run(&all);
        say(run.stdout.trim_end());
        if !expect.contains(&run.code) {
            say(&run.stderr);
            say(&flux.logs(40));
            panic!("tofu {} exited with {}", args.join(" "), run.code);
        }
    };
    tofu(&mut say, &["plan"], &[0]);
    tofu(&mut say, &["apply", "-auto-approve"], &[0]);

    let ks = cluster
        .get(KUSTOMIZATION, Some(NAMESPACE), "dev-team-apps")
        .expect("the Kustomization");
    say("== the Kustomization, as Flux reports it");
    for c in ks["status"]["conditions"].as_array().into_iter().flatten() {
        say(&format!(
            "{}={} reason={} message={}",
            c["type"].as_str().unwrap_or_default(),
            c["status"].as_str().unwrap_or_default(),
            c["reason"].as_str().unwrap_or_default(),
            c["message"].as_str().unwrap_or_default()
        ));
    }
    say("== the objects Flux applied (its inventory), as the API server holds them");
    for entry in ks["status"]["inventory"]["entries"]
        .as_array()
        .into_iter()
        .flatten()
    {
        say(&format!(
            "{}  {}",
            entry["id"].as_str().unwrap_or_default(),
            entry["v"].as_str().unwrap_or_default()
        ));
    }
    let cm = cluster
        .get(("v1", "ConfigMap", "configmaps"), Some(NAMESPACE), "app-config")
        .expect("Flux created the tenant's ConfigMap");
    say(&format!(
        "ConfigMap {NAMESPACE}/app-config data={} managed-by-kustomization={}",
        cm["data"], cm["metadata"]["labels"]["kustomize.toolkit.fluxcd.io/name"]
    ));

    tofu(&mut say, &["plan", "-detailed-exitcode"], &[0]);
    tofu(&mut say, &["destroy", "-auto-approve"], &[0]);
    say("== done: the tenant is off-boarded");
}
