# attribute: git.token_wo_version
# says: needs
resource "flux_git_sync" "app" {
  name      = "app"
  namespace = "corpus-git"
  git = {
    url  = "https://git.example.com/org/repo.git"
    path = "./deploy"
    token_wo = "b"
  }

}
