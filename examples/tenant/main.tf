# Multi-tenancy onboarding: the tenant half of the seed's "dev-team" bundle. flux_tenant creates
# the tenant namespace, the ServiceAccount Flux impersonates, its RoleBinding and a quota on Flux
# objects. (The git sync half comes with flux_git_sync.)

terraform {
  required_providers {
    flux = {
      source = "flux-aio/flux"
    }
  }
}

variable "kubeconfig" {
  description = "Path to the kubeconfig of the target cluster."
  type        = string
  default     = "~/.kube/config"
}

provider "flux" {
  kubernetes = {
    config_path = var.kubeconfig
  }
}

resource "flux_tenant" "dev_team" {
  name      = "dev-team"
  namespace = "dev-team-apps"
  role      = "namespace-admin"
  resource_quota = {
    kustomizations = 100
    helmreleases   = 100
  }
}

output "tenant_objects" {
  description = "The objects the tenant owns, with their digests."
  value       = flux_tenant.dev_team.objects
}
