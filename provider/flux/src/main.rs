//! The `terraform-provider-flux` plugin binary.

#[tokio::main]
async fn main() {
    // kube, rustls and the plugin TLS all use aws-lc-rs; install it before anything builds a
    // TLS config, so no crate's default can pick another backend.
    let _ = rustls::crypto::aws_lc_rs::default_provider().install_default();
    let debug = std::env::args().any(|a| a == "--debug");
    let options = tfplugin::ServeOptions {
        module: "terraform-provider-flux",
        source: flux_provider::SOURCE,
        debug,
    };
    std::process::exit(tfplugin::serve(flux_provider::FluxProvider::new(), options).await);
}
