//! Fuzz targets: the project's parsers and decoders, fed arbitrary and half-valid input, must never
//! panic. They return an error for bad input; a panic would take down the provider process, and
//! with it the Terraform run, on nothing more than a malformed plan value or a broken artifact.
//!
//! What is fuzzed:
//!
//! * `cty::msgpack::decode` and `cty::json::decode_bytes` (the plugin protocol's `DynamicValue`s),
//!   each input tried at several types (primitives, `list`, `map`, `set`, `tuple`, objects,
//!   `dynamic`); a value that decodes is encoded again, so the encoders see it too;
//! * `distribution::parse_manifest_files` (YAML file contents) and `distribution::parse_layer`
//!   (a tar+gzip layer);
//! * `engine::quantity::parse`, `tfplugin::duration::parse_go` and the `duration()` and
//!   `semver_constraint()` validators.
//!
//! The toolchain here is stable and there is no cargo-fuzz (which needs nightly and libFuzzer), so the
//! targets run on proptest: random inputs, no coverage feedback. To make up for the missing feedback,
//! each input strategy mixes plain arbitrary bytes or strings with inputs built from the format's own
//! pieces (msgpack markers, JSON tokens, YAML constructs, tar headers inside real gzip, the
//! validators' alphabets), whole or with a few bytes flipped, inserted or cut off, so that the deep
//! code paths are reached and not only the first rejection.
//!
//! `FUZZ_CASES` sets the number of cases per target (default 2000, which keeps `cargo test` quick);
//! `bash bench/fuzz.sh` runs one million per target in a release build. A panic fails the test with
//! proptest's shrunk (minimal) failing input and the panic message; nothing is written to disk.

#![allow(
    clippy::print_stdout,
    reason = "each target reports its case count on stdout, for bench/fuzz.sh"
)]

use std::cell::Cell;
use std::fmt::Debug;
use std::hint::black_box;
use std::time::Instant;

use cty::{Type, Value};
use proptest::prelude::*;
use proptest::sample::{Index, select};
use proptest::test_runner::{Config, TestRunner};
use tfplugin::duration::{GO_MAX as GO_MAX_DURATION, parse_go as parse_go_duration};
use tfplugin::schema::Validator;
use tfplugin::schema::validators::{duration, semver_constraint};
use tfplugin::{AttributePath, Diagnostics};

/// Cases per target when `FUZZ_CASES` is not set.
const DEFAULT_CASES: u32 = 2000;

fn cases() -> u32 {
    match std::env::var("FUZZ_CASES") {
        Ok(s) => s
            .trim()
            .parse()
            .unwrap_or_else(|_| panic!("FUZZ_CASES must be a whole number, got {s:?}")),
        Err(_) => DEFAULT_CASES,
    }
}

/// Runs `check` on exactly [`cases`] inputs drawn from `strategy`, then prints the summary line.
///
/// proptest turns a panic inside `check` into a failure, shrinks the input and reports it; that
/// report is re-raised here so that the test fails. No failure file is written.
fn fuzz<S>(target: &str, strategy: S, check: impl Fn(S::Value) -> Result<(), TestCaseError>)
where
    S: Strategy,
    S::Value: Debug,
{
    let cases = cases();
    let mut runner = TestRunner::new(Config {
        cases,
        failure_persistence: None,
        ..Config::default()
    });
    let ran = Cell::new(0u64);
    let start = Instant::now();
    let result = runner.run(&strategy, |input| {
        ran.set(ran.get() + 1);
        check(input)
    });
    let secs = start.elapsed().as_secs_f64();
    if let Err(e) = result {
        panic!("fuzz {target}: {e}");
    }
    assert_eq!(ran.get(), u64::from(cases), "fuzz {target}: cases run");
    println!("fuzz {target}: {} cases, 0 panics in {secs:.2}s", ran.get());
}

// ---------------------------------------------------------------------------------------------
// Shared input shapes.

/// A string of 0..`max` pieces drawn from `pieces`.
fn soup(pieces: &'static [&'static str], max: usize) -> impl Strategy<Value = String> {
    prop::collection::vec(select(pieces), 0..max).prop_map(|v| v.concat())
}

/// `base` with, sometimes, a few bytes overwritten, a few inserted, and the tail cut off.
fn mutated(base: impl Strategy<Value = Vec<u8>>) -> impl Strategy<Value = Vec<u8>> {
    (
        base,
        prop::collection::vec((any::<Index>(), any::<u8>()), 0..3),
        prop::collection::vec((any::<Index>(), any::<u8>()), 0..3),
        prop::option::weighted(0.3, any::<Index>()),
    )
        .prop_map(|(mut bytes, flips, inserts, cut)| {
            for (at, b) in flips {
                if !bytes.is_empty() {
                    let i = at.index(bytes.len());
                    bytes[i] = b;
                }
            }
            for (at, b) in inserts {
                let i = at.index(bytes.len() + 1);
                bytes.insert(i, b);
            }
            if let Some(cut) = cut {
                bytes.truncate(cut.index(bytes.len() + 1));
            }
            bytes
        })
}

/// Arbitrary bytes, up to `max` of them.
fn bytes(max: usize) -> impl Strategy<Value = Vec<u8>> {
    prop::collection::vec(any::<u8>(), 0..max)
}

/// Numbers as text, valid and not: huge, tiny, beyond [`cty::MAX_EXPONENT`], malformed.
const NUMBERS: &[&str] = &[
    "0",
    "-0",
    "1",
    "-1",
    "1.5",
    "-0.000001",
    ".5",
    "5.",
    "1e3",
    "1E-3",
    "1e+3",
    "2.5E-7",
    "1e4096",
    "1e4097",
    "-1e-4096",
    "1e-4097",
    "1e999999999999",
    "1e0000000000000000000001",
    "9223372036854775807",
    "9223372036854775808",
    "-9223372036854775809",
    "18446744073709551615",
    "18446744073709551616",
    "179769313486231570000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000",
    "123456789012345678901234567890.123456789012345678901234567890",
    "00",
    "01",
    "-",
    "+1",
    "1e",
    "e1",
    "1.2.3",
    "NaN",
    "Infinity",
    "0x10",
];

/// cty types in their JSON form, valid and not.
const TYPE_JSON: &[&str] = &[
    r#""string""#,
    r#""number""#,
    r#""bool""#,
    r#""dynamic""#,
    r#""nope""#,
    r#"["list","string"]"#,
    r#"["list","dynamic"]"#,
    r#"["set","bool"]"#,
    r#"["map","number"]"#,
    r#"["tuple",["string","number"]]"#,
    r#"["tuple",[]]"#,
    r#"["object",{"a":"string","b":["list","number"]}]"#,
    r#"["object",{"a":"string"},["a"]]"#,
    r#"["object",{"a":"string"},["zz"]]"#,
    r#"["object",{}]"#,
    r#"["list"]"#,
    r#"["list","string","x"]"#,
    r#"["object",{"a":"string"},["a"],1]"#,
    r#"["tuple","string"]"#,
    r#"[]"#,
    r#"{}"#,
    r#"[1]"#,
    "null",
];

/// A type JSON from [`TYPE_JSON`], or `list(list(...(string)))` nested up to 80 deep.
fn type_json() -> impl Strategy<Value = String> {
    prop_oneof![
        4 => select(TYPE_JSON).prop_map(str::to_owned),
        1 => (0usize..80).prop_map(|n| format!(r#"{}"string"{}"#, r#"["list","#.repeat(n), "]".repeat(n))),
    ]
}

/// The types each cty input is decoded at.
fn cty_types() -> Vec<Type> {
    vec![
        Type::String,
        Type::Number,
        Type::Bool,
        Type::list(Type::String),
        Type::map(Type::Number),
        Type::object([("a", Type::String), ("b", Type::list(Type::Number))]),
        Type::Dynamic,
        Type::set(Type::Bool),
        Type::tuple([Type::String, Type::Dynamic]),
        Type::object_with_optional([("value", Type::Dynamic), ("type", Type::String)], ["value"]),
        Type::list(Type::Dynamic),
    ]
}

// ---------------------------------------------------------------------------------------------
// msgpack.

fn mp_len_header(out: &mut Vec<u8>, len: usize, fix: u8, fix_max: usize, m8: Option<u8>, m16: u8, m32: u8) {
    if len < fix_max {
        out.push(fix | len as u8);
    } else if let (Some(m8), true) = (m8, len < 256) {
        out.extend([m8, len as u8]);
    } else if len < 65536 {
        out.push(m16);
        out.extend((len as u16).to_be_bytes());
    } else {
        out.push(m32);
        out.extend((len as u32).to_be_bytes());
    }
}

fn mp_str(s: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(s.len() + 5);
    mp_len_header(&mut out, s.len(), 0xa0, 32, Some(0xd9), 0xda, 0xdb);
    out.extend(s);
    out
}

fn mp_bin(b: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(b.len() + 5);
    // bin has no fix form: 0 < 0 never holds.
    mp_len_header(&mut out, b.len(), 0, 0, Some(0xc4), 0xc5, 0xc6);
    out.extend(b);
    out
}

fn mp_ext(code: i8, data: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(data.len() + 6);
    match data.len() {
        1 => out.push(0xd4),
        2 => out.push(0xd5),
        4 => out.push(0xd6),
        8 => out.push(0xd7),
        16 => out.push(0xd8),
        n if n < 256 => out.extend([0xc7, n as u8]),
        n if n < 65536 => {
            out.push(0xc8);
            out.extend((n as u16).to_be_bytes());
        }
        n => {
            out.push(0xc9);
            out.extend((n as u32).to_be_bytes());
        }
    }
    out.push(code as u8);
    out.extend(data);
    out
}

fn mp_array(items: Vec<Vec<u8>>) -> Vec<u8> {
    let mut out = Vec::new();
    mp_len_header(&mut out, items.len(), 0x90, 16, None, 0xdc, 0xdd);
    out.extend(items.concat());
    out
}

fn mp_map(entries: Vec<(Vec<u8>, Vec<u8>)>) -> Vec<u8> {
    let mut out = Vec::new();
    mp_len_header(&mut out, entries.len(), 0x80, 16, None, 0xde, 0xdf);
    for (k, v) in entries {
        out.extend(k);
        out.extend(v);
    }
    out
}

/// Strings that mean something to the decoder: attribute names, numbers, type names.
const MP_STRINGS: &[&str] = &[
    "a", "b", "value", "type", "", "true", "1", "-1.5e3", "1e4097", "é", "\u{0}",
];

/// Single-byte msgpack values: nil, false, true, fixints at the edges.
const MP_SINGLE_BYTES: &[u8] = &[0xc0, 0xc2, 0xc3, 0x00, 0x7f, 0xe0, 0xff];

/// Openings that nest: `[`, `{"a":`, `[bin(9 bytes)...` (the bin swallows what follows).
const MP_NESTING: &[&[u8]] = &[&[0x91], &[0x81, 0xa1, 0x61], &[0x92, 0xc4, 0x09]];

/// One msgpack value, built from the format's markers, nested up to 6 deep: every scalar form,
/// strings, bins carrying type JSON, `[type, value]` pairs for `dynamic`, unknowns (extension
/// values) and refined unknowns (extension 12 wrapping a refinement map).
fn mp_value() -> impl Strategy<Value = Vec<u8>> {
    // (marker, payload length) of the int and float forms.
    const NUMERIC: &[(u8, usize)] = &[
        (0xcc, 1),
        (0xcd, 2),
        (0xce, 4),
        (0xcf, 8),
        (0xd0, 1),
        (0xd1, 2),
        (0xd2, 4),
        (0xd3, 8),
        (0xca, 4),
        (0xcb, 8),
    ];
    const FLOATS: &[f64] = &[
        f64::NAN,
        f64::INFINITY,
        f64::NEG_INFINITY,
        f64::MAX,
        f64::MIN_POSITIVE,
        5e-324,
        -0.0,
        9_007_199_254_740_992.0,
        9_223_372_036_854_775_808.0,
        1e300,
        0.1,
    ];
    let leaf = prop_oneof![
        select(MP_SINGLE_BYTES).prop_map(|b| vec![b]),
        (select(NUMERIC), any::<[u8; 8]>()).prop_map(|((m, n), raw)| {
            let mut out = vec![m];
            out.extend(&raw[..n]);
            out
        }),
        select(FLOATS).prop_map(|f| {
            let mut out = vec![0xcb];
            out.extend(f.to_be_bytes());
            out
        }),
        prop_oneof![
            select(MP_STRINGS).prop_map(str::to_owned),
            select(NUMBERS).prop_map(str::to_owned),
            any::<String>(),
        ]
        .prop_map(|s| mp_str(s.as_bytes())),
        bytes(8).prop_map(|b| mp_str(&b)),
        type_json().prop_map(|t| mp_bin(t.as_bytes())),
        Just(vec![0xd4, 0, 0]),
        (any::<i8>(), bytes(6)).prop_map(|(code, data)| mp_ext(code, &data)),
    ];
    leaf.prop_recursive(6, 48, 5, |inner| {
        let key = prop_oneof![
            3 => select(MP_STRINGS).prop_map(|s| mp_str(s.as_bytes())),
            1 => inner.clone(),
        ];
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..5).prop_map(mp_array),
            prop::collection::vec((key, inner.clone()), 0..5).prop_map(mp_map),
            // A dynamic value: [bin(type JSON), value].
            (type_json(), inner.clone()).prop_map(|(t, v)| mp_array(vec![mp_bin(t.as_bytes()), v])),
            // A refined unknown: extension 12 holding {refinement key: value}.
            prop::collection::vec((0i64..8, inner), 0..4).prop_map(|entries| {
                let map = mp_map(entries.into_iter().map(|(k, v)| (vec![k as u8], v)).collect());
                mp_ext(12, &map)
            }),
        ]
    })
}

/// Arbitrary bytes; structured msgpack, whole or mutated; and deep nesting past the limits.
fn msgpack_input() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        3 => bytes(256),
        3 => mp_value(),
        3 => mutated(mp_value()),
        1 => (select(MP_NESTING), 0usize..300)
            .prop_map(|(open, n)| {
                let mut out = open.repeat(n);
                out.push(0xc0);
                out
            }),
    ]
}

/// `cty::msgpack::decode`: arbitrary and structured msgpack at every type of [`cty_types`]; what
/// decodes is encoded again with `cty::msgpack::encode`.
#[test]
fn msgpack_decode() {
    let types = cty_types();
    fuzz("cty::msgpack::decode", msgpack_input(), |input| {
        for ty in &types {
            if let Ok(v) = cty::msgpack::decode(&input, ty) {
                black_box(cty::msgpack::encode(&v, ty)).ok();
            }
        }
        Ok(())
    });
}

// ---------------------------------------------------------------------------------------------
// JSON.

/// Pieces of JSON string bodies: escapes (lone and paired surrogates, bad ones), control
/// characters, non-ASCII, words the decoder looks for.
const JSON_STRING_PIECES: &[&str] = &[
    "a",
    "b",
    "value",
    "type",
    "true",
    "1e3",
    " ",
    "é",
    "\u{1}",
    "\t",
    "\\u0000",
    "\\ud800",
    "\\udc00",
    "\\ud83d\\ude00",
    "\\n",
    "\\\"",
    "\\\\",
    "\\/",
    "\\x",
    "\\u12",
    "\\uZZZZ",
    "\\",
];

/// Whitespace between JSON tokens.
const JSON_SPACE: &[&str] = &["", "", " ", "\n\t", "\r\n ", "\u{a0}"];

/// Literals and near-literals.
const JSON_LITERALS: &[&str] = &["null", "true", "false", "nul", "tru", "fals", "nulll", "True"];

/// Object keys the decoder looks for.
const JSON_KEYS: &[&str] = &[r#""a""#, r#""b""#, r#""value""#, r#""type""#];

/// Openings that nest.
const JSON_NESTING: &[&str] = &[
    "[",
    r#"{"a":"#,
    r#"{"value":"#,
    r#"{"type":["list","dynamic"],"value":["#,
];

fn json_string() -> impl Strategy<Value = String> {
    soup(JSON_STRING_PIECES, 6).prop_map(|s| format!("\"{s}\""))
}

/// One JSON value built from tokens, nested up to 6 deep: literals (and near-literals), the
/// numbers of [`NUMBERS`], strings with every kind of escape, arrays, objects keyed by the
/// attribute names, and `{"value": ..., "type": ...}` objects for `dynamic`.
fn json_value() -> impl Strategy<Value = String> {
    let leaf = prop_oneof![
        select(JSON_LITERALS).prop_map(str::to_owned),
        select(NUMBERS).prop_map(str::to_owned),
        any::<i64>().prop_map(|i| i.to_string()),
        any::<f64>().prop_map(|f| format!("{f:e}")),
        json_string(),
    ];
    leaf.prop_recursive(6, 48, 5, |inner| {
        let key = prop_oneof![
            3 => select(JSON_KEYS).prop_map(str::to_owned),
            1 => json_string(),
        ];
        prop_oneof![
            (prop::collection::vec(inner.clone(), 0..5), select(JSON_SPACE))
                .prop_map(|(items, sp)| format!("[{sp}{}{sp}]", items.join(&format!("{sp},{sp}")))),
            (
                prop::collection::vec((key, inner.clone()), 0..5),
                select(JSON_SPACE)
            )
                .prop_map(|(entries, sp)| {
                    let entries: Vec<String> = entries
                        .into_iter()
                        .map(|(k, v)| format!("{k}{sp}:{sp}{v}"))
                        .collect();
                    format!("{{{sp}{}{sp}}}", entries.join(","))
                }),
            (type_json(), inner).prop_map(|(t, v)| format!(r#"{{"value":{v},"type":{t}}}"#)),
        ]
    })
}

/// Tokens of JSON for a token soup.
const JSON_TOKENS: &[&str] = &[
    "{",
    "}",
    "[",
    "]",
    ":",
    ",",
    "\"",
    "\"a\"",
    "\"value\"",
    "\"type\"",
    "null",
    "true",
    "false",
    "0",
    "-",
    "1",
    ".",
    "e",
    "E",
    "+",
    "9",
    " ",
    "\\",
    "\\u",
    "d800",
    "\"string\"",
];

/// Arbitrary bytes; token soup; structured JSON, whole or mutated; deep nesting past the limits.
fn json_input() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        2 => bytes(256),
        2 => soup(JSON_TOKENS, 40).prop_map(String::into_bytes),
        3 => json_value().prop_map(String::into_bytes),
        3 => mutated(json_value().prop_map(String::into_bytes)),
        1 => (select(JSON_NESTING), 0usize..200)
            .prop_map(|(open, n)| format!("{}null", open.repeat(n)).into_bytes()),
    ]
}

/// `cty::json::decode_bytes`: arbitrary and structured JSON at every type of [`cty_types`]; what
/// decodes is encoded again with `cty::json::encode_bytes`.
#[test]
fn json_decode_bytes() {
    let types = cty_types();
    fuzz("cty::json::decode_bytes", json_input(), |input| {
        for ty in &types {
            if let Ok(v) = cty::json::decode_bytes(&input, ty) {
                black_box(cty::json::encode_bytes(&v, ty)).ok();
            }
        }
        Ok(())
    });
}

// ---------------------------------------------------------------------------------------------
// Flux manifests.

/// Names for CRDs and Deployments: the controllers the parser looks for, and odd ones.
const K8S_NAMES: &[&str] = &[
    "source-controller",
    "kustomize-controller",
    "helm-controller",
    "notification-controller",
    "source-watcher",
    "gitrepositories.source.toolkit.fluxcd.io",
    "kustomizations.kustomize.toolkit.fluxcd.io",
    "",
    "\"\"",
    "~",
    "null",
    "0o17",
    "017",
    "yes",
    "[a]",
    "{a: b}",
    "!!binary aGk=",
    "\"é\\u0000\"",
];

/// Image references for `rewrite_registry`, well-formed and not.
const IMAGES: &[&str] = &[
    "ghcr.io/fluxcd/source-controller:v1.9.4",
    "fluxcd/source-controller:v1.9.4",
    "localhost:5000/a/b",
    "r.example:5000/x/y:t@sha256:ab",
    "b@sha256:ab",
    "a:b/c",
    ":",
    "@",
    "/",
    ":@/",
    "é:é@é/é",
    "",
    "123",
    "[x]",
];

/// Registries for the rewrite.
const REGISTRIES: &[&str] = &[
    "",
    "ghcr.io/fluxcd",
    "registry.example:5000/mirror/",
    " / ",
    "/",
    "é",
];

/// Fragments of YAML: structure, anchors and aliases, merge keys, tags, block scalars, directives,
/// document markers, flow collections, quoting, YAML 1.1 scalars.
const YAML_TOKENS: &[&str] = &[
    "\n",
    "\n  ",
    "\n- ",
    "---\n",
    "...\n",
    "%YAML 1.1\n",
    "%TAG ! tag:x,2000:\n",
    "kind: ",
    "CustomResourceDefinition",
    "Deployment",
    "metadata:",
    "name: ",
    "spec:",
    "template:",
    "containers:",
    "image: ",
    "source-controller",
    "a: ",
    "&a ",
    "*a",
    "<<: ",
    "<<: *a",
    "!!str ",
    "!!int ",
    "!!binary ",
    "!!map ",
    "!custom ",
    "? ",
    ": ",
    "|\n  ",
    ">-\n  ",
    "|+2\n",
    "{",
    "}",
    "[",
    "]",
    ",",
    "\"",
    "'",
    "\\u00e9",
    "\\x",
    "# c\n",
    "\t",
    "0o17",
    "017",
    "0x1F",
    "1e3",
    ".inf",
    "yes",
    "~",
    "\u{feff}",
    "é",
];

/// A CRD document, in block or flow style.
fn crd_text(name: &str, flow: bool) -> String {
    if flow {
        format!(
            "{{apiVersion: apiextensions.k8s.io/v1, kind: CustomResourceDefinition, metadata: {{name: {name}}}}}\n"
        )
    } else {
        format!(
            "apiVersion: apiextensions.k8s.io/v1\nkind: CustomResourceDefinition\nmetadata:\n  name: {name}\n"
        )
    }
}

/// A controller Deployment document, in block style, flow style, or through an anchor and a merge key.
fn deployment_text(name: &str, image: &str, style: u64) -> String {
    match style % 3 {
        0 => format!(
            "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: {name}\nspec:\n  template:\n    spec:\n      containers:\n      - name: manager\n        image: {image}\n"
        ),
        1 => format!(
            "{{kind: Deployment, metadata: {{name: {name}}}, spec: {{template: {{spec: {{containers: [{{image: {image}}}]}}}}}}}}\n"
        ),
        _ => format!(
            "base: &c {{image: {image}}}\nkind: Deployment\nmetadata: {{name: {name}}}\nspec:\n  template:\n    spec:\n      containers:\n      - <<: *c\n        name: x\n"
        ),
    }
}

/// Quotes arbitrary text as a YAML double-quoted scalar.
fn yaml_quote(s: &str) -> String {
    let mut out = String::from("\"");
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            c if c.is_control() => out.push_str(&format!("\\u{:04x}", u32::from(c))),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// An image reference: mostly a well-formed one, else an odd one or arbitrary text.
fn image() -> impl Strategy<Value = String> {
    prop_oneof![
        4 => select(&IMAGES[..4]).prop_map(str::to_owned),
        2 => select(IMAGES).prop_map(str::to_owned),
        1 => any::<String>().prop_map(|s| yaml_quote(&s)),
    ]
}

/// A CRD document with any name of [`K8S_NAMES`].
fn crd_doc() -> impl Strategy<Value = String> {
    (select(K8S_NAMES), any::<bool>()).prop_map(|(name, flow)| crd_text(name, flow))
}

/// A Deployment document with any name of [`K8S_NAMES`].
fn deployment_doc() -> impl Strategy<Value = String> {
    (select(K8S_NAMES), image(), any::<u64>())
        .prop_map(|(name, image, style)| deployment_text(name, &image, style))
}

/// Well-formed CRD names.
const CRD_NAMES: &[&str] = &[
    "gitrepositories.source.toolkit.fluxcd.io",
    "ocirepositories.source.toolkit.fluxcd.io",
    "helmreleases.helm.toolkit.fluxcd.io",
    "kustomizations.kustomize.toolkit.fluxcd.io",
    "alerts.notification.toolkit.fluxcd.io",
];

/// A file shaped like a Flux release: distinct CRDs and controller Deployments in any order and
/// style, now and then one more document of any name (a duplicate, a bad name), so that it often
/// parses and the parser's checks on names, images and duplicates are reached.
fn flux_file() -> impl Strategy<Value = String> {
    const CONTROLLERS: &[&str] = &distribution::CONTROLLERS;
    (
        prop::sample::subsequence(CRD_NAMES, 0..=CRD_NAMES.len()),
        prop::sample::subsequence(CONTROLLERS, 0..=CONTROLLERS.len()),
        prop::collection::vec(image(), CONTROLLERS.len()),
        any::<u64>(),
        prop::collection::vec(prop_oneof![crd_doc(), deployment_doc()], 0..2),
    )
        .prop_map(|(crds, controllers, images, styles, mut docs)| {
            for (i, name) in crds.iter().enumerate() {
                docs.push(crd_text(name, (styles >> i) & 1 == 1));
            }
            for (i, (name, image)) in controllers.iter().zip(&images).enumerate() {
                docs.push(deployment_text(name, image, styles >> (8 + 2 * i)));
            }
            docs
        })
        .prop_shuffle()
        .prop_map(|docs| docs.join("---\n"))
}

/// Openings that nest.
const YAML_NESTING: &[&str] = &["- ", "[", "{a: ", "a:\n  "];

/// YAML documents: CRDs, Deployments, token soup, arbitrary text, deep nesting, alias fan-out.
fn yaml_doc() -> impl Strategy<Value = String> {
    prop_oneof![
        3 => crd_doc(),
        3 => deployment_doc(),
        3 => soup(YAML_TOKENS, 30),
        1 => any::<String>(),
        1 => (select(YAML_NESTING), 0usize..200).prop_map(|(open, n)| open.repeat(n)),
        // Aliases fanning out (a small "billion laughs"). Kept to three levels: the YAML reader's
        // budget stops the expansion at five, but levels four and five take ~50-150 ms each in a
        // release build, too slow for a million cases.
        1 => (0usize..3).prop_map(|n| {
            // Each level refers to the one before nine times.
            let mut doc = String::from("l0: &l0 [x, x, x, x, x, x, x, x, x]\n");
            for i in 1..=n {
                let p = i - 1;
                doc.push_str(&format!("l{i}: &l{i} [*l{p}, *l{p}, *l{p}, *l{p}, *l{p}, *l{p}, *l{p}, *l{p}, *l{p}]\n"));
            }
            doc
        }),
    ]
}

/// A YAML file: a Flux-shaped one, or documents of every kind joined with `---`; either sometimes
/// mutated (as bytes, read back lossily); or arbitrary bytes read lossily.
fn yaml_file() -> impl Strategy<Value = String> {
    let docs = prop_oneof![
        1 => flux_file(),
        1 => prop::collection::vec(yaml_doc(), 0..4).prop_map(|d| d.join("\n---\n")),
    ]
    .boxed();
    prop_oneof![
        4 => docs.clone(),
        2 => mutated(docs.prop_map(String::into_bytes))
            .prop_map(|b| String::from_utf8_lossy(&b).into_owned()),
        1 => bytes(512).prop_map(|b| String::from_utf8_lossy(&b).into_owned()),
    ]
}

/// Paths in a layer: the layouts the parser selects on, unsafe ones, non-YAML ones.
const PATHS: &[&str] = &[
    "gotk-components.yaml",
    "./gotk-components.yaml",
    "flux/gotk-components.yaml",
    "manifests/source-controller.yaml",
    "manifests/crds.yaml",
    "manifests/sub/x.yaml",
    "a.yml",
    "x.txt",
    "../x.yaml",
    "/etc/x.yaml",
    "a/../b.yaml",
    ".",
    "./",
    "dir/",
    "C:\\x.yaml",
    "é.yaml",
    "",
];

/// The YAML paths of [`PATHS`] that the parser reads.
const YAML_PATHS: &[&str] = &[
    "gotk-components.yaml",
    "./gotk-components.yaml",
    "flux/gotk-components.yaml",
    "manifests/source-controller.yaml",
    "manifests/crds.yaml",
    "manifests/sub/x.yaml",
    "a.yml",
];

fn path() -> impl Strategy<Value = String> {
    prop_oneof![
        4 => select(YAML_PATHS).prop_map(str::to_owned),
        2 => select(PATHS).prop_map(str::to_owned),
        1 => any::<String>(),
    ]
}

fn registry() -> impl Strategy<Value = String> {
    prop_oneof![
        4 => select(REGISTRIES).prop_map(str::to_owned),
        1 => any::<String>(),
    ]
}

/// `distribution::parse_manifest_files`: 1–4 files of arbitrary or structured YAML under the
/// paths that steer file selection, with arbitrary registry rewrites.
#[test]
fn manifest_files() {
    let input = (prop::collection::vec((path(), yaml_file()), 1..5), registry());
    fuzz(
        "distribution::parse_manifest_files",
        input,
        |(files, registry)| {
            black_box(distribution::parse_manifest_files(
                "fuzz", "2.9.4", files, &registry,
            ))
            .ok();
            Ok(())
        },
    );
}

// ---------------------------------------------------------------------------------------------
// Flux layers (tar + gzip), built by hand so that every header field can be wrong.

/// One tar entry; `size` and `checksum` override the true values when set.
#[derive(Debug, Clone)]
struct TarEntry {
    name: Vec<u8>,
    kind: u8,
    data: Vec<u8>,
    size: Option<Vec<u8>>,
    checksum: Option<Vec<u8>>,
    ustar: bool,
}

fn tar(entries: &[TarEntry], terminated: bool) -> Vec<u8> {
    let mut out = Vec::new();
    for e in entries {
        let mut h = [0u8; 512];
        let n = e.name.len().min(100);
        h[..n].copy_from_slice(&e.name[..n]);
        h[100..107].copy_from_slice(b"0000644");
        h[108..115].copy_from_slice(b"0000000");
        h[116..123].copy_from_slice(b"0000000");
        let size = e
            .size
            .clone()
            .unwrap_or_else(|| format!("{:011o}", e.data.len()).into_bytes());
        let n = size.len().min(12);
        h[124..124 + n].copy_from_slice(&size[..n]);
        h[136..147].copy_from_slice(b"00000000000");
        h[156] = e.kind;
        if e.ustar {
            h[257..263].copy_from_slice(b"ustar\0");
            h[263..265].copy_from_slice(b"00");
        }
        h[148..156].copy_from_slice(b"        ");
        let sum: u32 = h.iter().map(|&b| u32::from(b)).sum();
        let checksum = e
            .checksum
            .clone()
            .unwrap_or_else(|| format!("{sum:06o}\0 ").into_bytes());
        let n = checksum.len().min(8);
        h[148..148 + n].copy_from_slice(&checksum[..n]);
        out.extend(h);
        out.extend(&e.data);
        out.resize(out.len().next_multiple_of(512), 0);
    }
    if terminated {
        out.resize(out.len() + 1024, 0);
    }
    out
}

fn crc32(data: &[u8]) -> u32 {
    let mut crc = !0u32;
    for &b in data {
        crc ^= u32::from(b);
        for _ in 0..8 {
            crc = if crc & 1 == 1 {
                (crc >> 1) ^ 0xedb8_8320
            } else {
                crc >> 1
            };
        }
    }
    !crc
}

const GZIP_HEADER: [u8; 10] = [0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 0xff];

/// A valid gzip stream of `data`, in stored (uncompressed) deflate blocks.
fn gzip(data: &[u8]) -> Vec<u8> {
    let mut out = GZIP_HEADER.to_vec();
    if data.is_empty() {
        out.extend([1, 0, 0, 0xff, 0xff]);
    }
    let mut chunks = data.chunks(0xffff).peekable();
    while let Some(chunk) = chunks.next() {
        out.push(u8::from(chunks.peek().is_none()));
        let len = chunk.len() as u16;
        out.extend(len.to_le_bytes());
        out.extend((!len).to_le_bytes());
        out.extend(chunk);
    }
    out.extend(crc32(data).to_le_bytes());
    out.extend((data.len() as u32).to_le_bytes());
    out
}

/// Pieces of pax extended headers (entry types `x` and `g`).
const PAX_TOKENS: &[&str] = &[
    "30 path=gotk-components.yaml\n",
    "13 path=../a\n",
    "20 size=99999999999\n",
    "12 size=-1\n",
    "15 linkpath=x\n",
    "27 GNU.sparse.map=1,2,3\n",
    "99999999999999999999 ",
    "0 ",
    "5 x\n",
    "\n",
    "=",
    " ",
    "9",
];

/// Entry types: regular (`0` and the old NUL), links, devices, directory, contiguous, GNU long
/// name and link, pax, GNU sparse, volume label, multi-volume.
const TAR_KINDS: &[u8] = &[
    b'0', 0, b'1', b'2', b'3', b'5', b'7', b'L', b'K', b'x', b'g', b'S', b'V', b'M',
];

/// Size fields: 8 GiB, 512, negative, base-256 (GNU) small and all-ones, hex, padded.
const TAR_SIZES: &[&[u8]] = &[
    b"77777777777",
    b"00000001000",
    b"-1",
    b"\x80\0\0\0\0\0\0\0\0\0\0\x01",
    b"\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff",
    b"0x10",
    b" 12 ",
];

fn tar_entry() -> impl Strategy<Value = TarEntry> {
    let name = prop_oneof![
        4 => path().prop_map(String::into_bytes),
        1 => bytes(120),
    ];
    let kind = prop_oneof![
        8 => Just(b'0'),
        3 => select(TAR_KINDS),
        1 => any::<u8>(),
    ];
    let data = prop_oneof![
        4 => yaml_file().prop_map(String::into_bytes),
        1 => soup(PAX_TOKENS, 8).prop_map(String::into_bytes),
        1 => bytes(64),
    ];
    let size = prop::option::weighted(
        0.05,
        prop_oneof![select(TAR_SIZES).prop_map(<[u8]>::to_vec), bytes(12),],
    );
    let checksum = prop::option::weighted(0.03, bytes(8));
    (name, kind, data, size, checksum, any::<bool>()).prop_map(|(name, kind, data, size, checksum, ustar)| {
        TarEntry {
            name,
            kind,
            data,
            size,
            checksum,
            ustar,
        }
    })
}

/// Arbitrary bytes; gzip of arbitrary bytes (junk for the tar reader); a gzip header before an
/// arbitrary deflate stream; Flux-shaped layers; and hand-built tar archives of every kind of entry
/// in gzip, mutated before or after compression.
fn layer_input() -> impl Strategy<Value = Vec<u8>> {
    let archive = (prop::collection::vec(tar_entry(), 0..4), any::<bool>())
        .prop_map(|(e, terminated)| tar(&e, terminated))
        .boxed();
    // A layer that should parse: Flux-shaped files, regular entries, intact headers.
    let flux = prop::collection::vec((select(YAML_PATHS), flux_file()), 1..4).prop_map(|files| {
        let entries: Vec<TarEntry> = files
            .into_iter()
            .map(|(name, text)| TarEntry {
                name: name.as_bytes().to_vec(),
                kind: b'0',
                data: text.into_bytes(),
                size: None,
                checksum: None,
                ustar: true,
            })
            .collect();
        gzip(&tar(&entries, true))
    });
    prop_oneof![
        1 => bytes(256),
        1 => bytes(1024).prop_map(|b| gzip(&b)),
        2 => flux,
        1 => bytes(256).prop_map(|b| [&GZIP_HEADER[..], &b].concat()),
        4 => archive.clone().prop_map(|t: Vec<u8>| gzip(&t)),
        2 => mutated(archive.clone()).prop_map(|t: Vec<u8>| gzip(&t)),
        2 => mutated(archive.prop_map(|t: Vec<u8>| gzip(&t))),
    ]
}

/// `distribution::parse_layer`: arbitrary and structured tar+gzip layers.
#[test]
fn manifest_layer() {
    fuzz(
        "distribution::parse_layer",
        (layer_input(), registry()),
        |(tgz, registry)| {
            black_box(distribution::parse_layer("fuzz", "2.9.4", &tgz, &registry)).ok();
            Ok(())
        },
    );
}

// ---------------------------------------------------------------------------------------------
// Validators.

/// The errors `validator` reports for the string `s`.
fn validate(validator: &dyn Validator, s: &str) -> usize {
    let mut diags = Diagnostics::new();
    validator.validate(&AttributePath::root("x"), &Value::string(s), &mut diags);
    diags.iter().count()
}

/// Arbitrary strings, arbitrary bytes read lossily, strings of the given alphabet, and `shaped`
/// strings (built to the grammar, so that many are accepted), whole or mutated.
fn validator_input(
    alphabet: &'static [&'static str],
    shaped: impl Strategy<Value = String> + Clone,
) -> impl Strategy<Value = String> {
    prop_oneof![
        1 => any::<String>(),
        1 => bytes(32).prop_map(|b| String::from_utf8_lossy(&b).into_owned()),
        4 => soup(alphabet, 12),
        3 => shaped.clone(),
        1 => mutated(shaped.prop_map(String::into_bytes)).prop_map(|b| String::from_utf8_lossy(&b).into_owned()),
    ]
}

/// `<number><unit>` repeated, from the duration alphabet's numbers and units.
fn duration_shaped() -> BoxedStrategy<String> {
    const NUMBERS: &[&str] = &[
        "0",
        "1",
        "5",
        "90",
        "123",
        "0.5",
        ".5",
        "5.",
        "2562047",
        "2562048",
        "9223372036",
        "99999999999999999999999999",
    ];
    const UNITS: &[&str] = &["h", "m", "s", "ms", "us", "µs", "ns"];
    prop::collection::vec((select(NUMBERS), select(UNITS)), 1..4)
        .prop_map(|parts| parts.into_iter().map(|(n, u)| format!("{n}{u}")).collect())
        .boxed()
}

/// `[+]<number>[<suffix or exponent>]`.
fn quantity_shaped() -> BoxedStrategy<String> {
    const NUMBERS: &[&str] = &[
        "0",
        "1",
        "64",
        "100",
        "1.5",
        ".5",
        "5.",
        "123456789012345678901234567890",
    ];
    const SUFFIXES: &[&str] = &[
        "", "Ki", "Mi", "Gi", "Ti", "Pi", "Ei", "n", "u", "m", "k", "M", "G", "T", "P", "E", "e3", "E-2",
        "e+10",
    ];
    (any::<bool>(), select(NUMBERS), select(SUFFIXES))
        .prop_map(|(plus, n, suffix)| format!("{}{n}{suffix}", if plus { "+" } else { "" }))
        .boxed()
}

/// `||`-separated groups of comparisons (`<op><version>`, or hyphen ranges), with spaces or commas.
fn semver_shaped() -> BoxedStrategy<String> {
    const OPS: &[&str] = &["", "=", "!=", ">", "<", ">=", "<=", "=>", "=<", "~", "~>", "^"];
    const VERSIONS: &[&str] = &[
        "1",
        "1.2",
        "1.2.3",
        "v1.2.3",
        "1.x",
        "1.2.X",
        "*",
        "x",
        "1.0.0-rc.1",
        "1.0.0+build.5",
        "1.0.0-alpha-1.b+x.y",
        "2.0",
    ];
    const SEPARATORS: &[&str] = &[" ", ", ", ",", "  "];
    const SPACES: &[&str] = &[" ", ""];
    let comparison = prop_oneof![
        4 => (select(OPS), select(SPACES), select(VERSIONS)).prop_map(|(op, sp, v)| format!("{op}{sp}{v}")),
        1 => (select(VERSIONS), select(VERSIONS)).prop_map(|(a, b)| format!("{a} - {b}")),
    ];
    let group =
        (prop::collection::vec(comparison, 1..4), select(SEPARATORS)).prop_map(|(c, sep)| c.join(sep));
    prop::collection::vec(group, 1..3)
        .prop_map(|g| g.join(" || "))
        .boxed()
}

/// Go duration pieces: numbers of every shape (over-long, fractional, beyond the range), the units
/// and near-units, signs.
const DURATION_ALPHABET: &[&str] = &[
    "0",
    "1",
    "5",
    "9",
    "90",
    "123",
    "0.5",
    ".5",
    "5.",
    ".",
    "..",
    "2562047",
    "2562048",
    "9223372036",
    "99999999999999999999999999",
    "1e3",
    "h",
    "m",
    "s",
    "ms",
    "us",
    "µs",
    "μs",
    "ns",
    "ps",
    "d",
    "e",
    "E",
    "-",
    "+",
    " ",
    "inf",
    "NaN",
];

/// `parse_go_duration` and the `duration()` validator: never a panic, never above
/// `GO_MAX_DURATION`, and the validator refuses exactly what the parser refuses.
#[test]
fn go_duration() {
    let validator = duration();
    fuzz(
        "duration::parse_go",
        validator_input(DURATION_ALPHABET, duration_shaped()),
        |s| {
            let parsed = parse_go_duration(&s);
            if let Some(d) = parsed {
                prop_assert!(d <= GO_MAX_DURATION, "{s:?} parsed as {d:?}");
            }
            prop_assert_eq!(validate(&validator, &s), usize::from(parsed.is_none()), "{:?}", s);
            Ok(())
        },
    );
}

/// Quantity pieces: digits, point, signs, exponents, the suffixes and near-suffixes.
const QUANTITY_ALPHABET: &[&str] = &[
    "0", "1", "64", "100", "1.5", ".", "+", "-", "e", "E", "e+3", "E-2", "Ki", "Mi", "Gi", "Ti", "Pi", "Ei",
    "n", "u", "m", "k", "K", "M", "G", "T", "P", "i", "B", " ", "0x", "\n",
];

/// The quantity parser (`engine::quantity::parse`), the one every quantity goes through.
#[test]
fn quantity_parser() {
    fuzz(
        "engine::quantity::parse",
        validator_input(QUANTITY_ALPHABET, quantity_shaped()),
        |s| {
            if let Some(v) = engine::quantity::parse(&s) {
                prop_assert!(!v.is_nan());
            }
            Ok(())
        },
    );
}

/// Semver constraint pieces: versions and wildcards, pre-release and build parts, every operator
/// and separator, near-operators.
const SEMVER_ALPHABET: &[&str] = &[
    "0", "1", "2", "10", "1.2.3", "1.x", "2.0", "v", "x", "X", "*", ".", "-", "+", "^", "~", "~>", ">=",
    "=>", "<=", "=<", "!=", "=", ">", "<", ",", " ", "\t", "||", "|", "alpha", "rc.1", "beta-2", " - ", ">>",
    "latest",
];

/// The `semver_constraint()` validator.
#[test]
fn semver_constraint_validator() {
    let validator = semver_constraint();
    fuzz(
        "validators::semver_constraint",
        validator_input(SEMVER_ALPHABET, semver_shaped()),
        |s| {
            prop_assert!(validate(&validator, &s) <= 1);
            Ok(())
        },
    );
}
