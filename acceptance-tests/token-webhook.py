#!/usr/bin/env python3
"""A kube-apiserver token webhook for the credential-renewal test: a token `tok-<issued ms>`
authenticates as a cluster admin for LIFETIME_MS after it was issued, and never again, as a
cloud provider's short-lived token would. Usage: token-webhook.py PORT_FILE LIFETIME_MS"""
import json
import sys
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

LIFETIME_MS = int(sys.argv[2])


class Handler(BaseHTTPRequestHandler):
    def do_POST(self):
        review = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        token = review.get("spec", {}).get("token", "")
        ok = False
        if token.startswith("tok-"):
            try:
                ok = 0 <= time.time() * 1000 - int(token[4:]) < LIFETIME_MS
            except ValueError:
                ok = False
        status = {"authenticated": ok}
        if ok:
            status["user"] = {"username": "exec-user", "groups": ["system:masters"]}
        body = json.dumps({"apiVersion": review.get("apiVersion", "authentication.k8s.io/v1"),
                           "kind": "TokenReview", "status": status}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
with open(sys.argv[1], "w") as f:
    f.write(str(server.server_address[1]))
server.serve_forever()
