# attribute: resources.requests.cpu
# says: millicores
resource "flux_aio" "flux" {
  namespace = "corpus-aio"
  resources = { requests = { cpu = "fast" } }
}
