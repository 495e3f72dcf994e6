//! The tfplugin6 `Provider` gRPC service. Each RPC decodes its request, runs the framework's
//! schema-driven steps and the provider's hooks, and encodes the response; failures travel as
//! diagnostics, and gRPC errors are kept for RPCs the provider does not serve.

mod convert;
mod guard;
mod unimplemented;

use crate::diag::{Diagnostic, Diagnostics};
use crate::proto::tfplugin6 as pb;
use crate::provider::{ApplyRequest, ClientInfo, DeleteRequest, PlanRequest, Provider, Resource};
use crate::schema::{self, Schema};
use cty::Value;
use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};
use tokio_util::sync::CancellationToken;
use tonic::{Request, Response, Status};

/// Requests and responses may be large (plans of many objects); this matches HashiCorp's SDKs.
const MAX_MESSAGE_SIZE: usize = 256 << 20;

/// The gRPC service around a [`Provider`].
#[derive(Clone)]
pub struct ProviderService {
    inner: Arc<Inner>,
}

struct Inner {
    provider: Arc<dyn Provider>,
    provider_schema: Schema,
    resources: BTreeMap<&'static str, (Arc<dyn Resource>, Schema)>,
    stop: Mutex<CancellationToken>,
}

impl ProviderService {
    /// Wraps a provider; schemas are computed once.
    pub fn new(provider: Arc<dyn Provider>) -> Self {
        let resources = provider
            .resources()
            .into_iter()
            .map(|r| {
                let guarded: Arc<dyn Resource> = Arc::new(guard::Guarded(r));
                (guarded.type_name(), (guarded.clone(), guarded.schema()))
            })
            .collect();
        Self {
            inner: Arc::new(Inner {
                provider_schema: provider.schema(),
                provider,
                resources,
                stop: Mutex::new(CancellationToken::new()),
            }),
        }
    }

    /// The tonic server for this service.
    #[must_use]
    pub fn into_server(self) -> pb::provider_server::ProviderServer<Self> {
        pb::provider_server::ProviderServer::new(self)
            .max_decoding_message_size(MAX_MESSAGE_SIZE)
            .max_encoding_message_size(MAX_MESSAGE_SIZE)
    }

    /// The identity of an instance of `resource` whose state is `state`, if the type has one.
    fn identity(resource: &Arc<dyn Resource>, state: &Value) -> Option<pb::ResourceIdentityData> {
        if state.is_null() {
            return None;
        }
        let schema = resource.identity()?;
        convert::encode(&schema.of(state), &schema.value_type())
            .ok()
            .map(|v| pb::ResourceIdentityData {
                identity_data: Some(v),
            })
    }

    fn resource(&self, type_name: &str) -> Result<&(Arc<dyn Resource>, Schema), Diagnostic> {
        self.inner.resources.get(type_name).ok_or_else(|| {
            Diagnostic::error(
                "Unknown resource type",
                format!("This provider has no resource type {type_name:?}."),
            )
        })
    }

    fn stop_token(&self) -> CancellationToken {
        self.inner.stop.lock().map(|t| t.clone()).unwrap_or_default()
    }

    fn capabilities() -> pb::ServerCapabilities {
        pb::ServerCapabilities {
            plan_destroy: true,
            get_provider_schema_optional: false,
            ..Default::default()
        }
    }
}

/// Runs `body`, turning an early `Err(diagnostic)` into a response that carries it.
macro_rules! try_diag {
    ($diags:ident, $e:expr) => {
        match $e {
            Ok(v) => v,
            Err(d) => {
                $diags.push(d);
                None
            }
        }
    };
}

fn some_if_not_null(v: Value) -> Option<Value> {
    if v.is_null() { None } else { Some(v) }
}

#[tonic::async_trait]
impl pb::provider_server::Provider for ProviderService {
    type ListResourceStream = unimplemented::Stream<pb::list_resource::Event>;
    type InvokeActionStream = unimplemented::Stream<pb::invoke_action::Event>;
    type ReadStateBytesStream = unimplemented::Stream<pb::read_state_bytes::Response>;

    async fn get_metadata(
        &self,
        _: Request<pb::get_metadata::Request>,
    ) -> Result<Response<pb::get_metadata::Response>, Status> {
        Ok(Response::new(pb::get_metadata::Response {
            server_capabilities: Some(Self::capabilities()),
            resources: self
                .inner
                .resources
                .keys()
                .map(|name| pb::get_metadata::ResourceMetadata {
                    type_name: (*name).to_owned(),
                })
                .collect(),
            ..Default::default()
        }))
    }

    async fn get_provider_schema(
        &self,
        _: Request<pb::get_provider_schema::Request>,
    ) -> Result<Response<pb::get_provider_schema::Response>, Status> {
        Ok(Response::new(pb::get_provider_schema::Response {
            provider: Some(convert::schema(&self.inner.provider_schema)),
            resource_schemas: self
                .inner
                .resources
                .iter()
                .map(|(name, (_, s))| ((*name).to_owned(), convert::schema(s)))
                .collect(),
            server_capabilities: Some(Self::capabilities()),
            ..Default::default()
        }))
    }

    async fn validate_provider_config(
        &self,
        request: Request<pb::validate_provider_config::Request>,
    ) -> Result<Response<pb::validate_provider_config::Response>, Status> {
        let req = request.into_inner();
        let schema = &self.inner.provider_schema;
        let mut diags = Diagnostics::new();
        if let Some(config) = try_diag!(
            diags,
            convert::decode(
                req.config.as_ref(),
                &schema.value_type(),
                "provider configuration"
            )
            .map(Some)
        ) {
            schema::validate_config(schema, &config, &mut diags);
            guard::sync_hook("validation of the provider configuration", &mut diags, |d| {
                self.inner.provider.validate(&config, d);
            });
        }
        Ok(Response::new(pb::validate_provider_config::Response {
            diagnostics: convert::diagnostics(diags),
        }))
    }

    async fn validate_resource_config(
        &self,
        request: Request<pb::validate_resource_config::Request>,
    ) -> Result<Response<pb::validate_resource_config::Response>, Status> {
        let req = request.into_inner();
        let mut diags = Diagnostics::new();
        if let Some((resource, schema)) = try_diag!(diags, self.resource(&req.type_name).map(Some))
            && let Some(config) = try_diag!(
                diags,
                convert::decode(req.config.as_ref(), &schema.value_type(), "configuration").map(Some)
            )
        {
            schema::validate_config(schema, &config, &mut diags);
            let write_only_allowed = req
                .client_capabilities
                .is_some_and(|c| c.write_only_attributes_allowed);
            if !write_only_allowed {
                for path in schema::write_only_set(schema, &config) {
                    diags.error_at(
                        path,
                        "Write-only attribute not supported by this client",
                        "This version of OpenTofu or Terraform does not support write-only attributes (OpenTofu 1.11 \
                         and Terraform 1.11 do) and would store the value in the state. Use the sensitive attribute \
                         without the `_wo` suffix instead, or upgrade the client.",
                    );
                }
            }
            resource.validate(&config, &mut diags);
        }
        Ok(Response::new(pb::validate_resource_config::Response {
            diagnostics: convert::diagnostics(diags),
        }))
    }

    async fn validate_data_resource_config(
        &self,
        _: Request<pb::validate_data_resource_config::Request>,
    ) -> Result<Response<pb::validate_data_resource_config::Response>, Status> {
        // No data sources: the CLI never sends one, and an empty answer is always safe.
        Ok(Response::new(
            pb::validate_data_resource_config::Response::default(),
        ))
    }

    async fn configure_provider(
        &self,
        request: Request<pb::configure_provider::Request>,
    ) -> Result<Response<pb::configure_provider::Response>, Status> {
        let req = request.into_inner();
        let schema = &self.inner.provider_schema;
        let mut diags = Diagnostics::new();
        if let Some(config) = try_diag!(
            diags,
            convert::decode(
                req.config.as_ref(),
                &schema.value_type(),
                "provider configuration"
            )
            .map(Some)
        ) {
            let client = ClientInfo {
                terraform_version: req.terraform_version,
                write_only_attributes_allowed: req
                    .client_capabilities
                    .is_some_and(|c| c.write_only_attributes_allowed),
            };
            let configured = guard::async_hook(
                "configuration of the provider",
                self.inner.provider.configure(config, client),
            )
            .await;
            diags.extend(configured.unwrap_or_else(|panicked| panicked));
        }
        Ok(Response::new(pb::configure_provider::Response {
            diagnostics: convert::diagnostics(diags),
        }))
    }

    async fn upgrade_resource_state(
        &self,
        request: Request<pb::upgrade_resource_state::Request>,
    ) -> Result<Response<pb::upgrade_resource_state::Response>, Status> {
        let req = request.into_inner();
        let mut diags = Diagnostics::new();
        let mut upgraded_state = None;
        if let Some((_, schema)) = try_diag!(diags, self.resource(&req.type_name).map(Some)) {
            let raw = req.raw_state.unwrap_or_default();
            if raw.json.is_empty() && !raw.flatmap.is_empty() {
                diags.error(
                    "Unsupported state format",
                    "The state was written by Terraform 0.11 or older (flatmap); upgrade it with an older provider first.",
                );
            } else {
                let ty = schema.value_type();
                match cty::json::decode_bytes(&raw.json, &ty) {
                    Ok(state) => {
                        // A state written before an attribute existed gets its default, as a
                        // plan would give it: resources decode settings without restating defaults.
                        let state = schema::fill_defaults(schema, &state, state.clone());
                        let state = schema::null_write_only(schema, state);
                        upgraded_state = try_diag!(diags, convert::encode(&state, &ty).map(Some));
                    }
                    Err(e) => diags.error("Invalid state", format!("The stored state cannot be read: {e}.")),
                }
            }
        }
        Ok(Response::new(pb::upgrade_resource_state::Response {
            upgraded_state,
            diagnostics: convert::diagnostics(diags),
        }))
    }

    async fn read_resource(
        &self,
        request: Request<pb::read_resource::Request>,
    ) -> Result<Response<pb::read_resource::Response>, Status> {
        let req = request.into_inner();
        let mut diags = Diagnostics::new();
        let mut new_state = None;
        let mut new_identity = None;
        if let Some((resource, schema)) = try_diag!(diags, self.resource(&req.type_name).map(Some)) {
            let ty = schema.value_type();
            if let Some(state) = try_diag!(
                diags,
                convert::decode(req.current_state.as_ref(), &ty, "state").map(Some)
            ) {
                let read = resource.read(state).await;
                diags.extend(read.diagnostics);
                let state = schema::null_write_only(schema, read.state.unwrap_or(Value::Null));
                new_identity = Self::identity(resource, &state);
                new_state = try_diag!(diags, convert::encode(&state, &ty).map(Some));
            }
        }
        Ok(Response::new(pb::read_resource::Response {
            new_state,
            diagnostics: convert::diagnostics(diags),
            private: req.private,
            new_identity,
            ..Default::default()
        }))
    }

    async fn plan_resource_change(
        &self,
        request: Request<pb::plan_resource_change::Request>,
    ) -> Result<Response<pb::plan_resource_change::Response>, Status> {
        let req = request.into_inner();
        let mut diags = Diagnostics::new();
        let mut response = pb::plan_resource_change::Response {
            planned_private: req.prior_private.clone(),
            ..Default::default()
        };
        if let Some((resource, schema)) = try_diag!(diags, self.resource(&req.type_name).map(Some)) {
            let ty = schema.value_type();
            let decoded = convert::decode_all(
                [
                    (req.prior_state.as_ref(), "prior state"),
                    (req.proposed_new_state.as_ref(), "proposed state"),
                    (req.config.as_ref(), "configuration"),
                ],
                &ty,
            );
            if let Some([prior, proposed, config]) = try_diag!(diags, decoded.map(Some)) {
                let planned = if proposed.is_null() {
                    Value::Null // destroy
                } else {
                    let mut planned = schema::fill_defaults(schema, &config, proposed);
                    if prior.is_null() {
                        planned = schema::unknown_computed(schema, &config, planned);
                    }
                    let planned = schema::null_write_only(schema, planned);
                    let plan = resource
                        .plan(PlanRequest {
                            config,
                            prior: some_if_not_null(prior.clone()),
                            planned,
                        })
                        .await;
                    diags.extend(plan.diagnostics);
                    let planned = schema::null_write_only(schema, plan.planned);
                    if !prior.is_null() {
                        let mut paths = schema::requires_replace(schema, &prior, &planned);
                        paths.extend(plan.requires_replace);
                        response.requires_replace = paths.iter().map(convert::path).collect();
                    }
                    planned
                };
                response.planned_identity = Self::identity(resource, &planned);
                response.planned_state = try_diag!(diags, convert::encode(&planned, &ty).map(Some));
            }
        }
        response.diagnostics = convert::diagnostics(diags);
        Ok(Response::new(response))
    }

    async fn apply_resource_change(
        &self,
        request: Request<pb::apply_resource_change::Request>,
    ) -> Result<Response<pb::apply_resource_change::Response>, Status> {
        let req = request.into_inner();
        let mut diags = Diagnostics::new();
        let mut response = pb::apply_resource_change::Response {
            private: req.planned_private.clone(),
            ..Default::default()
        };
        if let Some((resource, schema)) = try_diag!(diags, self.resource(&req.type_name).map(Some)) {
            let ty = schema.value_type();
            let decoded = convert::decode_all(
                [
                    (req.prior_state.as_ref(), "prior state"),
                    (req.planned_state.as_ref(), "planned state"),
                    (req.config.as_ref(), "configuration"),
                ],
                &ty,
            );
            if let Some([prior, planned, config]) = try_diag!(diags, decoded.map(Some)) {
                let stop = self.stop_token();
                let new_state = if planned.is_null() {
                    let deleted = resource
                        .delete(DeleteRequest {
                            prior: prior.clone(),
                            stop,
                        })
                        .await;
                    let failed = deleted.has_error();
                    diags.extend(deleted);
                    // A failed delete keeps the object in state, so the next run tries again.
                    if failed { prior } else { Value::Null }
                } else {
                    let is_create = prior.is_null();
                    let req = ApplyRequest {
                        config,
                        prior: some_if_not_null(prior.clone()),
                        planned,
                        stop,
                    };
                    let applied = if is_create {
                        resource.create(req).await
                    } else {
                        resource.update(req).await
                    };
                    diags.extend(applied.diagnostics);
                    applied.state.unwrap_or(prior)
                };
                let new_state = schema::null_write_only(schema, new_state);
                response.new_identity = Self::identity(resource, &new_state);
                response.new_state = try_diag!(diags, convert::encode(&new_state, &ty).map(Some));
            }
        }
        response.diagnostics = convert::diagnostics(diags);
        Ok(Response::new(response))
    }

    async fn import_resource_state(
        &self,
        request: Request<pb::import_resource_state::Request>,
    ) -> Result<Response<pb::import_resource_state::Response>, Status> {
        let req = request.into_inner();
        let mut diags = Diagnostics::new();
        let mut imported_resources = Vec::new();
        if let Some((resource, schema)) = try_diag!(diags, self.resource(&req.type_name).map(Some))
            && let Some(id) = try_diag!(diags, import_id(resource, &req).map(Some))
        {
            let imported = resource.import(&id).await;
            diags.extend(imported.diagnostics);
            if let Some(state) = imported.state {
                let value = schema::null_write_only(schema, state);
                if let Some(state) = try_diag!(diags, convert::encode(&value, &schema.value_type()).map(Some))
                {
                    imported_resources.push(pb::import_resource_state::ImportedResource {
                        type_name: req.type_name.clone(),
                        identity: Self::identity(resource, &value),
                        state: Some(state),
                        ..Default::default()
                    });
                }
            }
        }
        Ok(Response::new(pb::import_resource_state::Response {
            imported_resources,
            diagnostics: convert::diagnostics(diags),
            ..Default::default()
        }))
    }

    async fn read_data_source(
        &self,
        request: Request<pb::read_data_source::Request>,
    ) -> Result<Response<pb::read_data_source::Response>, Status> {
        let type_name = request.into_inner().type_name;
        Err(Status::unimplemented(format!(
            "this provider has no data sources (asked for {type_name:?})"
        )))
    }

    async fn stop_provider(
        &self,
        _: Request<pb::stop_provider::Request>,
    ) -> Result<Response<pb::stop_provider::Response>, Status> {
        if let Ok(mut token) = self.inner.stop.lock() {
            token.cancel();
            *token = CancellationToken::new();
        }
        Ok(Response::new(pb::stop_provider::Response::default()))
    }

    // RPCs for features this provider does not offer: the CLIs treat Unimplemented as "none".
    async fn get_resource_identity_schemas(
        &self,
        _: Request<pb::get_resource_identity_schemas::Request>,
    ) -> Result<Response<pb::get_resource_identity_schemas::Response>, Status> {
        let identity_schemas = self
            .inner
            .resources
            .iter()
            .filter_map(|(name, (r, _))| Some(((*name).to_owned(), convert::identity_schema(&r.identity()?))))
            .collect();
        Ok(Response::new(pb::get_resource_identity_schemas::Response {
            identity_schemas,
            diagnostics: Vec::new(),
        }))
    }

    async fn upgrade_resource_identity(
        &self,
        request: Request<pb::upgrade_resource_identity::Request>,
    ) -> Result<Response<pb::upgrade_resource_identity::Response>, Status> {
        let req = request.into_inner();
        let mut diags = Diagnostics::new();
        let mut upgraded_identity = None;
        if let Some((resource, _)) = try_diag!(diags, self.resource(&req.type_name).map(Some)) {
            match resource.identity() {
                // One identity version so far: the stored identity is re-encoded as is.
                Some(identity) => {
                    let ty = identity.value_type();
                    let raw = req.raw_identity.unwrap_or_default();
                    match cty::json::decode_bytes(&raw.json, &ty) {
                        Ok(v) => {
                            upgraded_identity =
                                try_diag!(diags, convert::encode(&v, &ty).map(Some)).map(|d| {
                                    pb::ResourceIdentityData {
                                        identity_data: Some(d),
                                    }
                                });
                        }
                        Err(e) => diags.error(
                            "Invalid identity",
                            format!("The stored identity cannot be read: {e}."),
                        ),
                    }
                }
                None => diags.error(
                    "No identity",
                    format!("Resource type {:?} has no identity.", req.type_name),
                ),
            }
        }
        Ok(Response::new(pb::upgrade_resource_identity::Response {
            upgraded_identity,
            diagnostics: convert::diagnostics(diags),
        }))
    }

    async fn move_resource_state(
        &self,
        _: Request<pb::move_resource_state::Request>,
    ) -> Result<Response<pb::move_resource_state::Response>, Status> {
        Err(unimplemented::status("move_resource_state"))
    }

    async fn generate_resource_config(
        &self,
        _: Request<pb::generate_resource_config::Request>,
    ) -> Result<Response<pb::generate_resource_config::Response>, Status> {
        Err(unimplemented::status("generate_resource_config"))
    }

    async fn validate_ephemeral_resource_config(
        &self,
        _: Request<pb::validate_ephemeral_resource_config::Request>,
    ) -> Result<Response<pb::validate_ephemeral_resource_config::Response>, Status> {
        Err(unimplemented::status("validate_ephemeral_resource_config"))
    }

    async fn open_ephemeral_resource(
        &self,
        _: Request<pb::open_ephemeral_resource::Request>,
    ) -> Result<Response<pb::open_ephemeral_resource::Response>, Status> {
        Err(unimplemented::status("open_ephemeral_resource"))
    }

    async fn renew_ephemeral_resource(
        &self,
        _: Request<pb::renew_ephemeral_resource::Request>,
    ) -> Result<Response<pb::renew_ephemeral_resource::Response>, Status> {
        Err(unimplemented::status("renew_ephemeral_resource"))
    }

    async fn close_ephemeral_resource(
        &self,
        _: Request<pb::close_ephemeral_resource::Request>,
    ) -> Result<Response<pb::close_ephemeral_resource::Response>, Status> {
        Err(unimplemented::status("close_ephemeral_resource"))
    }

    async fn list_resource(
        &self,
        _: Request<pb::list_resource::Request>,
    ) -> Result<Response<Self::ListResourceStream>, Status> {
        Err(unimplemented::status("list_resource"))
    }

    async fn validate_list_resource_config(
        &self,
        _: Request<pb::validate_list_resource_config::Request>,
    ) -> Result<Response<pb::validate_list_resource_config::Response>, Status> {
        Err(unimplemented::status("validate_list_resource_config"))
    }

    async fn get_functions(
        &self,
        _: Request<pb::get_functions::Request>,
    ) -> Result<Response<pb::get_functions::Response>, Status> {
        Err(unimplemented::status("get_functions"))
    }

    async fn call_function(
        &self,
        _: Request<pb::call_function::Request>,
    ) -> Result<Response<pb::call_function::Response>, Status> {
        Err(unimplemented::status("call_function"))
    }

    async fn validate_state_store_config(
        &self,
        _: Request<pb::validate_state_store::Request>,
    ) -> Result<Response<pb::validate_state_store::Response>, Status> {
        Err(unimplemented::status("validate_state_store_config"))
    }

    async fn configure_state_store(
        &self,
        _: Request<pb::configure_state_store::Request>,
    ) -> Result<Response<pb::configure_state_store::Response>, Status> {
        Err(unimplemented::status("configure_state_store"))
    }

    async fn read_state_bytes(
        &self,
        _: Request<pb::read_state_bytes::Request>,
    ) -> Result<Response<Self::ReadStateBytesStream>, Status> {
        Err(unimplemented::status("read_state_bytes"))
    }

    async fn write_state_bytes(
        &self,
        _: Request<tonic::Streaming<pb::write_state_bytes::RequestChunk>>,
    ) -> Result<Response<pb::write_state_bytes::Response>, Status> {
        Err(unimplemented::status("write_state_bytes"))
    }

    async fn lock_state(
        &self,
        _: Request<pb::lock_state::Request>,
    ) -> Result<Response<pb::lock_state::Response>, Status> {
        Err(unimplemented::status("lock_state"))
    }

    async fn unlock_state(
        &self,
        _: Request<pb::unlock_state::Request>,
    ) -> Result<Response<pb::unlock_state::Response>, Status> {
        Err(unimplemented::status("unlock_state"))
    }

    async fn get_states(
        &self,
        _: Request<pb::get_states::Request>,
    ) -> Result<Response<pb::get_states::Response>, Status> {
        Err(unimplemented::status("get_states"))
    }

    async fn delete_state(
        &self,
        _: Request<pb::delete_state::Request>,
    ) -> Result<Response<pb::delete_state::Response>, Status> {
        Err(unimplemented::status("delete_state"))
    }

    async fn plan_action(
        &self,
        _: Request<pb::plan_action::Request>,
    ) -> Result<Response<pb::plan_action::Response>, Status> {
        Err(unimplemented::status("plan_action"))
    }

    async fn invoke_action(
        &self,
        _: Request<pb::invoke_action::Request>,
    ) -> Result<Response<Self::InvokeActionStream>, Status> {
        Err(unimplemented::status("invoke_action"))
    }

    async fn validate_action_config(
        &self,
        _: Request<pb::validate_action_config::Request>,
    ) -> Result<Response<pb::validate_action_config::Response>, Status> {
        Err(unimplemented::status("validate_action_config"))
    }
}

/// The import ID of an `ImportResourceState` request: the ID given, or the one the resource
/// derives from the identity given (`import { identity = { ... } }`).
fn import_id(
    resource: &Arc<dyn Resource>,
    req: &pb::import_resource_state::Request,
) -> Result<String, Diagnostic> {
    if !req.id.is_empty() {
        return Ok(req.id.clone());
    }
    let schema = resource.identity().ok_or_else(|| {
        Diagnostic::error("Missing import ID", "This resource type is imported by ID only.")
    })?;
    let data = req.identity.as_ref().and_then(|i| i.identity_data.as_ref());
    let identity = convert::decode(data, &schema.value_type(), "identity")?;
    resource.import_id(&identity).ok_or_else(|| {
        Diagnostic::error(
            "Incomplete identity",
            format!(
                "Importing by identity needs every identity attribute: {}.",
                schema
                    .attributes
                    .iter()
                    .map(|(n, _, _)| n.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        )
    })
}
