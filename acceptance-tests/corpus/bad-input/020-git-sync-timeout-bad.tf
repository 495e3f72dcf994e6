# attribute: sync.timeout
# says: Go duration
resource "flux_git_sync" "app" {
  name      = "app"
  namespace = "corpus-git"
  git = {
    url  = "https://git.example.com/org/repo.git"
    path = "./deploy"
  }
  sync = { timeout = "3 minutes" }
}
