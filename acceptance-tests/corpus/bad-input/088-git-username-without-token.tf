# attribute: git.username
# says: token
resource "flux_git_sync" "app" {
  name      = "app"
  namespace = "corpus-git"
  git = {
    url      = "https://gitlab.com/org/repo"
    path     = "./deploy"
    username = "gitlab+deploy-token-1"
  }
}
