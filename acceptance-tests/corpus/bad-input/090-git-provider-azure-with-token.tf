# attribute: git.token
# says: workload identity
resource "flux_git_sync" "app" {
  name      = "app"
  namespace = "corpus-git"
  git = {
    url      = "https://dev.azure.com/org/project/_git/repo"
    path     = "./deploy"
    provider = "azure"
    token    = "t"
  }
}
