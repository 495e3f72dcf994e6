# attribute: git.ssh
# says: known_hosts
resource "flux_git_sync" "app" {
  name      = "app"
  namespace = "corpus-git"
  git = {
    url  = "ssh://git@git.example.com/org/repo.git"
    path = "./deploy"
  }

}
