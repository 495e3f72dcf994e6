//! The acceptance suite: one test binary, one shared test bed. Each module covers one concern.

/// flux_aio end to end: install, upgrade, prune, drift, cache, import, uninstall, bad input.
mod aio;
/// The bad-input corpus: every configuration refused, naming its attribute, nothing applied.
mod bad_input;
/// The seed's scenarios reconciled by the real Flux controllers from real sources on loopback.
mod e2e;
/// The examples under examples/ applied as they are.
mod examples;
/// Fault injection: the API server or etcd of a private control plane killed at random points
/// of an apply; the next apply converges and nothing is left outside the state.
mod faults;
/// Ownership: adoption, other owners, takeover; prune and destroy touch only what is ours.
mod ownership;
/// What the provider does when the cluster is unreachable, and its logging.
mod plugin;
/// The release command's archives and filesystem mirror, installed by `tofu init`.
mod release;
/// flux_git_sync, flux_oci_sync and flux_helm_release against the real Flux CRDs, with a
/// stand-in controller that patches status: the provider's own logic (plan, drift, import,
/// write-only, waits, timeouts), not what Flux does (that is `e2e`).
mod sync;
/// flux_tenant end to end: create, no-op plan, drift, prune, import, destroy, bad input.
mod tenant;
