# attribute: image_pull_secrets
# says: RFC 1123
resource "flux_aio" "flux" {
  namespace = "corpus-aio"
  image_pull_secrets = ["Reg Cred"]
}
