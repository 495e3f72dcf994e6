# attribute: git.ssh
# says: SSH URLs
resource "flux_git_sync" "app" {
  name      = "app"
  namespace = "corpus-git"
  git = {
    url  = "https://github.com/org/repo"
    path = "./deploy"
    ssh  = { private_key = "KEY", known_hosts = "github.com ssh-ed25519 AAAA" }
  }
}
