# attribute: github
# says: app_installation_id
resource "flux_git_sync" "app" {
  name      = "app"
  namespace = "corpus-git"
  git = {
    url  = "https://git.example.com/org/repo.git"
    path = "./deploy"
  }
  github = {
    app_id = "1"
  }
}
