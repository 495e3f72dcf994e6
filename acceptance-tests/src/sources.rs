//! Real Flux sources on loopback: Git repositories over smart HTTP(S) and Helm repositories,
//! both served by `source-server.py` (Python's standard library and Debian's `git http-backend`),
//! with test CAs made here; the same Git repositories over SSH, served by Debian's OpenSSH
//! server ([`SshServer`]).
//!
//! The Flux controllers of the test bed trust [`trusted_ca`] (through `SSL_CERT_FILE`), as a
//! cluster trusts a public CA: a server with a certificate from it is a "public" server. A server
//! with a certificate from another [`TestCa`] is a self-hosted one, reachable only with `git.ca`.

use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

/// A certificate authority for loopback servers.
pub struct TestCa {
    pem: String,
    issuer: rcgen::Issuer<'static, rcgen::KeyPair>,
}

impl TestCa {
    /// A new CA named `name`.
    ///
    /// # Panics
    /// When the key or certificate cannot be made.
    #[must_use]
    pub fn new(name: &str) -> Self {
        let key = rcgen::KeyPair::generate().expect("CA key");
        let mut params = rcgen::CertificateParams::new(Vec::<String>::new()).expect("CA params");
        params.is_ca = rcgen::IsCa::Ca(rcgen::BasicConstraints::Unconstrained);
        params.distinguished_name.push(rcgen::DnType::CommonName, name);
        params.key_usages = vec![
            rcgen::KeyUsagePurpose::KeyCertSign,
            rcgen::KeyUsagePurpose::CrlSign,
        ];
        let cert = params.self_signed(&key).expect("CA certificate");
        Self {
            pem: cert.pem(),
            issuer: rcgen::Issuer::new(params, key),
        }
    }

    /// The CA certificate (PEM).
    #[must_use]
    pub fn pem(&self) -> &str {
        &self.pem
    }

    /// A serving certificate for `127.0.0.1` and `localhost` (CA:FALSE), as `(cert, key)` PEM.
    ///
    /// # Panics
    /// When the certificate cannot be made.
    #[must_use]
    pub fn serving_cert(&self) -> (String, String) {
        let key = rcgen::KeyPair::generate().expect("server key");
        let mut params = rcgen::CertificateParams::new(vec!["127.0.0.1".to_owned(), "localhost".to_owned()])
            .expect("params");
        params.is_ca = rcgen::IsCa::ExplicitNoCa;
        params.extended_key_usages = vec![rcgen::ExtendedKeyUsagePurpose::ServerAuth];
        let cert = params.signed_by(&key, &self.issuer).expect("server certificate");
        (cert.pem(), key.serialize_pem())
    }
}

/// The CA that the test bed's Flux controllers trust, and the file holding it.
pub fn trusted_ca() -> &'static (TestCa, PathBuf) {
    static CA: OnceLock<(TestCa, PathBuf)> = OnceLock::new();
    CA.get_or_init(|| {
        let ca = TestCa::new("flux test bed public CA");
        let dir = tempfile::Builder::new()
            .prefix("flux-trusted-ca-")
            .tempdir()
            .expect("tempdir")
            .keep();
        let path = dir.join("ca.crt");
        std::fs::write(&path, ca.pem()).expect("write CA");
        (ca, path)
    })
}

/// How a [`SourceServer`] serves.
#[derive(Default)]
pub struct ServerOptions {
    /// Serve HTTPS with this `(cert, key)` PEM pair.
    pub tls: Option<(String, String)>,
    /// HTTP Basic credentials that paths under `/private/` require.
    pub auth: Option<(String, String)>,
}

/// `source-server.py` on a free loopback port, serving a temporary directory: Git smart HTTP for
/// the bare repositories in it, and its other files as they are. Killed on drop.
pub struct SourceServer {
    child: Child,
    dir: tempfile::TempDir,
    port: u16,
    scheme: &'static str,
}

impl SourceServer {
    /// Starts a server and waits until it listens.
    ///
    /// # Panics
    /// When it does not start within 20 s.
    #[must_use]
    pub fn start(options: &ServerOptions) -> Self {
        let dir = tempfile::Builder::new()
            .prefix("flux-source-server-")
            .tempdir()
            .expect("tempdir");
        let root = dir.path().join("root");
        std::fs::create_dir_all(root.join("private")).expect("mkdir");
        std::fs::create_dir_all(root.join("public")).expect("mkdir");
        let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("source-server.py");
        let port_file = dir.path().join("port");
        let log = std::fs::File::create(dir.path().join("server.log")).expect("log file");
        let mut cmd = Command::new("python3");
        cmd.arg(script)
            .arg("--root")
            .arg(&root)
            .arg("--port-file")
            .arg(&port_file)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(log);
        if let Some((cert, key)) = &options.tls {
            std::fs::write(dir.path().join("tls.crt"), cert).expect("write cert");
            std::fs::write(dir.path().join("tls.key"), key).expect("write key");
            cmd.arg("--tls-cert")
                .arg(dir.path().join("tls.crt"))
                .arg("--tls-key")
                .arg(dir.path().join("tls.key"));
        }
        if let Some((user, password)) = &options.auth {
            cmd.arg("--auth").arg(format!("{user}:{password}"));
        }
        let child = cmd.spawn().expect("start source-server.py");
        let deadline = Instant::now() + Duration::from_secs(20);
        let port = loop {
            if let Some(port) = std::fs::read_to_string(&port_file)
                .ok()
                .and_then(|p| p.trim().parse().ok())
            {
                break port;
            }
            assert!(
                Instant::now() < deadline,
                "source-server.py did not start: {}",
                std::fs::read_to_string(dir.path().join("server.log")).unwrap_or_default()
            );
            std::thread::sleep(Duration::from_millis(50));
        };
        Self {
            child,
            dir,
            port,
            scheme: if options.tls.is_some() { "https" } else { "http" },
        }
    }

    /// `scheme://127.0.0.1:port/<path>`.
    #[must_use]
    pub fn url(&self, path: &str) -> String {
        format!(
            "{}://127.0.0.1:{}/{}",
            self.scheme,
            self.port,
            path.trim_start_matches('/')
        )
    }

    /// The directory the server serves.
    #[must_use]
    pub fn root(&self) -> PathBuf {
        self.dir.path().join("root")
    }

    /// The server's request log so far.
    #[must_use]
    pub fn log(&self) -> String {
        std::fs::read_to_string(self.dir.path().join("server.log")).unwrap_or_default()
    }

    /// A new bare repository at `path` (e.g. `private/fleet.git`) with a first commit of
    /// `files` on `main`.
    #[must_use]
    pub fn git_repo(&self, path: &str, files: &[(&str, &str)]) -> GitRepo {
        let bare = self.root().join(path);
        git(&self.root(), &["init", "-q", "--bare", "-b", "main", path]);
        let work = tempfile::Builder::new()
            .prefix("flux-git-work-")
            .tempdir()
            .expect("tempdir");
        git(work.path(), &["init", "-q", "-b", "main", "."]);
        git(
            work.path(),
            &["remote", "add", "origin", bare.to_str().expect("UTF-8 path")],
        );
        let repo = GitRepo { work };
        let _ = repo.commit(files, &[], "initial commit");
        repo
    }

    /// Serves a Helm repository at `path` (an `index.yaml` and one archive per chart).
    pub fn helm_repo(&self, path: &str, charts: &[Chart]) {
        let dir = self.root().join(path);
        std::fs::create_dir_all(&dir).expect("mkdir");
        let mut index = String::from("apiVersion: v1\nentries:\n");
        let mut names: Vec<&str> = charts.iter().map(|c| c.name.as_str()).collect();
        names.sort_unstable();
        names.dedup();
        for name in names {
            index.push_str(&format!("  {name}:\n"));
            for chart in charts.iter().filter(|c| c.name == name) {
                let archive = chart.archive();
                let file = format!("{}-{}.tgz", chart.name, chart.version);
                std::fs::write(dir.join(&file), &archive).expect("write chart");
                let digest = sha256_hex(&archive);
                let url = self.url(&format!("{}/{file}", path.trim_end_matches('/')));
                index.push_str(&format!(
                    "  - apiVersion: v2\n    name: {name}\n    version: {version}\n    type: application\n    \
                     created: \"2026-01-01T00:00:00Z\"\n    digest: {digest}\n    urls:\n    - {url}\n",
                    version = chart.version,
                ));
            }
        }
        index.push_str("generated: \"2026-01-01T00:00:00Z\"\n");
        std::fs::write(dir.join("index.yaml"), index).expect("write index");
    }
}

impl Drop for SourceServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A working clone of a served repository, to commit to it.
pub struct GitRepo {
    work: tempfile::TempDir,
}

impl GitRepo {
    /// Writes `files`, removes `remove`, commits and pushes to `main`; returns the commit SHA.
    pub fn commit(&self, files: &[(&str, &str)], remove: &[&str], message: &str) -> String {
        let work = self.work.path();
        for (path, content) in files {
            let file = work.join(path);
            std::fs::create_dir_all(file.parent().expect("parent")).expect("mkdir");
            std::fs::write(file, content).expect("write file");
        }
        for path in remove {
            git(work, &["rm", "-q", "-r", path]);
        }
        git(work, &["add", "-A"]);
        git(
            work,
            &[
                "-c",
                "user.name=tests",
                "-c",
                "user.email=tests@example.invalid",
                "commit",
                "-q",
                "-m",
                message,
            ],
        );
        git(work, &["push", "-q", "origin", "main"]);
        git(work, &["rev-parse", "HEAD"]).trim().to_owned()
    }
}

/// An SSH key pair made by `ssh-keygen` (ed25519, OpenSSH format).
pub struct SshKey {
    /// The private key, encrypted with the passphrase if one was given.
    pub private: String,
    /// The public key line (`ssh-ed25519 AAAA... comment`).
    pub public: String,
}

impl SshKey {
    /// A new key pair, its private key encrypted with `passphrase` when not empty.
    ///
    /// # Panics
    /// When `ssh-keygen` fails.
    #[must_use]
    pub fn generate(passphrase: &str) -> Self {
        let dir = tempfile::Builder::new()
            .prefix("flux-ssh-key-")
            .tempdir()
            .expect("tempdir");
        let file = dir.path().join("id_ed25519");
        ssh_keygen(&file, passphrase);
        Self {
            private: std::fs::read_to_string(&file).expect("private key"),
            public: std::fs::read_to_string(file.with_extension("pub")).expect("public key"),
        }
    }
}

fn ssh_keygen(file: &Path, passphrase: &str) {
    let out = Command::new("ssh-keygen")
        .args([
            "-q",
            "-t",
            "ed25519",
            "-C",
            "flux-acceptance-tests",
            "-N",
            passphrase,
            "-f",
        ])
        .arg(file)
        .stdin(Stdio::null())
        .output()
        .expect("run ssh-keygen (Debian's openssh-client)");
    assert!(
        out.status.success(),
        "ssh-keygen: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// Debian's OpenSSH server (`/usr/sbin/sshd`) on a free loopback port, as the current user
/// (root in CI) with a configuration, host key and authorized keys of its own in a temporary
/// directory: `git clone ssh://<user>@127.0.0.1:<port>/<absolute path>` fetches any repository
/// the user can read, those of a [`SourceServer`] included. Killed on drop.
pub struct SshServer {
    child: Child,
    dir: tempfile::TempDir,
    port: u16,
    user: String,
    host_key: String,
}

impl SshServer {
    /// Starts a server accepting the public keys `authorized` and waits until it listens.
    ///
    /// # Panics
    /// When it does not start within 20 s.
    #[must_use]
    pub fn start(authorized: &[&str]) -> Self {
        let dir = tempfile::Builder::new()
            .prefix("flux-sshd-")
            .tempdir()
            .expect("tempdir");
        let host_key = dir.path().join("host_ed25519");
        ssh_keygen(&host_key, "");
        let host_key_line = std::fs::read_to_string(host_key.with_extension("pub")).expect("host key");
        std::fs::write(dir.path().join("authorized_keys"), authorized.join("\n") + "\n")
            .expect("write authorized_keys");
        let user = String::from_utf8(Command::new("id").arg("-un").output().expect("run id").stdout)
            .expect("UTF-8 user name")
            .trim()
            .to_owned();
        // sshd run by root checks its privilege separation directory, which the Debian package
        // leaves to the init system.
        if user == "root" {
            std::fs::create_dir_all("/run/sshd").expect("mkdir /run/sshd");
        }
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .expect("free port")
            .port();
        let config = dir.path().join("sshd_config");
        std::fs::write(
            &config,
            format!(
                "Port {port}\nListenAddress 127.0.0.1\nHostKey {host_key}\nPidFile {pid}\n\
                 AuthorizedKeysFile {keys}\nStrictModes no\nPubkeyAuthentication yes\n\
                 PasswordAuthentication no\nKbdInteractiveAuthentication no\nUsePAM no\n\
                 PermitRootLogin prohibit-password\nAllowUsers {user}\nLogLevel VERBOSE\n",
                host_key = host_key.display(),
                pid = dir.path().join("sshd.pid").display(),
                keys = dir.path().join("authorized_keys").display(),
            ),
        )
        .expect("write sshd_config");
        let log = std::fs::File::create(dir.path().join("sshd.log")).expect("log file");
        let child = Command::new("/usr/sbin/sshd")
            .arg("-D")
            .arg("-e")
            .arg("-f")
            .arg(&config)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(log)
            .spawn()
            .expect("start /usr/sbin/sshd (Debian's openssh-server)");
        let mut server = Self {
            child,
            dir,
            port,
            user,
            host_key: host_key_line
                .split_whitespace()
                .take(2)
                .collect::<Vec<_>>()
                .join(" "),
        };
        let deadline = Instant::now() + Duration::from_secs(20);
        while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
            let exited = server.child.try_wait().ok().flatten();
            assert!(
                exited.is_none() && Instant::now() < deadline,
                "sshd did not start ({exited:?}): {}",
                server.log()
            );
            std::thread::sleep(Duration::from_millis(50));
        }
        server
    }

    /// `ssh://<user>@127.0.0.1:<port><path>`, `path` absolute (e.g. a repository under
    /// [`SourceServer::root`]).
    #[must_use]
    pub fn url(&self, path: &Path) -> String {
        format!("ssh://{}@127.0.0.1:{}{}", self.user, self.port, path.display())
    }

    /// The port the server listens on.
    #[must_use]
    pub fn port(&self) -> u16 {
        self.port
    }

    /// The `known_hosts` line of the server: `[127.0.0.1]:<port> ssh-ed25519 AAAA...`.
    #[must_use]
    pub fn known_hosts(&self) -> String {
        format!("[127.0.0.1]:{} {}\n", self.port, self.host_key)
    }

    /// The server's log so far.
    #[must_use]
    pub fn log(&self) -> String {
        std::fs::read_to_string(self.dir.path().join("sshd.log")).unwrap_or_default()
    }
}

impl Drop for SshServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn git(dir: &Path, args: &[&str]) -> String {
    let out = Command::new("git")
        .args(args)
        .current_dir(dir)
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env("HOME", dir)
        .output()
        .expect("run git");
    assert!(
        out.status.success(),
        "git {}: {}",
        args.join(" "),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// A Helm chart made up for a test: `Chart.yaml`, `values.yaml` and templates.
pub struct Chart {
    /// Chart name.
    pub name: String,
    /// Chart version (semver).
    pub version: String,
    /// `values.yaml`.
    pub values: String,
    /// `templates/<file>` contents.
    pub templates: Vec<(String, String)>,
}

impl Chart {
    /// A chart whose one template is a ConfigMap named after the release, holding `data` keys
    /// rendered from the values (`{{ .Values.<key> }}`) and the chart's version under
    /// `chart-version` (Flux adds the OCI digest to it as build metadata).
    #[must_use]
    pub fn config_map(name: &str, version: &str, values: &str, data_keys: &[&str]) -> Self {
        let mut template = String::from(
            "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {{ .Release.Name }}\n  labels:\n    \
             chart: {{ .Chart.Name }}\ndata:\n  chart-version: {{ .Chart.Version | quote }}\n",
        );
        for key in data_keys {
            template.push_str(&format!("  {key}: {{{{ .Values.{key} | quote }}}}\n"));
        }
        Self {
            name: name.to_owned(),
            version: version.to_owned(),
            values: values.to_owned(),
            templates: vec![("configmap.yaml".to_owned(), template)],
        }
    }

    /// `Chart.yaml`.
    #[must_use]
    pub fn chart_yaml(&self) -> String {
        format!(
            "apiVersion: v2\nname: {}\nversion: {}\ntype: application\n",
            self.name, self.version
        )
    }

    /// The chart archive Helm packages (`<name>/Chart.yaml`, ... in a tar+gzip).
    ///
    /// # Panics
    /// On I/O errors writing to memory.
    #[must_use]
    pub fn archive(&self) -> Vec<u8> {
        let mut files = vec![
            (format!("{}/Chart.yaml", self.name), self.chart_yaml()),
            (format!("{}/values.yaml", self.name), self.values.clone()),
        ];
        for (file, content) in &self.templates {
            files.push((format!("{}/templates/{file}", self.name), content.clone()));
        }
        let gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
        let mut tar = tar::Builder::new(gz);
        for (path, content) in files {
            let mut header = tar::Header::new_gnu();
            header.set_size(content.len() as u64);
            header.set_mode(0o644);
            header.set_mtime(0);
            header.set_cksum();
            tar.append_data(&mut header, path, content.as_bytes())
                .expect("append chart file");
        }
        let mut gz = tar.into_inner().expect("finish tar");
        gz.flush().expect("flush");
        gz.finish().expect("finish gzip")
    }
}

fn sha256_hex(bytes: &[u8]) -> String {
    use sha2::Digest as _;
    sha2::Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}
