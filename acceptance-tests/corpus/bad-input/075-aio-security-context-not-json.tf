# attribute: security_context
# says: JSON
resource "flux_aio" "flux" {
  namespace = "corpus-aio"
  security_context = "runAsUser: 1000"
}
