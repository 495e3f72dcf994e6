# attribute: compatibility
# says: openshift
resource "flux_aio" "flux" {
  namespace = "corpus-aio"
  compatibility = "rancher"
}
