# attribute: env
# says: environment variable name
resource "flux_aio" "flux" {
  namespace = "corpus-aio"
  env = { "1BAD=NAME" = "x" }
}
