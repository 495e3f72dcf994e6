# attribute: timeouts.create
# says: Go duration
resource "flux_tenant" "t" {
  name      = "dev-team"
  namespace = "corpus-tenant"
  timeouts {
    create = "soon"
  }
}
