# attribute: chart.name
# says: chart name
resource "flux_helm_release" "app" {
  name      = "app"
  namespace = "corpus-helm"
  repository = {
    url = "https://charts.example.com"
  }
  chart = {
    name    = ""
    version = "1.x"
  }

}
