# Git sync from a public repository (the Flux AIO docs' "Flux Git sync configuration" / "Public
# repository" tab): Flux clones the repository over HTTPS at the given ref and applies the
# Kustomize overlay at path to the default namespace. Needs Flux installed (see ../aio-default).
resource "flux_git_sync" "podinfo" {
  name      = "podinfo"
  namespace = "flux-system"
  git = {
    url  = var.git_url
    ref  = "refs/heads/master"
    path = "./kustomize"
  }
  sync = {
    target_namespace = "default"
  }
}

output "objects" {
  description = "The GitRepository and Kustomization this resource manages, with their digests."
  value       = flux_git_sync.podinfo.objects
}
