//! `flux_oci_sync`: an OCIRepository and a Kustomization applying a path of the artifact, with
//! the registry credentials and CA Secrets (RENDERING.md §5).

use super::shared::{self, DEFAULT_SOURCE_INTERVAL, KustomizeOptions, SyncOptions, duration, kustomization};
use crate::VERSION;
use crate::render::{Meta, docker_config, object, registry_host};
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

/// Default of `artifact.tag`.
pub const DEFAULT_TAG: &str = "latest";
/// Default of `artifact.auth.provider`.
pub const DEFAULT_PROVIDER: &str = "generic";
/// The registry authentication providers.
pub const PROVIDERS: &[&str] = &["generic", "aws", "azure", "gcp"];
/// Name suffix of the credentials Secret.
pub const AUTH_SUFFIX: &str = "-oci-auth";
/// Name suffix of the CA Secret.
pub const TLS_SUFFIX: &str = "-oci-tls";

/// The settings of a `flux_oci_sync`, decoded from a wholly known value.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OciSettings {
    /// `artifact`.
    pub artifact: Artifact,
    /// `sync` (with `sync.path`).
    pub sync: SyncOptions,
    /// `substitute`, `substitute_from`, `patches`, `decryption`.
    pub kustomize: KustomizeOptions,
}

/// `artifact`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Artifact {
    /// `oci://` address of the artifact repository.
    pub url: String,
    /// Tag to pull, when `semver` is empty.
    pub tag: String,
    /// Semver range; wins over `tag` when not empty.
    pub semver: String,
    /// OCIRepository `spec.interval`, a Go duration.
    pub interval: String,
    /// `.gitignore`-syntax exclusions; omitted when empty.
    pub ignore: String,
    /// `auth.provider`: `generic`, `aws`, `azure` or `gcp`.
    pub provider: String,
    /// `auth.credentials`.
    pub credentials: Option<Credentials>,
    /// `tls.insecure`: plain HTTP.
    pub insecure: bool,
    /// `tls.ca`: PEM CA of the registry; none when empty.
    pub ca: String,
}

/// `artifact.auth.credentials`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Credentials {
    /// Registry username.
    pub username: String,
    /// Registry password or token.
    pub password: SecretInput,
}

/// The resource-specific attributes of `flux_oci_sync`, in SCHEMA.md order.
#[must_use]
pub fn attributes() -> Vec<Attribute> {
    let mut attrs = vec![
        Attribute::nested(
            "artifact",
            Nesting::Single,
            vec![
                Attribute::string("url")
                    .required()
                    .validate(validators::matches(
                        r"^oci://[^/\s]+/\S+$",
                        "an OCI repository address such as \"oci://ghcr.io/org/manifests\"",
                    ))
                    .describe("`oci://` address of the artifact repository, without tag."),
                Attribute::string("tag")
                    .default(Value::string(DEFAULT_TAG))
                    .describe("Tag of the artifact to pull when `semver` is not set."),
                Attribute::string("semver")
                    .describe("Semver range of tags to pull the newest match of (e.g. `>=1.0.0`); wins over `tag`.")
                    .validate(validators::semver_constraint()),
                duration(
                    "interval",
                    DEFAULT_SOURCE_INTERVAL,
                    "How often the registry is checked for a new artifact, a Go duration.",
                ),
                Attribute::string("ignore")
                    .default(Value::string(""))
                    .describe("Paths to exclude, in `.gitignore` syntax (one pattern a line); none when empty."),
                Attribute::nested(
                    "auth",
                    Nesting::Single,
                    vec![
                        Attribute::string("provider")
                            .default(Value::string(DEFAULT_PROVIDER))
                            .validate(validators::one_of(PROVIDERS))
                            .describe("`generic` (credentials or anonymous), or the cloud whose workload identity \
                                 authenticates: `aws`, `azure`, `gcp`."),
                        Attribute::nested(
                            "credentials",
                            Nesting::Single,
                            secrets::credentials("Registry username.", "Registry password or token."),
                        )
                        .describe("Registry credentials, stored in a generated `<name>-oci-auth` Secret."),
                    ],
                ).default_from_nested()
                .describe("How the registry is authenticated to."),
                Attribute::nested(
                    "tls",
                    Nesting::Single,
                    vec![
                        Attribute::bool("insecure")
                            .default(Value::Bool(false))
                            .describe("Use plain HTTP (a registry without TLS)."),
                        Attribute::string("ca")
                            .default(Value::string(""))
                            .describe("PEM CA certificate of the registry, stored in a generated `<name>-oci-tls` Secret."),
                    ],
                ).default_from_nested()
                .describe("TLS settings of the registry."),
            ],
        )
        .required()
        .describe("The OCI artifact to sync."),
        shared::sync_attribute(true),
    ];
    attrs.extend(shared::kustomize_attributes());
    attrs
}

/// Decodes the settings of a wholly known value.
#[must_use]
pub fn settings(v: &Value) -> OciSettings {
    let a = v.get("artifact");
    let s = |v: &Value, default: &str| v.as_str().unwrap_or(default).to_owned();
    let auth = a.get("auth");
    let credentials = auth.get("credentials");
    OciSettings {
        artifact: Artifact {
            url: s(a.get("url"), ""),
            tag: s(a.get("tag"), DEFAULT_TAG),
            semver: s(a.get("semver"), ""),
            interval: s(a.get("interval"), DEFAULT_SOURCE_INTERVAL),
            ignore: s(a.get("ignore"), ""),
            provider: s(auth.get("provider"), DEFAULT_PROVIDER),
            credentials: (!credentials.is_null()).then(|| Credentials {
                username: s(credentials.get("username"), ""),
                password: SecretInput::decode(credentials, "password"),
            }),
            insecure: a.get("tls").get("insecure").as_bool().unwrap_or(false),
            ca: s(a.get("tls").get("ca"), ""),
        },
        sync: shared::sync_options(v, s(v.get("sync").get("path"), "./")),
        kustomize: shared::kustomize_options(v),
    }
}

/// Cross-attribute checks of a configuration that may hold unknowns: a tag or semver range is
/// needed, and the shared Kustomization options.
pub fn validate(config: &Value, diags: &mut Diagnostics) {
    let a = config.get("artifact");
    // A null tag takes the default "latest"; only an explicit "" leaves no version.
    let tag_empty = a.get("tag").as_str().is_some_and(str::is_empty);
    let semver = a.get("semver");
    let semver_empty = semver.is_null() || semver.as_str().is_some_and(str::is_empty);
    if !a.is_unknown() && !a.is_null() && tag_empty && semver_empty {
        diags.error_at(
            AttributePath::root("artifact").attr("tag"),
            "No artifact version",
            "artifact.tag and artifact.semver are both empty: set a tag (default \"latest\") or a semver range.",
        );
    }
    let credentials = a.get("auth").get("credentials");
    let path = AttributePath::root("artifact").attr("auth").attr("credentials");
    secrets::validate(credentials, &path, "password", true, diags);
    shared::validate(config, diags);
}

/// Renders the objects of a `flux_oci_sync`, in apply order: the credentials Secret (with
/// `auth.credentials`), the CA Secret (with `tls.ca`), the OCIRepository, the Kustomization.
#[must_use]
pub fn render(common: &Common, s: &OciSettings) -> Vec<DynamicObject> {
    let (name, ns) = (common.name.as_str(), common.namespace.as_str());
    let meta = Meta::new(name, VERSION, &common.labels, &common.annotations, &[]);
    let a = &s.artifact;
    let auth_name = format!("{name}{AUTH_SUFFIX}");
    let tls_name = format!("{name}{TLS_SUFFIX}");
    let mut objects = Vec::new();
    if let Some(c) = &a.credentials {
        let mut metadata = meta.metadata(&auth_name, Some(ns));
        secrets::annotate(&mut metadata, &[(".dockerconfigjson", &c.password)]);
        objects.push(object(
            "v1",
            "Secret",
            metadata,
            json!({
                "type": "kubernetes.io/dockerconfigjson",
                "stringData": {".dockerconfigjson": docker_config(registry_host(&a.url), &c.username, &c.password.value)},
            }),
        ));
    }
    if !a.ca.is_empty() {
        let tls_meta = Meta::new(
            name,
            VERSION,
            &common.labels,
            &common.annotations,
            &[("app.kubernetes.io/component", "oci-tls")],
        );
        objects.push(object(
            "v1",
            "Secret",
            tls_meta.metadata(&tls_name, Some(ns)),
            json!({"stringData": {"ca.crt": a.ca}}),
        ));
    }
    let mut spec = Map::new();
    spec.insert("interval".into(), json!(a.interval));
    spec.insert("url".into(), json!(a.url));
    let reference = if a.semver.is_empty() {
        json!({"tag": a.tag})
    } else {
        json!({"semver": a.semver})
    };
    spec.insert("ref".into(), reference);
    spec.insert("provider".into(), json!(a.provider));
    if a.credentials.is_some() {
        spec.insert("secretRef".into(), json!({"name": auth_name}));
    }
    if !a.ignore.is_empty() {
        spec.insert("ignore".into(), json!(a.ignore));
    }
    if a.insecure {
        spec.insert("insecure".into(), json!(true));
    }
    if !a.ca.is_empty() {
        spec.insert("certSecretRef".into(), json!({"name": tls_name}));
    }
    objects.push(object(
        "source.toolkit.fluxcd.io/v1",
        "OCIRepository",
        meta.metadata(name, Some(ns)),
        json!({"spec": spec}),
    ));
    objects.push(kustomization(
        &meta,
        name,
        ns,
        "OCIRepository",
        &s.sync,
        &s.kustomize,
    ));
    objects
}

/// The `flux_oci_sync` resource.
pub struct OciSync;

#[async_trait]
impl FluxResource for OciSync {
    type Settings = OciSettings;
    const TYPE_NAME: &'static str = "flux_oci_sync";
    const DESCRIPTION: &'static str = "Syncs a path of an OCI artifact to the cluster: a Flux OCIRepository, the \
        Kustomization that applies the path, and the Secrets holding the registry credentials and CA. With `wait`, \
        apply returns once Flux reports both Ready.";
    const NAME_DESCRIPTION: &'static str =
        "Name of the OCIRepository and Kustomization (and prefix of the Secrets).";
    const NAMESPACE_DESCRIPTION: &'static str =
        "Namespace of the Flux objects (`flux-system`, or a tenant namespace).";
    const CONFIG_RECORD: Option<&'static str> = Some(shared::KUSTOMIZATION);

    fn attributes() -> Vec<Attribute> {
        attributes()
    }

    fn validate(config: &Value, diags: &mut Diagnostics) {
        validate(config, diags);
    }

    async fn settings(_ctx: &Context<'_>, v: &Value, _diags: &mut Diagnostics) -> Option<OciSettings> {
        Some(settings(v))
    }

    fn render(common: &Common, s: &OciSettings, _field_manager: &str) -> Vec<DynamicObject> {
        render(common, s)
    }

    async fn import(
        engine: &Engine,
        namespace: &str,
        name: &str,
        mut recorded: BTreeMap<String, Value>,
    ) -> Result<BTreeMap<String, Value>, Diagnostic> {
        let key = format!("/v1/Secret/{namespace}/{name}{AUTH_SUFFIX}");
        if let Some(secret) = read_for_import(engine, key).await? {
            let password = secrets::live_docker_password(&secret);
            secrets::restore(
                &mut recorded,
                &["artifact", "auth", "credentials"],
                "password",
                password,
            );
        }
        Ok(recorded)
    }
}
