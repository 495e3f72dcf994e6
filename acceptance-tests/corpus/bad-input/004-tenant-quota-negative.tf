# attribute: resource_quota.kustomizations
# says: whole number
resource "flux_tenant" "t" {
  name      = "dev-team"
  namespace = "corpus-tenant"
  resource_quota = { kustomizations = -1, helmreleases = 1 }
}
