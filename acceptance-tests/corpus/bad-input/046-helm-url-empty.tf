# attribute: repository.url
# says: oci://
resource "flux_helm_release" "app" {
  name      = "app"
  namespace = "corpus-helm"
  repository = {
    url = ""
  }
  chart = {
    name    = "app"
    version = "1.x"
  }

}
