//! The resource-specific attributes of `flux_aio` (documented in docs/resources/), with their defaults and
//! single-attribute validators. The common attributes are added by the adapter.

use super::{
    COMPATIBILITIES, DEFAULT_ARTIFACT, DEFAULT_CONCURRENT, DEFAULT_FEATURE_GATES, DEFAULT_LIMITS_MEMORY,
    DEFAULT_NO_PROXY, DEFAULT_PRIORITY_CLASS, DEFAULT_REGISTRY, DEFAULT_REQUESTS_CPU,
    DEFAULT_REQUESTS_MEMORY, DEFAULT_REQUEUE_DEPENDENCY, DEFAULT_STORAGE_SIZE, DEFAULT_VERSION,
    DELETION_POLICIES, LOG_LEVELS, POD_SECURITY_PROFILES, SECURITY_PROFILES, WORKLOAD_PROVIDERS,
};
use crate::resources::secrets;
use distribution::VersionRange;
use tfplugin::cty::{Number, Value};
use tfplugin::diag::Diagnostics;
use tfplugin::path::AttributePath;
use tfplugin::schema::validators::{self, Matches};
use tfplugin::schema::{Attribute, Nesting, Validator};

/// An OCI repository address without tag or digest.
const ARTIFACT_RE: &str = r"^oci://[A-Za-z0-9.-]+(:[0-9]+)?(/[a-z0-9]+([._-]+[a-z0-9]+)*)+$";
/// A registry host with an optional path, without scheme.
const REGISTRY_RE: &str = r"^[A-Za-z0-9.-]+(:[0-9]+)?(/[a-z0-9]+([._-]+[a-z0-9]+)*)*$";
/// An image repository without tag or digest.
const REPOSITORY_RE: &str =
    r"^([A-Za-z0-9.-]+(:[0-9]+)?/)?[a-z0-9]+([._-]+[a-z0-9]+)*(/[a-z0-9]+([._-]+[a-z0-9]+)*)*$";
/// An image tag, or empty.
const TAG_RE: &str = r"^([A-Za-z0-9_][A-Za-z0-9_.-]{0,127})?$";
/// An image digest, or empty.
const DIGEST_RE: &str = r"^([a-z0-9]+([+._-][a-z0-9]+)*:[A-Fa-f0-9]{32,})?$";
/// Timoni's CPU rule: millicores only, or empty.
pub(super) const TIMONI_CPU_RE: &str = r"^([1-9][0-9]*m)?$";
/// Timoni's memory rule: Mi or Gi only, or empty.
pub(super) const TIMONI_MEMORY_RE: &str = r"^([1-9][0-9]*(Mi|Gi))?$";
/// Any Kubernetes quantity, or empty.
const QUANTITY_RE: &str =
    r"^([+]?([0-9]+(\.[0-9]*)?|\.[0-9]+)(([KMGTPE]i)|[numkMGTPE]|([eE][+-]?[0-9]+))?)?$";
/// `persistence.size`: whole gibibytes.
const SIZE_RE: &str = r"^[0-9]+Gi$";
/// `tmpfs.size_limit`: whole mebibytes or gibibytes, or empty.
const SIZE_LIMIT_RE: &str = r"^([0-9]+(Mi|Gi))?$";

/// Every resource-specific attribute of `flux_aio`, in the order of its documentation page.
#[must_use]
pub fn attributes() -> Vec<Attribute> {
    vec![
        Attribute::string("version")
            .default(Value::string(DEFAULT_VERSION))
            .validate(FluxVersion)
            .describe(
                "Flux version to install: an exact `X.Y.Z` or a range (`2.9.x`, `~2.9`, `>=2.7.0, <3.0.0`), resolved \
                 against the tags of `distribution.artifact`; a range resolving to a newer release plans an upgrade.",
            ),
        Attribute::nested(
            "distribution",
            Nesting::Single,
            vec![
                Attribute::string("artifact")
                    .default(Value::string(DEFAULT_ARTIFACT))
                    .validate(validators::matches(
                        ARTIFACT_RE,
                        "an OCI repository address without tag, such as \"oci://ghcr.io/fluxcd/flux-manifests\"",
                    ))
                    .describe("OCI repository of the Flux distribution artifact, where the CRDs and controller images come from."),
                Attribute::string("registry")
                    .default(Value::string(DEFAULT_REGISTRY))
                    .validate(validators::matches(
                        REGISTRY_RE,
                        "a registry host with an optional path and no scheme, such as \"ghcr.io/fluxcd\" or \"registry.local:5000/mirror\"",
                    ))
                    .describe("Registry the default controller images are pulled from (rewrites their registry, e.g. for a mirror)."),
                Attribute::nested(
                    "credentials",
                    Nesting::Single,
                    secrets::credentials(
                        "Username for pulling the distribution artifact.",
                        "Password or token for pulling the distribution artifact.",
                    ),
                )
                .describe("Credentials for pulling the distribution artifact from a private registry."),
                Attribute::bool("insecure")
                    .default(Value::Bool(false))
                    .describe("Pull the distribution artifact over plain HTTP."),
                Attribute::string("ca")
                    .describe("PEM CA bundle the registry's certificate is verified against (a self-hosted registry or mirror)."),
            ],
        ).default_from_nested()
        .describe("Where the Flux distribution (CRDs and default controller images) comes from."),
        controllers(),
        Attribute::nested(
            "expose",
            Nesting::Single,
            vec![
                Attribute::bool("webhook_receiver")
                    .default(Value::Bool(false))
                    .describe("Render the `webhook-receiver` Service (port 80 to the notification-controller receiver); needs the notification-controller."),
                Attribute::bool("notification_server")
                    .default(Value::Bool(false))
                    .describe("Render the `notification-controller` Service (port 80 to the events server); needs the notification-controller."),
                Attribute::bool("source_server")
                    .default(Value::Bool(false))
                    .describe("Render the `source-controller` Service (port 80 to the artifact server)."),
            ],
        ).default_from_nested()
        .describe("ClusterIP Services to expose from the Flux pod."),
        Attribute::nested(
            "proxy",
            Nesting::Single,
            vec![
                Attribute::string("https")
                    .describe("`HTTPS_PROXY` of every controller; unset when empty."),
                Attribute::string("http")
                    .describe("`HTTP_PROXY` of every controller; unset when empty."),
                Attribute::string("no")
                    .default(Value::string(DEFAULT_NO_PROXY))
                    .describe("`NO_PROXY` of every controller (always set)."),
            ],
        ).default_from_nested()
        .describe("HTTP/S proxy settings of the controllers."),
        Attribute::string_map("env").validate(validators::map_keys(validators::env_var_name())).describe(
            "Extra environment variables of every controller, after the default ones and sorted by name \
             (e.g. `KUBERNETES_SERVICE_HOST` and `KUBERNETES_SERVICE_PORT` on clusters without kube-proxy).",
        ),
        Attribute::string("security_profile")
            .default(Value::string("privileged"))
            .validate(validators::one_of(SECURITY_PROFILES))
            .describe(
                "`privileged`, or `restricted` for the multi-tenancy lockdown: no cross-namespace references, no \
                 remote kustomize bases, and impersonation of the ServiceAccount named like this instance by default.",
            ),
        Attribute::string("pod_security_profile")
            .default(Value::string(""))
            .validate(validators::one_of(POD_SECURITY_PROFILES))
            .describe("Pod Security Admission level (`restricted` or `privileged`) labelled on the namespace; empty for no labels."),
        Attribute::string("log_level")
            .default(Value::string("info"))
            .validate(validators::one_of(LOG_LEVELS))
            .describe("Log level of the controllers: `trace`, `debug`, `info` or `error`."),
        Attribute::bool("host_network")
            .default(Value::Bool(true))
            .describe("Run the Flux pod on the host network, so Flux works before a CNI is installed."),
        Attribute::string("compatibility")
            .default(Value::string("kubernetes"))
            .validate(validators::one_of(COMPATIBILITIES))
            .describe("`kubernetes`, or `openshift` to leave the pod `fsGroup` to the platform."),
        Attribute::nested(
            "workload_identity",
            Nesting::Single,
            vec![
                Attribute::string("provider")
                    .required()
                    .validate(validators::one_of(WORKLOAD_PROVIDERS))
                    .describe("Cloud provider: `aws`, `azure` or `gcp`."),
                Attribute::string("identity").required().describe(
                    "The AWS IAM role ARN, the Azure client ID, or the GCP service account the Flux ServiceAccount is bound to.",
                ),
            ],
        )
        .describe("Binds the Flux ServiceAccount to a cloud identity (for registries and KMS) with the provider's workload identity."),
        Attribute::nested(
            "reconcile",
            Nesting::Single,
            vec![
                Attribute::number("concurrent")
                    .default(Value::Number(Number::from_i64(DEFAULT_CONCURRENT)))
                    .validate(validators::int_at_least(1))
                    .describe("Concurrent reconciles of source-, kustomize- and helm-controller (`--concurrent`)."),
                Attribute::string("requeue_dependency")
                    .default(Value::string(DEFAULT_REQUEUE_DEPENDENCY))
                    .validate(validators::duration())
                    .describe("Interval at which objects waiting on dependencies are requeued (`--requeue-dependency`), as a Go duration."),
            ],
        ).default_from_nested()
        .describe("Reconciliation tuning of the controllers."),
        Attribute::nested(
            "persistence",
            Nesting::Single,
            vec![
                Attribute::bool("enabled")
                    .default(Value::Bool(false))
                    .describe("Keep the artifact storage (`/data`) on a PersistentVolumeClaim, so restarts after an eviction are fast."),
                Attribute::string("storage_class")
                    .describe("StorageClass of the claim. Unset: the cluster's default class (no `storageClassName`). \
                        `\"\"`: no class, so only a statically provisioned volume binds. The Timoni module's \
                        default `\"standard\"` names a class that EKS (`gp2`, `gp3`) and AKS (`default`, \
                        `managed-csi`) do not have, where the claim would stay Pending. A claim's class cannot \
                        change: changing it while persistence stays enabled is an error at plan."),
                Attribute::string("size")
                    .default(Value::string(DEFAULT_STORAGE_SIZE))
                    .validate(validators::matches(SIZE_RE, "whole gibibytes such as \"8Gi\""))
                    .describe("Requested storage of the claim, in whole gibibytes (`8Gi`)."),
            ],
        ).default_from_nested()
        .describe("Persistent artifact storage."),
        Attribute::nested(
            "tmpfs",
            Nesting::Single,
            vec![
                Attribute::bool("enabled")
                    .default(Value::Bool(false))
                    .describe("Back `/tmp` with RAM (faster git clones and kustomize builds; counts against the memory limit)."),
                Attribute::string("size_limit")
                    .validate(validators::matches(
                        SIZE_LIMIT_RE,
                        "whole mebibytes or gibibytes such as \"512Mi\" or \"1Gi\", or empty",
                    ))
                    .describe("Size limit of the RAM-backed `/tmp` (`512Mi`, `1Gi`); no limit when empty."),
            ],
        ).default_from_nested()
        .describe("RAM-backed `/tmp`."),
        resources("resources", Rule::Timoni, true).describe(
            "Resource requests and limits of every controller that does not set its own `controllers.<name>.resources`.",
        ),
        Attribute::string_list("image_pull_secrets")
            .validate(EachString(validators::rfc1123_subdomain()))
            .describe("Names of existing Secrets in the namespace for pulling the controller images; conflicts with `image_pull_secret`."),
        Attribute::nested(
            "image_pull_secret",
            Nesting::Single,
            vec![
                Attribute::string("registry")
                    .required()
                    .describe("Registry host the credentials are for (e.g. `ghcr.io`)."),
                ]
            .into_iter()
            .chain(secrets::credentials("Registry username.", "Registry password or token."))
            .collect(),
        )
        .describe("Generates the docker-config Secret `<name>-image-pull` and pulls the controller images with it; conflicts with `image_pull_secrets`."),
        Attribute::nested(
            "tolerations",
            Nesting::List,
            vec![
                Attribute::string("key").describe("Taint key; empty with operator `Exists` tolerates every taint."),
                Attribute::string("operator")
                    .validate(validators::one_of(&["Exists", "Equal"]))
                    .describe("`Exists` or `Equal` (the Kubernetes default)."),
                Attribute::string("value").describe("Taint value, with operator `Equal`."),
                Attribute::string("effect")
                    .validate(validators::one_of(&["NoSchedule", "PreferNoSchedule", "NoExecute"]))
                    .describe("Taint effect to tolerate (`NoSchedule`, `PreferNoSchedule` or `NoExecute`); all effects when unset."),
                Attribute::number("toleration_seconds")
                    .validate(validators::int_at_least(0))
                    .describe("How long the pod stays bound to a node with a `NoExecute` taint."),
            ],
        )
        .default(default_tolerations_value())
        .describe(
            "Pod tolerations; when set they replace the defaults (`node.kubernetes.io/not-ready` and \
             `node.kubernetes.io/unreachable` for 300s).",
        ),
        Attribute::string("security_context").describe(
            "Container securityContext of every controller as a JSON object (`jsonencode({...})`), replacing the \
             default (non-root, read-only root filesystem, no privilege escalation, all capabilities dropped, \
             `RuntimeDefault` seccomp profile).",
        ),
        Attribute::string_map("node_selector")
            .validate(validators::map_keys(validators::qualified_name()).values(validators::label_value()))
            .describe("Node labels the pod must be scheduled on (`nodeSelector`), e.g. a system node pool."),
        Attribute::string_map("pod_labels")
            .validate(validators::map_keys(validators::qualified_name()).values(validators::label_value()))
            .describe(
                "Labels of the pod (not of the other objects), e.g. `sidecar.istio.io/inject = \"false\"`; \
                 `app.kubernetes.io/name` is the Deployment's selector and cannot be set.",
            ),
        Attribute::string_map("pod_annotations")
            .validate(validators::map_keys(validators::qualified_name()))
            .describe(
                "Annotations of the pod, over the defaults (`cluster-autoscaler.kubernetes.io/safe-to-evict` and \
                 `prometheus.io/scrape`, both `\"true\"`), e.g. `linkerd.io/inject = \"disabled\"`.",
            ),
        Attribute::string("priority_class_name")
            .default(Value::string(DEFAULT_PRIORITY_CLASS))
            .validate(validators::rfc1123_subdomain())
            .describe("PriorityClass of the pod."),
        Attribute::string("affinity").describe(
            "Pod affinity as a JSON object (`jsonencode({...})`), added to the fixed terms (Linux nodes, one Flux \
             pod a node), never replacing them: each required node selector term given is combined with the \
             Linux requirement, and every other list is appended to.",
        ),
        Attribute::nested(
            "patches",
            Nesting::List,
            vec![
                Attribute::string("patch").required().describe(
                    "A strategic merge patch (a YAML or JSON object) or a JSON 6902 patch (a list of operations), \
                     as in Flux's Kustomization `patches`.",
                ),
                Attribute::nested(
                    "target",
                    Nesting::Single,
                    vec![
                        Attribute::string("group").describe("API group; `\"\"` for the core group."),
                        Attribute::string("version").describe("API version."),
                        Attribute::string("kind").describe("Kind."),
                        Attribute::string("name").describe("Name, an anchored regular expression."),
                        Attribute::string("namespace").describe("Namespace, an anchored regular expression."),
                        Attribute::string("label_selector")
                            .describe("Label selector (`a=b`, `a!=b`, `a`, `!a`, `a in (x,y)`, `a notin (x)`)."),
                        Attribute::string("annotation_selector").describe("Annotation selector, in the same syntax."),
                    ],
                )
                .describe(
                    "The rendered objects to patch, every field set matching; without a target a strategic merge \
                     patch names its object by its own `kind` and `metadata.name`. A JSON 6902 patch needs one.",
                ),
            ],
        )
        .describe(
            "Patches on the rendered objects, applied in order after everything else is rendered (also in a plan, \
             which shows the result). A patch that selects nothing, fails, or changes an object's kind, name or \
             namespace is an error at plan; the provider's ownership marks are set after the patches.",
        ),
        Attribute::string("deletion_policy")
            .default(Value::string("delete"))
            .validate(validators::one_of(DELETION_POLICIES))
            .describe(
                "`delete` uninstalls Flux safely on destroy (controllers, then finalizers of Flux objects, then CRDs and \
                 the namespace; deployed workloads keep running); `orphan` leaves everything in the cluster.",
            ),
        Attribute::string("resolved_version")
            .computed()
            .describe("The Flux version `version` resolved to (e.g. `2.9.4`)."),
        Attribute::string("artifact_digest")
            .computed()
            .describe("Digest of the distribution artifact of `resolved_version`."),
        Attribute::string_map("images")
            .computed()
            .describe("The image of each controller container, by container name."),
    ]
}

/// `controllers`: one nested object per controller.
fn controllers() -> Attribute {
    Attribute::nested(
        "controllers",
        Nesting::Single,
        vec![
            controller("source", "source-controller", false, Rule::Kubernetes, ""),
            controller(
                "kustomize",
                "kustomize-controller",
                true,
                Rule::Timoni,
                DEFAULT_FEATURE_GATES,
            ),
            controller(
                "helm",
                "helm-controller",
                true,
                Rule::Timoni,
                DEFAULT_FEATURE_GATES,
            ),
            controller("notification", "notification-controller", true, Rule::Timoni, ""),
            controller("watcher", "source-watcher", true, Rule::Timoni, ""),
        ],
    )
    .default_from_nested()
    .describe("Per-controller settings.")
}

fn controller(name: &str, container: &str, has_enabled: bool, rule: Rule, gates: &str) -> Attribute {
    let mut attrs = Vec::new();
    if has_enabled {
        attrs.push(
            Attribute::bool("enabled")
                .default(Value::Bool(true))
                .describe(&format!("Run the {container} container.")),
        );
    }
    attrs.push(image());
    attrs.push(
        resources("resources", rule, false).describe(&format!(
            "Resource requests and limits of the {container} container, replacing the top-level `resources` for it."
        )),
    );
    attrs.push(
        Attribute::string_list("args")
            .validate(EachString(validators::matches(
                r"^--[A-Za-z0-9][A-Za-z0-9-]*(=.*)?$",
                "a flag such as \"--log-encoding=console\"",
            )))
            .describe(&format!(
                "Extra flags of the {container}, after the provider's own (a repeated flag overrides: Go's flag \
                 parsing keeps the last value)."
            )),
    );
    attrs.push(
        Attribute::string("feature_gates")
            .default(Value::string(gates))
            .describe(&format!(
                "Feature gates of the {container} (`--feature-gates`), e.g. `A=true,B=false`; none when empty."
            )),
    );
    Attribute::nested(name, Nesting::Single, attrs)
        .default_from_nested()
        .describe(&format!("Settings of the {container}."))
}

fn image() -> Attribute {
    Attribute::nested(
        "image",
        Nesting::Single,
        vec![
            Attribute::string("repository")
                .validate(validators::matches(
                    REPOSITORY_RE,
                    "an image repository without tag or digest, such as \"ghcr.io/fluxcd/source-controller\"",
                ))
                .describe(
                    "Image repository, such as `ghcr.io/fluxcd/source-controller`; unset keeps the distribution's, \
                     so `image = { tag = \"v1.9.5\" }` changes only the tag.",
                ),
            Attribute::string("tag")
                .validate(validators::matches(
                    TAG_RE,
                    "an image tag of at most 128 characters",
                ))
                .describe("Image tag; with neither tag nor digest the tag is `latest`."),
            Attribute::string("digest")
                .validate(validators::matches(
                    DIGEST_RE,
                    "an image digest such as \"sha256:<hex>\"",
                ))
                .describe("Image digest (`sha256:...`), pinned after the tag when both are set."),
        ],
    )
    .describe("Image of the container, replacing the distribution's default image.")
}

/// Which quantities a `resources` attribute accepts.
#[derive(Clone, Copy)]
enum Rule {
    /// Timoni's ResourceRequirements: cpu in millicores, memory in Mi or Gi.
    Timoni,
    /// Any Kubernetes quantity (source-controller's per-controller resources).
    Kubernetes,
}

fn resources(name: &str, rule: Rule, defaults: bool) -> Attribute {
    let quantities = |which: &str, cpu_default: Option<&str>, memory_default: Option<&str>| {
        let (cpu, memory) = match rule {
            Rule::Timoni => (
                validators::matches(
                    TIMONI_CPU_RE,
                    "CPU in millicores such as \"100m\" or \"2000m\" (Timoni's rule), or empty",
                ),
                validators::matches(
                    TIMONI_MEMORY_RE,
                    "memory in Mi or Gi such as \"64Mi\" or \"1Gi\" (Timoni's rule), or empty",
                ),
            ),
            Rule::Kubernetes => (
                validators::matches(
                    QUANTITY_RE,
                    "a Kubernetes quantity such as \"100m\" or \"1\", or empty",
                ),
                validators::matches(
                    QUANTITY_RE,
                    "a Kubernetes quantity such as \"64Mi\" or \"1G\", or empty",
                ),
            ),
        };
        let mut cpu = Attribute::string("cpu")
            .validate(cpu)
            .describe(&format!("CPU {which}; none when empty."));
        if let Some(d) = cpu_default {
            cpu = cpu.default(Value::string(d));
        }
        let mut memory = Attribute::string("memory")
            .validate(memory)
            .describe(&format!("Memory {which}; none when empty."));
        if let Some(d) = memory_default {
            memory = memory.default(Value::string(d));
        }
        Attribute::nested(which, Nesting::Single, vec![cpu, memory])
    };
    if defaults {
        Attribute::nested(
            name,
            Nesting::Single,
            vec![
                quantities(
                    "requests",
                    Some(DEFAULT_REQUESTS_CPU),
                    Some(DEFAULT_REQUESTS_MEMORY),
                )
                .default_from_nested()
                .describe("Resource requests."),
                quantities("limits", None, Some(DEFAULT_LIMITS_MEMORY))
                    .default_from_nested()
                    .describe("Resource limits."),
            ],
        )
        .default_from_nested()
    } else {
        Attribute::nested(
            name,
            Nesting::Single,
            vec![
                quantities("requests", None, None).describe("Resource requests."),
                quantities("limits", None, None).describe("Resource limits."),
            ],
        )
    }
}

/// The default `tolerations` (design/rendering.md §3.3.1): not-ready, and unreachable for
/// 300 s with `NoExecute`.
fn default_tolerations_value() -> Value {
    let toleration = |key: &str, effect: Option<&str>, seconds: Option<i64>| {
        Value::object([
            ("key", Value::string(key)),
            ("operator", Value::string("Exists")),
            ("value", Value::Null),
            ("effect", effect.map_or(Value::Null, Value::string)),
            (
                "toleration_seconds",
                seconds.map_or(Value::Null, |n| Value::Number(Number::from_i64(n))),
            ),
        ])
    };
    Value::List(vec![
        toleration("node.kubernetes.io/not-ready", None, None),
        toleration("node.kubernetes.io/unreachable", Some("NoExecute"), Some(300)),
    ])
}

/// Runs a string validator on each element of a list of strings.
struct EachString(Matches);

impl Validator for EachString {
    fn description(&self) -> String {
        format!("a list, each element {}", self.0.description())
    }
    fn validate(&self, path: &AttributePath, value: &Value, diags: &mut Diagnostics) {
        for (i, item) in value.as_list().unwrap_or_default().iter().enumerate() {
            self.0.validate(&path.index(i), item, diags);
        }
    }
}

/// Accepts what the distribution's version resolution accepts (`VersionRange::parse`).
struct FluxVersion;

impl Validator for FluxVersion {
    fn description(&self) -> String {
        "a Flux version such as \"2.9.4\" (exact) or a range such as \"2.9.x\", \"~2.9\" or \">=2.7.0 <3.0.0\"".to_owned()
    }
    fn validate(&self, path: &AttributePath, value: &Value, diags: &mut Diagnostics) {
        if let Some(s) = value.as_str()
            && let Err(e) = VersionRange::parse(s)
        {
            diags.error_at(path.clone(), "Invalid version", e.to_string());
        }
    }
}
