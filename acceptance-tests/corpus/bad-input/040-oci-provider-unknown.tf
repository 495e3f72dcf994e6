# attribute: artifact.auth.provider
# says: generic
resource "flux_oci_sync" "app" {
  name      = "app"
  namespace = "corpus-oci"
  artifact = {
    url = "oci://registry.example.com/org/app"
    auth = { provider = "oracle" }
  }

}
