################################################################################
# Security groups. VPN clients are the only source for the private endpoints.
# Client VPN translates each client address to the address of its network
# interface in the subnet, so the rule that matches in practice is "from the
# Client VPN security group"; the client CIDR rule covers the untranslated
# case and documents intent.
################################################################################

resource "aws_security_group" "client_vpn" {
  count = var.create_client_vpn ? 1 : 0

  name_prefix = "${var.name}-client-vpn-"
  description = "Client VPN endpoint: TLS from the allowed client networks"
  vpc_id      = local.vpc_id

  ingress {
    description = "Client VPN (TLS) from the allowed client networks"
    protocol    = "tcp"
    from_port   = 443
    to_port     = 443
    cidr_blocks = var.allowed_client_cidrs
  }

  egress {
    description = "VPN traffic into the VPC only"
    protocol    = "-1"
    from_port   = 0
    to_port     = 0
    cidr_blocks = [local.vpc_cidr]
  }

  tags = merge(local.tags, { "Name" = "${var.name}-client-vpn" })

  lifecycle {
    create_before_destroy = true
  }
}

resource "aws_security_group" "dsql_endpoint" {
  count = var.create_dsql_cluster && var.create_dsql_vpc_endpoint ? 1 : 0

  name_prefix = "${var.name}-dsql-endpoint-"
  description = "Aurora DSQL VPC endpoint: PostgreSQL from VPN clients only"
  vpc_id      = local.vpc_id

  ingress {
    description     = "PostgreSQL wire protocol from VPN clients"
    protocol        = "tcp"
    from_port       = 5432
    to_port         = 5432
    cidr_blocks     = [var.client_vpn_cidr]
    security_groups = aws_security_group.client_vpn[*].id
  }

  egress {
    description = "Replies stay inside the VPC"
    protocol    = "tcp"
    from_port   = 0
    to_port     = 65535
    cidr_blocks = [local.vpc_cidr]
  }

  tags = merge(local.tags, { "Name" = "${var.name}-dsql-endpoint" })

  lifecycle {
    create_before_destroy = true
  }
}

resource "aws_security_group" "opensearch" {
  count = var.opensearch_mode == "provisioned" ? 1 : 0

  name_prefix = "${var.name}-opensearch-"
  description = "OpenSearch domain: HTTPS from VPN clients and the VPC"
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

  tags = merge(local.tags, { "Name" = "${var.name}-opensearch" })

  lifecycle {
    create_before_destroy = true
  }
}
