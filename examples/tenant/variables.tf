variable "kubeconfig" {
  description = "Path to the kubeconfig of the target cluster."
  type        = string
  default     = "~/.kube/config"
}

variable "git_url" {
  description = "HTTPS address of the tenant's Git repository."
  type        = string
  default     = "https://github.com/org/dev-team-apps"
}

# export TF_VAR_devteam_token=... (replaces Timoni's --runtime-from-env)
variable "devteam_token" {
  description = "Git token with read access to the tenant's repository."
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
