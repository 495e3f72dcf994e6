# attribute: resources.limits.memory
# says: Mi or Gi
resource "flux_aio" "flux" {
  namespace = "corpus-aio"
  resources = { limits = { memory = "1GB of RAM" } }
}
