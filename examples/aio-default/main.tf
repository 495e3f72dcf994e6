# Default installation (the Flux AIO docs' "Default installation" tab): Flux AIO with helm, kustomize
# and notification controllers, no host network, privileged security profile.
resource "flux_aio" "flux" {
  namespace = "flux-system"
  version   = "2.9.x"
  distribution = {
    artifact = var.flux_artifact
    insecure = var.flux_artifact_insecure
  }
  controllers = {
    helm         = { enabled = true }
    kustomize    = { enabled = true }
    notification = { enabled = true }
  }
  host_network     = false
  security_profile = "privileged"
}

output "flux_version" {
  value = flux_aio.flux.resolved_version
}

output "flux_images" {
  value = flux_aio.flux.images
}
