################################################################################
# OpenSearch for Temporal visibility.
# "provisioned" is the default because Temporal's visibility did not work on
# OpenSearch Serverless (the seed's OPENSEARCH-001); "serverless" is kept for
# those who want to try, with its encryption, network and data access policies.
################################################################################

locals {
  opensearch_principals = length(var.opensearch_access_principals) > 0 ? var.opensearch_access_principals : [
    "arn:${local.partition}:iam::${local.account_id}:root"
  ]
  # Domain and collection names: lower case, at most 28 / 32 characters.
  opensearch_domain_name     = substr(var.name, 0, 28)
  opensearch_collection_name = substr(var.name, 0, 32)
}

################################################################################
# Provisioned domain
################################################################################

data "aws_iam_policy_document" "opensearch" {
  count = var.opensearch_mode == "provisioned" ? 1 : 0

  statement {
    sid       = "TemporalVisibility"
    actions   = ["es:ESHttp*"]
    resources = ["arn:${local.partition}:es:${local.region}:${local.account_id}:domain/${local.opensearch_domain_name}/*"]
    principals {
      type        = "AWS"
      identifiers = local.opensearch_principals
    }
  }
}

resource "aws_opensearch_domain" "this" {
  count = var.opensearch_mode == "provisioned" ? 1 : 0

  #checkov:skip=CKV_AWS_318:Dedicated master nodes triple the cost of a visibility store this size; availability comes from two zone-aware data nodes.
  #checkov:skip=CKV_AWS_317:Audit logs need fine-grained access control with an internal user database; access here is IAM-only through the resource policy.
  #checkov:skip=CKV2_AWS_59:Dedicated masters are off on purpose (see CKV_AWS_318).
  #checkov:skip=CKV2_AWS_52:Fine-grained access control is not used; the domain is VPC-only and access is IAM-signed requests allowed by the resource policy.
  domain_name    = local.opensearch_domain_name
  engine_version = var.opensearch_engine_version

  cluster_config {
    instance_type          = var.opensearch_instance_type
    instance_count         = var.opensearch_instance_count
    zone_awareness_enabled = var.opensearch_instance_count > 1 && length(local.private_subnet_ids) > 1

    dynamic "zone_awareness_config" {
      for_each = var.opensearch_instance_count > 1 && length(local.private_subnet_ids) > 1 ? [1] : []
      content {
        availability_zone_count = 2
      }
    }
  }

  ebs_options {
    ebs_enabled = true
    volume_type = "gp3"
    volume_size = var.opensearch_volume_size
  }

  vpc_options {
    subnet_ids         = slice(local.private_subnet_ids, 0, var.opensearch_instance_count > 1 && length(local.private_subnet_ids) > 1 ? 2 : 1)
    security_group_ids = [aws_security_group.opensearch[0].id]
  }

  encrypt_at_rest {
    enabled    = true
    kms_key_id = var.opensearch_kms_key_arn
  }

  node_to_node_encryption {
    enabled = true
  }

  domain_endpoint_options {
    enforce_https       = true
    tls_security_policy = "Policy-Min-TLS-1-2-2019-07"
  }

  log_publishing_options {
    log_type                 = "INDEX_SLOW_LOGS"
    cloudwatch_log_group_arn = aws_cloudwatch_log_group.opensearch[0].arn
  }

  log_publishing_options {
    log_type                 = "ES_APPLICATION_LOGS"
    cloudwatch_log_group_arn = aws_cloudwatch_log_group.opensearch[0].arn
  }

  access_policies = data.aws_iam_policy_document.opensearch[0].json

  tags = local.tags

  depends_on = [aws_cloudwatch_log_resource_policy.opensearch]
}

resource "aws_cloudwatch_log_group" "opensearch" {
  count = var.opensearch_mode == "provisioned" ? 1 : 0

  name              = "/aws/opensearch/${local.opensearch_domain_name}"
  retention_in_days = var.log_retention_days
  kms_key_id        = var.logs_kms_key_arn

  tags = local.tags
}

data "aws_iam_policy_document" "opensearch_logs" {
  count = var.opensearch_mode == "provisioned" ? 1 : 0

  statement {
    actions   = ["logs:PutLogEvents", "logs:CreateLogStream"]
    resources = ["${aws_cloudwatch_log_group.opensearch[0].arn}:*"]
    principals {
      type        = "Service"
      identifiers = ["es.amazonaws.com"]
    }
    condition {
      test     = "StringEquals"
      variable = "aws:SourceAccount"
      values   = [local.account_id]
    }
  }
}

resource "aws_cloudwatch_log_resource_policy" "opensearch" {
  count = var.opensearch_mode == "provisioned" ? 1 : 0

  policy_name     = "${var.name}-opensearch-logs"
  policy_document = data.aws_iam_policy_document.opensearch_logs[0].json
}

################################################################################
# Serverless collection
################################################################################

resource "aws_opensearchserverless_security_policy" "encryption" {
  count = var.opensearch_mode == "serverless" ? 1 : 0

  name = "${local.opensearch_collection_name}-enc"
  type = "encryption"
  policy = jsonencode({
    Rules = [{
      ResourceType = "collection"
      Resource     = ["collection/${local.opensearch_collection_name}"]
    }]
    AWSOwnedKey = var.opensearch_kms_key_arn == null
    # moto_server (the test double) rejects a policy without the KmsARN key,
    # so it is always present: empty when the AWS owned key is used.
    KmsARN = var.opensearch_kms_key_arn == null ? "" : var.opensearch_kms_key_arn
  })
}

resource "aws_opensearchserverless_security_policy" "network" {
  count = var.opensearch_mode == "serverless" ? 1 : 0

  name = "${local.opensearch_collection_name}-net"
  type = "network"
  policy = jsonencode([{
    Description = "Collection and dashboards reachable only through the VPC endpoint"
    Rules = [
      { ResourceType = "collection", Resource = ["collection/${local.opensearch_collection_name}"] },
      { ResourceType = "dashboard", Resource = ["collection/${local.opensearch_collection_name}"] },
    ]
    AllowFromPublic = false
    SourceVPCEs     = aws_opensearchserverless_vpc_endpoint.this[*].id
  }])
}

resource "aws_opensearchserverless_vpc_endpoint" "this" {
  count = var.opensearch_mode == "serverless" ? 1 : 0

  name               = "${substr(var.name, 0, 28)}-vpce"
  vpc_id             = local.vpc_id
  subnet_ids         = local.private_subnet_ids
  security_group_ids = aws_security_group.opensearch_serverless[*].id
}

resource "aws_security_group" "opensearch_serverless" {
  count = var.opensearch_mode == "serverless" ? 1 : 0

  name_prefix = "${var.name}-aoss-endpoint-"
  description = "OpenSearch Serverless VPC endpoint: HTTPS from VPN clients and the VPC"
  vpc_id      = local.vpc_id

  ingress {
    description     = "HTTPS from VPN clients and workloads in the VPC"
    protocol        = "tcp"
    from_port       = 443
    to_port         = 443
    cidr_blocks     = distinct([var.client_vpn_cidr, local.vpc_cidr])
    security_groups = aws_security_group.client_vpn[*].id
  }

  egress {
    description = "Replies stay inside the VPC"
    protocol    = "tcp"
    from_port   = 0
    to_port     = 65535
    cidr_blocks = [local.vpc_cidr]
  }

  tags = merge(local.tags, { "Name" = "${var.name}-aoss-endpoint" })

  lifecycle {
    create_before_destroy = true
  }
}

resource "aws_opensearchserverless_access_policy" "this" {
  count = var.opensearch_mode == "serverless" ? 1 : 0

  name = "${local.opensearch_collection_name}-data"
  type = "data"
  policy = jsonencode([{
    Description = "Temporal visibility: index and collection access for the given principals"
    Rules = [
      {
        ResourceType = "index"
        Resource     = ["index/${local.opensearch_collection_name}/*"]
        Permission   = ["aoss:CreateIndex", "aoss:DescribeIndex", "aoss:ReadDocument", "aoss:WriteDocument", "aoss:UpdateIndex", "aoss:DeleteIndex"]
      },
      {
        ResourceType = "collection"
        Resource     = ["collection/${local.opensearch_collection_name}"]
        Permission   = ["aoss:CreateCollectionItems", "aoss:DescribeCollectionItems", "aoss:UpdateCollectionItems"]
      },
    ]
    Principal = local.opensearch_principals
  }])
}

resource "aws_opensearchserverless_collection" "this" {
  count = var.opensearch_mode == "serverless" ? 1 : 0

  name = local.opensearch_collection_name
  type = "SEARCH"

  tags = local.tags

  depends_on = [
    aws_opensearchserverless_security_policy.encryption,
    aws_opensearchserverless_security_policy.network,
  ]
}
