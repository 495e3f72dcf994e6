//! The resource-specific attributes of `flux_helm_release` (documented in docs/resources/), with their defaults and
//! single-attribute validators. The common attributes are added by the adapter.

use super::{
    DEFAULT_CHART_VERSION, DEFAULT_INTERVAL, DEFAULT_PROVIDER, DEFAULT_RETRIES, DEFAULT_TIMEOUT,
    DRIFT_DETECTION_MODES, PROVIDERS,
};
use crate::resources::secrets;
use tfplugin::cty::{Number, Value};
use tfplugin::schema::validators;
use tfplugin::schema::{Attribute, Nesting};

/// A Helm repository or OCI registry URL.
pub(super) const URL_RE: &str = r"^(http|https|oci)://.+$";
/// A key of a ConfigMap or Secret, or empty.
const VALUES_KEY_RE: &str = r"^([A-Za-z0-9._-]+)?$";

/// Every resource-specific attribute of `flux_helm_release`, in the order of its documentation page.
#[must_use]
pub fn attributes() -> Vec<Attribute> {
    vec![
        Attribute::nested(
            "repository",
            Nesting::Single,
            vec![
                Attribute::string("url")
                    .required()
                    .validate(validators::matches(
                        URL_RE,
                        "an http://, https:// or oci:// URL, such as \"https://helm.cilium.io\" or \"oci://ghcr.io/org/charts\"",
                    ))
                    .describe(
                        "`http(s)://` URL of a Helm repository (renders a HelmRepository), or `oci://` address of the \
                         registry path holding the chart (renders an OCIRepository of `<url>/<chart.name>`).",
                    ),
                Attribute::nested(
                    "auth",
                    Nesting::Single,
                    secrets::credentials(
                        "Username for the repository or registry.",
                        "Password or token for the repository or registry.",
                    ),
                )
                .describe(
                    "Credentials, stored in the generated Secret `<name>-helm-auth` (basic auth for a Helm \
                     repository, a docker-config Secret for an OCI registry).",
                ),
                Attribute::string("provider")
                    .default(Value::string(DEFAULT_PROVIDER))
                    .validate(validators::one_of(PROVIDERS))
                    .describe(
                        "Authentication provider: `generic`, or `aws`, `azure`, `gcp` for the cloud's workload \
                         identity (meaningful for OCI registries).",
                    ),
                Attribute::bool("insecure")
                    .default(Value::Bool(false))
                    .describe("Allow plain HTTP to the repository or registry."),
                Attribute::string("cert_secret_name")
                    .validate(validators::rfc1123_subdomain_or_empty())
                    .describe(
                        "Name of an existing Secret in the namespace with a TLS client certificate pair and/or CA \
                         (`certSecretRef`); applied to Helm repositories only, not to OCI registries; none when empty.",
                    ),
            ],
        )
        .required()
        .describe("Where the chart comes from."),
        Attribute::nested(
            "chart",
            Nesting::Single,
            vec![
                Attribute::string("name")
                    .required()
                    .validate(validators::matches(
                        r"^[A-Za-z0-9][-A-Za-z0-9_.]*$",
                        "a chart name (letters, digits, '-', '_' and '.', starting with a letter or digit)",
                    ))
                    .describe("Chart name."),
                Attribute::string("version")
                    .default(Value::string(DEFAULT_CHART_VERSION))
                    .validate(validators::semver_constraint())
                    .describe(
                        "Chart version or semver range; `*` (the default) follows the latest release, so Flux \
                         upgrades when a newer version appears. Pin a version to avoid automatic upgrades.",
                    ),
            ],
        )
        .required()
        .describe("The chart to install."),
        Attribute::dynamic("values").describe(
            "Inline Helm values: any HCL object (`{ operator = { replicas = 1 } }`), rendered as the HelmRelease \
             `spec.values`.",
        ),
        Attribute::nested(
            "values_from",
            Nesting::List,
            vec![
                Attribute::string("kind")
                    .required()
                    .describe("`ConfigMap` or `Secret`."),
                Attribute::string("name")
                    .required()
                    .validate(validators::rfc1123_subdomain())
                    .describe("Name of the ConfigMap or Secret in the namespace."),
                Attribute::string("values_key")
                    .validate(validators::matches(
                        VALUES_KEY_RE,
                        "a data key (letters, digits, '.', '_' and '-'), or empty",
                    ))
                    .describe("Data key holding the values; Flux's default `values.yaml` when unset or empty."),
                Attribute::string("target_path")
                    .describe("Values path the referenced value is set at (e.g. `a.b.c`); the whole document is merged when unset or empty."),
                Attribute::bool("optional")
                    .describe("Do not fail when the ConfigMap, Secret or key is missing."),
            ],
        )
        .describe("Helm values from ConfigMaps and Secrets of the namespace, merged in order before `values`."),
        Attribute::nested(
            "sync",
            Nesting::Single,
            vec![
                Attribute::number("retries")
                    .default(Value::Number(Number::from_i64(DEFAULT_RETRIES)))
                    .validate(validators::int_at_least(-1))
                    .describe("Install and upgrade remediation retries; `-1` retries forever."),
                Attribute::string("interval")
                    .default(Value::string(DEFAULT_INTERVAL))
                    .validate(validators::duration())
                    .describe("How often Flux reconciles the release and checks for new chart versions, as a Go duration."),
                Attribute::string("timeout")
                    .default(Value::string(DEFAULT_TIMEOUT))
                    .validate(validators::duration())
                    .describe("Timeout of Helm operations (install, upgrade, test), as a Go duration."),
                Attribute::bool("disable_wait")
                    .default(Value::Bool(false))
                    .describe("Do not wait for the release's resources and Jobs to be ready on install and upgrade."),
                Attribute::bool("create_namespace")
                    .default(Value::Bool(false))
                    .describe("Create the target namespace on install if it does not exist."),
                Attribute::string("service_account_name")
                    .validate(validators::rfc1123_subdomain_or_empty())
                    .describe("ServiceAccount that helm-controller impersonates for the release; none when empty."),
                Attribute::string("target_namespace")
                    .validate(validators::rfc1123_label_or_empty())
                    .describe(
                        "Namespace the chart is installed into, also the Helm storage namespace; the resource's \
                         namespace when empty.",
                    ),
                crate::resources::depends_on_attribute(
                    "HelmRelease",
                    "HelmReleases that must be ready before this one is installed or upgraded.",
                ),
            ],
        ).default_from_nested()
        .describe("How Flux reconciles the release."),
        Attribute::bool("test")
            .default(Value::Bool(false))
            .describe("Run the chart's Helm tests after install and upgrade."),
        Attribute::string("drift_detection")
            .validate(validators::one_of(DRIFT_DETECTION_MODES))
            .describe(
                "Helm drift detection of the release: `enabled` (correct drift), `warn` (report it) or `disabled`; \
                 when unset `spec.driftDetection` is omitted and Flux's default (disabled) applies.",
            ),
    ]
}
