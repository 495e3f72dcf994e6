# attribute: patches[0].patch
# says: YAML
resource "flux_git_sync" "app" {
  name      = "app"
  namespace = "corpus-git"
  git = {
    url  = "https://git.example.com/org/repo.git"
    path = "./deploy"
  }
  patches = [{ patch = "{ unclosed: [" }]
}
