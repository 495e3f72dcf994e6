# attribute: git.ssh.known_hosts
# says: host keys
resource "flux_git_sync" "app" {
  name      = "app"
  namespace = "corpus-git"
  git = {
    url  = "git@github.com:org/repo.git"
    path = "./deploy"
    ssh  = { private_key = "KEY", known_hosts = "" }
  }
}
