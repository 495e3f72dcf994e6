//! Exec credential plugins (`aws eks get-token`, `gke-gcloud-auth-plugin`, `kubelogin`), run once
//! per provider process and reused until the credential expires.
//!
//! kube runs a certificate- or token-returning plugin several times while it builds one client
//! (TLS identity, auth layer, expiry); cloud plugins take a second or more per run, so the
//! provider runs the plugin itself, once, and hands kube the static credential.

use base64::Engine as _;
use kube::config::{AuthInfo, ExecConfig};
use serde_json::Value;
use std::io::Read as _;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant, SystemTime};

/// How long a credential plugin may run. Plugins print a token in well under a second; one
/// that waits for input or a network that never answers must not hang the whole apply.
pub const EXEC_TIMEOUT: Duration = Duration::from_secs(60);

/// A credential returned by an exec plugin.
#[derive(Clone)]
pub struct ExecCredential {
    /// Bearer token.
    pub token: Option<String>,
    /// PEM client certificate and key.
    pub client_identity: Option<(String, String)>,
    /// When the credential expires; `None` means never.
    pub expires: Option<SystemTime>,
}

impl std::fmt::Debug for ExecCredential {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ExecCredential")
            .field("expires", &self.expires)
            .finish_non_exhaustive()
    }
}

/// Runs the plugin once, never interactively, for at most [`EXEC_TIMEOUT`], and reads its
/// ExecCredential.
///
/// # Errors
/// A message naming the command, with its exit status and stderr, or the timeout.
pub fn run(exec: &ExecConfig) -> Result<ExecCredential, String> {
    run_within(exec, EXEC_TIMEOUT)
}

/// [`run`] with another time limit; the plugin is killed when it runs out.
///
/// # Errors
/// As [`run`].
pub fn run_within(exec: &ExecConfig, timeout: Duration) -> Result<ExecCredential, String> {
    let command = exec
        .command
        .clone()
        .ok_or("the exec credential plugin has no command")?;
    let api_version = exec
        .api_version
        .clone()
        .unwrap_or_else(|| "client.authentication.k8s.io/v1beta1".into());
    let info = serde_json::json!({"apiVersion": api_version, "kind": "ExecCredential", "spec": {"interactive": false}});
    let mut cmd = Command::new(&command);
    cmd.args(exec.args.clone().unwrap_or_default())
        .env("KUBERNETES_EXEC_INFO", info.to_string())
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    for var in exec.env.clone().unwrap_or_default() {
        if let (Some(name), Some(value)) = (var.get("name"), var.get("value")) {
            cmd.env(name, value);
        }
    }
    for name in exec.drop_env.clone().unwrap_or_default() {
        cmd.env_remove(name);
    }
    let mut child = cmd.spawn().map_err(|e| {
        format!(
            "failed to run the exec credential plugin {command:?}: {e} (is it on the PATH the CLI runs with?)"
        )
    })?;
    // Read both pipes while waiting, so a chatty plugin cannot block on a full pipe.
    let reader = |pipe: Option<Box<dyn std::io::Read + Send>>| {
        std::thread::spawn(move || {
            let mut bytes = Vec::new();
            if let Some(mut pipe) = pipe {
                let _ = pipe.read_to_end(&mut bytes);
            }
            bytes
        })
    };
    let stdout = reader(
        child
            .stdout
            .take()
            .map(|p| Box::new(p) as Box<dyn std::io::Read + Send>),
    );
    let stderr = reader(
        child
            .stderr
            .take()
            .map(|p| Box::new(p) as Box<dyn std::io::Read + Send>),
    );
    let deadline = Instant::now() + timeout;
    let status = loop {
        match child.try_wait() {
            Ok(Some(status)) => break status,
            Ok(None) if Instant::now() < deadline => std::thread::sleep(Duration::from_millis(10)),
            Ok(None) => {
                let _ = child.kill();
                let _ = child.wait();
                return Err(format!(
                    "the exec credential plugin {command:?} did not finish within {}s and was stopped",
                    timeout.as_secs()
                ));
            }
            Err(e) => return Err(format!("waiting for the exec credential plugin {command:?}: {e}")),
        }
    };
    let (stdout, stderr) = (
        stdout.join().unwrap_or_default(),
        stderr.join().unwrap_or_default(),
    );
    if !status.success() {
        return Err(format!(
            "the exec credential plugin {command:?} failed ({status}): {}",
            String::from_utf8_lossy(&stderr).trim()
        ));
    }
    parse(&stdout).map_err(|e| format!("the exec credential plugin {command:?} printed {e}"))
}

/// Parses an ExecCredential document (JSON, or YAML as some plugins print).
///
/// # Errors
/// When it is not an ExecCredential with a token or a client certificate and key.
pub fn parse(stdout: &[u8]) -> Result<ExecCredential, String> {
    let text = String::from_utf8_lossy(stdout);
    let doc: Value = serde_json::from_str(&text)
        .or_else(|_| serde_saphyr::from_str(&text))
        .map_err(|e| format!("no ExecCredential: {e}"))?;
    let status = doc.get("status").ok_or("an ExecCredential without status")?;
    let field = |k: &str| status.get(k).and_then(Value::as_str).map(str::to_owned);
    let expires = match field("expirationTimestamp") {
        Some(ts) => Some(
            time::OffsetDateTime::parse(&ts, &time::format_description::well_known::Rfc3339)
                .map_err(|e| format!("an invalid expirationTimestamp {ts:?}: {e}"))?
                .into(),
        ),
        None => None,
    };
    let credential = ExecCredential {
        token: field("token"),
        client_identity: field("clientCertificateData").zip(field("clientKeyData")),
        expires,
    };
    if credential.token.is_none() && credential.client_identity.is_none() {
        return Err("an ExecCredential with neither a token nor a client certificate".into());
    }
    Ok(credential)
}

/// Replaces the plugin in `auth` with the credential it returned.
pub fn apply(auth: &mut AuthInfo, credential: &ExecCredential) {
    auth.exec = None;
    if let Some(token) = &credential.token {
        auth.token = Some(token.clone().into());
    }
    if let Some((cert, key)) = &credential.client_identity {
        let b64 = |pem: &str| base64::engine::general_purpose::STANDARD.encode(pem.as_bytes());
        auth.client_certificate_data = Some(b64(cert));
        auth.client_key_data = Some(b64(key).into());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_plugin_that_hangs_is_stopped_at_the_timeout() {
        let exec = ExecConfig {
            command: Some("sh".into()),
            args: Some(vec!["-c".into(), "sleep 30".into()]),
            ..Default::default()
        };
        let started = Instant::now();
        let err = run_within(&exec, Duration::from_secs(1)).unwrap_err();
        assert!(
            started.elapsed() < Duration::from_secs(10),
            "{:?}",
            started.elapsed()
        );
        assert!(err.contains("did not finish within 1s"), "{err}");
    }

    #[test]
    fn a_plugin_prints_its_credential() {
        let exec = ExecConfig {
            command: Some("sh".into()),
            args: Some(vec![
                "-c".into(),
                r#"echo '{"apiVersion":"client.authentication.k8s.io/v1","kind":"ExecCredential","status":{"token":"t"}}'; echo noise >&2"#.into(),
            ]),
            ..Default::default()
        };
        assert_eq!(run(&exec).unwrap().token.as_deref(), Some("t"));
    }

    #[test]
    fn parses_tokens_and_certificates() {
        let t = parse(br#"{"kind":"ExecCredential","status":{"token":"abc","expirationTimestamp":"2030-01-01T00:00:00Z"}}"#)
            .unwrap();
        assert_eq!(t.token.as_deref(), Some("abc"));
        assert!(t.expires.is_some());
        let c = parse(b"kind: ExecCredential\nstatus:\n  clientCertificateData: C\n  clientKeyData: K\n")
            .unwrap();
        assert_eq!(c.client_identity, Some(("C".into(), "K".into())));
        assert!(c.expires.is_none());
        assert!(parse(br#"{"status":{}}"#).is_err());
        assert!(parse(b"not json").is_err());
    }

    #[test]
    fn runs_the_plugin_once_with_its_environment() {
        let exec = ExecConfig {
            command: Some("sh".into()),
            args: Some(vec![
                "-c".into(),
                r#"printf '{"status":{"token":"%s-%s"}}' "$TOKEN" "$(echo "$KUBERNETES_EXEC_INFO" | grep -c interactive)""#
                    .into(),
            ]),
            env: Some(vec![[("name".to_owned(), "TOKEN".to_owned()), ("value".to_owned(), "t".to_owned())]
                .into_iter()
                .collect()]),
            ..Default::default()
        };
        assert_eq!(run(&exec).unwrap().token.as_deref(), Some("t-1"));
        let failing = ExecConfig {
            command: Some("sh".into()),
            args: Some(vec!["-c".into(), "echo denied >&2; exit 3".into()]),
            ..Default::default()
        };
        let e = run(&failing).unwrap_err();
        assert!(e.contains("denied") && e.contains("sh"), "{e}");
    }
}
