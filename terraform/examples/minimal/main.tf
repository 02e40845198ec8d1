# The smallest useful deployment: one Aurora DSQL cluster, reached on its
# public endpoint with IAM authentication. No VPC, VPN or OpenSearch.
#
# Credentials, region and (for tests) the endpoint come from the environment:
# AWS_PROFILE / AWS_ACCESS_KEY_ID, AWS_REGION, AWS_ENDPOINT_URL.

provider "aws" {}

module "temporal_dsql" {
  source = "../../"

  name = var.name
  tags = var.tags

  create_vpc               = false
  create_dsql_vpc_endpoint = false
  create_client_vpn        = false
  opensearch_mode          = "none"

  dsql_deletion_protection = var.dsql_deletion_protection
}
