# attribute: git.url
# says: scp-like
resource "flux_git_sync" "app" {
  name      = "app"
  namespace = "corpus-git"
  git = {
    url  = "ssh://git@gitlab.com:group/repo.git"
    path = "./deploy"
    ssh  = { private_key = "KEY", known_hosts = "gitlab.com ssh-ed25519 AAAA" }
  }
}
