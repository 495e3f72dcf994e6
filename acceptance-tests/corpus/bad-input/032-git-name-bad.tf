# attribute: name
# says: RFC 1123
resource "flux_git_sync" "app" {
  name      = "App.Sync"
  namespace = "corpus-git"
  git = {
    url  = "https://git.example.com/org/repo.git"
    path = "./deploy"
  }
}
