# attribute: attribute "command" is required
# says: kubernetes
provider "flux" {
  kubernetes = { host = "https://127.0.0.1:6443", exec = { api_version = "client.authentication.k8s.io/v1" } }
}

resource "flux_tenant" "t" {
  name      = "dev-team"
  namespace = "corpus-provider"
}
