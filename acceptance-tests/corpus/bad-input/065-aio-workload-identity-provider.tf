# attribute: workload_identity.provider
# says: aws
resource "flux_aio" "flux" {
  namespace = "corpus-aio"
  workload_identity = { provider = "ibm", identity = "x" }
}
