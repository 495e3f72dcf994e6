# attribute: tolerations[0].effect
# says: NoSchedule
resource "flux_aio" "flux" {
  namespace = "corpus-aio"
  tolerations = [{ key = "edge", operator = "Exists", effect = "Sometimes" }]
}
