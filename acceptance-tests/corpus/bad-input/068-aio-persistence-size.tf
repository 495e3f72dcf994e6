# attribute: persistence.size
# says: Gi
resource "flux_aio" "flux" {
  namespace = "corpus-aio"
  persistence = { enabled = true, size = "lots" }
}
