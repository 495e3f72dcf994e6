variable "kubeconfig" {
  description = "Path to the kubeconfig of the target cluster."
  type        = string
  default     = "~/.kube/config"
}

variable "git_url" {
  description = "HTTPS address of the repository on the self-hosted Git server."
  type        = string
  default     = "https://gitlab.internal/my-group/my-repo"
}

# export TF_VAR_git_ca=$(cat ca.crt)
variable "git_ca" {
  description = "PEM-encoded certificate authority that signed the Git server's TLS certificate."
  type        = string
}

# export TF_VAR_git_token=...
variable "git_token" {
  description = "Git token with read access to the repository (e.g. a GitLab deploy token)."
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
