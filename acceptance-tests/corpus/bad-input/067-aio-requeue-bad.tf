# attribute: reconcile.requeue_dependency
# says: Go duration
resource "flux_aio" "flux" {
  namespace = "corpus-aio"
  reconcile = { requeue_dependency = "30 seconds" }
}
