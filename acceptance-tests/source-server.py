#!/usr/bin/env python3
"""A Git and Helm source on loopback for the acceptance tests (Python stdlib and Debian's git).

    source-server.py --root DIR --port-file FILE [--tls-cert PEM --tls-key PEM] [--auth USER:PASS]

Serves, from DIR:
  * Git smart HTTP for every bare repository under DIR (`git http-backend`, fetch only);
  * any other file as is (a Helm repository's index.yaml and chart archives).
Paths under /private/ need HTTP Basic auth with USER:PASS; everything else is anonymous.
Writes the port it listens on to FILE once it accepts connections, then serves until killed.

Why not Python's CGIHTTPRequestHandler: run as root it forks and drops to `nobody`, which cannot
read the tests' private temp dirs; here the CGI program runs as the server's own user.
"""

import argparse
import base64
import hmac
import os
import ssl
import subprocess
import sys
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer

GIT_SERVICES = ("/info/refs", "/git-upload-pack", "/HEAD", "/objects/")


def make_handler(root, auth):
    class Handler(SimpleHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def __init__(self, *args, **kwargs):
            super().__init__(*args, directory=root, **kwargs)

        def log_message(self, fmt, *args):
            sys.stderr.write("%s %s\n" % (self.address_string(), fmt % args))

        def authorized(self):
            if not self.path.startswith("/private/"):
                return True
            header = self.headers.get("Authorization", "")
            if header.startswith("Basic "):
                try:
                    given = base64.b64decode(header[6:]).decode()
                except ValueError:
                    given = ""
                if hmac.compare_digest(given, auth or "\0"):
                    return True
            self.send_response(401)
            self.send_header("WWW-Authenticate", 'Basic realm="source-server"')
            self.send_header("Content-Length", "0")
            self.end_headers()
            return False

        def is_git(self):
            path = self.path.split("?", 1)[0]
            return ".git/" in path and any(s in path for s in GIT_SERVICES)

        def do_GET(self):
            if not self.authorized():
                return
            if self.is_git():
                self.git()
            else:
                super().do_GET()

        def do_HEAD(self):
            if self.authorized():
                super().do_HEAD()

        def do_POST(self):
            if not self.authorized():
                return
            if self.is_git() and self.path.split("?", 1)[0].endswith("/git-upload-pack"):
                self.git()
            else:
                self.send_error(405)

        def git(self):
            path, _, query = self.path.partition("?")
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length else b""
            env = {
                "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
                "GIT_PROJECT_ROOT": root,
                "GIT_HTTP_EXPORT_ALL": "1",
                "REQUEST_METHOD": self.command,
                "PATH_INFO": path,
                "QUERY_STRING": query,
                "CONTENT_TYPE": self.headers.get("Content-Type", ""),
                "CONTENT_LENGTH": str(len(body)),
                "REMOTE_ADDR": self.client_address[0],
                "REMOTE_USER": "git",
                "GIT_PROTOCOL": self.headers.get("Git-Protocol", ""),
                "HTTP_CONTENT_ENCODING": self.headers.get("Content-Encoding", ""),
            }
            out = subprocess.run(
                ["git", "http-backend"], input=body, env=env, capture_output=True, check=False
            ).stdout
            head, _, payload = out.partition(b"\r\n\r\n")
            if not _:
                head, _, payload = out.partition(b"\n\n")
            status, headers = 200, []
            for line in head.decode("latin-1").splitlines():
                name, _, value = line.partition(":")
                if name.lower() == "status":
                    status = int(value.strip().split()[0])
                elif name:
                    headers.append((name, value.strip()))
            self.send_response(status)
            for name, value in headers:
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

    return Handler


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--root", required=True)
    p.add_argument("--port-file", required=True)
    p.add_argument("--tls-cert")
    p.add_argument("--tls-key")
    p.add_argument("--auth")
    a = p.parse_args()
    root = os.path.abspath(a.root)
    server = ThreadingHTTPServer(("127.0.0.1", 0), make_handler(root, a.auth))
    server.daemon_threads = True
    if a.tls_cert:
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.load_cert_chain(a.tls_cert, a.tls_key)
        server.socket = ctx.wrap_socket(server.socket, server_side=True)
    tmp = a.port_file + ".tmp"
    with open(tmp, "w") as f:
        f.write(str(server.server_address[1]))
    os.replace(tmp, a.port_file)
    server.serve_forever()


if __name__ == "__main__":
    main()
