# attribute: git.ssh.private_key
# says: private_key_wo
resource "flux_git_sync" "app" {
  name      = "app"
  namespace = "corpus-git"
  git = {
    url  = "git@github.com:org/repo.git"
    path = "./deploy"
    ssh  = { known_hosts = "github.com ssh-ed25519 AAAA" }
  }
}
