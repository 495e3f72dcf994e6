# attribute: security_profile
# says: restricted
resource "flux_aio" "flux" {
  namespace = "corpus-aio"
  security_profile = "paranoid"
}
