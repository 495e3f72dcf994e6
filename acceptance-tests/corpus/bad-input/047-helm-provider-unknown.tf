# attribute: repository.provider
# says: generic
resource "flux_helm_release" "app" {
  name      = "app"
  namespace = "corpus-helm"
  repository = {
    url = "https://charts.example.com"
    provider = "ibm"
  }
  chart = {
    name    = "app"
    version = "1.x"
  }

}
