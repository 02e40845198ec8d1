################################################################################
# Aurora DSQL cluster and its interface VPC endpoint
################################################################################

resource "aws_dsql_cluster" "this" {
  count = var.create_dsql_cluster ? 1 : 0

  deletion_protection_enabled = var.dsql_deletion_protection
  kms_encryption_key          = var.dsql_kms_key_arn

  tags = local.tags
}

# Private DNS stays off: with it on, the cluster's public name would resolve
# to the endpoint for everything in the VPC, which breaks clients that are
# meant to use the public endpoint. Clients use the endpoint's own DNS names.
resource "aws_vpc_endpoint" "dsql" {
  count = var.create_dsql_cluster && var.create_dsql_vpc_endpoint ? 1 : 0

  vpc_id              = local.vpc_id
  service_name        = aws_dsql_cluster.this[0].vpc_endpoint_service_name
  vpc_endpoint_type   = "Interface"
  private_dns_enabled = false
  subnet_ids          = local.private_subnet_ids
  security_group_ids  = [aws_security_group.dsql_endpoint[0].id]

  tags = merge(local.tags, { "Name" = "${var.name}-dsql" })
}

# Cluster policy that refuses connections that do not come through a VPC
# endpoint of this VPC. Provider 5.x has no resource for DSQL cluster
# policies, so the document is an output and `dsql-deploy infra apply`
# attaches it with the DSQL PutClusterPolicy API.
data "aws_iam_policy_document" "dsql_vpc_only" {
  count = var.create_dsql_cluster && var.enable_dsql_vpc_only_policy ? 1 : 0

  statement {
    sid       = "DenyConnectionsFromOutsideTheVpc"
    effect    = "Deny"
    actions   = ["dsql:DbConnect", "dsql:DbConnectAdmin"]
    resources = [aws_dsql_cluster.this[0].arn]
    principals {
      type        = "AWS"
      identifiers = ["*"]
    }
    condition {
      test     = "StringNotEquals"
      variable = "aws:SourceVpc"
      values   = [local.vpc_id]
    }
  }
}
