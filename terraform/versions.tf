terraform {
  # 1.9+ for validation blocks that refer to other variables.
  required_version = ">= 1.9"

  required_providers {
    aws = {
      source = "hashicorp/aws"
      # 5.100 is the first release with every DSQL attribute this module reads
      # (vpc_endpoint_service_name, kms_encryption_key).
      version = ">= 5.100, < 6.0"
    }
  }
}
