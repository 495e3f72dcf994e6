# attribute: repository.cert_secret_name
# says: RFC 1123
resource "flux_helm_release" "app" {
  name      = "app"
  namespace = "corpus-helm"
  repository = {
    url = "https://charts.example.com"
    cert_secret_name = "My Certs"
  }
  chart = {
    name    = "app"
    version = "1.x"
  }

}
