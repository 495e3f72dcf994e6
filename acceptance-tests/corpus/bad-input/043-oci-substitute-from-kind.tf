# attribute: substitute_from[0].kind
# says: ConfigMap
resource "flux_oci_sync" "app" {
  name      = "app"
  namespace = "corpus-oci"
  artifact = {
    url = "oci://registry.example.com/org/app"
  }
  substitute_from = [{ kind = "Pod", name = "vars" }]
}
