//! Prints the objects a resource would apply, rendered exactly as a plan renders them, as a
//! JSON array in apply order: the input of the peer benchmark (`bench/peers.sh`), and a way
//! to review a configuration's objects without a cluster.
//!
//! `flux-render <resource type> <config.json | ->`, where the file holds the resource's
//! attributes as JSON (as written in HCL), or an array of them for several instances.

use flux_provider::resources::{FluxResource, aio, helm_release, render_config, sync, tenant};
use kube::api::DynamicObject;
use std::io::{Read, Write};
use std::process::ExitCode;

async fn render<R: FluxResource>(configs: &[serde_json::Value]) -> Result<Vec<DynamicObject>, String> {
    let mut objects = Vec::new();
    for config in configs {
        let rendered = render_config::<R>(config).await.map_err(|diags| {
            diags
                .iter()
                .map(|d| format!("{}: {}", d.summary, d.detail))
                .collect::<Vec<_>>()
                .join("\n")
        })?;
        objects.extend(rendered);
    }
    Ok(objects)
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [kind, file] = args.as_slice() else {
        eprintln!("usage: flux-render <resource type> <config.json | ->");
        return ExitCode::from(2);
    };
    let text = if file == "-" {
        let mut text = String::new();
        std::io::stdin().read_to_string(&mut text).map(|_| text)
    } else {
        std::fs::read_to_string(file)
    };
    let config: serde_json::Value = match text
        .map_err(|e| e.to_string())
        .and_then(|t| serde_json::from_str(&t).map_err(|e| e.to_string()))
    {
        Ok(config) => config,
        Err(e) => {
            eprintln!("flux-render: cannot read {file}: {e}");
            return ExitCode::from(2);
        }
    };
    let configs = match config {
        serde_json::Value::Array(items) => items,
        one => vec![one],
    };
    let objects = match kind.as_str() {
        "flux_aio" => render::<aio::Aio>(&configs).await,
        "flux_git_sync" => render::<sync::git::GitSync>(&configs).await,
        "flux_oci_sync" => render::<sync::oci::OciSync>(&configs).await,
        "flux_helm_release" => render::<helm_release::HelmRelease>(&configs).await,
        "flux_tenant" => render::<tenant::Tenant>(&configs).await,
        other => Err(format!("unknown resource type {other:?}")),
    };
    match objects.map(|o| serde_json::to_string_pretty(&o)) {
        Ok(Ok(json)) => {
            // A closed pipe (`| head`) is the reader's choice, not an error worth a panic.
            let _ = writeln!(std::io::stdout(), "{json}");
            ExitCode::SUCCESS
        }
        Ok(Err(e)) => {
            eprintln!("flux-render: {e}");
            ExitCode::FAILURE
        }
        Err(e) => {
            eprintln!("flux-render: {e}");
            ExitCode::FAILURE
        }
    }
}
