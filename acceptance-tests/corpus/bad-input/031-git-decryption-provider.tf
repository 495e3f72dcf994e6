# attribute: decryption.provider
# says: sops
resource "flux_git_sync" "app" {
  name      = "app"
  namespace = "corpus-git"
  git = {
    url  = "https://git.example.com/org/repo.git"
    path = "./deploy"
  }
  decryption = { provider = "vault" }
}
