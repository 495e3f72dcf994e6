# attribute: repository.url
# says: oci://
resource "flux_helm_release" "app" {
  name      = "app"
  namespace = "corpus-helm"
  repository = {
    url = "ftp://charts.example.com"
  }
  chart = {
    name    = "app"
    version = "1.x"
  }

}
