variable "kubeconfig" {
  description = "Path to the kubeconfig of the target cluster."
  type        = string
  default     = "~/.kube/config"
}

variable "flux_artifact" {
  description = "Where the Flux CRDs and controller images come from (a mirror in air-gapped setups)."
  type        = string
  default     = "oci://ghcr.io/fluxcd/flux-manifests"
}

variable "flux_artifact_insecure" {
  description = "Pull the distribution artifact over plain HTTP (local test registries only)."
  type        = bool
  default     = false
}

terraform {
  required_providers {
    flux = {
      source = "flux-aio/flux"
    }
  }
}

provider "flux" {
  kubernetes = {
    config_path = var.kubeconfig
  }
}
