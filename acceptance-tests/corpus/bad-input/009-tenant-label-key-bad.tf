# attribute: labels
# says: qualified name
resource "flux_tenant" "t" {
  name      = "dev-team"
  namespace = "corpus-tenant"
  labels = { "not a key" = "x" }
}
