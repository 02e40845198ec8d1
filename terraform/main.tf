# Shared lookups and names. Each area lives in its own file:
# vpc.tf, security_groups.tf, dsql.tf, opensearch.tf, client_vpn.tf.

data "aws_region" "current" {}

data "aws_caller_identity" "current" {}

data "aws_partition" "current" {}

data "aws_availability_zones" "available" {
  count = var.create_vpc && length(var.azs) == 0 ? 1 : 0

  #checkov:skip=CKV_AWS_394:Only the fallback when var.azs is empty; it takes the first two zone names, which zones AWS adds later (sorted after them) do not change. Pin zones with var.azs.
  state = "available"
}

locals {
  region     = data.aws_region.current.name
  account_id = data.aws_caller_identity.current.account_id
  partition  = data.aws_partition.current.partition

  tags = merge({ "Name" = var.name, "ManagedBy" = "terraform", "Project" = var.name }, var.tags)

  # Two AZs unless told otherwise: enough for the VPC endpoint and the
  # Client VPN's second association, without paying for a third.
  azs = length(var.azs) > 0 ? var.azs : try(slice(data.aws_availability_zones.available[0].names, 0, 2), [])

  # A /24 per AZ carved from the VPC CIDR (smaller when the VPC is /23 or
  # /24, leaving room for up to four AZs) unless the caller lists subnets.
  private_subnet_cidrs = length(var.private_subnet_cidrs) > 0 ? var.private_subnet_cidrs : [
    for index, _ in local.azs : cidrsubnet(var.vpc_cidr, max(24 - tonumber(split("/", var.vpc_cidr)[1]), 2), index)
  ]

  vpc_id             = var.create_vpc ? try(aws_vpc.this[0].id, null) : var.vpc_id
  vpc_cidr           = var.create_vpc ? var.vpc_cidr : try(data.aws_vpc.existing[0].cidr_block, null)
  private_subnet_ids = var.create_vpc ? aws_subnet.private[*].id : var.private_subnet_ids
}

data "aws_vpc" "existing" {
  count = !var.create_vpc && var.vpc_id != null ? 1 : 0

  id = var.vpc_id
}
