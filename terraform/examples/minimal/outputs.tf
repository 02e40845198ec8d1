output "dsql_cluster_arn" {
  description = "ARN of the DSQL cluster."
  value       = module.temporal_dsql.dsql_cluster_arn
}

output "dsql_cluster_identifier" {
  description = "Identifier of the DSQL cluster."
  value       = module.temporal_dsql.dsql_cluster_identifier
}

output "dsql_public_endpoint" {
  description = "Public hostname of the cluster."
  value       = module.temporal_dsql.dsql_public_endpoint
}

output "temporal_env" {
  description = "Environment variables for `dsql-deploy render`."
  value       = module.temporal_dsql.temporal_env
}
