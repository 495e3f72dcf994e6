# attribute: drift_detection
# says: enabled
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
  drift_detection = "sometimes"
}
