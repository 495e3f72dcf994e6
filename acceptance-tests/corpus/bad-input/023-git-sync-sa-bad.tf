# attribute: sync.service_account_name
# says: RFC 1123
resource "flux_git_sync" "app" {
  name      = "app"
  namespace = "corpus-git"
  git = {
    url  = "https://git.example.com/org/repo.git"
    path = "./deploy"
  }
  sync = { service_account_name = "Bad_SA" }
}
