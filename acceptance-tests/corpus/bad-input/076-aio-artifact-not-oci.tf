# attribute: distribution.artifact
# says: oci://
resource "flux_aio" "flux" {
  namespace = "corpus-aio"
  distribution = { artifact = "https://ghcr.io/fluxcd/flux-manifests" }
}
