# attribute: git.interval
# says: Go duration
resource "flux_git_sync" "app" {
  name      = "app"
  namespace = "corpus-git"
  git = {
    url  = "https://git.example.com/org/repo.git"
    path = "./deploy"
    interval = "1 minute"
  }

}
