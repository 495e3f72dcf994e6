//! The acceptance suite: one test binary, one shared test bed. Each module covers one concern.

/// flux_tenant end to end: create, no-op plan, drift, prune, import, destroy, bad input.
mod tenant;
/// What the provider does when the cluster is unreachable, and its logging.
mod plugin;
/// The examples under examples/ applied as they are.
mod examples;
