# attribute: sync.depends_on[0].name
# says: RFC 1123
resource "flux_oci_sync" "app" {
  name      = "app"
  namespace = "corpus-oci"
  artifact = {
    url = "oci://registry.example.com/org/app"
  }
  sync = { depends_on = [{ name = "Apps Infra" }] }
}
