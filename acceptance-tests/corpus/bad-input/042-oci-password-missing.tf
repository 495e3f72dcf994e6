# attribute: artifact.auth.credentials.password
# says: Set
resource "flux_oci_sync" "app" {
  name      = "app"
  namespace = "corpus-oci"
  artifact = {
    url = "oci://registry.example.com/org/app"
    auth = {
      credentials = { username = "u" }
    }
  }

}
