# attribute: tolerations[0].operator
# says: Exists
resource "flux_aio" "flux" {
  namespace = "corpus-aio"
  tolerations = [{ key = "edge", operator = "Maybe" }]
}
