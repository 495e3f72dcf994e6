//! The serve loop: a unix socket, plaintext or AutoMTLS, the tfplugin6 service plus go-plugin's
//! controller, stdio and health services, until the CLI calls Shutdown.

use super::{handshake, logging, tls};
use crate::proto::plugin as goplugin;
use crate::provider::Provider;
use crate::server::ProviderService;
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::pin::Pin;
use std::sync::Arc;
use tokio::net::{UnixListener, UnixStream};
use tokio::sync::{Notify, mpsc};
use tokio_stream::wrappers::{ReceiverStream, UnixListenerStream};
use tonic::transport::Server;
use tonic::{Request, Response, Status};

/// How to serve.
pub struct ServeOptions {
    /// The `@module` of log lines, e.g. `terraform-provider-flux`.
    pub module: &'static str,
    /// The provider's source address without host, e.g. `flux-aio/flux`, for `--debug`.
    pub source: &'static str,
    /// Serve without the handshake and print a `TF_REATTACH_PROVIDERS` value.
    pub debug: bool,
}

/// Serves `provider` until the CLI shuts it down. Returns the process exit code.
pub async fn serve(provider: impl Provider, options: ServeOptions) -> i32 {
    logging::init(options.module);
    if !options.debug
        && let Err(e) = handshake::check_environment(
            std::env::var(handshake::MAGIC_COOKIE_KEY).ok().as_deref(),
            std::env::var("PLUGIN_PROTOCOL_VERSIONS").ok().as_deref(),
        )
    {
        eprintln!("{e}");
        return 1;
    }
    match run(provider, options).await {
        Ok(()) => 0,
        Err(e) => {
            tracing::error!(error = %e, "provider failed");
            eprintln!("terraform-provider: {e}");
            1
        }
    }
}

#[derive(Debug, thiserror::Error)]
enum Error {
    #[error("failed to listen on {0}")]
    Listen(PathBuf, #[source] std::io::Error),
    #[error(transparent)]
    Tls(#[from] tls::Error),
    #[error("failed to serve gRPC")]
    Serve(#[source] tonic::transport::Error),
    #[error("failed to write the handshake line")]
    Handshake(#[source] std::io::Error),
}

async fn run(provider: impl Provider, options: ServeOptions) -> Result<(), Error> {
    ignore_interrupts();
    let socket = socket_path();
    let listener = UnixListener::bind(&socket).map_err(|e| Error::Listen(socket.clone(), e))?;
    let _cleanup = RemoveOnDrop(socket.clone());

    let shutdown = Arc::new(Notify::new());
    let (health_reporter, health) = tonic_health::server::health_reporter();
    health_reporter
        .set_service_status("plugin", tonic_health::ServingStatus::Serving)
        .await;
    let router = Server::builder()
        .add_service(ProviderService::new(Arc::new(provider)).into_server())
        .add_service(goplugin::grpc_controller_server::GrpcControllerServer::new(
            Controller {
                shutdown: shutdown.clone(),
            },
        ))
        .add_service(goplugin::grpc_stdio_server::GrpcStdioServer::new(Stdio))
        .add_service(goplugin::grpc_broker_server::GrpcBrokerServer::new(Broker))
        .add_service(health);
    let stop = {
        let shutdown = shutdown.clone();
        async move {
            let mut term = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()).ok();
            tokio::select! {
                () = shutdown.notified() => {},
                Some(()) = async { match term.as_mut() { Some(t) => t.recv().await, None => None } } => {},
            }
            tracing::debug!("shutting down");
        }
    };

    let socket_str = socket.display().to_string();
    let client_cert = std::env::var("PLUGIN_CLIENT_CERT").ok().filter(|c| !c.is_empty());
    if options.debug {
        let value = handshake::reattach_value(options.source, &socket_str, std::process::id());
        eprintln!(
            "Provider served in debug mode. Point a CLI at it with:\n\n\texport TF_REATTACH_PROVIDERS='{value}'\n"
        );
        router
            .serve_with_incoming_shutdown(UnixListenerStream::new(listener), stop)
            .await
            .map_err(Error::Serve)
    } else if let Some(pem) = client_cert {
        let server_tls = tls::server_tls(&pem)?;
        print_handshake(&handshake::handshake_line(
            &socket_str,
            Some(&server_tls.certificate_der),
        ))?;
        let incoming = tls_incoming(listener, tokio_rustls::TlsAcceptor::from(server_tls.config));
        router
            .serve_with_incoming_shutdown(incoming, stop)
            .await
            .map_err(Error::Serve)
    } else {
        print_handshake(&handshake::handshake_line(&socket_str, None))?;
        router
            .serve_with_incoming_shutdown(UnixListenerStream::new(listener), stop)
            .await
            .map_err(Error::Serve)
    }
}

#[allow(
    clippy::print_stdout,
    reason = "the handshake line is the one thing written to stdout"
)]
fn print_handshake(line: &str) -> Result<(), Error> {
    let mut stdout = std::io::stdout().lock();
    stdout.write_all(line.as_bytes()).map_err(Error::Handshake)?;
    stdout.flush().map_err(Error::Handshake)
}

/// TLS handshakes run in their own tasks, so one slow client cannot hold up the others.
fn tls_incoming(
    listener: UnixListener,
    acceptor: tokio_rustls::TlsAcceptor,
) -> ReceiverStream<Result<tokio_rustls::server::TlsStream<UnixStream>, std::io::Error>> {
    let (tx, rx) = mpsc::channel(16);
    tokio::spawn(async move {
        loop {
            let (stream, _) = match listener.accept().await {
                Ok(s) => s,
                Err(e) => {
                    tracing::warn!(error = %e, "accept failed");
                    continue;
                }
            };
            let acceptor = acceptor.clone();
            let tx = tx.clone();
            tokio::spawn(async move {
                match acceptor.accept(stream).await {
                    Ok(tls) => {
                        let _ = tx.send(Ok(tls)).await;
                    }
                    Err(e) => tracing::warn!(error = %e, "TLS handshake with the CLI failed"),
                }
            });
        }
    });
    ReceiverStream::new(rx)
}

fn socket_path() -> PathBuf {
    let dir = std::env::var_os("PLUGIN_UNIX_SOCKET_DIR").map_or_else(std::env::temp_dir, PathBuf::from);
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.subsec_nanos());
    dir.join(format!("tf-provider-{}-{nanos}.sock", std::process::id()))
}

struct RemoveOnDrop(PathBuf);
impl Drop for RemoveOnDrop {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(Path::new(&self.0));
    }
}

/// A terminal's Ctrl-C reaches the whole process group; the CLI then calls StopProvider and
/// Shutdown, so the provider must not die on SIGINT itself.
fn ignore_interrupts() {
    if let Ok(mut sigint) = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::interrupt()) {
        tokio::spawn(async move {
            while sigint.recv().await.is_some() {
                tracing::debug!("ignoring SIGINT; waiting for the CLI to stop the provider");
            }
        });
    }
}

struct Controller {
    shutdown: Arc<Notify>,
}

#[tonic::async_trait]
impl goplugin::grpc_controller_server::GrpcController for Controller {
    async fn shutdown(&self, _: Request<goplugin::Empty>) -> Result<Response<goplugin::Empty>, Status> {
        self.shutdown.notify_one();
        Ok(Response::new(goplugin::Empty {}))
    }
}

struct Stdio;

type StdioStream = Pin<Box<dyn futures::Stream<Item = Result<goplugin::StdioData, Status>> + Send>>;

#[tonic::async_trait]
impl goplugin::grpc_stdio_server::GrpcStdio for Stdio {
    type StreamStdioStream = StdioStream;
    /// The provider never writes to stdout or stderr through go-plugin's stdio channel (logs go
    /// straight to stderr), so the stream ends at once.
    async fn stream_stdio(&self, _: Request<()>) -> Result<Response<Self::StreamStdioStream>, Status> {
        Ok(Response::new(Box::pin(futures::stream::empty())))
    }
}

struct Broker;

type BrokerStream = Pin<Box<dyn futures::Stream<Item = Result<goplugin::ConnInfo, Status>> + Send>>;

#[tonic::async_trait]
impl goplugin::grpc_broker_server::GrpcBroker for Broker {
    type StartStreamStream = BrokerStream;
    async fn start_stream(
        &self,
        _: Request<tonic::Streaming<goplugin::ConnInfo>>,
    ) -> Result<Response<Self::StartStreamStream>, Status> {
        Err(Status::unimplemented(
            "terraform providers do not use the go-plugin broker",
        ))
    }
}
