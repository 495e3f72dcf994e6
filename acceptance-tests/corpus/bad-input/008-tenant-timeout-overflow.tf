# attribute: timeouts.delete
# says: Go duration
resource "flux_tenant" "t" {
  name      = "dev-team"
  namespace = "corpus-tenant"
  timeouts {
    delete = "9999999999h"
  }
}
