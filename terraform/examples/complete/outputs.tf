output "vpc_id" {
  description = "ID of the VPC (created or given)."
  value       = module.temporal_dsql.vpc_id
}

output "private_subnet_ids" {
  description = "IDs of the private subnets."
  value       = module.temporal_dsql.private_subnet_ids
}

output "client_vpn_security_group_id" {
  description = "Security group of the Client VPN endpoint."
  value       = module.temporal_dsql.client_vpn_security_group_id
}

output "dsql_endpoint_security_group_id" {
  description = "Security group of the DSQL VPC endpoint."
  value       = module.temporal_dsql.dsql_endpoint_security_group_id
}

output "opensearch_security_group_id" {
  description = "Security group of the OpenSearch domain (provisioned) or its VPC endpoint (serverless)."
  value       = module.temporal_dsql.opensearch_security_group_id
}

output "dsql_cluster_arn" {
  description = "ARN of the DSQL cluster."
  value       = module.temporal_dsql.dsql_cluster_arn
}

output "dsql_cluster_identifier" {
  description = "Identifier of the DSQL cluster."
  value       = module.temporal_dsql.dsql_cluster_identifier
}

output "dsql_public_endpoint" {
  description = "Public hostname of the cluster: <identifier>.dsql.<region>.on.aws."
  value       = module.temporal_dsql.dsql_public_endpoint
}

output "dsql_vpc_endpoint_service_name" {
  description = "PrivateLink service name of the cluster."
  value       = module.temporal_dsql.dsql_vpc_endpoint_service_name
}

output "dsql_vpc_endpoint_id" {
  description = "ID of the DSQL interface VPC endpoint."
  value       = module.temporal_dsql.dsql_vpc_endpoint_id
}

output "dsql_vpc_endpoint_dns_entries" {
  description = "DNS entries (dns_name, hosted_zone_id) of the DSQL VPC endpoint; VPN clients connect to the first."
  value       = module.temporal_dsql.dsql_vpc_endpoint_dns_entries
}

output "dsql_cluster_policy" {
  description = "Cluster policy JSON that denies connections from outside the VPC (enable_dsql_vpc_only_policy); `dsql-deploy infra apply` attaches it."
  value       = module.temporal_dsql.dsql_cluster_policy
}

output "opensearch_domain_endpoint" {
  description = "Endpoint (hostname) of the provisioned OpenSearch domain."
  value       = module.temporal_dsql.opensearch_domain_endpoint
}

output "opensearch_domain_arn" {
  description = "ARN of the provisioned OpenSearch domain."
  value       = module.temporal_dsql.opensearch_domain_arn
}

output "opensearch_collection_endpoint" {
  description = "Endpoint (https URL) of the OpenSearch Serverless collection."
  value       = module.temporal_dsql.opensearch_collection_endpoint
}

output "opensearch_collection_arn" {
  description = "ARN of the OpenSearch Serverless collection."
  value       = module.temporal_dsql.opensearch_collection_arn
}

output "client_vpn_endpoint_id" {
  description = "ID of the Client VPN endpoint."
  value       = module.temporal_dsql.client_vpn_endpoint_id
}

output "client_vpn_endpoint_dns_name" {
  description = "DNS name of the Client VPN endpoint (`dsql-deploy certs ovpn NAME --endpoint DNS`)."
  value       = module.temporal_dsql.client_vpn_endpoint_dns_name
}

output "client_vpn_log_group_name" {
  description = "CloudWatch log group of VPN connections."
  value       = module.temporal_dsql.client_vpn_log_group_name
}

output "temporal_env" {
  description = "Environment variables for `dsql-deploy render` (the .env that `dsql-deploy infra env` writes)."
  value       = module.temporal_dsql.temporal_env
}
