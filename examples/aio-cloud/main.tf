# Cloud (the Flux AIO docs' "Cloud" tab): no host network on a managed cluster with a CNI, the flux
# service account bound to an AWS IAM role (IRSA) for ECR and KMS access, and persistent storage
# for the artifact cache. For Azure set provider = "azure" and the client ID; for GCP,
# provider = "gcp" and the service account (GKE needs host_network = false, as here).
variable "iam_role_arn" {
  description = "IAM role the flux service account assumes."
  type        = string
  default     = "arn:aws:iam::111122223333:role/my-role"
}

resource "flux_aio" "flux" {
  namespace = "flux-system"
  distribution = {
    artifact = var.flux_artifact
    insecure = var.flux_artifact_insecure
  }
  host_network     = false
  security_profile = "privileged"
  workload_identity = {
    provider = "aws"
    identity = var.iam_role_arn
  }
  persistence = {
    enabled = true
    # Leave storage_class unset for the cluster's default class, or name one: EKS "gp3" (with
    # the EBS CSI driver; "gp2" on older clusters), AKS "managed-csi" (or "default"), GKE
    # "standard-rwo". The Timoni module's default, "standard", exists only on some clusters.
    # "" means no class: only a statically provisioned volume binds.
    storage_class = "gp3"
    size          = "8Gi"
  }
}
