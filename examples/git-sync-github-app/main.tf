# Git sync with GitHub App authentication (the Flux AIO docs' "Flux Git sync configuration" / "GitHub
# App auth" tab, bundle "cluster-addons", instance "flux-system"): Flux authenticates to a
# private GitHub repository as a GitHub App installation instead of with a personal token.
# The App's private key comes from the environment, as Timoni's --runtime-from-env did:
#
#   export TF_VAR_github_app_pem=$(cat path/to/app.private-key.pem)
#   tofu init && tofu apply
#
# As in the Flux AIO docs, no sync.target_namespace is set: the manifests carry their own namespaces.
resource "flux_git_sync" "cluster_addons" {
  name      = "flux-system"
  namespace = "flux-system"
  git = {
    url  = var.git_url
    ref  = "refs/heads/main"
    path = "./deploy/cluster-addons"
  }
  github = {
    app_id              = var.github_app_id
    app_installation_id = var.github_app_installation_id
    app_private_key     = var.github_app_pem
  }
}

output "objects" {
  description = "The GitRepository, Kustomization and GitHub App Secret this resource manages, with their digests."
  value       = flux_git_sync.cluster_addons.objects
}
