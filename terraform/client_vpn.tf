################################################################################
# Client VPN: how operators reach the private DSQL endpoint and OpenSearch.
# Mutual TLS with the certificates that `dsql-deploy certs` imports into ACM
# (and/or SAML federation); split tunnel so only VPC traffic uses the VPN.
################################################################################

resource "aws_ec2_client_vpn_endpoint" "this" {
  count = var.create_client_vpn ? 1 : 0

  description            = "${var.name} operator access"
  client_cidr_block      = var.client_vpn_cidr
  server_certificate_arn = var.client_vpn_server_certificate_arn
  split_tunnel           = var.client_vpn_split_tunnel
  transport_protocol     = var.client_vpn_transport_protocol
  vpn_port               = var.client_vpn_port
  dns_servers            = var.client_vpn_dns_servers
  session_timeout_hours  = var.client_vpn_session_timeout_hours
  vpc_id                 = local.vpc_id
  security_group_ids     = [aws_security_group.client_vpn[0].id]

  dynamic "authentication_options" {
    for_each = var.client_vpn_authentication_options
    content {
      type                           = authentication_options.value.type
      root_certificate_chain_arn     = authentication_options.value.root_certificate_chain_arn
      saml_provider_arn              = authentication_options.value.saml_provider_arn
      self_service_saml_provider_arn = authentication_options.value.self_service_saml_provider_arn
    }
  }

  connection_log_options {
    enabled               = var.enable_client_vpn_connection_log
    cloudwatch_log_group  = try(aws_cloudwatch_log_group.client_vpn[0].name, null)
    cloudwatch_log_stream = try(aws_cloudwatch_log_stream.client_vpn[0].name, null)
  }

  tags = local.tags
}

resource "aws_ec2_client_vpn_network_association" "this" {
  count = var.create_client_vpn ? length(local.private_subnet_ids) : 0

  client_vpn_endpoint_id = aws_ec2_client_vpn_endpoint.this[0].id
  subnet_id              = local.private_subnet_ids[count.index]
}

resource "aws_ec2_client_vpn_authorization_rule" "this" {
  count = var.create_client_vpn ? 1 : 0

  client_vpn_endpoint_id = aws_ec2_client_vpn_endpoint.this[0].id
  target_network_cidr    = local.vpc_cidr
  authorize_all_groups   = true
  description            = "VPN clients reach the VPC"
}

resource "aws_cloudwatch_log_group" "client_vpn" {
  count = var.create_client_vpn && var.enable_client_vpn_connection_log ? 1 : 0

  name              = "/aws/client-vpn/${var.name}"
  retention_in_days = var.log_retention_days
  kms_key_id        = var.logs_kms_key_arn

  tags = local.tags
}

resource "aws_cloudwatch_log_stream" "client_vpn" {
  count = var.create_client_vpn && var.enable_client_vpn_connection_log ? 1 : 0

  name           = "connections"
  log_group_name = aws_cloudwatch_log_group.client_vpn[0].name
}
