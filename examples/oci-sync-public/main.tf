# OCI sync from a public repository (the Flux AIO docs' "Flux OCI sync configuration" / "Public
# repository" tab): Flux pulls the podinfo Kustomize overlay published as an OCI artifact,
# follows the newest tag matching the semver range, and applies it to the default namespace,
# waiting for the workloads to become ready. Needs Flux installed (see ../aio-default).
resource "flux_oci_sync" "podinfo" {
  name      = "podinfo"
  namespace = "flux-system"
  artifact = {
    url    = var.artifact_url
    semver = var.semver
  }
  sync = {
    target_namespace = "default"
    wait             = true
  }
}

output "objects" {
  description = "The OCIRepository and Kustomization this resource manages, with their digests."
  value       = flux_oci_sync.podinfo.objects
}
