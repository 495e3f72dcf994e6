//! The one place where errors become diagnostics: the summary comes from the failing step, the
//! detail from the error chain.

use tfplugin::Diagnostic;

/// A diagnostic for an engine error.
#[must_use]
pub fn engine_diagnostic(operation: &str, error: &engine::Error) -> Diagnostic {
    let summary = match error {
        engine::Error::Unreachable { .. } => "Kubernetes API server unreachable",
        engine::Error::Timeout { .. } => "Timed out",
        engine::Error::Failed { .. } => "Object failed",
        engine::Error::Cancelled => "Cancelled",
        _ => "Kubernetes API error",
    };
    Diagnostic::error(format!("{summary} during {operation}"), chain(error))
}

/// An error followed by each of its causes, one per line.
#[must_use]
pub fn chain(error: &dyn std::error::Error) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        let line = cause.to_string();
        if !text.contains(&line) {
            text.push_str(&format!("\n  caused by: {line}"));
        }
        source = cause.source();
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timeouts_list_pending_objects() {
        let e = engine::Error::Timeout {
            what: "deletion",
            waited: std::time::Duration::from_secs(65),
            pending: vec![(
                engine::ObjectRef::parse("/v1/Namespace//t").unwrap(),
                "phase Terminating".into(),
            )],
        };
        let d = engine_diagnostic("destroy", &e);
        assert_eq!(d.summary, "Timed out during destroy");
        assert_eq!(
            d.detail,
            "timed out after 1m5s waiting for deletion:\n  - Namespace t: phase Terminating"
        );
    }
}
