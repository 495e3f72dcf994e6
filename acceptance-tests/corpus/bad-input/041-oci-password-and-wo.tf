# attribute: artifact.auth.credentials.password_wo
# says: not both
resource "flux_oci_sync" "app" {
  name      = "app"
  namespace = "corpus-oci"
  artifact = {
    url = "oci://registry.example.com/org/app"
    auth = {
      credentials = { username = "u", password = "p", password_wo = "q", password_wo_version = 1 }
    }
  }

}
