//! The floor of the peer benchmark: the same objects the tools apply, applied by a plain
//! server-side-apply loop with no Terraform and none of the provider's engine. One PATCH per
//! object, one at a time, CRDs and Namespaces first (then a wait until the CRDs are
//! established, as every tool must), and the same objects deleted in reverse with `--delete`.
//!
//! `ssa-floor <kubeconfig> <objects.json | manifests.yaml>... [--delete]`; prints `<objects>
//! objects in <ms> ms`. A JSON file holds an array of objects, a YAML file one or more
//! documents (so scripts can install the Flux CRDs with it).

use kube::api::{Api, DeleteParams, DynamicObject, Patch, PatchParams};
use kube::discovery::{self, ApiResource, Scope};
use kube::{Client, Config};
use std::collections::HashMap;
use std::time::{Duration, Instant};

type Found = (ApiResource, bool);

/// The API of an object, discovered once per kind.
async fn api(client: &Client, seen: &mut HashMap<String, Found>, o: &DynamicObject) -> Api<DynamicObject> {
    let types = o.types.clone().expect("objects have apiVersion and kind");
    let key = format!("{}/{}", types.api_version, types.kind);
    if !seen.contains_key(&key) {
        let (group, version) = types
            .api_version
            .rsplit_once('/')
            .unwrap_or(("", &types.api_version));
        let gvk = kube::api::GroupVersionKind::gvk(group, version, &types.kind);
        // A just-established CRD's API can lag discovery for a moment.
        let found = loop {
            match discovery::pinned_kind(client, &gvk).await {
                Ok((ar, caps)) => break (ar, caps.scope == Scope::Namespaced),
                Err(_) => tokio::time::sleep(Duration::from_millis(50)).await,
            }
        };
        seen.insert(key.clone(), found);
    }
    let (ar, namespaced) = &seen[&key];
    match (namespaced, o.metadata.namespace.as_deref()) {
        (true, Some(ns)) => Api::namespaced_with(client.clone(), ns, ar),
        _ => Api::all_with(client.clone(), ar),
    }
}

fn name(o: &DynamicObject) -> String {
    o.metadata.name.clone().expect("objects have names")
}

fn is_first(o: &DynamicObject) -> bool {
    let kind = o.types.as_ref().map_or("", |t| t.kind.as_str());
    kind == "CustomResourceDefinition" || kind == "Namespace"
}

async fn established(client: &Client, seen: &mut HashMap<String, Found>, crd: &DynamicObject) {
    let api = api(client, seen, crd).await;
    loop {
        let live = api.get(&name(crd)).await.expect("read the CRD");
        let conditions = live.data.pointer("/status/conditions").and_then(|c| c.as_array());
        let ready = conditions.is_some_and(|cs| {
            cs.iter()
                .any(|c| c["type"] == "Established" && c["status"] == "True")
        });
        if ready {
            return;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// The objects of a JSON array file or a multi-document YAML file.
fn read_objects(file: &str) -> Vec<DynamicObject> {
    let text = std::fs::read_to_string(file).unwrap_or_else(|e| panic!("read {file}: {e}"));
    if file.ends_with(".json") {
        return serde_json::from_str(&text).unwrap_or_else(|e| panic!("{file}: {e}"));
    }
    text.split("\n---")
        .filter(|doc| !doc.trim().is_empty())
        .map(|doc| serde_saphyr::from_str(doc).unwrap_or_else(|e| panic!("{file}: {e}")))
        .collect()
}

#[tokio::main(flavor = "current_thread")]
async fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let delete = args.iter().any(|a| a == "--delete");
    let files: Vec<&String> = args.iter().filter(|a| !a.starts_with("--")).collect();
    let Some((kubeconfig, files)) = files.split_first().filter(|(_, f)| !f.is_empty()) else {
        eprintln!("usage: ssa-floor <kubeconfig> <objects.json | manifests.yaml>... [--delete]");
        std::process::exit(2);
    };
    let _ = rustls::crypto::aws_lc_rs::default_provider().install_default();
    let objects: Vec<DynamicObject> = files.iter().flat_map(|f| read_objects(f)).collect();
    let kubeconfig = kube::config::Kubeconfig::read_from(kubeconfig).expect("read the kubeconfig");
    let config = Config::from_custom_kubeconfig(kubeconfig, &Default::default())
        .await
        .expect("kubeconfig");
    let client = Client::try_from(config).expect("client");
    let mut seen = HashMap::new();
    let start = Instant::now();
    if delete {
        for o in objects.iter().rev() {
            let api = api(&client, &mut seen, o).await;
            match api.delete(&name(o), &DeleteParams::background()).await {
                Ok(_) => {}
                Err(kube::Error::Api(s)) if s.code == 404 => {}
                Err(e) => panic!("delete {}: {e}", name(o)),
            }
        }
    } else {
        let params = PatchParams::apply("ssa-floor").force();
        let (first, rest): (Vec<&DynamicObject>, Vec<&DynamicObject>) =
            objects.iter().partition(|o| is_first(o));
        for o in &first {
            let api = api(&client, &mut seen, o).await;
            api.patch(&name(o), &params, &Patch::Apply(o))
                .await
                .unwrap_or_else(|e| panic!("apply {}: {e}", name(o)));
        }
        for crd in first.iter().filter(|o| {
            o.types
                .as_ref()
                .is_some_and(|t| t.kind == "CustomResourceDefinition")
        }) {
            established(&client, &mut seen, crd).await;
        }
        for o in &rest {
            let api = api(&client, &mut seen, o).await;
            api.patch(&name(o), &params, &Patch::Apply(o))
                .await
                .unwrap_or_else(|e| panic!("apply {}: {e}", name(o)));
        }
    }
    eprintln!("{} objects in {} ms", objects.len(), start.elapsed().as_millis());
}
