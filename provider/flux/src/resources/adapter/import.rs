//! Importing: the configuration recorded on the instance's record object, the secrets read
//! back from its Secrets, and a fresh salt.

use super::Managed;
use super::digests::new_salt;
use crate::resources::{CONFIG_ANNOTATION, DIGEST_SALT, FluxResource, import_error, read_for_import};
use engine::Engine;
use std::collections::BTreeMap;
use tfplugin::cty::Value;
use tfplugin::{Diagnostic, Diagnostics, ReadResponse};

impl<R: FluxResource> Managed<R> {
    /// The attributes recorded in the [`CONFIG_ANNOTATION`] of an instance being imported.
    pub(super) async fn read_record(
        &self,
        engine: &Engine,
        record: &str,
        namespace: &str,
        name: &str,
    ) -> Result<BTreeMap<String, Value>, Diagnostic> {
        let key = format!("{record}/{namespace}/{name}");
        let object = read_for_import(engine, key.clone()).await?.ok_or_else(|| {
            import_error(format!(
                "no {} {namespace}/{name}",
                record.rsplit('/').next().unwrap_or(record)
            ))
        })?;
        let text = object
            .metadata
            .annotations
            .as_ref()
            .and_then(|a| a.get(CONFIG_ANNOTATION))
            .ok_or_else(|| {
                import_error(format!(
                    "{key} has no {CONFIG_ANNOTATION} annotation: it was not applied by this provider"
                ))
            })?;
        let json: serde_json::Value = serde_json::from_str(text).map_err(|e| {
            import_error(format!(
                "the {CONFIG_ANNOTATION} annotation of {key} is not JSON: {e}"
            ))
        })?;
        let mut attrs = BTreeMap::new();
        for (attribute, pointer) in R::RECORDED_IN_SPEC {
            if json.get(*attribute).is_none() {
                let (ty, v) = match object.data.pointer(pointer) {
                    Some(j) => tfplugin::cty::from_plain_json(j),
                    None => (tfplugin::cty::Type::Dynamic, Value::Null),
                };
                attrs.insert((*attribute).to_owned(), Value::Dynamic(ty, Box::new(v)));
            }
        }
        for a in self.schema.attributes.iter().filter(|a| a.optional || a.required) {
            if let Some(j) = json.get(&a.name) {
                let v = tfplugin::cty::json::decode(j, &a.value_type()).map_err(|e| {
                    import_error(format!(
                        "attribute {} recorded on {key} cannot be read: {e}",
                        a.name
                    ))
                })?;
                attrs.insert(a.name.clone(), v);
            }
        }
        for b in &self.schema.blocks {
            if let Some(v) = json
                .get(&b.name)
                .and_then(|j| tfplugin::cty::json::decode(j, &b.value_type()).ok())
            {
                attrs.insert(b.name.clone(), v);
            }
        }
        Ok(attrs)
    }

    pub(super) async fn import_instance(&self, id: &str) -> ReadResponse {
        let mut diags = Diagnostics::new();
        let state = match self.imported_state(id).await {
            Ok(state) => Some(state),
            Err(d) => {
                diags.push(d);
                None
            }
        };
        ReadResponse {
            state,
            diagnostics: diags,
        }
    }

    /// The state of instance `id` (`<namespace>/<name>`) read back from the cluster.
    async fn imported_state(&self, id: &str) -> Result<Value, Diagnostic> {
        let Some((namespace, name)) = id
            .split_once('/')
            .filter(|(ns, n)| !ns.is_empty() && !n.is_empty())
        else {
            return Err(Diagnostic::error(
                "Invalid import ID",
                format!("Expected \"<namespace>/<name>\", got {id:?}."),
            ));
        };
        let engine = self.shared.engine().await?;
        let recorded = match R::CONFIG_RECORD {
            Some(record) => self.read_record(&engine, record, namespace, name).await?,
            None => BTreeMap::new(),
        };
        let attrs = R::import(&engine, namespace, name, recorded).await?;
        let mut state: BTreeMap<String, Value> = self
            .schema
            .attributes
            .iter()
            .map(|a| (a.name.clone(), a.default.clone().unwrap_or(Value::Null)))
            .collect();
        state.insert("timeouts".into(), Value::Null);
        state.insert("name".into(), Value::string(name));
        state.insert("namespace".into(), Value::string(namespace));
        state.insert("id".into(), Value::string(id));
        state.insert("objects".into(), Value::Map(BTreeMap::new()));
        state.insert(DIGEST_SALT.into(), Value::string(new_salt()));
        state.extend(attrs);
        // A record written by an older release may lack attributes added since: defaults, as
        // a plan would give them.
        let state = Value::Object(state);
        Ok(tfplugin::schema::fill_defaults(
            &self.schema,
            &state,
            state.clone(),
        ))
    }
}
