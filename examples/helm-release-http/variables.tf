variable "kubeconfig" {
  description = "Path to the kubeconfig of the target cluster."
  type        = string
  default     = "~/.kube/config"
}

variable "repository_url" {
  description = "Address of the Helm repository (http:// or https://)."
  type        = string
  default     = "https://stefanprodan.github.io/podinfo"
}

variable "chart_version" {
  description = "Chart version or semver range."
  type        = string
  default     = "6.x"
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
