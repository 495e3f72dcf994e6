# Multi-tenancy on-boarding (the Flux AIO docs' "Flux multi-tenancy configuration" section, bundle
# "dev-team"): flux_tenant creates the tenant namespace, the ServiceAccount Flux impersonates,
# its RoleBinding and a quota on Flux objects; flux_git_sync then reconciles the tenant's
# repository inside that namespace while impersonating the restricted service account, so the
# team can deploy only into its own namespace. Pair it with security_profile = "restricted" on
# flux_aio for the full multi-tenancy lockdown.
#
# On-board the tenant (Timoni's --runtime-from-env becomes a TF_VAR_ variable):
#
#   export TF_VAR_devteam_token=<GH TOKEN>
#   tofu init && tofu apply
#
# Off-board the tenant (the Flux AIO docs' `timoni bundle delete dev-team`): `tofu destroy` removes the
# tenant namespace and everything in it, workloads included.
resource "flux_tenant" "dev_team" {
  name      = "dev-team"
  namespace = "dev-team-apps"
  role      = "namespace-admin"
  resource_quota = {
    kustomizations = 100
    helmreleases   = 100
  }
}

resource "flux_git_sync" "dev_team_apps" {
  name      = "dev-team-apps"
  namespace = flux_tenant.dev_team.namespace
  git = {
    token = var.devteam_token
    url   = var.git_url
    ref   = "refs/heads/main"
    path  = "./deploy"
  }
  sync = {
    target_namespace     = flux_tenant.dev_team.namespace
    service_account_name = flux_tenant.dev_team.service_account
  }
}

output "tenant_objects" {
  description = "The objects the tenant owns, with their digests."
  value       = flux_tenant.dev_team.objects
}

output "sync_objects" {
  description = "The GitRepository, Kustomization and auth Secret that sync the tenant's repository."
  value       = flux_git_sync.dev_team_apps.objects
}
