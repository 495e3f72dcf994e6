# attribute: sync.retry_interval
# says: Go duration
resource "flux_git_sync" "app" {
  name      = "app"
  namespace = "corpus-git"
  git = {
    url  = "https://git.example.com/org/repo.git"
    path = "./deploy"
  }
  sync = { retry_interval = "-5m" }
}
