# attribute: kubernetes.proxy_url
# says: URL
provider "flux" {
  kubernetes = { host = "https://127.0.0.1:6443", proxy_url = "proxy:3128" }
}

resource "flux_tenant" "t" {
  name      = "dev-team"
  namespace = "corpus-provider"
}
