//! The resource-specific attributes of `flux_git_sync`, with their defaults and validators.

use super::DEFAULT_REF;
use crate::resources::secrets;
use crate::resources::sync::kustomization::{self, DEFAULT_SOURCE_INTERVAL, duration};
use tfplugin::cty::Value;
use tfplugin::schema::validators;
use tfplugin::schema::{Attribute, Nesting};

/// The resource-specific attributes of `flux_git_sync`, in the order of its documentation page.
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
                    .describe("GitHub App ID. Required with `github`, as are `app_installation_id` and the key."),
                Attribute::string("app_installation_id")
                    .describe("GitHub App installation ID. Required with `github`, as are `app_id` and the key."),
            ]
            .into_iter()
            .chain(secrets::attributes(
                Attribute::string("app_private_key").describe(
                    "PEM private key of the GitHub App. This or `app_private_key_wo` is required with `github`.",
                ),
            ))
            .collect(),
        )
        .describe(
            "GitHub App authentication (Flux 2.5 and later). `app_id`, `app_installation_id` and the private key \
             (`app_private_key` or `app_private_key_wo`) go together: a `github` object without any of them (an \
             empty string counts as none) is an error at validate.",
        ),
        kustomization::sync_attribute(false),
    ];
    attrs.extend(kustomization::kustomize_attributes());
    attrs
}
