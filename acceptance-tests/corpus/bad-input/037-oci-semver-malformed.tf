# attribute: artifact.semver
# says: semver
resource "flux_oci_sync" "app" {
  name      = "app"
  namespace = "corpus-oci"
  artifact = {
    url = "oci://registry.example.com/org/app"
    semver = ">=1.0.0 <<2"
  }

}
