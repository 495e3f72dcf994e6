# attribute: reconcile.concurrent
# says: 
resource "flux_aio" "flux" {
  namespace = "corpus-aio"
  reconcile = { concurrent = 0 }
}
