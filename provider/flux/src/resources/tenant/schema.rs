//! The attributes of `flux_tenant`, with their defaults and validators.

use super::ROLES;
use std::collections::BTreeMap;
use tfplugin::cty::{Number, Value};
use tfplugin::schema::validators;
use tfplugin::schema::{Attribute, Nesting};

/// Default of both `resource_quota` counts.
pub(super) const DEFAULT_QUOTA: i64 = 100;

/// The resource-specific attributes of `flux_tenant`.
#[must_use]
pub fn attributes() -> Vec<Attribute> {
    vec![
        Attribute::string("service_account")
            .default(Value::string("flux"))
            .validate(validators::rfc1123_subdomain())
            .describe("ServiceAccount that Flux impersonates for the tenant's syncs."),
        Attribute::string("role")
            .default(Value::string("namespace-admin"))
            .validate(validators::one_of(ROLES))
            .describe("`namespace-admin` (RoleBinding to `admin` in the namespace) or `cluster-admin` (adds a ClusterRoleBinding)."),
        Attribute::nested(
            "resource_quota",
            Nesting::Single,
            vec![
                Attribute::number("kustomizations")
                    .default(Value::Number(Number::from_i64(DEFAULT_QUOTA)))
                    .validate(validators::int_at_least(0))
                    .describe("Maximum Kustomizations in the namespace."),
                Attribute::number("helmreleases")
                    .default(Value::Number(Number::from_i64(DEFAULT_QUOTA)))
                    .validate(validators::int_at_least(0))
                    .describe("Maximum HelmReleases in the namespace."),
            ],
        )
        .default(quota_value(DEFAULT_QUOTA, DEFAULT_QUOTA))
        .describe("Quota on Flux objects in the namespace."),
    ]
}

/// The `resource_quota` value of two counts.
pub(super) fn quota_value(kustomizations: i64, helmreleases: i64) -> Value {
    Value::Object(BTreeMap::from([
        (
            "kustomizations".to_owned(),
            Value::Number(Number::from_i64(kustomizations)),
        ),
        (
            "helmreleases".to_owned(),
            Value::Number(Number::from_i64(helmreleases)),
        ),
    ]))
}
