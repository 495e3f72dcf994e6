# attribute: kubernetes.client_key
# says: set together
provider "flux" {
  kubernetes = { host = "https://127.0.0.1:6443", client_certificate = "x" }
}

resource "flux_tenant" "t" {
  name      = "dev-team"
  namespace = "corpus-provider"
}
