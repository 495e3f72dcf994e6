# attribute: substitute_from[0].kind
# says: ConfigMap
resource "flux_git_sync" "app" {
  name      = "app"
  namespace = "corpus-git"
  git = {
    url  = "https://git.example.com/org/repo.git"
    path = "./deploy"
  }
  substitute_from = [{ kind = "Deployment", name = "vars" }]
}
