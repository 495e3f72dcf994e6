//! Tests of the `flux_git_sync` and `flux_oci_sync` schemas, settings, validation and rendering.

use super::kustomization::compact_patch;
use super::{git, oci};
use crate::VERSION;
use crate::golden::assert_golden;
use crate::render::{to_json, to_yaml};
use crate::resources::Common;
use crate::resources::testing::{common, config, decoded, planned, schema_of};
use serde_json::json;
use tfplugin::cty::Value;
use tfplugin::diag::{Diagnostics, Severity};
use tfplugin::schema::{Attribute, Schema, validate_config};

// ---------------------------------------------------------------------------------------------
// Fixtures

fn git_schema() -> Schema {
    schema_of(git::attributes())
}

fn oci_schema() -> Schema {
    schema_of(oci::attributes())
}

fn render_git(c: &Common, j: &serde_json::Value) -> Vec<serde_json::Value> {
    let s = decoded::<git::GitSettings>(&planned(&git_schema(), j));
    git::render(c, &s).iter().map(to_json).collect()
}

fn render_oci(c: &Common, j: &serde_json::Value) -> Vec<serde_json::Value> {
    let s = decoded::<oci::OciSettings>(&planned(&oci_schema(), j));
    oci::render(c, &s).iter().map(to_json).collect()
}

fn git_golden(file: &str, c: &Common, j: &serde_json::Value) {
    let s = decoded::<git::GitSettings>(&planned(&git_schema(), j));
    assert_golden(&format!("sync/{file}"), &to_yaml(&git::render(c, &s)));
}

fn oci_golden(file: &str, c: &Common, j: &serde_json::Value) {
    let s = decoded::<oci::OciSettings>(&planned(&oci_schema(), j));
    assert_golden(&format!("sync/{file}"), &to_yaml(&oci::render(c, &s)));
}

const CA: &str = "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n";
const KEY: &str = "-----BEGIN RSA PRIVATE KEY-----\nMIIE\n-----END RSA PRIVATE KEY-----\n";

// ---------------------------------------------------------------------------------------------
// Schemas

#[test]
fn schemas_are_well_formed() {
    for (name, s) in [("git", git_schema()), ("oci", oci_schema())] {
        s.validate_implementation()
            .unwrap_or_else(|e| panic!("{name} schema: {e:#?}"));
    }
    for full in [
        crate::resources::schema::<git::GitSync>(),
        crate::resources::schema::<oci::OciSync>(),
        crate::resources::schema::<crate::resources::helm_release::HelmRelease>(),
    ] {
        full.validate_implementation()
            .expect("with the common attributes");
    }
}

fn all_described(attrs: &[Attribute], prefix: &str, missing: &mut Vec<String>) {
    for a in attrs {
        let name = format!("{prefix}{}", a.name);
        if a.description.trim().is_empty() {
            missing.push(name.clone());
        }
        if let tfplugin::schema::AttributeKind::Nested(_, nested) = &a.kind {
            all_described(nested, &format!("{name}."), missing);
        }
    }
}

fn find<'a>(attrs: &'a [Attribute], path: &str) -> &'a Attribute {
    let mut attrs = attrs;
    let parts: Vec<&str> = path.split('.').collect();
    for (i, part) in parts.iter().enumerate() {
        let a = attrs
            .iter()
            .find(|a| a.name == *part)
            .unwrap_or_else(|| panic!("no attribute {path}"));
        if i == parts.len() - 1 {
            return a;
        }
        let tfplugin::schema::AttributeKind::Nested(_, nested) = &a.kind else {
            panic!("{part} is not nested");
        };
        attrs = nested;
    }
    unreachable!()
}

#[test]
fn every_attribute_is_described_and_secrets_are_sensitive() {
    let (g, o) = (git::attributes(), oci::attributes());
    let mut missing = Vec::new();
    all_described(&g, "git_sync.", &mut missing);
    all_described(&o, "oci_sync.", &mut missing);
    assert!(missing.is_empty(), "undescribed: {missing:?}");
    for p in [
        "git.token",
        "github.app_private_key",
        "git.ssh.private_key",
        "git.ssh.private_key_wo",
        "git.ssh.passphrase",
        "git.ssh.passphrase_wo",
    ] {
        assert!(find(&g, p).sensitive, "{p} must be sensitive");
    }
    assert!(!find(&g, "git.ca").sensitive);
    assert!(!find(&g, "git.ssh.known_hosts").sensitive);
    assert!(!find(&g, "git.username").sensitive);
    assert!(!find(&g, "git.url").sensitive);
    assert!(find(&o, "artifact.auth.credentials.password").sensitive);
    assert!(!find(&o, "artifact.auth.credentials.username").sensitive);
}

#[test]
fn defaults_follow_rendering() {
    let g = decoded::<git::GitSettings>(&planned(
        &git_schema(),
        &json!({"git": {"url": "https://example.com/r", "path": "./"}}),
    ));
    assert_eq!(g.git.git_ref, "refs/heads/main");
    assert_eq!(g.git.interval, "1m");
    assert_eq!(g.github, None);
    assert_eq!(
        (
            g.git.username.as_str(),
            g.git.provider.as_str(),
            g.git.ssh.as_ref()
        ),
        ("git", "generic", None)
    );
    assert!(g.sync.prune && g.sync.wait);
    assert_eq!(
        (
            g.sync.timeout.as_str(),
            g.sync.retry_interval.as_str(),
            g.sync.interval.as_str()
        ),
        ("3m", "5m", "60m")
    );
    assert!(!g.has_secret());
    let o = decoded::<oci::OciSettings>(&planned(
        &oci_schema(),
        &json!({"artifact": {"url": "oci://ghcr.io/org/app"}}),
    ));
    assert_eq!(o.artifact.tag, "latest");
    assert_eq!(o.artifact.semver, None);
    assert_eq!(o.artifact.auth.provider, "generic");
    assert_eq!(o.artifact.interval, "1m");
    assert_eq!(o.sync.path, "./");
    assert_eq!(o.kustomize, super::kustomization::KustomizeOptions::default());
}

// ---------------------------------------------------------------------------------------------
// flux_git_sync rendering

fn reference() -> serde_json::Value {
    json!({
        "git": {"url": "https://github.com/stefanprodan/flux-aio", "path": "./test/cluster-addons"},
    })
}

#[test]
fn git_reference_rendering() {
    let c = common("cluster-addons", "flux-system");
    let objs = render_git(&c, &reference());
    assert_eq!(objs.len(), 2, "no Secret without token, CA or GitHub App");
    let labels = json!({
        "app.kubernetes.io/managed-by": "flux-provider",
        "app.kubernetes.io/name": "cluster-addons",
        "app.kubernetes.io/version": VERSION,
    });
    let repo = &objs[0];
    assert_eq!(repo["apiVersion"], "source.toolkit.fluxcd.io/v1");
    assert_eq!(repo["kind"], "GitRepository");
    assert_eq!(
        repo["metadata"],
        json!({"name": "cluster-addons", "namespace": "flux-system", "labels": labels})
    );
    assert_eq!(
        repo["spec"],
        json!({"interval": "1m", "url": "https://github.com/stefanprodan/flux-aio", "ref": {"name": "refs/heads/main"}})
    );
    let ks = &objs[1];
    assert_eq!(ks["apiVersion"], "kustomize.toolkit.fluxcd.io/v1");
    assert_eq!(ks["kind"], "Kustomization");
    assert_eq!(ks["metadata"], repo["metadata"]);
    assert_eq!(
        ks["spec"],
        json!({
            "sourceRef": {"kind": "GitRepository", "name": "cluster-addons"},
            "interval": "60m", "retryInterval": "5m", "path": "./test/cluster-addons",
            "prune": true, "wait": true, "timeout": "3m",
        })
    );
    let order: Vec<&String> = ks["spec"].as_object().expect("spec").keys().collect();
    assert_eq!(
        order,
        [
            "sourceRef",
            "interval",
            "retryInterval",
            "path",
            "prune",
            "wait",
            "timeout"
        ]
    );
    git_golden("git-reference.yaml", &c, &reference());
}

#[test]
fn git_public_podinfo() {
    git_golden(
        "git-public.yaml",
        &common("podinfo", "flux-system"),
        &json!({
            "git": {"url": "https://github.com/stefanprodan/podinfo", "ref": "refs/heads/master", "path": "./kustomize"},
            "sync": {"target_namespace": "default"},
        }),
    );
}

#[test]
fn git_private_token() {
    let c = common("podinfo", "flux-system");
    let j =
        json!({"git": {"url": "https://github.com/org/private", "path": "./deploy", "token": "ghp_secret"}});
    let objs = render_git(&c, &j);
    assert_eq!(objs[0]["kind"], "Secret");
    assert_eq!(objs[0]["metadata"]["name"], "podinfo");
    assert!(objs[0].get("type").is_none(), "Opaque: no type");
    assert_eq!(
        objs[0]["stringData"],
        json!({"username": "git", "password": "ghp_secret"})
    );
    assert_eq!(objs[1]["spec"]["secretRef"], json!({"name": "podinfo"}));
    assert!(objs[1]["spec"].get("provider").is_none());
    git_golden("git-token.yaml", &c, &j);
}

/// A write-only token reaches the Secret; the Secret says which key is write-only and at which
/// version, and its digest (masked) depends on the version, not on the value.
#[test]
fn git_write_only_token_is_masked_by_version() {
    use crate::resources::secrets::{WRITE_ONLY_ANNOTATION, mask};
    let c = common("podinfo", "flux-system");
    let masked_digest = |token: &str, version: i64| {
        let j = json!({"git": {"url": "https://github.com/org/private", "path": "./",
            "token_wo": token, "token_wo_version": version}});
        let objs = render_git(&c, &j);
        assert_eq!(objs[0]["stringData"]["password"], token);
        assert_eq!(
            objs[0]["metadata"]["annotations"][WRITE_ONLY_ANNOTATION],
            format!("password={version}")
        );
        let mut stored = engine::inventory::as_stored(&objs[0]);
        mask(&mut stored);
        assert!(!stored.to_string().contains(token), "{stored}");
        engine::inventory::digest(&stored)
    };
    assert_eq!(masked_digest("first", 1), masked_digest("second", 1));
    assert_ne!(masked_digest("first", 1), masked_digest("first", 2));
    // At refresh the value is not at hand: the rendering still has the Secret and its reference.
    let j = json!({"git": {"url": "https://github.com/org/private", "path": "./", "token_wo_version": 1}});
    let objs = render_git(&c, &j);
    assert_eq!(objs[0]["kind"], "Secret");
    assert_eq!(objs[1]["spec"]["secretRef"]["name"], "podinfo");
}

#[test]
fn git_github_app() {
    let c = common("apps", "flux-system");
    let j = json!({
        "git": {"url": "https://github.com/org/fleet", "path": "./clusters/prod"},
        "github": {"app_id": "123", "app_installation_id": "234", "app_private_key": KEY},
    });
    let objs = render_git(&c, &j);
    assert_eq!(
        objs[0]["stringData"],
        json!({"username": "git", "githubAppID": "123", "githubAppInstallationID": "234", "githubAppPrivateKey": KEY})
    );
    assert_eq!(objs[1]["spec"]["provider"], "github");
    assert_eq!(objs[1]["spec"]["secretRef"], json!({"name": "apps"}));
    git_golden("git-github-app.yaml", &c, &j);
}

#[test]
fn git_self_hosted_with_ca() {
    let c = common("platform", "flux-system");
    let j = json!({"git": {"url": "https://gitlab.internal/platform/fleet", "path": "./", "token": "glpat", "ca": CA}});
    let objs = render_git(&c, &j);
    assert_eq!(
        objs[0]["stringData"],
        json!({"username": "git", "password": "glpat", "ca.crt": CA})
    );
    git_golden("git-self-hosted-ca.yaml", &c, &j);
}

#[test]
fn git_ca_without_token_still_creates_the_secret() {
    // Difference 6: the module ignores the CA; the provider does not.
    let c = common("platform", "flux-system");
    let j = json!({"git": {"url": "https://gitea.internal/public/fleet", "path": "./", "ca": CA}});
    let objs = render_git(&c, &j);
    assert_eq!(objs.len(), 3);
    assert_eq!(objs[0]["stringData"], json!({"username": "git", "ca.crt": CA}));
    assert_eq!(objs[1]["spec"]["secretRef"], json!({"name": "platform"}));
}

const SSH_KEY: &str = "-----BEGIN OPENSSH PRIVATE KEY-----\nb3Blbn\n-----END OPENSSH PRIVATE KEY-----\n";
const KNOWN_HOSTS: &str =
    "github.com ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl\n";

/// SSH: the Secret holds the key, the host keys and the passphrase (no username); an scp-like
/// URL reaches the GitRepository in the `ssh://` form Flux takes.
#[test]
fn git_ssh_with_passphrase_and_scp_like_url() {
    let c = common("fleet", "flux-system");
    let j = json!({"git": {"url": "git@github.com:org/fleet.git", "path": "./clusters/prod",
        "ssh": {"private_key": SSH_KEY, "known_hosts": KNOWN_HOSTS, "passphrase": "hunter2"}}});
    let objs = render_git(&c, &j);
    assert_eq!(
        objs[0]["stringData"],
        json!({"identity": SSH_KEY, "known_hosts": KNOWN_HOSTS, "password": "hunter2"})
    );
    assert_eq!(objs[1]["spec"]["url"], "ssh://git@github.com/org/fleet.git");
    assert_eq!(objs[1]["spec"]["secretRef"], json!({"name": "fleet"}));
    assert!(objs[1]["spec"].get("provider").is_none());
    git_golden("git-ssh.yaml", &c, &j);
    // An ssh:// URL (with a port) is kept as is; no passphrase, no `password`.
    let j = json!({"git": {"url": "ssh://git@git.internal:2222/org/fleet", "path": "./",
        "ssh": {"private_key": SSH_KEY, "known_hosts": KNOWN_HOSTS}}});
    let objs = render_git(&c, &j);
    assert_eq!(objs[1]["spec"]["url"], "ssh://git@git.internal:2222/org/fleet");
    assert_eq!(
        objs[0]["stringData"],
        json!({"identity": SSH_KEY, "known_hosts": KNOWN_HOSTS})
    );
}

/// A write-only SSH key is in the Secret but masked by its version, like a write-only token.
#[test]
fn git_ssh_write_only_key_is_masked_by_version() {
    use crate::resources::secrets::{WRITE_ONLY_ANNOTATION, mask};
    let c = common("fleet", "flux-system");
    let j = json!({"git": {"url": "ssh://git@github.com/org/fleet", "path": "./",
        "ssh": {"private_key_wo": SSH_KEY, "private_key_wo_version": 3, "known_hosts": KNOWN_HOSTS}}});
    let objs = render_git(&c, &j);
    assert_eq!(objs[0]["stringData"]["identity"], SSH_KEY);
    assert_eq!(
        objs[0]["metadata"]["annotations"][WRITE_ONLY_ANNOTATION],
        "identity=3"
    );
    let mut stored = engine::inventory::as_stored(&objs[0]);
    mask(&mut stored);
    assert!(!stored.to_string().contains("b3Blbn"), "{stored}");
    assert!(stored.to_string().contains("known_hosts"), "{stored}");
}

/// The scp-like form becomes `ssh://user@host/path`, an absolute path and a bracketed IPv6 host
/// included; other URLs are kept.
#[test]
fn git_urls_take_the_form_flux_accepts() {
    use git::{Transport, flux_url, transport};
    for (url, want, t) in [
        (
            "git@github.com:org/repo.git",
            "ssh://git@github.com/org/repo.git",
            Transport::Ssh,
        ),
        (
            "git@gitlab.com:group/sub/repo",
            "ssh://git@gitlab.com/group/sub/repo",
            Transport::Ssh,
        ),
        (
            "root@127.0.0.1:/srv/git/repo.git",
            "ssh://root@127.0.0.1/srv/git/repo.git",
            Transport::Ssh,
        ),
        ("git@[::1]:org/repo", "ssh://git@[::1]/org/repo", Transport::Ssh),
        (
            "ssh://git@host:2222/org/repo",
            "ssh://git@host:2222/org/repo",
            Transport::Ssh,
        ),
        (
            "https://user@host/org/repo",
            "https://user@host/org/repo",
            Transport::Https,
        ),
    ] {
        assert_eq!(flux_url(url), want, "{url}");
        assert_eq!(transport(url), Some(t), "{url}");
    }
    assert_eq!(transport("http://host/repo"), None);
    assert_eq!(transport("host:repo"), None);
}

/// A username of the user's choice (a GitLab deploy token, a Bitbucket app password).
#[test]
fn git_custom_username() {
    let c = common("fleet", "flux-system");
    let j = json!({"git": {"url": "https://gitlab.com/org/fleet", "path": "./",
        "username": "gitlab+deploy-token-1", "token": "gldt-secret"}});
    let objs = render_git(&c, &j);
    assert_eq!(
        objs[0]["stringData"],
        json!({"username": "gitlab+deploy-token-1", "password": "gldt-secret"})
    );
    git_golden("git-username.yaml", &c, &j);
}

/// `git.provider` reaches `spec.provider`; `generic` is Flux's default and is left out.
#[test]
fn git_provider_workload_identity() {
    let c = common("fleet", "flux-system");
    let j = json!({"git": {"url": "https://dev.azure.com/org/project/_git/fleet", "path": "./", "provider": "azure"}});
    let objs = render_git(&c, &j);
    assert_eq!(objs.len(), 2, "no Secret: the workload identity authenticates");
    assert_eq!(objs[0]["spec"]["provider"], "azure");
    assert!(objs[0]["spec"].get("secretRef").is_none());
    git_golden("git-azure.yaml", &c, &j);
    let j = json!({"git": {"url": "https://github.com/org/fleet", "path": "./", "provider": "generic"}});
    assert!(render_git(&c, &j)[0]["spec"].get("provider").is_none());
    let j = json!({"git": {"url": "https://github.com/org/fleet", "path": "./", "provider": "github"},
        "github": {"app_id": "1", "app_installation_id": "2", "app_private_key": KEY}});
    assert_eq!(render_git(&c, &j)[1]["spec"]["provider"], "github");
}

#[test]
fn git_bootstrap_layout_with_ignore() {
    let j = json!({
        "git": {"url": "https://github.com/org/fleet", "path": "./clusters/prod", "ignore": "clusters/**/flux-system/\n"},
        "sync": {"wait": false},
    });
    let objs = render_git(&common("flux-system", "flux-system"), &j);
    let spec = objs[0]["spec"].as_object().expect("spec");
    assert_eq!(
        spec.keys().collect::<Vec<_>>(),
        ["interval", "url", "ref", "ignore"]
    );
    assert_eq!(objs[1]["spec"]["wait"], false);
}

#[test]
fn labels_and_annotations_reach_every_object() {
    let mut c = common("podinfo", "flux-system");
    c.labels.insert("team".into(), "a".into());
    let objs = render_git(
        &c,
        &json!({"git": {"url": "https://github.com/org/r", "path": "./", "token": "t"}}),
    );
    for o in &objs {
        assert_eq!(o["metadata"]["labels"]["team"], "a");
        assert!(
            o["metadata"].get("annotations").is_none(),
            "no annotations when none given"
        );
    }
    c.annotations.insert("note".into(), "x".into());
    let objs = render_oci(
        &c,
        &json!({"artifact": {"url": "oci://ghcr.io/org/app", "tls": {"ca": CA},
                              "auth": {"credentials": {"username": "u", "password": "p"}}}}),
    );
    assert_eq!(objs.len(), 4);
    for o in &objs {
        assert_eq!(o["metadata"]["annotations"]["note"], "x");
        assert_eq!(o["metadata"]["labels"]["app.kubernetes.io/version"], VERSION);
    }
}

// ---------------------------------------------------------------------------------------------
// Option groups (shared Kustomization part)

#[test]
fn option_substitute() {
    let j = json!({
        "git": {"url": "https://github.com/org/fleet", "path": "./apps"},
        "substitute": {"cluster_env": "prod", "region": "eu-west-1"},
        "substitute_from": [
            {"kind": "ConfigMap", "name": "cluster-vars"},
            {"kind": "Secret", "name": "cluster-secrets", "optional": true},
        ],
    });
    let objs = render_git(&common("apps", "flux-system"), &j);
    assert_eq!(
        objs[1]["spec"]["postBuild"],
        json!({
            "substitute": {"cluster_env": "prod", "region": "eu-west-1"},
            "substituteFrom": [
                {"kind": "ConfigMap", "name": "cluster-vars"},
                {"kind": "Secret", "name": "cluster-secrets", "optional": true},
            ],
        })
    );
    git_golden("option-substitute.yaml", &common("apps", "flux-system"), &j);
}

#[test]
fn option_patches_yaml_and_json_become_compact_json() {
    let yaml = "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: podinfo\nspec:\n  replicas: 2\n";
    let json_patch = r#"[ {"op": "add", "path": "/metadata/labels/env", "value": "prod"} ]"#;
    let j = json!({
        "artifact": {"url": "oci://ghcr.io/stefanprodan/manifests/podinfo"},
        "patches": [
            {"patch": yaml, "target": {"kind": "Deployment", "name": "podinfo"}},
            {"patch": json_patch, "target": {"kind": "Deployment", "label_selector": "app=podinfo", "annotation_selector": ""}},
            {"patch": yaml},
        ],
    });
    let objs = render_oci(&common("podinfo", "flux-system"), &j);
    let patches = &objs[1]["spec"]["patches"];
    assert_eq!(
        patches[0],
        json!({
            "patch": r#"{"apiVersion":"apps/v1","kind":"Deployment","metadata":{"name":"podinfo"},"spec":{"replicas":2}}"#,
            "target": {"kind": "Deployment", "name": "podinfo"},
        })
    );
    assert_eq!(
        patches[1],
        json!({
            "patch": r#"[{"op":"add","path":"/metadata/labels/env","value":"prod"}]"#,
            "target": {"kind": "Deployment", "labelSelector": "app=podinfo"},
        })
    );
    assert_eq!(patches[2]["target"], json!({}), "target rendered even when empty");
    oci_golden("option-patches.yaml", &common("podinfo", "flux-system"), &j);
}

#[test]
fn option_depends_on() {
    let j = json!({
        "git": {"url": "https://github.com/org/fleet", "path": "./apps"},
        "sync": {"depends_on": [{"name": "infra-controllers"}, {"name": "infra-configs", "namespace": "infra"}]},
    });
    let objs = render_git(&common("apps", "flux-system"), &j);
    assert_eq!(
        objs[1]["spec"]["dependsOn"],
        json!([{"name": "infra-controllers"}, {"name": "infra-configs", "namespace": "infra"}])
    );
    git_golden("option-depends-on.yaml", &common("apps", "flux-system"), &j);
}

#[test]
fn option_decryption() {
    let j = json!({
        "git": {"url": "https://github.com/org/fleet", "path": "./secrets"},
        "decryption": {"secret_name": "sops-age"},
    });
    let objs = render_git(&common("secrets", "flux-system"), &j);
    assert_eq!(
        objs[1]["spec"]["decryption"],
        json!({"provider": "sops", "secretRef": {"name": "sops-age"}})
    );
    let objs = render_git(
        &common("secrets", "flux-system"),
        &json!({"git": {"url": "https://github.com/org/fleet", "path": "./"}, "decryption": {}}),
    );
    assert_eq!(objs[1]["spec"]["decryption"], json!({"provider": "sops"}));
    git_golden("option-decryption.yaml", &common("secrets", "flux-system"), &j);
}

#[test]
fn option_tenant_onboarding() {
    let j = json!({
        "git": {"url": "https://github.com/org/dev-team", "path": "./apps"},
        "sync": {"service_account_name": "flux", "target_namespace": "dev-team-apps"},
    });
    let objs = render_git(&common("dev-team", "dev-team-apps"), &j);
    assert_eq!(objs[1]["spec"]["serviceAccountName"], "flux");
    assert_eq!(objs[1]["spec"]["targetNamespace"], "dev-team-apps");
    assert_eq!(objs[1]["metadata"]["namespace"], "dev-team-apps");
    git_golden("option-tenant.yaml", &common("dev-team", "dev-team-apps"), &j);
}

#[test]
fn option_ignore_and_prune_false() {
    let j = json!({
        "artifact": {"url": "oci://ghcr.io/org/manifests/app", "ignore": "*.md\ndocs/\n"},
        "sync": {"prune": false, "path": "./deploy", "interval": "1h30m", "timeout": "10m", "retry_interval": "2m"},
    });
    let objs = render_oci(&common("app", "apps"), &j);
    assert_eq!(objs[0]["spec"]["ignore"], "*.md\ndocs/\n");
    let ks = &objs[1]["spec"];
    assert_eq!(ks["prune"], false);
    assert_eq!(
        (&ks["interval"], &ks["timeout"], &ks["retryInterval"], &ks["path"]),
        (&json!("1h30m"), &json!("10m"), &json!("2m"), &json!("./deploy"))
    );
    oci_golden("option-ignore-prune.yaml", &common("app", "apps"), &j);
}

#[test]
fn compact_patch_accepts_objects_and_lists_only() {
    assert_eq!(compact_patch("a: 1").as_deref(), Some(r#"{"a":1}"#));
    assert_eq!(
        compact_patch("- op: remove\n  path: /x").as_deref(),
        Some(r#"[{"op":"remove","path":"/x"}]"#)
    );
    assert_eq!(
        compact_patch(r#"{"b": [1, "2"]}"#).as_deref(),
        Some(r#"{"b":[1,"2"]}"#)
    );
    for bad in ["just text", "42", "", "a: [unclosed"] {
        assert_eq!(compact_patch(bad), None, "{bad:?}");
    }
}

// ---------------------------------------------------------------------------------------------
// flux_oci_sync rendering

#[test]
fn oci_public_podinfo_semver() {
    let c = common("podinfo", "flux-system");
    let j = json!({
        "artifact": {"url": "oci://ghcr.io/stefanprodan/manifests/podinfo", "semver": ">=1.0.0"},
        "sync": {"wait": true, "target_namespace": "default"},
    });
    let objs = render_oci(&c, &j);
    assert_eq!(objs.len(), 2);
    assert_eq!(objs[0]["kind"], "OCIRepository");
    assert_eq!(
        objs[0]["spec"],
        json!({"interval": "1m", "url": "oci://ghcr.io/stefanprodan/manifests/podinfo",
               "ref": {"semver": ">=1.0.0"}, "provider": "generic"})
    );
    assert_eq!(
        objs[1]["spec"]["sourceRef"],
        json!({"kind": "OCIRepository", "name": "podinfo"})
    );
    assert_eq!(objs[1]["spec"]["path"], "./");
    oci_golden("oci-public.yaml", &c, &j);
}

#[test]
fn oci_private_with_credentials() {
    let c = common("app", "flux-system");
    let j = json!({
        "artifact": {"url": "oci://ghcr.io/org/manifests/app", "tag": "v1.2.3",
                     "auth": {"credentials": {"username": "flux", "password": "ghcr_token"}}},
    });
    let objs = render_oci(&c, &j);
    assert_eq!(objs[0]["kind"], "Secret");
    assert_eq!(objs[0]["metadata"]["name"], "app-oci-auth");
    assert_eq!(objs[0]["type"], "kubernetes.io/dockerconfigjson");
    assert_eq!(
        objs[0]["stringData"][".dockerconfigjson"],
        r#"{"auths": {"ghcr.io": {"username": "flux","password": "ghcr_token","auth": "Zmx1eDpnaGNyX3Rva2Vu"}}}"#
    );
    assert_eq!(objs[1]["spec"]["ref"], json!({"tag": "v1.2.3"}));
    assert_eq!(objs[1]["spec"]["secretRef"], json!({"name": "app-oci-auth"}));
    oci_golden("oci-private.yaml", &c, &j);
}

#[test]
fn oci_tls_cloud_provider_and_insecure() {
    let c = common("app", "flux-system");
    let j = json!({
        "artifact": {"url": "oci://registry.local:5000/manifests/app",
                     "auth": {"provider": "aws"}, "tls": {"insecure": true, "ca": CA}},
    });
    let objs = render_oci(&c, &j);
    assert_eq!(objs.len(), 3);
    assert_eq!(objs[0]["metadata"]["name"], "app-oci-tls");
    assert_eq!(
        objs[0]["metadata"]["labels"]["app.kubernetes.io/component"],
        "oci-tls"
    );
    assert_eq!(objs[0]["stringData"], json!({"ca.crt": CA}));
    assert!(objs[0].get("type").is_none());
    assert!(
        objs[2]["metadata"]["labels"]
            .get("app.kubernetes.io/component")
            .is_none()
    );
    let spec = &objs[1]["spec"];
    assert_eq!(spec["provider"], "aws");
    assert_eq!(spec["insecure"], true);
    assert_eq!(spec["certSecretRef"], json!({"name": "app-oci-tls"}));
    assert!(spec.get("secretRef").is_none());
    oci_golden("oci-tls.yaml", &c, &j);
}

// ---------------------------------------------------------------------------------------------
// Validation

/// The paths of the errors schema validation and `validate` report.
fn error_paths(s: &Schema, config: &Value, validate: fn(&Value, &mut Diagnostics)) -> Vec<String> {
    let mut d = Diagnostics::new();
    validate_config(s, config, &mut d);
    validate(config, &mut d);
    d.iter()
        .filter(|d| d.severity == Severity::Error)
        .map(|d| d.path.as_ref().map(ToString::to_string).unwrap_or_default())
        .collect()
}

#[test]
fn git_validation_table() {
    let url = "https://github.com/org/fleet";
    let ssh = json!({"private_key": SSH_KEY, "known_hosts": KNOWN_HOSTS});
    let cases: Vec<(&str, serde_json::Value, &[&str])> = vec![
        ("minimal", json!({"git": {"url": url, "path": "./"}}), &[]),
        (
            "everything valid",
            json!({
                "git": {"url": url, "path": "./", "ref": "refs/tags/v1.0.0", "interval": "1h30m", "token": "t", "ca": CA},
                "github": {"app_id": "1", "app_installation_id": "2", "app_private_key": KEY},
                "sync": {"timeout": "10m", "retry_interval": "30s", "interval": "2h", "service_account_name": "flux",
                         "target_namespace": "apps", "depends_on": [{"name": "infra", "namespace": "flux-system"}]},
                "substitute": {"a": "b"},
                "substitute_from": [{"kind": "Secret", "name": "vars", "optional": false}],
                "patches": [{"patch": "a: 1"}, {"patch": "[]"}],
                "decryption": {"provider": "sops", "secret_name": "sops-age"},
            }),
            &[],
        ),
        (
            "ssh url without ssh",
            json!({"git": {"url": "ssh://git@github.com/org/fleet", "path": "./"}}),
            &["git.ssh"],
        ),
        (
            "ssh url",
            json!({"git": {"url": "ssh://git@github.com:2222/org/fleet", "path": "./", "ssh": ssh.clone()}}),
            &[],
        ),
        (
            "scp-like url",
            json!({"git": {"url": "git@github.com:org/fleet.git", "path": "./", "ssh": ssh.clone()}}),
            &[],
        ),
        (
            "write-only ssh key and passphrase",
            json!({"git": {"url": "git@github.com:org/fleet.git", "path": "./", "ssh": {
                "private_key_wo": SSH_KEY, "private_key_wo_version": 1, "known_hosts": KNOWN_HOSTS,
                "passphrase_wo": "p", "passphrase_wo_version": 1}}}),
            &[],
        ),
        (
            "gitlab's ssh://host:path mix",
            json!({"git": {"url": "ssh://git@gitlab.com:group/fleet.git", "path": "./", "ssh": ssh.clone()}}),
            &["git.url"],
        ),
        (
            "scp-like url without user",
            json!({"git": {"url": "github.com:org/fleet", "path": "./"}}),
            &["git.url"],
        ),
        (
            "ssh without key",
            json!({"git": {"url": "git@github.com:org/fleet", "path": "./", "ssh": {"known_hosts": KNOWN_HOSTS}}}),
            &["git.ssh.private_key"],
        ),
        (
            "ssh with empty known_hosts",
            json!({"git": {"url": "git@github.com:org/fleet", "path": "./", "ssh": {"private_key": SSH_KEY, "known_hosts": ""}}}),
            &["git.ssh.known_hosts"],
        ),
        (
            "ssh key in both forms",
            json!({"git": {"url": "git@github.com:org/fleet", "path": "./", "ssh": {
                "private_key": SSH_KEY, "private_key_wo": SSH_KEY, "private_key_wo_version": 1,
                "known_hosts": KNOWN_HOSTS}}}),
            &["git.ssh.private_key_wo"],
        ),
        (
            "ssh passphrase without version",
            json!({"git": {"url": "git@github.com:org/fleet", "path": "./", "ssh": {
                "private_key": SSH_KEY, "known_hosts": KNOWN_HOSTS, "passphrase_wo": "p"}}}),
            &["git.ssh.passphrase_wo_version"],
        ),
        (
            "ssh with an https url",
            json!({"git": {"url": url, "path": "./", "ssh": ssh.clone()}}),
            &["git.ssh"],
        ),
        (
            "token, username and ca with an ssh url",
            json!({"git": {"url": "git@github.com:org/fleet", "path": "./", "ssh": ssh.clone(),
                "token": "t", "username": "u", "ca": CA}}),
            &["git.token", "git.username", "git.ca"],
        ),
        (
            "write-only token with an ssh url",
            json!({"git": {"url": "git@github.com:org/fleet", "path": "./", "ssh": ssh.clone(),
                "token_wo": "t", "token_wo_version": 1}}),
            &["git.token"],
        ),
        (
            "github app with an ssh url",
            json!({"git": {"url": "git@github.com:org/fleet", "path": "./", "ssh": ssh.clone()},
                "github": {"app_id": "1", "app_installation_id": "2", "app_private_key": KEY}}),
            &["github"],
        ),
        (
            "custom username",
            json!({"git": {"url": url, "path": "./", "username": "x-token-auth", "token": "t"}}),
            &[],
        ),
        (
            "username without token",
            json!({"git": {"url": url, "path": "./", "username": "gitlab+deploy-token-1"}}),
            &["git.username"],
        ),
        (
            "username with a colon",
            json!({"git": {"url": url, "path": "./", "username": "a:b", "token": "t"}}),
            &["git.username"],
        ),
        (
            "azure",
            json!({"git": {"url": "https://dev.azure.com/org/p/_git/r", "path": "./", "provider": "azure"}}),
            &[],
        ),
        (
            "azure with a token",
            json!({"git": {"url": "https://dev.azure.com/org/p/_git/r", "path": "./", "provider": "azure", "token": "t"}}),
            &["git.token"],
        ),
        (
            "azure with an ssh url",
            json!({"git": {"url": "git@ssh.dev.azure.com:v3/org/p/r", "path": "./", "provider": "azure", "ssh": ssh.clone()}}),
            &["git.provider"],
        ),
        (
            "aws with a github app",
            json!({"git": {"url": url, "path": "./", "provider": "aws"},
                "github": {"app_id": "1", "app_installation_id": "2", "app_private_key": KEY}}),
            &["git.provider"],
        ),
        (
            "github provider without the app",
            json!({"git": {"url": url, "path": "./", "provider": "github"}}),
            &["git.provider"],
        ),
        (
            "generic provider with the app",
            json!({"git": {"url": url, "path": "./", "provider": "generic"},
                "github": {"app_id": "1", "app_installation_id": "2", "app_private_key": KEY}}),
            &["git.provider"],
        ),
        (
            "unknown provider",
            json!({"git": {"url": url, "path": "./", "provider": "gcp"}}),
            &["git.provider"],
        ),
        (
            "http url",
            json!({"git": {"url": "http://github.com/org/fleet", "path": "./"}}),
            &["git.url"],
        ),
        (
            "short ref",
            json!({"git": {"url": url, "path": "./", "ref": "main"}}),
            &["git.ref"],
        ),
        (
            "bad interval",
            json!({"git": {"url": url, "path": "./", "interval": "1 minute"}}),
            &["git.interval"],
        ),
        (
            "bad timeout",
            json!({"git": {"url": url, "path": "./"}, "sync": {"timeout": "3"}}),
            &["sync.timeout"],
        ),
        (
            "bad retry interval",
            json!({"git": {"url": url, "path": "./"}, "sync": {"retry_interval": "5x"}}),
            &["sync.retry_interval"],
        ),
        (
            "bad target namespace",
            json!({"git": {"url": url, "path": "./"}, "sync": {"target_namespace": "Apps"}}),
            &["sync.target_namespace"],
        ),
        (
            "github partly",
            json!({"git": {"url": url, "path": "./"}, "github": {"app_id": "1", "app_private_key": KEY}}),
            &["github"],
        ),
        (
            "github empty id",
            json!({"git": {"url": url, "path": "./"}, "github": {"app_id": "", "app_installation_id": "2", "app_private_key": KEY}}),
            &["github"],
        ),
        (
            "substitute_from kind",
            json!({"git": {"url": url, "path": "./"}, "substitute_from": [{"kind": "Configmap", "name": "v"}]}),
            &["substitute_from[0].kind"],
        ),
        (
            "patch not a document",
            json!({"git": {"url": url, "path": "./"}, "patches": [{"patch": "a: 1"}, {"patch": "scalar"}]}),
            &["patches[1].patch"],
        ),
        (
            "decryption provider",
            json!({"git": {"url": url, "path": "./"}, "decryption": {"provider": "vault"}}),
            &["decryption.provider"],
        ),
        (
            "depends_on name",
            json!({"git": {"url": url, "path": "./"}, "sync": {"depends_on": [{"name": "Infra"}]}}),
            &["sync.depends_on[0].name"],
        ),
    ];
    let s = git_schema();
    for (name, j, want) in cases {
        let got = error_paths(&s, &config(&s, &j), git::validate);
        assert_eq!(got, want, "case {name}");
    }
}

#[test]
fn oci_validation_table() {
    let url = "oci://ghcr.io/org/manifests/app";
    let cases: Vec<(&str, serde_json::Value, &[&str])> = vec![
        ("minimal", json!({"artifact": {"url": url}}), &[]),
        (
            "semver only",
            json!({"artifact": {"url": url, "tag": "", "semver": ">=1.0.0"}}),
            &[],
        ),
        (
            "no version",
            json!({"artifact": {"url": url, "tag": ""}}),
            &["artifact.tag"],
        ),
        (
            "malformed semver",
            json!({"artifact": {"url": url, "semver": "1.0.0 ||"}}),
            &["artifact.semver"],
        ),
        (
            "no version, empty semver",
            json!({"artifact": {"url": url, "tag": "", "semver": ""}}),
            &["artifact.tag"],
        ),
        (
            "https url",
            json!({"artifact": {"url": "https://ghcr.io/org/app"}}),
            &["artifact.url"],
        ),
        (
            "host only",
            json!({"artifact": {"url": "oci://ghcr.io"}}),
            &["artifact.url"],
        ),
        (
            "provider",
            json!({"artifact": {"url": url, "auth": {"provider": "ibm"}}}),
            &["artifact.auth.provider"],
        ),
        (
            "interval",
            json!({"artifact": {"url": url, "interval": "1"}}),
            &["artifact.interval"],
        ),
        (
            "patch scalar",
            json!({"artifact": {"url": url}, "patches": [{"patch": "true"}]}),
            &["patches[0].patch"],
        ),
        (
            "substitute_from kind",
            json!({"artifact": {"url": url}, "substitute_from": [{"kind": "Pod", "name": "v"}]}),
            &["substitute_from[0].kind"],
        ),
    ];
    let s = oci_schema();
    for (name, j, want) in cases {
        let got = error_paths(&s, &config(&s, &j), oci::validate);
        assert_eq!(got, want, "case {name}");
    }
}

/// Replaces the value at `path` (attribute names) of an object value.
fn set(v: &mut Value, path: &[&str], to: Value) {
    let Value::Object(map) = v else {
        panic!("not an object")
    };
    if path.len() == 1 {
        map.insert(path[0].to_owned(), to);
    } else {
        set(map.get_mut(path[0]).expect("attribute"), &path[1..], to);
    }
}

#[test]
fn validation_skips_unknowns() {
    let s = git_schema();
    let mut c = config(
        &s,
        &json!({"git": {"url": "https://g/r", "path": "./"}, "github": {"app_id": "1"},
                "patches": [{"patch": "x"}]}),
    );
    set(&mut c, &["github", "app_installation_id"], Value::unknown());
    set(&mut c, &["github", "app_private_key"], Value::unknown());
    set(
        &mut c,
        &["patches"],
        Value::List(vec![Value::object([
            ("patch", Value::unknown()),
            ("target", Value::Null),
        ])]),
    );
    assert_eq!(error_paths(&s, &c, git::validate), Vec::<String>::new());
    set(&mut c, &["github"], Value::unknown());
    set(&mut c, &["patches"], Value::unknown());
    assert_eq!(error_paths(&s, &c, git::validate), Vec::<String>::new());

    let s = oci_schema();
    let mut c = config(&s, &json!({"artifact": {"url": "oci://r/a", "tag": ""}}));
    set(&mut c, &["artifact", "semver"], Value::unknown());
    assert_eq!(error_paths(&s, &c, oci::validate), Vec::<String>::new());
    set(&mut c, &["artifact", "semver"], Value::Null);
    set(&mut c, &["artifact", "tag"], Value::unknown());
    assert_eq!(error_paths(&s, &c, oci::validate), Vec::<String>::new());
    set(&mut c, &["artifact"], Value::unknown());
    assert_eq!(error_paths(&s, &c, oci::validate), Vec::<String>::new());
}
