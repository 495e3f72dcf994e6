# attribute: name
# says: RFC 1123
resource "flux_tenant" "t" {
  name      = "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
  namespace = "corpus-tenant"
}
