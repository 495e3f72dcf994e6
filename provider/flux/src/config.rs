//! The provider block: how to reach the cluster, and the field manager. The Kubernetes client is
//! built lazily on first use, so configuring and planning a create never touch the cluster.

use crate::error::chain;
use engine::Engine;
use kube::config::{KubeConfigOptions, Kubeconfig};
use serde_json::json;
use std::sync::{Arc, RwLock};
use std::time::{Duration, SystemTime};
use tfplugin::cty::Value;
use tfplugin::schema::{Attribute, Nesting, Schema, validators};
use tfplugin::{AttributePath, Diagnostic, Diagnostics};
use tokio::sync::Mutex;

/// Credentials are renewed this long before they expire.
const RENEW_BEFORE_EXPIRY: Duration = Duration::from_secs(60);

/// The default server-side-apply field manager.
pub const DEFAULT_FIELD_MANAGER: &str = "flux-provider";

/// The schema of the `provider "flux" {}` block.
#[must_use]
pub fn provider_schema() -> Schema {
    Schema {
        description: "Installs Flux All-In-One and configures its syncs and tenants.".into(),
        attributes: vec![
            Attribute::nested(
                "kubernetes",
                Nesting::Single,
                vec![
                    Attribute::string("config_path")
                        .describe("Path to a kubeconfig file (`~` is expanded). Env: `KUBE_CONFIG_PATH`."),
                    Attribute::string_list("config_paths").describe(
                        "Kubeconfig files merged like kubectl merges `KUBECONFIG`. Env: `KUBE_CONFIG_PATHS`.",
                    ),
                    Attribute::string("config_context").describe("Kubeconfig context to use. Env: `KUBE_CTX`."),
                    Attribute::string("host")
                        .describe("API server URL. Env: `KUBE_HOST`.")
                        .validate(validators::matches(
                            r"^https?://[^\s/?#@]+(/\S*)?$",
                            "an http(s):// URL such as \"https://1.2.3.4:6443\"",
                        )),
                    Attribute::string("token").sensitive().describe("Bearer token. Env: `KUBE_TOKEN`."),
                    Attribute::string("cluster_ca_certificate")
                        .describe("PEM CA bundle of the API server. Env: `KUBE_CLUSTER_CA_CERT_DATA`."),
                    Attribute::string("client_certificate")
                        .describe("PEM client certificate. Env: `KUBE_CLIENT_CERT_DATA`."),
                    Attribute::string("client_key")
                        .sensitive()
                        .describe("PEM client key. Env: `KUBE_CLIENT_KEY_DATA`."),
                    Attribute::bool("insecure")
                        .describe("Skip verification of the server certificate. Env: `KUBE_INSECURE`."),
                    Attribute::string("tls_server_name")
                        .describe("Server name to verify the certificate against. Env: `KUBE_TLS_SERVER_NAME`."),
                    Attribute::string("proxy_url")
                        .describe("HTTP proxy for API requests. Env: `KUBE_PROXY_URL`.")
                        .validate(validators::matches(
                            r"^(https?|socks5h?)://\S+$",
                            "a proxy URL such as \"http://proxy:3128\"",
                        )),
                    Attribute::nested(
                        "exec",
                        Nesting::Single,
                        vec![
                            Attribute::string("api_version")
                                .describe("ExecCredential API version (default `client.authentication.k8s.io/v1beta1`)."),
                            Attribute::string("command").required().describe("The credential plugin command."),
                            Attribute::string_list("args").describe("Its arguments."),
                            Attribute::string_map("env").describe("Extra environment variables for it."),
                        ],
                    )
                    .describe(
                        "A credential plugin (`aws eks get-token`, `gke-gcloud-auth-plugin`, `kubelogin`), run at \
                         most 60 s; its credentials are cached and renewed before they expire, also in the middle of \
                         a long operation (a minute before expiry, or after two thirds of a short-lived token's life).",
                    ),
                ],
            )
            .describe(
                "How to reach the cluster: `config_path(s)` or `host`, or their `KUBE_*` environment \
                 variables, is required (inside a Pod, the Pod's service account is used when none is set). \
                 `KUBECONFIG` and `~/.kube/config` are never read implicitly, so a plan, apply or destroy \
                 cannot reach a cluster by accident.",
            ),
            Attribute::string("field_manager").describe(&format!(
                "Server-side-apply field manager of every object the provider applies (default `{DEFAULT_FIELD_MANAGER}`)."
            )),
        ],
        ..Schema::default()
    }
}

/// Cross-attribute checks of the provider block.
pub fn validate(config: &Value, diags: &mut Diagnostics) {
    let k = config.get("kubernetes");
    let base = AttributePath::root("kubernetes");
    if !k.get("config_path").is_null() && !k.get("config_paths").is_null() {
        diags.error_at(
            base.attr("config_paths"),
            "Conflicting attributes",
            format!(
                "Set either {} or {}, not both.",
                base.attr("config_path"),
                base.attr("config_paths")
            ),
        );
    }
    if k.get("client_certificate").is_null() != k.get("client_key").is_null()
        && !k.get("client_certificate").is_unknown()
        && !k.get("client_key").is_unknown()
    {
        diags.error_at(
            base.attr("client_key"),
            "Incomplete client certificate",
            format!(
                "{} and {} must be set together.",
                base.attr("client_certificate"),
                base.attr("client_key")
            ),
        );
    }
}

/// How to reach the cluster, after environment fallbacks. Its `Debug` form leaves out the token,
/// the client key and the plugin's environment, so no log line can carry them.
#[derive(Clone, Default)]
pub struct KubernetesSettings {
    /// Kubeconfig files, merged in order.
    pub config_paths: Vec<String>,
    /// Context name.
    pub context: Option<String>,
    /// API server URL.
    pub host: Option<String>,
    /// Bearer token.
    pub token: Option<String>,
    /// PEM CA bundle.
    pub cluster_ca_certificate: Option<String>,
    /// PEM client certificate.
    pub client_certificate: Option<String>,
    /// PEM client key.
    pub client_key: Option<String>,
    /// Skip TLS verification.
    pub insecure: Option<bool>,
    /// TLS server name.
    pub tls_server_name: Option<String>,
    /// Proxy URL.
    pub proxy_url: Option<String>,
    /// Credential plugin.
    pub exec: Option<ExecSettings>,
}

/// `Some("<redacted>")` for a secret that is set.
fn redacted<T>(secret: Option<&T>) -> Option<&'static str> {
    secret.map(|_| "<redacted>")
}

impl std::fmt::Debug for KubernetesSettings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("KubernetesSettings")
            .field("config_paths", &self.config_paths)
            .field("context", &self.context)
            .field("host", &self.host)
            .field("token", &redacted(self.token.as_ref()))
            .field("cluster_ca_certificate", &self.cluster_ca_certificate.is_some())
            .field("client_certificate", &self.client_certificate.is_some())
            .field("client_key", &redacted(self.client_key.as_ref()))
            .field("insecure", &self.insecure)
            .field("tls_server_name", &self.tls_server_name)
            .field("proxy_url", &self.proxy_url)
            .field("exec", &self.exec)
            .finish()
    }
}

/// A credential plugin. Its `Debug` form names the environment variables, not their values
/// (they often hold credentials).
#[derive(Clone, Default)]
pub struct ExecSettings {
    /// ExecCredential API version.
    pub api_version: String,
    /// Command.
    pub command: String,
    /// Arguments.
    pub args: Vec<String>,
    /// Environment.
    pub env: Vec<(String, String)>,
}

impl std::fmt::Debug for ExecSettings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ExecSettings")
            .field("api_version", &self.api_version)
            .field("command", &self.command)
            .field("args", &self.args)
            .field("env", &self.env.iter().map(|(k, _)| k).collect::<Vec<_>>())
            .finish()
    }
}

fn env(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|v| !v.is_empty())
}

fn string(v: &Value) -> Option<String> {
    v.as_str().map(str::to_owned)
}

fn strings(v: &Value) -> Vec<String> {
    v.as_list()
        .map(|l| l.iter().filter_map(string).collect())
        .unwrap_or_default()
}

impl KubernetesSettings {
    /// Reads the `kubernetes` attribute, falling back to the `KUBE_*` environment variables the
    /// kubernetes provider also honours.
    #[must_use]
    pub fn from_config(k: &Value) -> Self {
        let mut config_paths = strings(k.get("config_paths"));
        if let Some(p) = string(k.get("config_path")) {
            config_paths.push(p);
        }
        if config_paths.is_empty() {
            if let Some(p) = env("KUBE_CONFIG_PATH") {
                config_paths.push(p);
            } else if let Some(list) = env("KUBE_CONFIG_PATHS") {
                config_paths.extend(list.split(':').filter(|s| !s.is_empty()).map(str::to_owned));
            }
        }
        let exec = match k.get("exec") {
            Value::Object(_) => {
                let e = k.get("exec");
                Some(ExecSettings {
                    api_version: string(e.get("api_version"))
                        .unwrap_or_else(|| "client.authentication.k8s.io/v1beta1".to_owned()),
                    command: string(e.get("command")).unwrap_or_default(),
                    args: strings(e.get("args")),
                    env: e
                        .get("env")
                        .as_map()
                        .map(|m| {
                            m.iter()
                                .filter_map(|(k, v)| Some((k.clone(), string(v)?)))
                                .collect()
                        })
                        .unwrap_or_default(),
                })
            }
            _ => None,
        };
        let or_env = |attr: &str, var: &str| string(k.get(attr)).or_else(|| env(var));
        Self {
            config_paths,
            context: or_env("config_context", "KUBE_CTX"),
            host: or_env("host", "KUBE_HOST"),
            token: or_env("token", "KUBE_TOKEN"),
            cluster_ca_certificate: or_env("cluster_ca_certificate", "KUBE_CLUSTER_CA_CERT_DATA"),
            client_certificate: or_env("client_certificate", "KUBE_CLIENT_CERT_DATA"),
            client_key: or_env("client_key", "KUBE_CLIENT_KEY_DATA"),
            insecure: k
                .get("insecure")
                .as_bool()
                .or_else(|| env("KUBE_INSECURE").map(|v| v == "true" || v == "1")),
            tls_server_name: or_env("tls_server_name", "KUBE_TLS_SERVER_NAME"),
            proxy_url: or_env("proxy_url", "KUBE_PROXY_URL"),
            exec,
        }
    }

    /// Whether these settings name a cluster: a `host`, or kubeconfig files. Nothing else
    /// does: `KUBECONFIG` and `~/.kube/config` are not read unless named, because a destroy
    /// removes Flux's CRDs cluster-wide and must never hit whatever a shell last pointed at.
    #[must_use]
    pub fn names_a_cluster(&self) -> bool {
        self.host.is_some() || !self.config_paths.is_empty()
    }

    /// The error for settings that name no cluster outside a Pod, or for a context without the
    /// kubeconfig it belongs to; `None` when the settings are usable.
    #[must_use]
    pub fn missing_cluster(&self, in_pod: bool) -> Option<Diagnostic> {
        let base = AttributePath::root("kubernetes");
        if self.names_a_cluster() {
            return None;
        }
        if self.context.is_some() {
            return Some(
                Diagnostic::error(
                    "Kubeconfig context without a kubeconfig",
                    format!(
                        "{} selects a context of the kubeconfig files named by {} or {} \
                     (or KUBE_CONFIG_PATH / KUBE_CONFIG_PATHS); none is set. KUBECONFIG and \
                     ~/.kube/config are not read implicitly.",
                        base.attr("config_context"),
                        base.attr("config_path"),
                        base.attr("config_paths"),
                    ),
                )
                .with_path(base.attr("config_context")),
            );
        }
        if in_pod {
            return None;
        }
        Some(
            Diagnostic::error(
                "No cluster configured",
                "The provider does not guess which cluster to change: KUBECONFIG and ~/.kube/config \
             are not read implicitly, since an apply or a destroy (which removes Flux's CRDs \
             cluster-wide) must never reach whatever cluster a shell last pointed at. Set one of:\n\
             - kubernetes = { config_path = \"~/.kube/config\", config_context = \"my-cluster\" }\n\
             - kubernetes = { host = ..., cluster_ca_certificate = ..., token or exec = {...} }\n\
             - the environment variables KUBE_CONFIG_PATH (with KUBE_CTX) or KUBE_HOST (with \
             KUBE_TOKEN, KUBE_CLUSTER_CA_CERT_DATA, ...).\n\
             Inside a Kubernetes Pod, the Pod's service account is used when nothing is set.",
            )
            .with_path(base),
        )
    }

    /// The kubeconfig these settings describe: an in-memory one when `host` is set, else the
    /// files named; `None` means in-cluster (only ever reached inside a Pod, see
    /// [`Self::missing_cluster`]).
    ///
    /// # Errors
    /// When a kubeconfig file cannot be read.
    pub fn kubeconfig(&self) -> Result<Option<Kubeconfig>, String> {
        if let Some(host) = &self.host {
            return self.in_memory(host).map(Some);
        }
        let mut merged: Option<Kubeconfig> = None;
        for path in &self.config_paths {
            let path = expand_home(path);
            let kc = Kubeconfig::read_from(&path)
                .map_err(|e| format!("reading kubeconfig {path}: {}", chain(&e)))?;
            merged = Some(match merged {
                Some(m) => m.merge(kc).map_err(|e| chain(&e))?,
                None => kc,
            });
        }
        Ok(merged.map(|mut kc| {
            for named in &mut kc.auth_infos {
                if let Some(exec) = named.auth_info.as_mut().and_then(|a| a.exec.as_mut()) {
                    // stdin belongs to the CLI's plugin protocol: a plugin must never prompt.
                    exec.interactive_mode = Some(kube::config::ExecInteractiveMode::Never);
                }
            }
            for named in &mut kc.clusters {
                if let Some(cluster) = named.cluster.as_mut() {
                    if let Some(insecure) = self.insecure {
                        cluster.insecure_skip_tls_verify = Some(insecure);
                    }
                    if self.tls_server_name.is_some() {
                        cluster.tls_server_name.clone_from(&self.tls_server_name);
                    }
                    if self.proxy_url.is_some() {
                        cluster.proxy_url.clone_from(&self.proxy_url);
                    }
                }
            }
            kc
        }))
    }

    fn in_memory(&self, host: &str) -> Result<Kubeconfig, String> {
        use base64::Engine as _;
        let b64 = |pem: &String| base64::engine::general_purpose::STANDARD.encode(pem.trim().as_bytes());
        let mut user = serde_json::Map::new();
        if let Some(t) = &self.token {
            user.insert("token".into(), json!(t));
        }
        if let Some(c) = &self.client_certificate {
            user.insert("client-certificate-data".into(), json!(b64(c)));
        }
        if let Some(k) = &self.client_key {
            user.insert("client-key-data".into(), json!(b64(k)));
        }
        if let Some(e) = &self.exec {
            let env: Vec<_> = e
                .env
                .iter()
                .map(|(k, v)| json!({"name": k, "value": v}))
                .collect();
            user.insert(
                "exec".into(),
                json!({"apiVersion": e.api_version, "command": e.command, "args": e.args, "env": env,
                       "interactiveMode": "Never", "provideClusterInfo": false}),
            );
        }
        let mut cluster = serde_json::Map::new();
        cluster.insert("server".into(), json!(host));
        if let Some(ca) = &self.cluster_ca_certificate {
            cluster.insert("certificate-authority-data".into(), json!(b64(ca)));
        }
        if let Some(i) = self.insecure {
            cluster.insert("insecure-skip-tls-verify".into(), json!(i));
        }
        if let Some(n) = &self.tls_server_name {
            cluster.insert("tls-server-name".into(), json!(n));
        }
        if let Some(p) = &self.proxy_url {
            cluster.insert("proxy-url".into(), json!(p));
        }
        let kc = json!({
            "apiVersion": "v1", "kind": "Config",
            "clusters": [{"name": "provider", "cluster": cluster}],
            "users": [{"name": "provider", "user": user}],
            "contexts": [{"name": "provider", "context": {"cluster": "provider", "user": "provider"}}],
            "current-context": "provider",
        });
        serde_json::from_value(kc).map_err(|e| format!("building the kubeconfig: {e}"))
    }
}

/// Whether this process runs in a Kubernetes Pod with a service account, the one place where
/// the cluster need not be named.
fn in_pod() -> bool {
    env("KUBERNETES_SERVICE_HOST").is_some()
        && std::path::Path::new("/var/run/secrets/kubernetes.io/serviceaccount/token").exists()
}

fn expand_home(path: &str) -> String {
    match (path.strip_prefix("~/"), std::env::var("HOME")) {
        (Some(rest), Ok(home)) => format!("{home}/{rest}"),
        _ => path.to_owned(),
    }
}

/// What every resource shares: the provider settings and the lazily built engine.
#[derive(Default)]
pub struct Shared {
    settings: RwLock<Option<(KubernetesSettings, String)>>,
    /// Whether the provider configuration was wholly known: when a cluster is created in the
    /// same run, its address is not, and a plan must not guess (the fallbacks could name
    /// another cluster).
    known: std::sync::atomic::AtomicBool,
    engine: Mutex<Option<(Arc<Engine>, Option<SystemTime>)>>,
}

impl Shared {
    /// Stores the provider configuration; touches nothing remote. An error when a wholly known
    /// configuration names no cluster outside a Pod (an unknown one names a cluster created in
    /// the same run).
    pub fn configure(&self, config: &Value) -> Diagnostics {
        let known = config.is_wholly_known();
        self.known.store(known, std::sync::atomic::Ordering::Relaxed);
        let settings = KubernetesSettings::from_config(config.get("kubernetes"));
        let mut diags = Diagnostics::new();
        if known && let Some(missing) = settings.missing_cluster(in_pod()) {
            diags.push(missing);
        }
        let field_manager =
            string(config.get("field_manager")).unwrap_or_else(|| DEFAULT_FIELD_MANAGER.to_owned());
        if let Ok(mut s) = self.settings.write() {
            *s = Some((settings, field_manager));
        }
        diags
    }

    /// Whether the provider configuration is wholly known, so the cluster it names is the one
    /// the apply will use.
    #[must_use]
    pub fn configured_cluster_known(&self) -> bool {
        self.known.load(std::sync::atomic::Ordering::Relaxed)
    }

    /// The field manager configured.
    #[must_use]
    pub fn field_manager(&self) -> String {
        self.settings
            .read()
            .ok()
            .and_then(|s| s.as_ref().map(|(_, f)| f.clone()))
            .unwrap_or_else(|| DEFAULT_FIELD_MANAGER.to_owned())
    }

    /// The engine, building the Kubernetes client on first use, and again when the exec
    /// plugin's credential is about to expire.
    ///
    /// # Errors
    /// A diagnostic naming what could not be loaded or reached.
    pub async fn engine(&self) -> Result<Arc<Engine>, Diagnostic> {
        let mut cached = self.engine.lock().await;
        if let Some((engine, expires)) = cached.as_ref()
            && expires.is_none_or(|at| SystemTime::now() + RENEW_BEFORE_EXPIRY < at)
        {
            return Ok(engine.clone());
        }
        let (settings, field_manager) = self
            .settings
            .read()
            .ok()
            .and_then(|s| s.clone())
            .unwrap_or_default();
        let field_manager = if field_manager.is_empty() {
            DEFAULT_FIELD_MANAGER.to_owned()
        } else {
            field_manager
        };
        let (engine, expires) = build_engine(settings, field_manager).await?;
        let engine = Arc::new(engine);
        *cached = Some((engine.clone(), expires));
        Ok(engine)
    }
}

async fn build_engine(
    settings: KubernetesSettings,
    field_manager: String,
) -> Result<(Engine, Option<SystemTime>), Diagnostic> {
    let (client, host, expires) = build_client(settings.clone()).await?;
    let mut engine = Engine::new(client, field_manager, host.trim_end_matches('/'));
    if expires.is_some() {
        // An exec plugin's credential can expire during one long operation (a wait): the
        // engine runs the plugin again before it does.
        engine = engine.with_renewal(
            expires,
            Box::new(move || {
                let settings = settings.clone();
                Box::pin(async move {
                    build_client(settings)
                        .await
                        .map(|(client, _, expires)| (client, expires))
                        .map_err(|d| d.detail)
                })
            }),
        );
    }
    Ok((engine, expires))
}

/// A Kubernetes client for `settings`, running the exec plugin (once) if there is one; with
/// the server's URL and when the plugin's credential expires.
async fn build_client(
    settings: KubernetesSettings,
) -> Result<(kube::Client, String, Option<SystemTime>), Diagnostic> {
    let fail = |detail: String| Diagnostic::error("Cannot configure the Kubernetes client", detail);
    let mut config = match settings.kubeconfig().map_err(fail)? {
        Some(kc) => {
            let options = KubeConfigOptions {
                context: settings.context.clone(),
                ..Default::default()
            };
            kube::Config::from_custom_kubeconfig(kc, &options)
                .await
                .map_err(|e| fail(chain(&e)))?
        }
        None => kube::Config::incluster().map_err(|e| {
            fail(format!(
                "no kubernetes settings, and the Pod's service account cannot be used: {}",
                chain(&e)
            ))
        })?,
    };
    let host = config.cluster_url.to_string();
    let mut expires = None;
    if let Some(exec) = config.auth_info.exec.clone() {
        let credential = tokio::task::spawn_blocking(move || crate::credentials::run(&exec))
            .await
            .map_err(|e| fail(e.to_string()))?
            .map_err(fail)?;
        tracing::debug!(expires = ?credential.expires, "exec credential plugin ran");
        expires = credential.expires;
        crate::credentials::apply(&mut config.auth_info, &credential);
    }
    let client =
        kube::Client::try_from(config).map_err(|e| fail(format!("connecting to {host}: {}", chain(&e))))?;
    Ok((client, host, expires))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn schema_is_valid() {
        provider_schema().validate_implementation().unwrap();
    }

    #[test]
    fn debug_output_never_shows_tokens_keys_or_plugin_environment() {
        let s = KubernetesSettings {
            host: Some("https://10.0.0.1:6443".into()),
            token: Some("tok-SECRET-1".into()),
            client_key: Some("-----BEGIN EC PRIVATE KEY-----\nKEY-SECRET-2\n".into()),
            exec: Some(ExecSettings {
                command: "aws".into(),
                env: vec![("AWS_SECRET_ACCESS_KEY".into(), "ENV-SECRET-3".into())],
                ..ExecSettings::default()
            }),
            ..KubernetesSettings::default()
        };
        let debug = format!("{s:?} {s:#?}");
        for secret in ["tok-SECRET-1", "KEY-SECRET-2", "ENV-SECRET-3"] {
            assert!(!debug.contains(secret), "{debug}");
        }
        assert!(debug.contains("https://10.0.0.1:6443") && debug.contains("AWS_SECRET_ACCESS_KEY"));
    }

    #[test]
    fn a_host_or_proxy_that_is_not_a_url_is_refused_naming_the_attribute() {
        let schema = provider_schema();
        let errors = |kubernetes: serde_json::Value| {
            let config =
                tfplugin::cty::json::decode(&json!({"kubernetes": kubernetes}), &schema.value_type())
                    .unwrap();
            let mut d = Diagnostics::new();
            tfplugin::schema::validate_config(&schema, &config, &mut d);
            d.iter()
                .map(|d| d.path.as_ref().map(ToString::to_string).unwrap_or_default())
                .collect::<Vec<_>>()
        };
        assert!(errors(json!({"host": "https://1.2.3.4:6443", "proxy_url": "http://proxy:3128"})).is_empty());
        assert!(errors(json!({"host": "https://api.example.com/prefix"})).is_empty());
        for bad in [
            "1.2.3.4:6443",
            "https://",
            "ftp://x",
            "https://a b",
            "https://user@host",
        ] {
            assert_eq!(errors(json!({"host": bad})), ["kubernetes.host"], "{bad}");
        }
        assert_eq!(
            errors(json!({"proxy_url": "proxy:3128"})),
            ["kubernetes.proxy_url"]
        );
    }

    #[test]
    fn settings_that_name_no_cluster_are_an_error_outside_a_pod() {
        let settings = |kubernetes: serde_json::Value| {
            let config = tfplugin::cty::json::decode(
                &json!({ "kubernetes": kubernetes }),
                &provider_schema().value_type(),
            )
            .unwrap();
            KubernetesSettings::from_config(config.get("kubernetes"))
        };
        let path_of = |d: Option<Diagnostic>| d.and_then(|d| d.path).map(|p| p.to_string());
        // Nothing set, and no KUBE_* variable: neither KUBECONFIG nor ~/.kube/config is used.
        let none = KubernetesSettings::default();
        assert!(none.kubeconfig().unwrap().is_none());
        assert_eq!(
            path_of(none.missing_cluster(false)).as_deref(),
            Some("kubernetes")
        );
        let detail = none.missing_cluster(false).unwrap().detail;
        assert!(
            detail.contains("config_path") && detail.contains("KUBE_CONFIG_PATH"),
            "{detail}"
        );
        // Inside a Pod, its service account.
        assert!(none.missing_cluster(true).is_none());
        // A context names a context of files, not a cluster.
        let context = settings(json!({"config_context": "prod"}));
        assert_eq!(
            path_of(context.missing_cluster(true)).as_deref(),
            Some("kubernetes.config_context")
        );
        // A plugin alone has no server to talk to.
        let exec_only = settings(json!({"exec": {"command": "aws"}}));
        assert_eq!(
            path_of(exec_only.missing_cluster(false)).as_deref(),
            Some("kubernetes")
        );
        for named in [
            json!({"config_path": "/tmp/kubeconfig"}),
            json!({"config_paths": ["/a", "/b"], "config_context": "prod"}),
            json!({"host": "https://10.0.0.1:6443", "token": "t"}),
        ] {
            assert!(
                settings(named.clone()).missing_cluster(false).is_none(),
                "{named}"
            );
        }
    }

    #[test]
    fn host_settings_build_an_in_memory_kubeconfig() {
        let s = KubernetesSettings {
            host: Some("https://10.0.0.1:6443".into()),
            token: Some("t".into()),
            cluster_ca_certificate: Some(
                "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n".into(),
            ),
            exec: Some(ExecSettings {
                api_version: "v1".into(),
                command: "aws".into(),
                ..Default::default()
            }),
            ..Default::default()
        };
        let kc = s.kubeconfig().unwrap().unwrap();
        assert_eq!(kc.current_context.as_deref(), Some("provider"));
        let cluster = kc.clusters[0].cluster.as_ref().unwrap();
        assert_eq!(cluster.server.as_deref(), Some("https://10.0.0.1:6443"));
        let exec = kc.auth_infos[0]
            .auth_info
            .as_ref()
            .unwrap()
            .exec
            .as_ref()
            .unwrap();
        assert_eq!(
            exec.interactive_mode,
            Some(kube::config::ExecInteractiveMode::Never)
        );
    }
}
