//! Rendering: a wholly known value → typed settings → objects, marked with their owner, with
//! the digests and desired forms the plan and the refresh compare.

use super::digests::object_digest;
use super::ownership;
use super::{Managed, Rendered};
use crate::render;
use crate::resources::{CONFIG_ANNOTATION, Common, Context, FluxResource, RECORD_BUDGET};
use engine::ObjectRef;
use engine::inventory::as_stored;
use kube::api::DynamicObject;
use std::collections::BTreeMap;
use tfplugin::Diagnostics;
use tfplugin::cty::Value;

use crate::resources::DIGEST_SALT;
use crate::resources::secrets;

impl<R: FluxResource> Managed<R> {
    /// Whether every attribute the user can set is known, so the objects can be rendered.
    pub(super) fn inputs_known(&self, value: &Value) -> bool {
        self.schema
            .attributes
            .iter()
            .filter(|a| a.optional || a.required)
            .all(|a| value.get(&a.name).is_wholly_known())
            && value.get("timeouts").is_wholly_known()
    }

    /// Decodes and renders a wholly known value; the value gains the computed attributes the
    /// settings decide. The write-only attributes of `config` (plan and apply; a refresh has
    /// none) reach the settings, never `value`.
    pub(super) async fn render(
        &self,
        value: &mut Value,
        config: Option<&Value>,
        ctx: &Context<'_>,
        diags: &mut Diagnostics,
    ) -> Option<(Common, Rendered)> {
        let common = match Common::from_value(value) {
            Ok(common) => common,
            Err(d) => {
                diags.push(d);
                return None;
            }
        };
        let settings = match config {
            Some(config) => {
                let with_secrets = tfplugin::schema::with_write_only(&self.schema, config, value.clone());
                R::settings(ctx, &with_secrets, diags).await?
            }
            None => R::settings(ctx, value, diags).await?,
        };
        if let Value::Object(map) = value {
            for (name, v) in R::computed(&settings) {
                map.insert(name.to_owned(), v);
            }
        }
        let mut objects = R::render(&common, &settings, &self.shared.field_manager());
        if let Err(d) = render::patch::patch_objects(&mut objects, R::patches(&settings), "patches") {
            diags.push(d);
            return None;
        }
        if let Some(record) = R::CONFIG_RECORD {
            self.record_config(&mut objects, record, &common, value);
        }
        ownership::mark(&mut objects, &Self::owner(&common));
        let salt = value.get(DIGEST_SALT).as_str().unwrap_or_default().to_owned();
        let mut digests = BTreeMap::new();
        let mut desired = BTreeMap::new();
        for o in &objects {
            let key = ObjectRef::of(o).key();
            let mut stored = as_stored(&render::to_json(o));
            secrets::mask(&mut stored);
            digests.insert(key.clone(), object_digest(&ObjectRef::of(o), &salt, &stored));
            desired.insert(key, stored);
        }
        Some((
            common,
            Rendered {
                objects,
                digests,
                desired,
            },
        ))
    }

    /// Adds the [`CONFIG_ANNOTATION`] to the object `record` names: every attribute the user
    /// sets but `name` and `namespace` (the import ID), sensitive ones null.
    pub(super) fn record_config(
        &self,
        objects: &mut [DynamicObject],
        record: &str,
        common: &Common,
        value: &Value,
    ) {
        let mut config = serde_json::Map::new();
        for a in self.schema.attributes.iter().filter(|a| a.optional || a.required) {
            if a.name == "name" || a.name == "namespace" {
                continue;
            }
            let v = tfplugin::schema::null_sensitive(a, value.get(&a.name).clone());
            if let Ok(json) = tfplugin::cty::json::encode(&v, &a.value_type()) {
                config.insert(a.name.clone(), json);
            }
        }
        for b in &self.schema.blocks {
            if let Ok(json) = tfplugin::cty::json::encode(value.get(&b.name), &b.value_type()) {
                config.insert(b.name.clone(), json);
            }
        }
        if serde_json::to_vec(&config).map_or(0, |b| b.len()) > RECORD_BUDGET {
            for (attribute, _) in R::RECORDED_IN_SPEC {
                config.remove(*attribute);
            }
        }
        let key_prefix = format!("{record}/{}/{}", common.namespace, common.name);
        if let Some(o) = objects.iter_mut().find(|o| ObjectRef::of(o).key() == key_prefix) {
            o.metadata
                .annotations
                .get_or_insert_with(Default::default)
                .insert(
                    CONFIG_ANNOTATION.to_owned(),
                    serde_json::Value::Object(config).to_string(),
                );
        }
    }

    /// This instance's owner mark.
    pub(super) fn owner(common: &Common) -> String {
        ownership::owner(R::TYPE_NAME, &common.namespace, &common.name)
    }

    /// The objects of the prior inventory that the rendering dropped but the resource keeps
    /// (see [`FluxResource::keep_when_dropped`]), with their prior digests.
    pub(super) fn kept(prior: &BTreeMap<String, String>, rendered: &Rendered) -> BTreeMap<String, String> {
        prior
            .iter()
            .filter(|(k, _)| !rendered.digests.contains_key(*k))
            .filter(|(k, _)| ObjectRef::parse(k).is_ok_and(|r| R::keep_when_dropped(&r)))
            .map(|(k, d)| (k.clone(), d.clone()))
            .collect()
    }
}
