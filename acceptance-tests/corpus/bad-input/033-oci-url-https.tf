# attribute: artifact.url
# says: oci://
resource "flux_oci_sync" "app" {
  name      = "app"
  namespace = "corpus-oci"
  artifact = {
    url = "https://registry.example.com/org/app"
  }

}
