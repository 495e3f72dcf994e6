# OCI sync from a private registry (the Flux AIO docs' "Flux OCI sync configuration" / "Private
# repository" tab): the registry credentials end up in the cluster as a Secret of type
# dockerconfigjson. Timoni fills the password from the environment with --runtime-from-env;
# with OpenTofu/Terraform the TF_VAR_ environment variables do the same:
#
#   export TF_VAR_registry_password=<GHCR token>
#   tofu init && tofu apply
#
# The password is a sensitive variable, so it never shows in plan output.
resource "flux_oci_sync" "podinfo" {
  name      = "podinfo"
  namespace = "flux-system"
  artifact = {
    url = var.artifact_url
    tag = "latest"
    auth = {
      credentials = {
        username = "flux"
        password = var.registry_password
      }
    }
    tls = {
      insecure = var.artifact_insecure
    }
  }
  sync = {
    target_namespace = "default"
  }
}

output "objects" {
  description = "The OCIRepository, Kustomization and credentials Secret this resource manages, with their digests."
  value       = flux_oci_sync.podinfo.objects
}
