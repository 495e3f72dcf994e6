# attribute: kubernetes.host
# says: URL
provider "flux" {
  kubernetes = { host = "not a url" }
}

resource "flux_tenant" "t" {
  name      = "dev-team"
  namespace = "corpus-provider"
}
