# attribute: tmpfs.size_limit
# says: mebibytes
resource "flux_aio" "flux" {
  namespace = "corpus-aio"
  tmpfs = { enabled = true, size_limit = "1 gig" }
}
