//! AutoMTLS as go-plugin does it: the provider makes a fresh self-signed server certificate,
//! and accepts exactly one client certificate, the one the CLI passed in `PLUGIN_CLIENT_CERT`.
//!
//! The CLI's certificate is a self-signed ECDSA P-521 CA certificate. rustls' WebPKI verifier
//! rejects it as a leaf (`CaUsedAsEndEntity`), and only the aws-lc-rs backend verifies P-521
//! signatures, so the verifier here pins the exact DER bytes and delegates signature checks to
//! aws-lc-rs.

use rcgen::{
    BasicConstraints, CertificateParams, DnType, ExtendedKeyUsagePurpose, IsCa, KeyPair, KeyUsagePurpose,
};
use rustls::client::danger::HandshakeSignatureValid;
use rustls::crypto::WebPkiSupportedAlgorithms;
use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer, UnixTime};
use rustls::server::danger::{ClientCertVerified, ClientCertVerifier};
use rustls::{DigitallySignedStruct, DistinguishedName, ServerConfig, SignatureScheme};
use std::sync::Arc;
use time::{Duration, OffsetDateTime};

/// Failures while setting up TLS.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// `PLUGIN_CLIENT_CERT` held no PEM certificate.
    #[error("PLUGIN_CLIENT_CERT holds no PEM certificate")]
    NoClientCertificate,
    /// The server certificate could not be generated.
    #[error("failed to generate the server certificate")]
    GenerateCertificate(#[source] rcgen::Error),
    /// rustls refused the configuration.
    #[error("failed to build the TLS configuration")]
    Config(#[source] rustls::Error),
}

/// A server TLS configuration and the DER of its certificate (for the handshake line).
pub struct ServerTls {
    /// The rustls configuration, ALPN `h2`, client certificate required and pinned.
    pub config: Arc<ServerConfig>,
    /// The server certificate, DER encoded.
    pub certificate_der: Vec<u8>,
}

/// Builds the server side of AutoMTLS for the client certificate `client_cert_pem`.
///
/// # Errors
/// When the PEM holds no certificate or a certificate cannot be made.
pub fn server_tls(client_cert_pem: &str) -> Result<ServerTls, Error> {
    let client_der = rustls_pemfile::certs(&mut client_cert_pem.as_bytes())
        .next()
        .and_then(Result::ok)
        .ok_or(Error::NoClientCertificate)?;

    // ECDSA P-256. go-plugin's Go servers use P-521, but the CLI verifies any key Go's
    // crypto/tls does, and P-256 is the quickest to generate and sign with (RSA would cost tens
    // of milliseconds at every start). This asks aws-lc for the process's first random bytes:
    // see .cargo/config.toml for how its generator is seeded, which used to dominate start-up.
    let key = KeyPair::generate_for(&rcgen::PKCS_ECDSA_P256_SHA256).map_err(Error::GenerateCertificate)?;
    let mut params =
        CertificateParams::new(vec!["localhost".to_owned()]).map_err(Error::GenerateCertificate)?;
    params.distinguished_name.push(DnType::CommonName, "localhost");
    params
        .distinguished_name
        .push(DnType::OrganizationName, "HashiCorp");
    params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    params.key_usages = vec![
        KeyUsagePurpose::DigitalSignature,
        KeyUsagePurpose::KeyEncipherment,
        KeyUsagePurpose::KeyAgreement,
        KeyUsagePurpose::KeyCertSign,
    ];
    params.extended_key_usages = vec![
        ExtendedKeyUsagePurpose::ServerAuth,
        ExtendedKeyUsagePurpose::ClientAuth,
    ];
    let now = OffsetDateTime::now_utc();
    params.not_before = now - Duration::seconds(30);
    params.not_after = now + Duration::hours(262_980);
    let cert = params.self_signed(&key).map_err(Error::GenerateCertificate)?;
    let certificate_der = cert.der().to_vec();

    let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
    let verifier = PinnedClientCert {
        der: client_der.to_vec(),
        algorithms: provider.signature_verification_algorithms,
    };
    let mut config = ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(Error::Config)?
        .with_client_cert_verifier(Arc::new(verifier))
        .with_single_cert(
            vec![CertificateDer::from(certificate_der.clone())],
            PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(key.serialize_der())),
        )
        .map_err(Error::Config)?;
    config.alpn_protocols = vec![b"h2".to_vec()];
    Ok(ServerTls {
        config: Arc::new(config),
        certificate_der,
    })
}

/// Accepts exactly one client certificate, by its DER bytes.
#[derive(Debug)]
struct PinnedClientCert {
    der: Vec<u8>,
    algorithms: WebPkiSupportedAlgorithms,
}

impl ClientCertVerifier for PinnedClientCert {
    fn root_hint_subjects(&self) -> &[DistinguishedName] {
        &[]
    }

    fn verify_client_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        _intermediates: &[CertificateDer<'_>],
        _now: UnixTime,
    ) -> Result<ClientCertVerified, rustls::Error> {
        if end_entity.as_ref() == self.der.as_slice() {
            Ok(ClientCertVerified::assertion())
        } else {
            Err(rustls::Error::InvalidCertificate(
                rustls::CertificateError::ApplicationVerificationFailure,
            ))
        }
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls12_signature(message, cert, dss, &self.algorithms)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls13_signature(message, cert, dss, &self.algorithms)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.algorithms.supported_schemes()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rustls::client::danger::{ServerCertVerified, ServerCertVerifier};
    use rustls::pki_types::ServerName;
    use tokio::io::{AsyncReadExt, AsyncWriteExt};

    /// The client side of the test: trusts exactly the server certificate it is given.
    #[derive(Debug)]
    struct PinnedServer(Vec<u8>, WebPkiSupportedAlgorithms);

    impl ServerCertVerifier for PinnedServer {
        fn verify_server_cert(
            &self,
            end_entity: &CertificateDer<'_>,
            _: &[CertificateDer<'_>],
            _: &ServerName<'_>,
            _: &[u8],
            _: UnixTime,
        ) -> Result<ServerCertVerified, rustls::Error> {
            assert_eq!(end_entity.as_ref(), self.0.as_slice());
            Ok(ServerCertVerified::assertion())
        }
        fn verify_tls12_signature(
            &self,
            m: &[u8],
            c: &CertificateDer<'_>,
            d: &DigitallySignedStruct,
        ) -> Result<HandshakeSignatureValid, rustls::Error> {
            rustls::crypto::verify_tls12_signature(m, c, d, &self.1)
        }
        fn verify_tls13_signature(
            &self,
            m: &[u8],
            c: &CertificateDer<'_>,
            d: &DigitallySignedStruct,
        ) -> Result<HandshakeSignatureValid, rustls::Error> {
            rustls::crypto::verify_tls13_signature(m, c, d, &self.1)
        }
        fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
            self.1.supported_schemes()
        }
    }

    /// A client certificate like go-plugin's: self-signed, CA:TRUE, ECDSA P-521.
    fn go_plugin_like_client() -> (String, Vec<u8>, Vec<u8>) {
        let key = KeyPair::generate_for(&rcgen::PKCS_ECDSA_P521_SHA512).unwrap();
        let mut params = CertificateParams::new(vec!["localhost".to_owned()]).unwrap();
        params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        params.extended_key_usages = vec![
            ExtendedKeyUsagePurpose::ClientAuth,
            ExtendedKeyUsagePurpose::ServerAuth,
        ];
        let cert = params.self_signed(&key).unwrap();
        (cert.pem(), cert.der().to_vec(), key.serialize_der())
    }

    async fn handshake(
        server: &ServerTls,
        client_der: Vec<u8>,
        client_key: Vec<u8>,
    ) -> Result<Vec<u8>, String> {
        let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
        let verifier = PinnedServer(
            server.certificate_der.clone(),
            provider.signature_verification_algorithms,
        );
        let mut config = rustls::ClientConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .unwrap()
            .dangerous()
            .with_custom_certificate_verifier(Arc::new(verifier))
            .with_client_auth_cert(
                vec![CertificateDer::from(client_der)],
                PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(client_key)),
            )
            .unwrap();
        config.alpn_protocols = vec![b"h2".to_vec()];
        let (a, b) = tokio::io::duplex(64 * 1024);
        let acceptor = tokio_rustls::TlsAcceptor::from(server.config.clone());
        let server_side = tokio::spawn(async move {
            let mut tls = acceptor.accept(b).await.map_err(|e| e.to_string())?;
            let alpn = tls
                .get_ref()
                .1
                .alpn_protocol()
                .map(<[u8]>::to_vec)
                .unwrap_or_default();
            tls.write_all(b"ok").await.map_err(|e| e.to_string())?;
            tls.flush().await.map_err(|e| e.to_string())?;
            Ok::<_, String>(alpn)
        });
        let connector = tokio_rustls::TlsConnector::from(Arc::new(config));
        let client = async {
            let mut tls = connector
                .connect(ServerName::try_from("localhost").unwrap(), a)
                .await
                .map_err(|e| e.to_string())?;
            let mut buf = [0u8; 2];
            tls.read_exact(&mut buf).await.map_err(|e| e.to_string())?;
            Ok::<_, String>(())
        };
        let client_result = client.await;
        let server_result = server_side.await.unwrap();
        client_result.and(server_result)
    }

    #[tokio::test]
    async fn accepts_exactly_the_pinned_p521_client_certificate() {
        let _ = rustls::crypto::aws_lc_rs::default_provider().install_default();
        let (pem, der, key) = go_plugin_like_client();
        let server = server_tls(&pem).unwrap();
        assert_eq!(
            handshake(&server, der, key).await.unwrap(),
            b"h2".to_vec(),
            "ALPN h2 negotiated"
        );

        let (_, other_der, other_key) = go_plugin_like_client();
        let refused = handshake(&server, other_der, other_key).await;
        assert!(refused.is_err(), "another client certificate must be refused");
    }

    #[test]
    fn rejects_missing_pem() {
        let _ = rustls::crypto::aws_lc_rs::default_provider().install_default();
        assert!(matches!(server_tls("nothing"), Err(Error::NoClientCertificate)));
    }
}
