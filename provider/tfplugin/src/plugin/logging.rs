//! Logs as go-plugin reads them: one hclog-style JSON object per line on stderr, with `@level`,
//! `@message`, `@timestamp` (exactly six fractional digits) and `@module`. The level comes from
//! `TF_LOG_PROVIDER`, else `TF_LOG`, as with providers built on HashiCorp's SDKs.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::io::Write as _;
use time::OffsetDateTime;
use time::macros::format_description;
use tracing::field::{Field, Visit};
use tracing::{Event, Level, Subscriber};
use tracing_subscriber::Layer;
use tracing_subscriber::filter::Targets;
use tracing_subscriber::layer::{Context, SubscriberExt};
use tracing_subscriber::util::SubscriberInitExt;

/// Crates whose debug output would drown the provider's own; capped at `info`.
const NOISY: &[&str] = &[
    "h2",
    "hyper",
    "hyper_util",
    "tower",
    "rustls",
    "tonic",
    "tokio_util",
    "aws_lc_rs",
];

/// The filter directive for a `TF_LOG` style level (`TRACE`, `DEBUG`, `INFO`, `WARN`, `ERROR`,
/// `JSON`, `OFF`); unset or unknown values log warnings and errors only.
#[must_use]
pub fn filter_directive(tf_log: Option<&str>) -> String {
    let level = match tf_log.map(str::to_ascii_lowercase).as_deref() {
        Some("trace" | "json") => "trace",
        Some("debug") => "debug",
        Some("info") => "info",
        Some("error") => "error",
        Some("off") => "off",
        _ => "warn",
    };
    let mut directive = level.to_owned();
    if matches!(level, "trace" | "debug") {
        for krate in NOISY {
            let _ = write!(directive, ",{krate}=info");
        }
    }
    directive
}

/// Installs the hclog-JSON subscriber on stderr. Stdout is reserved for the handshake line.
pub fn init(module: &'static str) {
    let tf_log = std::env::var("TF_LOG_PROVIDER")
        .ok()
        .or_else(|| std::env::var("TF_LOG").ok());
    // Plain level and per-crate directives: `Targets` reads them without EnvFilter's regex
    // engine, which the binary would otherwise carry.
    let filter: Targets = filter_directive(tf_log.as_deref())
        .parse()
        .unwrap_or_else(|_| Targets::new().with_default(tracing::Level::WARN));
    let _ = tracing_subscriber::registry()
        .with(HclogLayer { module }.with_filter(filter))
        .try_init();
}

/// Formats events as hclog JSON lines.
pub struct HclogLayer {
    module: &'static str,
}

impl<S: Subscriber> Layer<S> for HclogLayer {
    fn on_event(&self, event: &Event<'_>, _ctx: Context<'_, S>) {
        let line = format_event(
            self.module,
            event.metadata().level(),
            event,
            OffsetDateTime::now_utc(),
        );
        let mut stderr = std::io::stderr().lock();
        let _ = stderr.write_all(line.as_bytes());
    }
}

fn format_event(module: &str, level: &Level, event: &Event<'_>, now: OffsetDateTime) -> String {
    let mut fields = FieldVisitor::default();
    event.record(&mut fields);
    let mut object = serde_json::Map::new();
    object.insert("@level".into(), level_name(level).into());
    object.insert("@message".into(), fields.message.unwrap_or_default().into());
    object.insert("@module".into(), module.into());
    object.insert("@timestamp".into(), timestamp(now).into());
    for (k, v) in fields.fields {
        object.insert(k, v);
    }
    let mut line = serde_json::Value::Object(object).to_string();
    line.push('\n');
    line
}

fn level_name(level: &Level) -> &'static str {
    match *level {
        Level::TRACE => "trace",
        Level::DEBUG => "debug",
        Level::INFO => "info",
        Level::WARN => "warn",
        Level::ERROR => "error",
    }
}

/// `2006-01-02T15:04:05.000000Z07:00`, the only layout go-plugin accepts.
fn timestamp(now: OffsetDateTime) -> String {
    let fmt = format_description!(
        "[year]-[month]-[day]T[hour]:[minute]:[second].[subsecond digits:6][offset_hour sign:mandatory]:[offset_minute]"
    );
    now.format(&fmt).unwrap_or_default()
}

#[derive(Default)]
struct FieldVisitor {
    message: Option<String>,
    fields: BTreeMap<String, serde_json::Value>,
}

impl Visit for FieldVisitor {
    fn record_str(&mut self, field: &Field, value: &str) {
        self.put(field, value.into());
    }
    fn record_i64(&mut self, field: &Field, value: i64) {
        self.put(field, value.into());
    }
    fn record_u64(&mut self, field: &Field, value: u64) {
        self.put(field, value.into());
    }
    fn record_bool(&mut self, field: &Field, value: bool) {
        self.put(field, value.into());
    }
    fn record_debug(&mut self, field: &Field, value: &dyn std::fmt::Debug) {
        self.put(field, format!("{value:?}").into());
    }
}

impl FieldVisitor {
    fn put(&mut self, field: &Field, value: serde_json::Value) {
        if field.name() == "message" {
            self.message = Some(match value {
                serde_json::Value::String(s) => s,
                other => other.to_string(),
            });
        } else {
            self.fields.insert(field.name().to_owned(), value);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::{Arc, Mutex};

    #[test]
    fn levels_map_from_tf_log() {
        assert_eq!(filter_directive(None), "warn");
        assert_eq!(filter_directive(Some("INFO")), "info");
        assert!(filter_directive(Some("JSON")).starts_with("trace,h2=info"));
        assert!(filter_directive(Some("debug")).starts_with("debug,"));
    }

    #[test]
    fn timestamps_have_six_fraction_digits() {
        let t = OffsetDateTime::from_unix_timestamp_nanos(1_700_000_000_123_456_789).unwrap();
        assert_eq!(timestamp(t), "2023-11-14T22:13:20.123456+00:00");
    }

    struct Capture(Arc<Mutex<Vec<String>>>);
    impl<S: Subscriber> Layer<S> for Capture {
        fn on_event(&self, event: &Event<'_>, _ctx: Context<'_, S>) {
            let t = OffsetDateTime::from_unix_timestamp(0).unwrap();
            self.0
                .lock()
                .unwrap()
                .push(format_event("m", event.metadata().level(), event, t));
        }
    }

    #[test]
    fn events_become_hclog_json() {
        let lines = Arc::new(Mutex::new(Vec::new()));
        let subscriber = tracing_subscriber::registry().with(Capture(lines.clone()));
        tracing::subscriber::with_default(subscriber, || {
            tracing::debug!(object = "v1/Namespace//x", count = 3, "applied");
        });
        let line = lines.lock().unwrap()[0].clone();
        let v: serde_json::Value = serde_json::from_str(&line).unwrap();
        assert_eq!(v["@level"], "debug");
        assert_eq!(v["@message"], "applied");
        assert_eq!(v["@module"], "m");
        assert_eq!(v["@timestamp"], "1970-01-01T00:00:00.000000+00:00");
        assert_eq!(v["object"], "v1/Namespace//x");
        assert_eq!(v["count"], 3);
    }
}
