# Git sync from a private repository (the Flux AIO docs' "Flux Git sync configuration" / "Private
# repository" tab): authentication with a Git token (GitHub PAT, GitLab deploy token,
# Bitbucket app password, ...), stored in the cluster as a Secret with the username "git" or,
# for servers that check it, git_username (a GitLab deploy token's gitlab+deploy-token-<n>).
# Timoni reads the token from the environment with --runtime-from-env; here a TF_VAR_ variable
# does it:
#
#   export TF_VAR_git_token=<token>
#   tofu init && tofu apply
resource "flux_git_sync" "podinfo" {
  name      = "podinfo"
  namespace = "flux-system"
  git = {
    url      = var.git_url
    ref      = "refs/heads/master"
    path     = "./kustomize"
    username = var.git_username
    token    = var.git_token
  }
  sync = {
    target_namespace = "default"
  }
}

output "objects" {
  description = "The GitRepository, Kustomization and auth Secret this resource manages, with their digests."
  value       = flux_git_sync.podinfo.objects
}
