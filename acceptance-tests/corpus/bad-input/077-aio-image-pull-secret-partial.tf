# attribute: image_pull_secret.password
# says: Set
resource "flux_aio" "flux" {
  namespace = "corpus-aio"
  image_pull_secret = { registry = "ghcr.io", username = "u" }
}
