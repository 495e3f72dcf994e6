# attribute: version
# says: version
resource "flux_aio" "flux" {
  namespace = "corpus-aio"
  version = "two point nine"
}
