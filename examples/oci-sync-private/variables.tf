variable "kubeconfig" {
  description = "Path to the kubeconfig of the target cluster."
  type        = string
  default     = "~/.kube/config"
}

variable "artifact_url" {
  description = "OCI address of the private artifact holding the Kubernetes manifests."
  type        = string
  default     = "oci://ghcr.io/stefanprodan/manifests/podinfo"
}

# export TF_VAR_registry_password=... (replaces Timoni's --runtime-from-env)
variable "registry_password" {
  description = "Registry password or token (e.g. a GHCR token) for the user \"flux\"."
  type        = string
  sensitive   = true
}

variable "artifact_insecure" {
  description = "Pull the artifact over plain HTTP (local test registries only)."
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
