//! Compiles the vendored protocol files in `proto/` with the pure-Rust protox compiler, so no
//! `protoc` binary is needed.
fn main() {
    let dir = "../../proto";
    println!("cargo:rerun-if-changed={dir}");
    let fds = protox::compile(["tfplugin6.proto", "plugin.proto"], [dir]).expect("compile protos");
    tonic_prost_build::configure()
        .build_client(true)
        .build_server(true)
        .compile_fds(fds)
        .expect("generate gRPC code");
}
