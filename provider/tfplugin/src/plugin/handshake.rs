//! The go-plugin handshake: the magic cookie, protocol negotiation and the one line on stdout.

use base64::Engine as _;

/// The cookie every Terraform and OpenTofu CLI sets when it starts a provider.
pub const MAGIC_COOKIE_KEY: &str = "TF_PLUGIN_MAGIC_COOKIE";
/// Its value.
pub const MAGIC_COOKIE_VALUE: &str = "d602bf8f470bc67ca7faa0386276bbdd4330efaf76d1a219cb4d6991ca9872b2";
/// The only application protocol served: tfplugin6.
pub const PROTOCOL_VERSION: u32 = 6;

/// Why the process cannot serve as a plugin.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// Started by hand rather than by a CLI.
    #[error(
        "This binary is a plugin. These are not meant to be executed directly.\n\
         Please execute the program that consumes these plugins (tofu or terraform), which will\n\
         load any plugins automatically, or run it with --debug to attach a CLI through\n\
         TF_REATTACH_PROVIDERS."
    )]
    NotAPlugin,
    /// The CLI does not speak protocol 6.
    #[error("the CLI offers plugin protocols {0:?}, but this provider serves only protocol 6")]
    NoCommonProtocol(String),
}

/// Checks the environment a CLI sets for its plugins.
///
/// # Errors
/// [`Error::NotAPlugin`] without the cookie, [`Error::NoCommonProtocol`] when version 6 is not
/// offered.
pub fn check_environment(cookie: Option<&str>, protocol_versions: Option<&str>) -> Result<(), Error> {
    if cookie != Some(MAGIC_COOKIE_VALUE) {
        return Err(Error::NotAPlugin);
    }
    match protocol_versions {
        // An old client that sends no list speaks only its default protocol; accept and let the
        // gRPC calls fail loudly if it is not 6.
        None => Ok(()),
        Some(list) if list.split(',').any(|v| v.trim() == PROTOCOL_VERSION.to_string()) => Ok(()),
        Some(list) => Err(Error::NoCommonProtocol(list.to_owned())),
    }
}

/// The line printed on stdout once the server listens:
/// `1|6|unix|<socket>|grpc|<base64 DER of the server certificate, no padding>`.
#[must_use]
pub fn handshake_line(socket: &str, server_cert_der: Option<&[u8]>) -> String {
    let cert = server_cert_der.map(|der| base64::engine::general_purpose::STANDARD_NO_PAD.encode(der));
    format!(
        "1|{PROTOCOL_VERSION}|unix|{socket}|grpc|{}\n",
        cert.unwrap_or_default()
    )
}

/// The `TF_REATTACH_PROVIDERS` value for a provider served in debug mode on `socket`, for both
/// registries' addresses of `source` (such as `flux-aio/flux`).
#[must_use]
pub fn reattach_value(source: &str, socket: &str, pid: u32) -> String {
    let entry = serde_json::json!({
        "Protocol": "grpc",
        "ProtocolVersion": PROTOCOL_VERSION,
        "Pid": pid,
        "Test": true,
        "Addr": {"Network": "unix", "String": socket},
    });
    let mut map = serde_json::Map::new();
    for host in ["registry.opentofu.org", "registry.terraform.io"] {
        map.insert(format!("{host}/{source}"), entry.clone());
    }
    serde_json::Value::Object(map).to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn environment_checks() {
        assert!(matches!(
            check_environment(None, Some("5,6")),
            Err(Error::NotAPlugin)
        ));
        assert!(check_environment(Some(MAGIC_COOKIE_VALUE), Some("5,6")).is_ok());
        assert!(matches!(
            check_environment(Some(MAGIC_COOKIE_VALUE), Some("5")),
            Err(Error::NoCommonProtocol(_))
        ));
    }

    #[test]
    fn line_format() {
        assert_eq!(
            handshake_line("/tmp/p.sock", None),
            "1|6|unix|/tmp/p.sock|grpc|\n"
        );
        assert_eq!(
            handshake_line("/s", Some(&[0xff, 0xfe])),
            "1|6|unix|/s|grpc|//4\n"
        );
        let v: serde_json::Value = serde_json::from_str(&reattach_value("a/flux", "/s", 7)).unwrap();
        assert_eq!(v["registry.opentofu.org/a/flux"]["Addr"]["String"], "/s");
    }
}
