# attribute: git.token_wo
# says: not both
resource "flux_git_sync" "app" {
  name      = "app"
  namespace = "corpus-git"
  git = {
    url  = "https://git.example.com/org/repo.git"
    path = "./deploy"
    token    = "a"
    token_wo = "b"
    token_wo_version = 1
  }

}
