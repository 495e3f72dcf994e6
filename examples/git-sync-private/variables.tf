variable "kubeconfig" {
  description = "Path to the kubeconfig of the target cluster."
  type        = string
  default     = "~/.kube/config"
}

variable "git_url" {
  description = "HTTPS address of the private Git repository."
  type        = string
  default     = "https://github.com/my-org/my-private-repo"
}

variable "git_username" {
  description = "Username sent with the token: \"git\" for GitHub and most servers, the deploy token's for GitLab."
  type        = string
  default     = "git"
}

# export TF_VAR_git_token=... (replaces Timoni's --runtime-from-env)
variable "git_token" {
  description = "Git token with read access to the repository (GitHub PAT, GitLab deploy token, ...)."
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
