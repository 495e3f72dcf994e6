# attribute: controllers.source.image.digest
# says: sha256
resource "flux_aio" "flux" {
  namespace = "corpus-aio"
  controllers = { source = { image = { repository = "ghcr.io/fluxcd/source-controller", digest = "md5:abc" } } }
}
