################################################################################
# VPC
################################################################################

output "vpc_id" {
  description = "ID of the VPC (created or given)."
  value       = try(local.vpc_id, null)
}

output "private_subnet_ids" {
  description = "IDs of the private subnets."
  value       = try(local.private_subnet_ids, null)
}

################################################################################
# Security groups
################################################################################

output "client_vpn_security_group_id" {
  description = "Security group of the Client VPN endpoint."
  value       = try(aws_security_group.client_vpn[0].id, null)
}

output "dsql_endpoint_security_group_id" {
  description = "Security group of the DSQL VPC endpoint."
  value       = try(aws_security_group.dsql_endpoint[0].id, null)
}

output "opensearch_security_group_id" {
  description = "Security group of the OpenSearch domain (provisioned) or its VPC endpoint (serverless)."
  value       = try(aws_security_group.opensearch[0].id, aws_security_group.opensearch_serverless[0].id, null)
}

################################################################################
# Aurora DSQL
################################################################################

output "dsql_cluster_arn" {
  description = "ARN of the DSQL cluster."
  value       = try(aws_dsql_cluster.this[0].arn, null)
}

output "dsql_cluster_identifier" {
  description = "Identifier of the DSQL cluster."
  value       = try(aws_dsql_cluster.this[0].identifier, null)
}

output "dsql_public_endpoint" {
  description = "Public hostname of the cluster: <identifier>.dsql.<region>.on.aws."
  value       = try(local.dsql_public_endpoint, null)
}

output "dsql_vpc_endpoint_service_name" {
  description = "PrivateLink service name of the cluster."
  value       = try(aws_dsql_cluster.this[0].vpc_endpoint_service_name, null)
}

output "dsql_vpc_endpoint_id" {
  description = "ID of the DSQL interface VPC endpoint."
  value       = try(aws_vpc_endpoint.dsql[0].id, null)
}

output "dsql_vpc_endpoint_dns_entries" {
  description = "DNS entries (dns_name, hosted_zone_id) of the DSQL VPC endpoint; VPN clients connect to the first."
  value       = try(aws_vpc_endpoint.dsql[0].dns_entry, null)
}

output "dsql_cluster_policy" {
  description = "Cluster policy JSON that denies connections from outside the VPC (enable_dsql_vpc_only_policy); `dsql-deploy infra apply` attaches it."
  value       = try(data.aws_iam_policy_document.dsql_vpc_only[0].json, null)
}

################################################################################
# OpenSearch
################################################################################

output "opensearch_domain_endpoint" {
  description = "Endpoint (hostname) of the provisioned OpenSearch domain."
  value       = try(aws_opensearch_domain.this[0].endpoint, null)
}

output "opensearch_domain_arn" {
  description = "ARN of the provisioned OpenSearch domain."
  value       = try(aws_opensearch_domain.this[0].arn, null)
}

output "opensearch_collection_endpoint" {
  description = "Endpoint (https URL) of the OpenSearch Serverless collection."
  value       = try(aws_opensearchserverless_collection.this[0].collection_endpoint, null)
}

output "opensearch_collection_arn" {
  description = "ARN of the OpenSearch Serverless collection."
  value       = try(aws_opensearchserverless_collection.this[0].arn, null)
}

################################################################################
# Client VPN
################################################################################

output "client_vpn_endpoint_id" {
  description = "ID of the Client VPN endpoint."
  value       = try(aws_ec2_client_vpn_endpoint.this[0].id, null)
}

output "client_vpn_endpoint_dns_name" {
  description = "DNS name of the Client VPN endpoint (`dsql-deploy certs ovpn NAME --endpoint DNS`)."
  value       = try(aws_ec2_client_vpn_endpoint.this[0].dns_name, null)
}

output "client_vpn_log_group_name" {
  description = "CloudWatch log group of VPN connections."
  value       = try(aws_cloudwatch_log_group.client_vpn[0].name, null)
}

################################################################################
# Temporal
################################################################################

output "temporal_env" {
  description = "Environment variables for `dsql-deploy render` (the .env that `dsql-deploy infra env` writes)."
  value       = local.temporal_env
}

locals {
  dsql_public_endpoint = try("${aws_dsql_cluster.this[0].identifier}.dsql.${local.region}.on.aws", null)

  # VPN clients reach the cluster through the endpoint; without one, the
  # public endpoint (IAM auth still applies).
  temporal_sql_host = try(aws_vpc_endpoint.dsql[0].dns_entry[0].dns_name, local.dsql_public_endpoint)

  temporal_opensearch_endpoint = try(
    "https://${aws_opensearch_domain.this[0].endpoint}",
    aws_opensearchserverless_collection.this[0].collection_endpoint,
    null,
  )

  temporal_env = merge(
    local.temporal_sql_host == null ? {} : {
      TEMPORAL_SQL_HOST        = local.temporal_sql_host
      TEMPORAL_SQL_PORT        = "5432"
      TEMPORAL_SQL_USER        = var.temporal_sql_user
      TEMPORAL_SQL_DATABASE    = var.temporal_sql_database
      TEMPORAL_SQL_PLUGIN_NAME = "dsql"
      TEMPORAL_SQL_TLS_ENABLED = "true"
      TEMPORAL_SQL_IAM_AUTH    = "true"
      TEMPORAL_SQL_AWS_REGION  = local.region
    },
    local.temporal_opensearch_endpoint == null ? {} : {
      TEMPORAL_OPENSEARCH_ENDPOINT   = local.temporal_opensearch_endpoint
      TEMPORAL_OPENSEARCH_AWS_REGION = local.region
    },
  )
}
