# attribute: annotations
# says: qualified name
resource "flux_tenant" "t" {
  name      = "dev-team"
  namespace = "corpus-tenant"
  annotations = { "-bad/key" = "x" }
}
