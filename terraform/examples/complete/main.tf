# Everything: VPC with private subnets, the DSQL cluster behind an interface
# endpoint, a provisioned OpenSearch domain for visibility, and a Client VPN
# with certificate authentication from the ARNs `dsql-deploy certs` prints.
#
# Credentials, region and (for tests) the endpoint come from the environment:
# AWS_PROFILE / AWS_ACCESS_KEY_ID, AWS_REGION, AWS_ENDPOINT_URL.

provider "aws" {}

module "temporal_dsql" {
  source = "../../"

  name = var.name
  tags = var.tags

  vpc_cidr = var.vpc_cidr
  azs      = var.azs

  dsql_deletion_protection    = var.dsql_deletion_protection
  dsql_kms_key_arn            = var.dsql_kms_key_arn
  enable_dsql_vpc_only_policy = var.enable_dsql_vpc_only_policy

  opensearch_mode              = var.opensearch_mode
  opensearch_instance_type     = var.opensearch_instance_type
  opensearch_instance_count    = var.opensearch_instance_count
  opensearch_access_principals = var.opensearch_access_principals

  create_client_vpn                 = var.create_client_vpn
  client_vpn_cidr                   = var.client_vpn_cidr
  client_vpn_server_certificate_arn = var.client_vpn_server_certificate_arn
  client_vpn_authentication_options = var.client_vpn_authentication_options
  allowed_client_cidrs              = var.allowed_client_cidrs
  client_vpn_split_tunnel           = var.client_vpn_split_tunnel
  enable_client_vpn_connection_log  = var.enable_client_vpn_connection_log
}
