//! Pushes a folder of Flux release manifests as a Flux distribution artifact, for benchmarks
//! and demos against a local registry:
//! `push-flux-artifact oci://127.0.0.1:5000/flux-manifests:v2.9.4 <dir> [--insecure]`.

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let (Some(reference), Some(dir)) = (args.get(1), args.get(2)) else {
        eprintln!("usage: push-flux-artifact <oci://host/repo:tag> <manifest folder> [--insecure]");
        std::process::exit(2);
    };
    let insecure = args.iter().any(|a| a == "--insecure");
    let _ = rustls::crypto::aws_lc_rs::default_provider().install_default();
    let files = distribution::testing::yaml_files(std::path::Path::new(dir)).expect("read the manifests");
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    match rt.block_on(distribution::testing::push_artifact(
        reference, files, None, insecure,
    )) {
        Ok(digest) => eprintln!("pushed {reference} ({digest})"),
        Err(e) => {
            eprintln!("push failed: {}", e.report());
            std::process::exit(1);
        }
    }
}
