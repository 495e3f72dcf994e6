# attribute: git.provider
# says: github block
resource "flux_git_sync" "app" {
  name      = "app"
  namespace = "corpus-git"
  git = {
    url      = "https://github.com/org/repo"
    path     = "./deploy"
    provider = "github"
  }
}
