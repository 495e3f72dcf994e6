variable "kubeconfig" {
  description = "Path to the kubeconfig of the target cluster."
  type        = string
  default     = "~/.kube/config"
}

variable "git_url" {
  description = "HTTPS address of the private GitHub repository."
  type        = string
  default     = "https://github.com/org/repo"
}

variable "github_app_id" {
  description = "ID of the GitHub App."
  type        = string
  default     = "123"
}

variable "github_app_installation_id" {
  description = "ID of the GitHub App installation on the organisation or repository."
  type        = string
  default     = "234"
}

# export TF_VAR_github_app_pem=$(cat app.private-key.pem)
variable "github_app_pem" {
  description = "PEM-encoded private key of the GitHub App."
  type        = string
  sensitive   = true
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
