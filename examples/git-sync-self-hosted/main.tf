# Git sync from a self-hosted Git server (the Flux AIO docs' "Flux Git sync configuration" /
# "Self-hosted repository" tab): a GitLab (or Gitea, ...) server with a self-signed TLS
# certificate, so Flux gets the PEM-encoded CA next to the token. Both come from the
# environment, as Timoni's --runtime-from-env did:
#
#   export TF_VAR_git_ca=$(cat ca.crt)
#   export TF_VAR_git_token="your-token"
#   tofu init && tofu apply
resource "flux_git_sync" "podinfo" {
  name      = "podinfo"
  namespace = "flux-system"
  git = {
    url   = var.git_url
    ref   = "refs/heads/master"
    path  = "./kustomize"
    ca    = var.git_ca
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
