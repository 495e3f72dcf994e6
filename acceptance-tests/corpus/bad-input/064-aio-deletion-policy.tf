# attribute: deletion_policy
# says: orphan
resource "flux_aio" "flux" {
  namespace = "corpus-aio"
  deletion_policy = "keep"
}
