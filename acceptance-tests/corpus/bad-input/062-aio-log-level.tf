# attribute: log_level
# says: debug
resource "flux_aio" "flux" {
  namespace = "corpus-aio"
  log_level = "verbose"
}
