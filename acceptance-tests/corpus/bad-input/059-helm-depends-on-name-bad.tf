# attribute: sync.depends_on[0].name
# says: RFC 1123
resource "flux_helm_release" "app" {
  name      = "app"
  namespace = "corpus-helm"
  repository = {
    url = "https://charts.example.com"
  }
  chart = {
    name    = "app"
    version = "1.x"
  }
  sync = { depends_on = [{ name = "Cert Manager" }] }
}
