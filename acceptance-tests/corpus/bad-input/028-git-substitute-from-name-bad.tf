# attribute: substitute_from[0].name
# says: RFC 1123
resource "flux_git_sync" "app" {
  name      = "app"
  namespace = "corpus-git"
  git = {
    url  = "https://git.example.com/org/repo.git"
    path = "./deploy"
  }
  substitute_from = [{ kind = "ConfigMap", name = "Cluster Vars" }]
}
