//! The resource-specific attributes of `flux_git_sync`, with their defaults and validators.

use super::{DEFAULT_PROVIDER, DEFAULT_REF, DEFAULT_USERNAME, PROVIDERS};
use crate::resources::secrets;
use crate::resources::sync::kustomization::{self, DEFAULT_SOURCE_INTERVAL, duration};
use tfplugin::cty::Value;
use tfplugin::schema::validators;
use tfplugin::schema::{Attribute, Nesting};

/// The URL forms of `git.url`: HTTPS; `ssh://[user@]host[:port]/path` (not the
/// `ssh://host:path` mix GitLab shows, which Flux refuses); scp-like `user@host:path`.
const URL_PATTERN: &str = r"^https://\S+$|^ssh://([^@/\s]+@)?([A-Za-z0-9.-]+|\[[0-9A-Fa-f:.]+\])(:[0-9]{1,5})?/\S+$|^[^@/:\s]+@([A-Za-z0-9.-]+|\[[0-9A-Fa-f:.]+\]):\S+$";

/// `git.ssh`: the private key and passphrase (each with its write-only twin) and the host keys.
fn ssh_attributes() -> Vec<Attribute> {
    let mut attrs = secrets::attributes(Attribute::string("private_key").describe(
        "Private key (OpenSSH or PEM) of a key the server accepts (`identity` of the Secret); this or \
                 `private_key_wo` is required.",
    ));
    attrs.push(Attribute::string("known_hosts").required().describe(
        "The server's host keys in `known_hosts` format (`ssh-keyscan -p <port> <host>`); Flux \
                 checks the server against them.",
    ));
    attrs.extend(secrets::attributes(Attribute::string("passphrase").describe(
        "Passphrase of an encrypted private key (`password` of the Secret); none when unset.",
    )));
    attrs
}

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
                        URL_PATTERN,
                        "an HTTPS URL (\"https://github.com/org/repo\"), an SSH URL (\"ssh://git@github.com/org/repo\", \
                         a port allowed after the host) or the scp-like form (\"git@github.com:org/repo\")",
                    ))
                    .describe("URL of the Git repository: `https://`, `ssh://` (with `ssh`), or scp-like \
                         `user@host:path`, which the GitRepository gets as `ssh://user@host/path`."),
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
            .chain([Attribute::string("username")
                .default(Value::string(DEFAULT_USERNAME))
                .validate(validators::matches(r"^[^:\s]+$", "a username without colons or spaces"))
                .describe("Username sent with `token` over HTTPS: `git` suits GitHub and most servers; a GitLab \
                     deploy token or a Bitbucket app password has its own. Needs `token`.")])
            .chain(secrets::attributes(
                Attribute::string("token")
                    .default(Value::string(""))
                    .describe("Token or password (personal access, deploy or app token) for a private repository \
                         over HTTPS, sent with `username`."),
            ))
            .chain([
                Attribute::string("ca")
                    .default(Value::string(""))
                    .describe("PEM CA certificate of a self-hosted Git server over HTTPS (`ca.crt` of the Secret)."),
                Attribute::nested("ssh", Nesting::Single, ssh_attributes())
                    .describe("SSH authentication, required with an SSH URL: the Secret's `identity`, `known_hosts` \
                         and `password`."),
                Attribute::string("provider")
                    .default(Value::string(DEFAULT_PROVIDER))
                    .validate(validators::one_of(PROVIDERS))
                    .describe("GitRepository `spec.provider`: `generic` (token, SSH key or anonymous); `azure` \
                         (Azure DevOps) or `aws` (CodeCommit) through the workload identity of the \
                         source-controller, over HTTPS and without `token`; `github` with the `github` block, \
                         which implies it."),
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
