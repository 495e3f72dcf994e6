# Bare metal (the Flux AIO docs' "Bare Metal" tab): Flux runs on the host network, so it works before
# a CNI is installed. On clusters without kube-proxy, point the controllers at the API server
# directly with KUBERNETES_SERVICE_HOST/PORT. Flux then installs the Cilium CNI from its Helm
# repository (flux_helm_release below).
variable "api_server_host" {
  description = "API server address for clusters without kube-proxy; empty to rely on kube-proxy."
  type        = string
  default     = ""
}

resource "flux_aio" "flux" {
  namespace = "flux-system"
  distribution = {
    artifact = var.flux_artifact
    insecure = var.flux_artifact_insecure
  }
  host_network     = true
  security_profile = "privileged"
  env = var.api_server_host == "" ? {} : {
    KUBERNETES_SERVICE_HOST = var.api_server_host
    KUBERNETES_SERVICE_PORT = "6443"
  }
}

# The Flux AIO docs' "cilium" instance: Flux, running on the host network, installs the Cilium CNI.
resource "flux_helm_release" "cilium" {
  name      = "cilium"
  namespace = flux_aio.flux.namespace
  repository = {
    url = "https://helm.cilium.io"
  }
  chart = {
    name    = "cilium"
    version = "*"
  }
  values = {
    operator = {
      replicas = 1
    }
    ipam = {
      mode = "kubernetes"
    }
  }
  sync = {
    target_namespace = "kube-system"
  }
}
