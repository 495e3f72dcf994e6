# Helm release from an HTTP/S Helm repository (the Flux AIO docs' flux-helm-release module, used in the
# "Bare Metal" tab for Cilium and in the Helm interoperability guide): Flux installs the
# podinfo chart into the default namespace and upgrades it when a newer 6.x version is
# published. values is any HCL object; numbers, strings and nested objects become the chart's
# values as they are. drift_detection = "enabled" makes helm-controller revert changes made to
# the release's objects in the cluster.
resource "flux_helm_release" "podinfo" {
  name      = "podinfo"
  namespace = "flux-system"
  repository = {
    url = var.repository_url
  }
  chart = {
    name    = "podinfo"
    version = var.chart_version
  }
  values = {
    replicaCount = 2
    ui = {
      message = "Hello from OpenTofu"
    }
    resources = {
      limits = {
        memory = "256Mi"
      }
    }
  }
  sync = {
    target_namespace = "default"
  }
  drift_detection = "enabled"
}

output "objects" {
  description = "The HelmRepository and HelmRelease this resource manages, with their digests."
  value       = flux_helm_release.podinfo.objects
}
