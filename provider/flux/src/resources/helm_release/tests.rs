//! Tests of the `flux_helm_release` schema, settings, validation and rendering.

use super::*;
use crate::golden::assert_golden;
use crate::render::{to_json, to_yaml};
use crate::resources::Common;
use crate::resources::testing::{self, common};
use kube::api::DynamicObject;
use serde_json::json;
use tfplugin::cty;
use tfplugin::cty::Value;
use tfplugin::diag::{Diagnostics, Severity};
use tfplugin::schema::{Attribute, AttributeKind, Schema, validate_config};

// ---------------------------------------------------------------------------------------------
// Fixtures

fn schema() -> Schema {
    testing::schema_of(attributes())
}

/// A configuration from JSON (attributes left out are null), typed by the schema; `values`, if
/// present, is any JSON and lands in the `dynamic` slot with its implied type.
fn config(j: &serde_json::Value) -> Value {
    let mut j = j.clone();
    let values = j.as_object_mut().and_then(|m| m.remove("values"));
    let mut c = testing::config(&schema(), &j);
    if let (Some(values), Value::Object(map)) = (values, &mut c) {
        let (t, v) = cty::from_plain_json(&values);
        map.insert("values".into(), Value::Dynamic(t, Box::new(v)));
    }
    c
}

/// The planned value of a configuration: the configuration with the schema defaults.
fn planned(j: &serde_json::Value) -> Value {
    testing::planned_value(&schema(), &config(j))
}

fn settings(planned: &Value) -> HelmReleaseSettings {
    let mut diags = Diagnostics::new();
    HelmReleaseSettings::decode(planned, &mut diags).unwrap_or_else(|| panic!("{diags:?}"))
}

fn rendered_as(c: &Common, j: &serde_json::Value) -> Vec<DynamicObject> {
    render(c, &settings(&planned(j)))
}

/// Renders instance `podinfo` in `dev-team-apps` from a configuration.
fn rendered(j: &serde_json::Value) -> Vec<DynamicObject> {
    rendered_as(&common("podinfo", "dev-team-apps"), j)
}

fn golden(case: &str, objects: &[DynamicObject]) {
    assert_golden(&format!("helm_release/{case}.yaml"), &to_yaml(objects));
}

fn find(objects: &[DynamicObject], kind: &str) -> serde_json::Value {
    to_json(
        objects
            .iter()
            .find(|o| o.types.as_ref().is_some_and(|t| t.kind == kind))
            .unwrap_or_else(|| panic!("no {kind} rendered")),
    )
}

fn kinds(objects: &[DynamicObject]) -> Vec<String> {
    objects
        .iter()
        .map(|o| o.types.as_ref().map(|t| t.kind.clone()).unwrap_or_default())
        .collect()
}

fn release(objects: &[DynamicObject]) -> serde_json::Value {
    find(objects, "HelmRelease")["spec"].clone()
}

fn keys(v: &serde_json::Value) -> Vec<String> {
    v.as_object().expect("an object").keys().cloned().collect()
}

const HTTP_URL: &str = "https://stefanprodan.github.io/podinfo";
const OCI_URL: &str = "oci://ghcr.io/stefanprodan/charts";

fn http(extra: serde_json::Value) -> serde_json::Value {
    let mut j = json!({"repository": {"url": HTTP_URL}, "chart": {"name": "podinfo"}});
    merge(&mut j, extra);
    j
}

fn oci(extra: serde_json::Value) -> serde_json::Value {
    let mut j = json!({"repository": {"url": OCI_URL}, "chart": {"name": "podinfo"}});
    merge(&mut j, extra);
    j
}

/// Deep-merges `extra` into `base`.
fn merge(base: &mut serde_json::Value, extra: serde_json::Value) {
    match (base, extra) {
        (serde_json::Value::Object(b), serde_json::Value::Object(e)) => {
            for (k, v) in e {
                match b.get_mut(&k) {
                    Some(slot) if slot.is_object() && v.is_object() => merge(slot, v),
                    _ => {
                        b.insert(k, v);
                    }
                }
            }
        }
        (b, e) => *b = e,
    }
}

// ---------------------------------------------------------------------------------------------
// Schema and settings

#[test]
fn schema_is_valid() {
    schema().validate_implementation().unwrap();
}

#[test]
fn every_attribute_is_described() {
    fn check(attrs: &[Attribute], prefix: &str) {
        for a in attrs {
            assert!(!a.description.is_empty(), "{prefix}{} has no description", a.name);
            if let AttributeKind::Nested(_, nested) = &a.kind {
                check(nested, &format!("{prefix}{}.", a.name));
            }
        }
    }
    check(&attributes(), "");
}

#[test]
fn schema_shape() {
    let s = schema();
    let attr = |path: &str| {
        let mut parts = path.split('.');
        let mut a = s.attribute(parts.next().unwrap()).expect(path).clone();
        for p in parts {
            let AttributeKind::Nested(_, nested) = &a.kind else {
                panic!("{path}: not nested")
            };
            a = nested.iter().find(|n| n.name == p).expect(path).clone();
        }
        a
    };
    assert!(attr("repository").required && attr("repository.url").required);
    assert!(attr("chart").required && attr("chart.name").required);
    assert!(attr("repository.auth.password").sensitive);
    assert!(!attr("repository.auth.username").sensitive);
    assert!(matches!(
        attr("values").kind,
        AttributeKind::Value(cty::Type::Dynamic)
    ));
    assert_eq!(attr("chart.version").default, Some(Value::string("*")));
    assert_eq!(attr("sync.retries").default, Some(Value::number(-1i64)));
    assert_eq!(attr("sync.interval").default, Some(Value::string("60m")));
    assert_eq!(attr("sync.timeout").default, Some(Value::string("5m")));
    assert_eq!(
        attr("repository.provider").default,
        Some(Value::string("generic"))
    );
    assert_eq!(attr("test").default, Some(Value::Bool(false)));
    assert_eq!(
        attr("drift_detection").default,
        None,
        "unset omits spec.driftDetection"
    );
    assert!(s.attributes.iter().all(|a| !a.write_only));
}

#[test]
fn settings_defaults() {
    let s = settings(&planned(&http(json!({}))));
    assert_eq!(s.chart.version, "*");
    assert_eq!(
        s.sync,
        SyncSettings {
            retries: -1,
            interval: "60m".into(),
            timeout: "5m".into(),
            disable_wait: false,
            create_namespace: false,
            service_account_name: None,
            target_namespace: None,
            depends_on: Vec::new(),
        }
    );
    assert_eq!(s.repository.provider, "generic");
    assert!(!s.repository.insecure && s.repository.auth.is_none());
    assert_eq!(s.values, None);
    assert!(s.values_from.is_empty());
    assert!(!s.test);
    assert_eq!(s.drift_detection, None);
    assert!(!s.is_oci());
    assert!(settings(&planned(&oci(json!({})))).is_oci());
}

#[test]
fn settings_values_keep_integers() {
    let s = settings(&planned(&http(json!({
        "values": {"replicaCount": 2, "ratio": 0.5, "big": 9007199254740993_i64, "list": [1, "a"], "none": null},
    }))));
    let v = serde_json::Value::Object(s.values.expect("values"));
    assert_eq!(
        v,
        json!({"big": 9007199254740993_i64, "list": [1, "a"], "none": null, "ratio": 0.5, "replicaCount": 2})
    );
    assert!(v["replicaCount"].is_i64());
    assert_eq!(serde_saphyr::to_string(&v["replicaCount"]).unwrap().trim(), "2");
}

#[test]
fn empty_strings_are_unset() {
    let s = settings(&planned(&http(json!({
        "repository": {"cert_secret_name": ""},
        "sync": {"service_account_name": "", "target_namespace": "", "depends_on": [{"name": "a", "namespace": ""}]},
        "values_from": [{"kind": "ConfigMap", "name": "x", "values_key": "", "target_path": ""}],
    }))));
    assert_eq!(s.repository.cert_secret_name, None);
    assert_eq!(s.sync.service_account_name, None);
    assert_eq!(s.sync.target_namespace, None);
    assert_eq!(s.sync.depends_on[0].namespace, None);
    assert_eq!(s.values_from[0].values_key, None);
    assert_eq!(s.values_from[0].target_path, None);
}

#[test]
fn credentials_debug_is_redacted() {
    let s = settings(&planned(&http(
        json!({"repository": {"auth": {"username": "u", "password": "hunter2"}}}),
    )));
    assert!(!format!("{s:?}").contains("hunter2"));
}

// ---------------------------------------------------------------------------------------------
// Reference renderings (design/rendering.md §6.3)

#[test]
fn reference_http() {
    let j = http(json!({
        "sync": {"service_account_name": "flux", "retries": 1},
        "values": {"replicaCount": 2, "resources": {"requests": {"cpu": "100m", "memory": "32Mi"}}, "hpa": {"enabled": true, "cpu": 99}},
    }));
    let objects = rendered_as(&common("podinfo-hr", "dev-team-apps"), &j);
    golden("reference-http", &objects);
    assert_eq!(kinds(&objects), ["HelmRepository", "HelmRelease"]);

    let repo = find(&objects, "HelmRepository");
    assert_eq!(repo["apiVersion"], "source.toolkit.fluxcd.io/v1");
    assert_eq!(repo["metadata"]["name"], "podinfo-hr");
    assert_eq!(repo["metadata"]["namespace"], "dev-team-apps");
    assert!(repo["metadata"].get("annotations").is_none());
    assert_eq!(
        repo["spec"],
        json!({"interval": "12h", "url": HTTP_URL, "provider": "generic"})
    );
    let labels = &repo["metadata"]["labels"];
    assert_eq!(
        *labels,
        json!({
            "app.kubernetes.io/managed-by": "flux-provider",
            "app.kubernetes.io/name": "podinfo-hr",
            "app.kubernetes.io/version": crate::VERSION,
        })
    );

    let hr = find(&objects, "HelmRelease");
    assert_eq!(hr["apiVersion"], "helm.toolkit.fluxcd.io/v2");
    let spec = &hr["spec"];
    assert_eq!(
        keys(spec),
        [
            "releaseName",
            "interval",
            "timeout",
            "serviceAccountName",
            "chart",
            "install",
            "upgrade",
            "test",
            "values"
        ]
    );
    assert_eq!(spec["releaseName"], "podinfo-hr");
    assert_eq!(spec["interval"], "60m");
    assert_eq!(spec["timeout"], "5m");
    assert_eq!(spec["serviceAccountName"], "flux");
    assert_eq!(
        spec["chart"],
        json!({
            "metadata": {"labels": labels},
            "spec": {"chart": "podinfo", "version": "*", "sourceRef": {"kind": "HelmRepository", "name": "podinfo-hr"}, "interval": "60m"},
        })
    );
    assert_eq!(
        spec["install"],
        json!({"crds": "Create", "remediation": {"retries": 1}, "createNamespace": false, "disableWait": false, "disableWaitForJobs": false})
    );
    assert_eq!(
        spec["upgrade"],
        json!({"crds": "CreateReplace", "remediation": {"retries": 1}, "disableWait": false, "disableWaitForJobs": false})
    );
    assert_eq!(spec["test"], json!({"enable": false}));
    assert_eq!(
        spec["values"],
        json!({"hpa": {"cpu": 99, "enabled": true}, "replicaCount": 2, "resources": {"requests": {"cpu": "100m", "memory": "32Mi"}}})
    );
}

#[test]
fn reference_oci() {
    let objects = rendered_as(&common("podinfo-hr-oci", "dev-team-apps"), &oci(json!({})));
    golden("reference-oci", &objects);
    assert_eq!(kinds(&objects), ["OCIRepository", "HelmRelease"]);
    let repo = find(&objects, "OCIRepository");
    assert_eq!(repo["apiVersion"], "source.toolkit.fluxcd.io/v1");
    assert_eq!(
        repo["spec"],
        json!({
            "interval": "60m",
            "url": "oci://ghcr.io/stefanprodan/charts/podinfo",
            "ref": {"semver": "*"},
            "provider": "generic",
            "layerSelector": {"mediaType": "application/vnd.cncf.helm.chart.content.v1.tar+gzip", "operation": "copy"},
        })
    );
    let spec = release(&objects);
    assert_eq!(
        spec["chartRef"],
        json!({"kind": "OCIRepository", "name": "podinfo-hr-oci"})
    );
    assert!(spec.get("chart").is_none());
    assert_eq!(spec["install"]["remediation"]["retries"], -1);
    assert_eq!(spec["upgrade"]["remediation"]["retries"], -1);
    assert_eq!(
        keys(&spec),
        [
            "releaseName",
            "interval",
            "timeout",
            "chartRef",
            "install",
            "upgrade",
            "test"
        ]
    );
}

// ---------------------------------------------------------------------------------------------
// Examples and option groups

#[test]
fn cilium_example() {
    let j = json!({
        "repository": {"url": "https://helm.cilium.io"},
        "chart": {"name": "cilium", "version": "*"},
        "values": {"operator": {"replicas": 1}, "ipam": {"mode": "kubernetes"}},
        "sync": {"target_namespace": "kube-system"},
    });
    let objects = rendered_as(&common("cilium", "flux-system"), &j);
    golden("cilium", &objects);
    let spec = release(&objects);
    assert_eq!(spec["targetNamespace"], "kube-system");
    assert_eq!(spec["storageNamespace"], "kube-system");
    assert_eq!(
        spec["values"],
        json!({"ipam": {"mode": "kubernetes"}, "operator": {"replicas": 1}})
    );
    assert_eq!(spec["chart"]["spec"]["chart"], "cilium");
    assert_eq!(
        find(&objects, "HelmRepository")["spec"]["url"],
        "https://helm.cilium.io"
    );
}

#[test]
fn oci_with_auth() {
    let j = oci(json!({
        "repository": {"url": "oci://registry.example.com:5000/charts/", "auth": {"username": "bot", "password": "s3cr3t"}},
        "chart": {"version": "6.x"},
    }));
    let objects = rendered(&j);
    golden("oci-auth", &objects);
    assert_eq!(kinds(&objects), ["Secret", "OCIRepository", "HelmRelease"]);
    let secret = find(&objects, "Secret");
    assert_eq!(secret["metadata"]["name"], "podinfo-helm-auth");
    assert_eq!(secret["metadata"]["namespace"], "dev-team-apps");
    assert_eq!(secret["type"], "kubernetes.io/dockerconfigjson");
    // base64("bot:s3cr3t") = "Ym90OnMzY3IzdA=="
    assert_eq!(
        secret["stringData"][".dockerconfigjson"],
        r#"{"auths": {"registry.example.com:5000": {"username": "bot","password": "s3cr3t","auth": "Ym90OnMzY3IzdA=="}}}"#
    );
    let repo = find(&objects, "OCIRepository")["spec"].clone();
    assert_eq!(repo["url"], "oci://registry.example.com:5000/charts/podinfo");
    assert_eq!(repo["ref"], json!({"semver": "6.x"}));
    assert_eq!(repo["secretRef"], json!({"name": "podinfo-helm-auth"}));
}

#[test]
fn http_with_auth_insecure_and_cert() {
    let j = http(json!({
        "repository": {"auth": {"username": "u", "password": "p"}, "insecure": true, "cert_secret_name": "repo-tls"},
    }));
    let objects = rendered(&j);
    golden("http-auth-cert", &objects);
    assert_eq!(kinds(&objects), ["Secret", "HelmRepository", "HelmRelease"]);
    let secret = find(&objects, "Secret");
    assert_eq!(secret["metadata"]["name"], "podinfo-helm-auth");
    assert!(secret.get("type").is_none(), "Opaque by default");
    assert_eq!(secret["stringData"], json!({"username": "u", "password": "p"}));
    assert_eq!(
        find(&objects, "HelmRepository")["spec"],
        json!({
            "interval": "12h", "url": HTTP_URL, "secretRef": {"name": "podinfo-helm-auth"}, "insecure": true,
            "certSecretRef": {"name": "repo-tls"}, "provider": "generic",
        })
    );
}

#[test]
fn oci_provider_and_insecure() {
    let j = oci(json!({"repository": {"provider": "aws", "insecure": true, "cert_secret_name": "ignored"}}));
    let objects = rendered(&j);
    golden("oci-provider-insecure", &objects);
    let repo = find(&objects, "OCIRepository")["spec"].clone();
    assert_eq!(repo["provider"], "aws");
    assert_eq!(repo["insecure"], true);
    assert!(repo.get("certSecretRef").is_none(), "not applied in OCI mode");
    assert!(repo.get("secretRef").is_none());
}

#[test]
fn values_from() {
    let j = http(json!({"values_from": [
        {"kind": "ConfigMap", "name": "podinfo-values"},
        {"kind": "Secret", "name": "podinfo-secrets", "values_key": "prod.yaml", "target_path": "auth.token", "optional": true},
    ]}));
    let objects = rendered(&j);
    golden("values-from", &objects);
    assert_eq!(
        release(&objects)["valuesFrom"],
        json!([
            {"kind": "ConfigMap", "name": "podinfo-values"},
            {"kind": "Secret", "name": "podinfo-secrets", "valuesKey": "prod.yaml", "targetPath": "auth.token", "optional": true},
        ])
    );
    assert!(release(&objects).get("values").is_none());
}

#[test]
fn retries() {
    let objects = rendered(&http(
        json!({"sync": {"retries": 3, "interval": "10m", "timeout": "1h30m"}}),
    ));
    golden("retries", &objects);
    let spec = release(&objects);
    assert_eq!(spec["install"]["remediation"]["retries"], 3);
    assert_eq!(spec["upgrade"]["remediation"]["retries"], 3);
    assert_eq!(spec["interval"], "10m");
    assert_eq!(spec["timeout"], "1h30m");
    assert_eq!(spec["chart"]["spec"]["interval"], "10m");
}

#[test]
fn create_namespace() {
    let objects = rendered(&http(
        json!({"sync": {"create_namespace": true, "target_namespace": "apps"}}),
    ));
    golden("create-namespace", &objects);
    let spec = release(&objects);
    assert_eq!(spec["install"]["createNamespace"], true);
    assert!(spec["upgrade"].get("createNamespace").is_none());
    assert_eq!(spec["targetNamespace"], "apps");
    assert_eq!(spec["storageNamespace"], "apps");
}

#[test]
fn disable_wait() {
    let objects = rendered(&http(json!({"sync": {"disable_wait": true}})));
    golden("disable-wait", &objects);
    let spec = release(&objects);
    for op in ["install", "upgrade"] {
        assert_eq!(spec[op]["disableWait"], true, "{op}");
        assert_eq!(spec[op]["disableWaitForJobs"], true, "{op}");
    }
}

#[test]
fn test_enabled() {
    let objects = rendered(&http(json!({"test": true})));
    golden("test", &objects);
    assert_eq!(release(&objects)["test"], json!({"enable": true}));
}

#[test]
fn drift_detection() {
    for mode in ["enabled", "warn", "disabled"] {
        let objects = rendered(&http(json!({"drift_detection": mode})));
        if mode == "enabled" {
            golden("drift-detection", &objects);
        }
        assert_eq!(release(&objects)["driftDetection"], json!({"mode": mode}));
    }
    assert!(
        release(&rendered(&http(json!({}))))
            .get("driftDetection")
            .is_none()
    );
}

#[test]
fn depends_on() {
    let j = http(
        json!({"sync": {"depends_on": [{"name": "cert-manager"}, {"name": "ingress", "namespace": "infra"}]}}),
    );
    let objects = rendered(&j);
    golden("depends-on", &objects);
    assert_eq!(
        release(&objects)["dependsOn"],
        json!([{"name": "cert-manager"}, {"name": "ingress", "namespace": "infra"}])
    );
}

#[test]
fn user_metadata() {
    let mut c = common("podinfo", "dev-team-apps");
    c.labels.insert("team".into(), "dev".into());
    c.annotations.insert("owner".into(), "platform".into());
    let objects = rendered_as(
        &c,
        &http(json!({"repository": {"auth": {"username": "u", "password": "p"}}})),
    );
    golden("user-metadata", &objects);
    for o in &objects {
        let j = to_json(o);
        assert_eq!(j["metadata"]["labels"]["team"], "dev");
        assert_eq!(j["metadata"]["annotations"], json!({"owner": "platform"}));
    }
    let chart_meta = &release(&objects)["chart"]["metadata"];
    assert_eq!(chart_meta["labels"]["team"], "dev");
    assert_eq!(chart_meta["annotations"], json!({"owner": "platform"}));
}

// ---------------------------------------------------------------------------------------------
// Validation

/// The paths of the errors the schema validators and [`validate`] report for a configuration.
fn diagnostics(config: &Value) -> Diagnostics {
    let mut d = Diagnostics::new();
    validate_config(&schema(), config, &mut d);
    validate(config, &mut d);
    d
}

fn paths(config: &Value, severity: Severity) -> Vec<String> {
    diagnostics(config)
        .iter()
        .filter(|d| d.severity == severity)
        .map(|d| d.path.as_ref().map(ToString::to_string).unwrap_or_default())
        .collect()
}

#[test]
fn validation_table() {
    let cases: Vec<(&str, serde_json::Value, &[&str])> = vec![
        ("minimal http", http(json!({})), &[]),
        ("minimal oci", oci(json!({})), &[]),
        (
            "everything valid",
            http(json!({
                "repository": {"auth": {"username": "u", "password": "p"}, "provider": "generic", "insecure": true, "cert_secret_name": "tls"},
                "chart": {"version": ">=1.0.0 <2.0.0"},
                "values": {"a": {"b": [1, 2]}},
                "values_from": [{"kind": "Secret", "name": "s", "values_key": "values.yaml", "target_path": "a.b", "optional": false}],
                "sync": {"retries": 0, "interval": "1h30m", "timeout": "90s", "service_account_name": "flux",
                         "target_namespace": "kube-system", "depends_on": [{"name": "a", "namespace": "b"}]},
                "test": true,
                "drift_detection": "warn",
            })),
            &[],
        ),
        (
            "ftp url",
            http(json!({"repository": {"url": "ftp://x"}})),
            &["repository.url"],
        ),
        (
            "malformed version range",
            http(json!({"chart": {"version": ">>1.0 <"}})),
            &["chart.version"],
        ),
        (
            "bare url",
            http(json!({"repository": {"url": "ghcr.io/org"}})),
            &["repository.url"],
        ),
        (
            "bad provider",
            oci(json!({"repository": {"provider": "ibm"}})),
            &["repository.provider"],
        ),
        (
            "bad cert secret",
            http(json!({"repository": {"cert_secret_name": "Bad_Name"}})),
            &["repository.cert_secret_name"],
        ),
        (
            "values string",
            http(json!({"values": "replicaCount: 2"})),
            &["values"],
        ),
        ("values list", http(json!({"values": [1, 2]})), &["values"]),
        ("values number", http(json!({"values": 2})), &["values"]),
        (
            "values_from kind",
            http(
                json!({"values_from": [{"kind": "ConfigMap", "name": "a"}, {"kind": "configmap", "name": "b"}]}),
            ),
            &["values_from[1].kind"],
        ),
        (
            "values_key",
            http(json!({"values_from": [{"kind": "ConfigMap", "name": "a", "values_key": "a/b"}]})),
            &["values_from[0].values_key"],
        ),
        (
            "retries below -1",
            http(json!({"sync": {"retries": -2}})),
            &["sync.retries"],
        ),
        (
            "retries fraction",
            http(json!({"sync": {"retries": 1.5}})),
            &["sync.retries"],
        ),
        (
            "interval",
            http(json!({"sync": {"interval": "60"}})),
            &["sync.interval"],
        ),
        (
            "timeout",
            http(json!({"sync": {"timeout": "5 minutes"}})),
            &["sync.timeout"],
        ),
        (
            "target namespace",
            http(json!({"sync": {"target_namespace": "Kube_System"}})),
            &["sync.target_namespace"],
        ),
        (
            "service account",
            http(json!({"sync": {"service_account_name": "Flux"}})),
            &["sync.service_account_name"],
        ),
        (
            "depends_on name",
            http(json!({"sync": {"depends_on": [{"name": "ok"}, {"name": "Not OK"}]}})),
            &["sync.depends_on[1].name"],
        ),
        (
            "drift detection",
            http(json!({"drift_detection": "on"})),
            &["drift_detection"],
        ),
    ];
    for (name, j, want) in cases {
        let got = paths(&config(&j), Severity::Error);
        assert_eq!(
            got,
            want.iter().map(|s| (*s).to_owned()).collect::<Vec<_>>(),
            "{name}"
        );
    }
}

#[test]
fn cert_secret_with_oci_warns() {
    let c = config(&oci(json!({"repository": {"cert_secret_name": "tls"}})));
    assert_eq!(paths(&c, Severity::Warning), ["repository.cert_secret_name"]);
    assert!(paths(&c, Severity::Error).is_empty());
    let c = config(&http(json!({"repository": {"cert_secret_name": "tls"}})));
    assert!(diagnostics(&c).is_empty());
}

#[test]
fn unknown_inputs_are_skipped() {
    let mut c = config(&http(
        json!({"values_from": [{"kind": "ConfigMap", "name": "a"}]}),
    ));
    if let Value::Object(m) = &mut c {
        m.insert("values".into(), Value::unknown());
        let mut repo = m["repository"].clone();
        if let Value::Object(r) = &mut repo {
            r.insert("url".into(), Value::unknown());
            r.insert("cert_secret_name".into(), Value::string("tls"));
        }
        m.insert("repository".into(), repo);
        m.insert(
            "values_from".into(),
            Value::list([Value::object([
                ("kind", Value::unknown()),
                ("name", Value::string("a")),
            ])]),
        );
    }
    assert!(diagnostics(&c).is_empty());
    // An object with unknown elements is still an object.
    if let Value::Object(m) = &mut c {
        m.insert("values".into(), Value::object([("a", Value::unknown())]));
    }
    assert!(diagnostics(&c).is_empty());
}
