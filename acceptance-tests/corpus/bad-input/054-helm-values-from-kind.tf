# attribute: values_from[0].kind
# says: ConfigMap
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
  values_from = [{ kind = "Pod", name = "v" }]
}
