# attribute: chart.version
# says: semver
resource "flux_helm_release" "app" {
  name      = "app"
  namespace = "corpus-helm"
  repository = {
    url = "https://charts.example.com"
  }
  chart = {
    name    = "app"
    version = ">= 1.0 ~~ 2"
  }

}
