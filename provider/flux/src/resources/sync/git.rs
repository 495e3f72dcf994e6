//! `flux_git_sync`: a GitRepository over HTTPS and a Kustomization applying one of its paths,
//! with the Secret holding the token, CA or GitHub App key (RENDERING.md §4).

use super::shared::{self, DEFAULT_SOURCE_INTERVAL, KustomizeOptions, SyncOptions, duration, kustomization};
use crate::VERSION;
use crate::render::{Meta, object};
use crate::resources::secrets::{self, SecretInput};
use crate::resources::{Common, Context, FluxResource, read_for_import};
use async_trait::async_trait;
use engine::Engine;
use kube::api::DynamicObject;
use serde_json::{Map, json};
use std::collections::BTreeMap;
use tfplugin::Diagnostic;
use tfplugin::cty::Value;
use tfplugin::diag::Diagnostics;
use tfplugin::path::AttributePath;
use tfplugin::schema::validators;
use tfplugin::schema::{Attribute, Nesting};

/// Default of `git.ref`.
pub const DEFAULT_REF: &str = "refs/heads/main";
/// The username of token authentication.
pub const GIT_USERNAME: &str = "git";

/// The GitHub App attributes.
const GITHUB_FIELDS: &[&str] = &["app_id", "app_installation_id", "app_private_key"];

/// The settings of a `flux_git_sync`, decoded from a wholly known value.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct GitSettings {
    /// `git`.
    pub git: Git,
    /// `github`, when GitHub App authentication is configured.
    pub github: Option<GitHubApp>,
    /// `sync` (with `git.path`).
    pub sync: SyncOptions,
    /// `substitute`, `substitute_from`, `patches`, `decryption`.
    pub kustomize: KustomizeOptions,
}

/// `git`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Git {
    /// HTTPS URL of the repository.
    pub url: String,
    /// Full Git reference (`refs/heads/main`).
    pub git_ref: String,
    /// GitRepository `spec.interval`, a Go duration.
    pub interval: String,
    /// `.gitignore`-syntax exclusions; omitted when empty.
    pub ignore: String,
    /// Token (password of user `git`); none when unset.
    pub token: SecretInput,
    /// PEM CA of a self-hosted server; none when empty.
    pub ca: String,
}

/// `github`: GitHub App authentication.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct GitHubApp {
    /// The App ID.
    pub app_id: String,
    /// The installation ID.
    pub app_installation_id: String,
    /// The App's PEM private key.
    pub app_private_key: SecretInput,
}

impl GitSettings {
    /// Whether a Secret is rendered: a token, a CA (difference 6) or a GitHub App.
    #[must_use]
    pub fn has_secret(&self) -> bool {
        self.git.token.is_set() || !self.git.ca.is_empty() || self.github.is_some()
    }
}

/// The resource-specific attributes of `flux_git_sync`, in SCHEMA.md order.
#[must_use]
pub fn attributes() -> Vec<Attribute> {
    let mut attrs = vec![
        Attribute::nested(
            "git",
            Nesting::Single,
            vec![
                Attribute::string("url")
                    .required()
                    .validate(validators::matches(
                        r"^https://\S+$",
                        "an HTTPS URL such as \"https://github.com/org/repo\" (only HTTPS is supported)",
                    ))
                    .describe("HTTPS URL of the Git repository."),
                Attribute::string("ref")
                    .default(Value::string(DEFAULT_REF))
                    .validate(validators::matches(
                        r"^refs/\S+$",
                        "a full Git reference such as \"refs/heads/main\" or \"refs/tags/v1.0.0\"",
                    ))
                    .describe("Full Git reference to track, such as `refs/heads/main` or `refs/tags/v1.0.0`."),
                Attribute::string("path")
                    .required()
                    .describe("Path in the repository of the manifests to apply (Kustomization `spec.path`)."),
                duration(
                    "interval",
                    DEFAULT_SOURCE_INTERVAL,
                    "How often the repository is fetched, a Go duration.",
                ),
                Attribute::string("ignore")
                    .default(Value::string(""))
                    .describe("Paths to exclude, in `.gitignore` syntax (one pattern a line); none when empty."),
            ]
            .into_iter()
            .chain(secrets::attributes(
                Attribute::string("token")
                    .default(Value::string(""))
                    .describe("Token (personal access or deploy token) for a private repository; the username is `git`."),
            ))
            .chain([Attribute::string("ca")
                    .default(Value::string(""))
                    .describe("PEM CA certificate of a self-hosted Git server (`ca.crt` of the Secret)."),
            ])
            .collect(),
        )
        .required()
        .describe("The Git repository and the path in it to sync."),
        Attribute::nested(
            "github",
            Nesting::Single,
            vec![
                Attribute::string("app_id")
                    .describe("GitHub App ID."),
                Attribute::string("app_installation_id")
                    .describe("GitHub App installation ID."),
            ]
            .into_iter()
            .chain(secrets::attributes(
                Attribute::string("app_private_key").describe("PEM private key of the GitHub App."),
            ))
            .collect(),
        )
        .describe("GitHub App authentication (Flux 2.5 and later): all three fields are required."),
        shared::sync_attribute(false),
    ];
    attrs.extend(shared::kustomize_attributes());
    attrs
}

/// Decodes the settings of a wholly known value.
#[must_use]
pub fn settings(v: &Value) -> GitSettings {
    let git = v.get("git");
    let s = |v: &Value, default: &str| v.as_str().unwrap_or(default).to_owned();
    let github = v.get("github");
    GitSettings {
        git: Git {
            url: s(git.get("url"), ""),
            git_ref: s(git.get("ref"), DEFAULT_REF),
            interval: s(git.get("interval"), DEFAULT_SOURCE_INTERVAL),
            ignore: s(git.get("ignore"), ""),
            token: SecretInput::decode(git, "token"),
            ca: s(git.get("ca"), ""),
        },
        github: (!github.is_null()).then(|| GitHubApp {
            app_id: s(github.get("app_id"), ""),
            app_installation_id: s(github.get("app_installation_id"), ""),
            app_private_key: SecretInput::decode(github, "app_private_key"),
        }),
        sync: shared::sync_options(v, s(git.get("path"), "")),
        kustomize: shared::kustomize_options(v),
    }
}

/// Cross-attribute checks of a configuration that may hold unknowns: GitHub App fields given
/// partly, and the shared Kustomization options.
pub fn validate(config: &Value, diags: &mut Diagnostics) {
    let github = config.get("github");
    if !github.is_null() && !github.is_unknown() {
        let unset = |v: &Value| v.as_str().is_some_and(str::is_empty) || v.is_null();
        let missing: Vec<&str> = GITHUB_FIELDS
            .iter()
            .copied()
            .filter(|a| unset(github.get(a)) && github.get(&format!("{a}_wo")).is_null())
            .collect();
        if !missing.is_empty() {
            diags.error_at(
                AttributePath::root("github"),
                "Incomplete GitHub App",
                format!(
                    "GitHub App authentication needs app_id, app_installation_id and app_private_key; missing: {}.",
                    missing.join(", ")
                ),
            );
        }
    }
    let git = config.get("git");
    secrets::validate(git, &AttributePath::root("git"), "token", false, diags);
    if !github.is_unknown() {
        secrets::validate(
            github,
            &AttributePath::root("github"),
            "app_private_key",
            false,
            diags,
        );
    }
    shared::validate(config, diags);
}

/// Renders the objects of a `flux_git_sync`, in apply order: the Secret (when a token, CA or
/// GitHub App is given), the GitRepository, the Kustomization.
#[must_use]
pub fn render(common: &Common, s: &GitSettings) -> Vec<DynamicObject> {
    let (name, ns) = (common.name.as_str(), common.namespace.as_str());
    let meta = Meta::new(name, VERSION, &common.labels, &common.annotations, &[]);
    let mut objects = Vec::new();
    if s.has_secret() {
        let mut data = Map::new();
        let mut inputs = Vec::new();
        data.insert("username".into(), json!(GIT_USERNAME));
        if s.git.token.is_set() {
            data.insert("password".into(), json!(s.git.token.value));
            inputs.push(("password", &s.git.token));
        }
        if !s.git.ca.is_empty() {
            data.insert("ca.crt".into(), json!(s.git.ca));
        }
        if let Some(app) = &s.github {
            data.insert("githubAppID".into(), json!(app.app_id));
            data.insert("githubAppInstallationID".into(), json!(app.app_installation_id));
            data.insert("githubAppPrivateKey".into(), json!(app.app_private_key.value));
            inputs.push(("githubAppPrivateKey", &app.app_private_key));
        }
        let mut metadata = meta.metadata(name, Some(ns));
        secrets::annotate(&mut metadata, &inputs);
        objects.push(object("v1", "Secret", metadata, json!({"stringData": data})));
    }
    let mut spec = Map::new();
    spec.insert("interval".into(), json!(s.git.interval));
    spec.insert("url".into(), json!(s.git.url));
    spec.insert("ref".into(), json!({"name": s.git.git_ref}));
    if s.has_secret() {
        spec.insert("secretRef".into(), json!({"name": name}));
    }
    if s.github.is_some() {
        spec.insert("provider".into(), json!("github"));
    }
    if !s.git.ignore.is_empty() {
        spec.insert("ignore".into(), json!(s.git.ignore));
    }
    objects.push(object(
        "source.toolkit.fluxcd.io/v1",
        "GitRepository",
        meta.metadata(name, Some(ns)),
        json!({"spec": spec}),
    ));
    objects.push(kustomization(
        &meta,
        name,
        ns,
        "GitRepository",
        &s.sync,
        &s.kustomize,
    ));
    objects
}

/// The `flux_git_sync` resource.
pub struct GitSync;

#[async_trait]
impl FluxResource for GitSync {
    type Settings = GitSettings;
    const TYPE_NAME: &'static str = "flux_git_sync";
    const DESCRIPTION: &'static str = "Syncs a path of a Git repository (HTTPS) to the cluster: a Flux \
        GitRepository, the Kustomization that applies the path, and the Secret holding the token, CA or GitHub App \
        key. With `wait`, apply returns once Flux reports both Ready.";
    const NAME_DESCRIPTION: &'static str = "Name of the GitRepository, Kustomization and Secret.";
    const NAMESPACE_DESCRIPTION: &'static str =
        "Namespace of the Flux objects (`flux-system`, or a tenant namespace).";
    const CONFIG_RECORD: Option<&'static str> = Some(shared::KUSTOMIZATION);

    fn attributes() -> Vec<Attribute> {
        attributes()
    }

    fn validate(config: &Value, diags: &mut Diagnostics) {
        validate(config, diags);
    }

    async fn settings(_ctx: &Context<'_>, v: &Value, _diags: &mut Diagnostics) -> Option<GitSettings> {
        Some(settings(v))
    }

    fn render(common: &Common, s: &GitSettings, _field_manager: &str) -> Vec<DynamicObject> {
        render(common, s)
    }

    async fn import(
        engine: &Engine,
        namespace: &str,
        name: &str,
        mut recorded: BTreeMap<String, Value>,
    ) -> Result<BTreeMap<String, Value>, Diagnostic> {
        if let Some(secret) = read_for_import(engine, format!("/v1/Secret/{namespace}/{name}")).await? {
            secrets::restore(
                &mut recorded,
                &["git"],
                "token",
                secrets::live_data(&secret, "password"),
            );
            let key = secrets::live_data(&secret, "githubAppPrivateKey");
            secrets::restore(&mut recorded, &["github"], "app_private_key", key);
        }
        Ok(recorded)
    }
}
