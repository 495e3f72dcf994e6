# attribute: service_account
# says: RFC 1123
resource "flux_tenant" "t" {
  name      = "dev-team"
  namespace = "corpus-tenant"
  service_account = "Flux Bot"
}
