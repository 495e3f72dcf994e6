# attribute: sync.interval
# says: Go duration
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
  sync = { interval = "3000000h" }
}
