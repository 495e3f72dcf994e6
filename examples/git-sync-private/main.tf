# Git sync from a private repository (the Flux AIO docs' "Flux Git sync configuration" / "Private
# repository" tab): authentication with a Git token (GitHub PAT, GitLab deploy token,
# Bitbucket token, ...), stored in the cluster as a Secret with username "git". Timoni reads
# the token from the environment with --runtime-from-env; here a TF_VAR_ variable does it:
#
#   export TF_VAR_git_token=<token>
#   tofu init && tofu apply
resource "flux_git_sync" "podinfo" {
  name      = "podinfo"
  namespace = "flux-system"
  git = {
    url   = var.git_url
    ref   = "refs/heads/master"
    path  = "./kustomize"
    token = var.git_token
  }
  sync = {
    target_namespace = "default"
  }
}

output "objects" {
  description = "The GitRepository, Kustomization and auth Secret this resource manages, with their digests."
  value       = flux_git_sync.podinfo.objects
}
