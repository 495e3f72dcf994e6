# attribute: sync.target_namespace
# says: RFC 1123
resource "flux_git_sync" "app" {
  name      = "app"
  namespace = "corpus-git"
  git = {
    url  = "https://git.example.com/org/repo.git"
    path = "./deploy"
  }
  sync = { target_namespace = "Apps!" }
}
