# Helm release from an OCI registry (the Flux AIO docs' flux-helm-release module with an oci://
# repository, see the Helm interoperability guide): the same podinfo chart, pulled from
# ghcr.io, with values that mix maps and lists, and Helm tests run after install/upgrade.
# For a private registry set the password from the environment (Timoni's --runtime-from-env):
#
#   export TF_VAR_registry_password=<token>
#   tofu init && tofu apply
#
# With no password, repository.auth stays null and the chart is pulled anonymously.
resource "flux_helm_release" "podinfo" {
  name      = "podinfo"
  namespace = "flux-system"
  repository = {
    url      = var.repository_url
    insecure = var.repository_insecure
    auth = var.registry_password == "" ? null : {
      username = var.registry_username
      password = var.registry_password
    }
  }
  chart = {
    name    = "podinfo"
    version = var.chart_version
  }
  values = {
    replicaCount = 1
    podAnnotations = {
      "example.com/managed-by" = "opentofu"
    }
    extraArgs = ["--level=debug"]
  }
  sync = {
    target_namespace = "default"
  }
  test = true
}

output "objects" {
  description = "The OCIRepository/HelmRepository, HelmRelease and any auth Secret this resource manages, with their digests."
  value       = flux_helm_release.podinfo.objects
}
