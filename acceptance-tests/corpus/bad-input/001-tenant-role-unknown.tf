# attribute: role
# says: namespace-admin
resource "flux_tenant" "t" {
  name      = "dev-team"
  namespace = "corpus-tenant"
  role = "owner"
}
