variable "kubeconfig" {
  description = "Path to the kubeconfig of the target cluster."
  type        = string
  default     = "~/.kube/config"
}

variable "artifact_url" {
  description = "OCI address of the artifact holding the Kubernetes manifests."
  type        = string
  default     = "oci://ghcr.io/stefanprodan/manifests/podinfo"
}

variable "semver" {
  description = "Semver range of the artifact tags to follow."
  type        = string
  default     = ">=1.0.0"
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
