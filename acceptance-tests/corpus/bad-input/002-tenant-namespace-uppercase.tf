# attribute: namespace
# says: RFC 1123
resource "flux_tenant" "t" {
  name      = "dev-team"
  namespace = "Corpus_Tenant"
}
