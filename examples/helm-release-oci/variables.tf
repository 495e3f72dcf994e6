variable "kubeconfig" {
  description = "Path to the kubeconfig of the target cluster."
  type        = string
  default     = "~/.kube/config"
}

variable "repository_url" {
  description = "OCI address of the registry path holding the chart (oci://...)."
  type        = string
  default     = "oci://ghcr.io/stefanprodan/charts"
}

variable "chart_version" {
  description = "Chart version or semver range."
  type        = string
  default     = "6.x"
}

variable "registry_username" {
  description = "Registry user, used only when registry_password is set."
  type        = string
  default     = "flux"
}

# export TF_VAR_registry_password=... for a private registry; empty means anonymous pulls.
variable "registry_password" {
  description = "Registry password or token; empty for a public registry."
  type        = string
  sensitive   = true
  default     = ""
}

variable "repository_insecure" {
  description = "Pull the chart over plain HTTP (local test registries only)."
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
