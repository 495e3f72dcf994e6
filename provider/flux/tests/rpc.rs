//! The built provider binary answers every RPC of tfplugin6.10: the ones a resource provider
//! needs with real responses, every other one with gRPC `Unimplemented` (which the CLIs take as
//! "not offered"), never a transport error or an error diagnostic.

use hyper_util::rt::TokioIo;
use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use tfplugin::proto::plugin as goplugin;
use tfplugin::proto::tfplugin6 as pb;
use tonic::Code;
use tonic::transport::{Channel, Endpoint, Uri};

struct Served {
    child: Child,
    socket: String,
}

impl Drop for Served {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Starts the binary in debug mode and reads the socket from its reattach line.
fn serve_debug() -> Served {
    let mut child = Command::new(env!("CARGO_BIN_EXE_terraform-provider-flux"))
        .arg("--debug")
        .stderr(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .expect("start the provider");
    let stderr = BufReader::new(child.stderr.take().expect("stderr"));
    for line in stderr.lines() {
        let line = line.expect("read stderr");
        if let Some(start) = line.find("TF_REATTACH_PROVIDERS='") {
            let json = &line[start + "TF_REATTACH_PROVIDERS='".len()..line.len() - 1];
            let v: serde_json::Value = serde_json::from_str(json).expect("reattach JSON");
            let socket = v["registry.opentofu.org/flux-aio/flux"]["Addr"]["String"]
                .as_str()
                .unwrap()
                .to_owned();
            return Served { child, socket };
        }
    }
    let _ = child.kill();
    let _ = child.wait();
    panic!("no reattach line");
}

async fn connect(socket: &str) -> Channel {
    let socket = socket.to_owned();
    Endpoint::try_from("http://[::]:50051")
        .unwrap()
        .connect_with_connector(tower::service_fn(move |_: Uri| {
            let socket = socket.clone();
            async move { Ok::<_, std::io::Error>(TokioIo::new(tokio::net::UnixStream::connect(socket).await?)) }
        }))
        .await
        .expect("connect to the provider")
}

fn code<T>(r: Result<tonic::Response<T>, tonic::Status>) -> Code {
    match r {
        Ok(_) => Code::Ok,
        Err(s) => s.code(),
    }
}

#[tokio::test]
async fn answers_every_tfplugin6_10_rpc() {
    let served = serve_debug();
    let channel = connect(&served.socket).await;
    let mut c = pb::provider_client::ProviderClient::new(channel.clone());

    let schema = c
        .get_provider_schema(pb::get_provider_schema::Request::default())
        .await
        .unwrap()
        .into_inner();
    assert!(schema.diagnostics.is_empty());
    assert!(schema.provider.is_some());
    assert!(schema.resource_schemas.contains_key("flux_tenant"));
    assert!(schema.server_capabilities.unwrap().plan_destroy);

    use Code::{Ok as Served_, Unimplemented as No};
    let tenant = || "flux_tenant".to_owned();
    let results: Vec<(&str, Code, Code)> = vec![
        (
            "GetMetadata",
            code(c.get_metadata(pb::get_metadata::Request::default()).await),
            Served_,
        ),
        ("GetProviderSchema", Served_, Served_),
        (
            "ValidateProviderConfig",
            code(
                c.validate_provider_config(pb::validate_provider_config::Request::default())
                    .await,
            ),
            Served_,
        ),
        (
            "ValidateResourceConfig",
            code(
                c.validate_resource_config(pb::validate_resource_config::Request {
                    type_name: tenant(),
                    ..Default::default()
                })
                .await,
            ),
            Served_,
        ),
        (
            "ValidateDataResourceConfig",
            code(
                c.validate_data_resource_config(pb::validate_data_resource_config::Request::default())
                    .await,
            ),
            Served_,
        ),
        (
            "UpgradeResourceState",
            code(
                c.upgrade_resource_state(pb::upgrade_resource_state::Request {
                    type_name: tenant(),
                    raw_state: Some(pb::RawState {
                        json: br#"{"name":"a","namespace":"b"}"#.to_vec(),
                        ..Default::default()
                    }),
                    ..Default::default()
                })
                .await,
            ),
            Served_,
        ),
        (
            "GetResourceIdentitySchemas",
            code(
                c.get_resource_identity_schemas(pb::get_resource_identity_schemas::Request::default())
                    .await,
            ),
            Served_,
        ),
        (
            "UpgradeResourceIdentity",
            code(
                c.upgrade_resource_identity(pb::upgrade_resource_identity::Request {
                    type_name: tenant(),
                    raw_identity: Some(pb::RawState {
                        json: br#"{"namespace":"a","name":"b"}"#.to_vec(),
                        ..Default::default()
                    }),
                    ..Default::default()
                })
                .await,
            ),
            Served_,
        ),
        (
            "ConfigureProvider",
            code(
                c.configure_provider(pb::configure_provider::Request::default())
                    .await,
            ),
            Served_,
        ),
        (
            "ReadResource",
            code(
                c.read_resource(pb::read_resource::Request {
                    type_name: tenant(),
                    ..Default::default()
                })
                .await,
            ),
            Served_,
        ),
        (
            "PlanResourceChange",
            code(
                c.plan_resource_change(pb::plan_resource_change::Request {
                    type_name: tenant(),
                    ..Default::default()
                })
                .await,
            ),
            Served_,
        ),
        (
            "ApplyResourceChange",
            code(
                c.apply_resource_change(pb::apply_resource_change::Request {
                    type_name: tenant(),
                    ..Default::default()
                })
                .await,
            ),
            Served_,
        ),
        (
            "ImportResourceState",
            code(
                c.import_resource_state(pb::import_resource_state::Request {
                    type_name: tenant(),
                    id: "bad".into(),
                    ..Default::default()
                })
                .await,
            ),
            Served_,
        ),
        (
            "MoveResourceState",
            code(
                c.move_resource_state(pb::move_resource_state::Request::default())
                    .await,
            ),
            No,
        ),
        (
            "ReadDataSource",
            code(c.read_data_source(pb::read_data_source::Request::default()).await),
            No,
        ),
        (
            "GenerateResourceConfig",
            code(
                c.generate_resource_config(pb::generate_resource_config::Request::default())
                    .await,
            ),
            No,
        ),
        (
            "ValidateEphemeralResourceConfig",
            code(
                c.validate_ephemeral_resource_config(
                    pb::validate_ephemeral_resource_config::Request::default(),
                )
                .await,
            ),
            No,
        ),
        (
            "OpenEphemeralResource",
            code(
                c.open_ephemeral_resource(pb::open_ephemeral_resource::Request::default())
                    .await,
            ),
            No,
        ),
        (
            "RenewEphemeralResource",
            code(
                c.renew_ephemeral_resource(pb::renew_ephemeral_resource::Request::default())
                    .await,
            ),
            No,
        ),
        (
            "CloseEphemeralResource",
            code(
                c.close_ephemeral_resource(pb::close_ephemeral_resource::Request::default())
                    .await,
            ),
            No,
        ),
        (
            "ListResource",
            code(c.list_resource(pb::list_resource::Request::default()).await),
            No,
        ),
        (
            "ValidateListResourceConfig",
            code(
                c.validate_list_resource_config(pb::validate_list_resource_config::Request::default())
                    .await,
            ),
            No,
        ),
        (
            "GetFunctions",
            code(c.get_functions(pb::get_functions::Request::default()).await),
            No,
        ),
        (
            "CallFunction",
            code(c.call_function(pb::call_function::Request::default()).await),
            No,
        ),
        (
            "ValidateStateStoreConfig",
            code(
                c.validate_state_store_config(pb::validate_state_store::Request::default())
                    .await,
            ),
            No,
        ),
        (
            "ConfigureStateStore",
            code(
                c.configure_state_store(pb::configure_state_store::Request::default())
                    .await,
            ),
            No,
        ),
        (
            "ReadStateBytes",
            code(c.read_state_bytes(pb::read_state_bytes::Request::default()).await),
            No,
        ),
        (
            "WriteStateBytes",
            code(
                c.write_state_bytes(tokio_stream::iter(vec![
                    pb::write_state_bytes::RequestChunk::default(),
                ]))
                .await,
            ),
            No,
        ),
        (
            "LockState",
            code(c.lock_state(pb::lock_state::Request::default()).await),
            No,
        ),
        (
            "UnlockState",
            code(c.unlock_state(pb::unlock_state::Request::default()).await),
            No,
        ),
        (
            "GetStates",
            code(c.get_states(pb::get_states::Request::default()).await),
            No,
        ),
        (
            "DeleteState",
            code(c.delete_state(pb::delete_state::Request::default()).await),
            No,
        ),
        (
            "PlanAction",
            code(c.plan_action(pb::plan_action::Request::default()).await),
            No,
        ),
        (
            "InvokeAction",
            code(c.invoke_action(pb::invoke_action::Request::default()).await),
            No,
        ),
        (
            "ValidateActionConfig",
            code(
                c.validate_action_config(pb::validate_action_config::Request::default())
                    .await,
            ),
            No,
        ),
        (
            "StopProvider",
            code(c.stop_provider(pb::stop_provider::Request::default()).await),
            Served_,
        ),
    ];
    assert_eq!(results.len(), 36, "tfplugin6.10 has 36 RPCs");
    let wrong: Vec<String> = results
        .iter()
        .filter(|(_, got, want)| got != want)
        .map(|(name, got, want)| format!("{name}: got {got:?}, want {want:?}"))
        .collect();
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));

    // go-plugin's services: stdio ends at once, health says SERVING, Shutdown stops the process.
    let mut stdio = goplugin::grpc_stdio_client::GrpcStdioClient::new(channel.clone());
    let mut stream = stdio.stream_stdio(()).await.unwrap().into_inner();
    assert!(stream.message().await.unwrap().is_none());
    let mut controller = goplugin::grpc_controller_client::GrpcControllerClient::new(channel);
    controller.shutdown(goplugin::Empty {}).await.unwrap();
    let mut served = served;
    for _ in 0..50 {
        if served.child.try_wait().unwrap().is_some() {
            return;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    panic!("the provider did not exit after Shutdown");
}

#[test]
fn refuses_to_run_by_hand() {
    let out = Command::new(env!("CARGO_BIN_EXE_terraform-provider-flux"))
        .env_remove("TF_PLUGIN_MAGIC_COOKIE")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(out.stdout.is_empty(), "stdout carries only the handshake");
    assert!(String::from_utf8_lossy(&out.stderr).contains("This binary is a plugin"));
}

#[test]
fn prints_one_plaintext_handshake_line_without_a_client_certificate() {
    let mut child = Command::new(env!("CARGO_BIN_EXE_terraform-provider-flux"))
        .env(
            "TF_PLUGIN_MAGIC_COOKIE",
            "d602bf8f470bc67ca7faa0386276bbdd4330efaf76d1a219cb4d6991ca9872b2",
        )
        .env("PLUGIN_PROTOCOL_VERSIONS", "5,6")
        .env_remove("PLUGIN_CLIENT_CERT")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    let _ = child.kill();
    let _ = child.wait();
    let parts: Vec<&str> = line.trim_end().split('|').collect();
    assert_eq!(parts[..3], ["1", "6", "unix"], "{line}");
    assert_eq!(parts[4], "grpc");
    assert!(parts[5].is_empty(), "no certificate without PLUGIN_CLIENT_CERT");
}

/// A client that does not announce write-only support would store a `_wo` value in its state:
/// validation refuses it, naming the attribute; with the capability it is accepted.
#[tokio::test]
async fn write_only_attributes_need_a_client_that_supports_them() {
    let served = serve_debug();
    let mut c = pb::provider_client::ProviderClient::new(connect(&served.socket).await);
    let config = serde_json::json!({
        "name": "apps", "namespace": "flux-system",
        "git": {"url": "https://github.com/org/repo", "path": "./", "token_wo": "s3cret", "token_wo_version": 1},
    });
    let validate = |write_only_attributes_allowed: bool| pb::validate_resource_config::Request {
        type_name: "flux_git_sync".to_owned(),
        config: Some(pb::DynamicValue {
            json: config.to_string().into_bytes(),
            ..Default::default()
        }),
        client_capabilities: Some(pb::ClientCapabilities {
            write_only_attributes_allowed,
            ..Default::default()
        }),
    };
    let refused = c
        .validate_resource_config(validate(false))
        .await
        .unwrap()
        .into_inner();
    let summaries: Vec<&str> = refused.diagnostics.iter().map(|d| d.summary.as_str()).collect();
    assert_eq!(
        summaries,
        ["Write-only attribute not supported by this client"],
        "{refused:?}"
    );
    let path = format!("{:?}", refused.diagnostics[0].attribute);
    assert!(
        path.contains("\"git\"") && path.contains("\"token_wo\""),
        "{path}"
    );
    let accepted = c
        .validate_resource_config(validate(true))
        .await
        .unwrap()
        .into_inner();
    assert!(accepted.diagnostics.is_empty(), "{accepted:?}");
}

/// Every resource has an identity (namespace and name), both required to import by identity.
#[tokio::test]
async fn every_resource_has_an_identity_schema() {
    let served = serve_debug();
    let mut c = pb::provider_client::ProviderClient::new(connect(&served.socket).await);
    let schemas = c
        .get_resource_identity_schemas(pb::get_resource_identity_schemas::Request::default())
        .await
        .unwrap()
        .into_inner()
        .identity_schemas;
    let mut names: Vec<&str> = schemas.keys().map(String::as_str).collect();
    names.sort_unstable();
    assert_eq!(
        names,
        [
            "flux_aio",
            "flux_git_sync",
            "flux_helm_release",
            "flux_oci_sync",
            "flux_tenant"
        ]
    );
    for (name, schema) in &schemas {
        let attrs: Vec<(&str, bool, &[u8])> = schema
            .identity_attributes
            .iter()
            .map(|a| (a.name.as_str(), a.required_for_import, a.r#type.as_slice()))
            .collect();
        assert_eq!(
            attrs,
            [
                ("namespace", true, &b"\"string\""[..]),
                ("name", true, &b"\"string\""[..])
            ],
            "{name}"
        );
    }
}

/// A state written before an attribute existed is upgraded with the attribute's default, as a
/// plan would fill it: the resources decode settings without restating defaults, so a null
/// there would be an error at the next refresh.
#[tokio::test]
async fn upgraded_states_gain_the_defaults_of_attributes_they_lack() {
    let served = serve_debug();
    let mut c = pb::provider_client::ProviderClient::new(connect(&served.socket).await);
    let upgraded = c
        .upgrade_resource_state(pb::upgrade_resource_state::Request {
            type_name: "flux_tenant".into(),
            version: 0,
            raw_state: Some(pb::RawState {
                json: br#"{"name":"t","namespace":"t","id":"t/t"}"#.to_vec(),
                ..Default::default()
            }),
        })
        .await
        .expect("upgrade")
        .into_inner();
    assert!(upgraded.diagnostics.is_empty(), "{:?}", upgraded.diagnostics);
    let state = upgraded.upgraded_state.expect("a state").msgpack;
    let has = |s: &str| state.windows(s.len()).any(|w| w == s.as_bytes());
    assert!(has("namespace-admin"), "role gets its default");
    assert!(
        has("helmreleases") && has("kustomizations"),
        "resource_quota gets its default"
    );
    assert!(has("flux"), "service_account gets its default");
}
