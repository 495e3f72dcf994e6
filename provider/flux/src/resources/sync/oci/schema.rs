//! The resource-specific attributes of `flux_oci_sync`, with their defaults and validators.

use super::{DEFAULT_PROVIDER, DEFAULT_TAG, PROVIDERS};
use crate::resources::secrets;
use crate::resources::sync::kustomization::{self, DEFAULT_SOURCE_INTERVAL, duration};
use tfplugin::cty::Value;
use tfplugin::schema::validators;
use tfplugin::schema::{Attribute, Nesting};

/// The resource-specific attributes of `flux_oci_sync`, in the order of its documentation page.
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
        kustomization::sync_attribute(true),
    ];
    attrs.extend(kustomization::kustomize_attributes());
    attrs
}
