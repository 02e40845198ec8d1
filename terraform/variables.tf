################################################################################
# General
################################################################################

variable "name" {
  description = "Name used for every resource and tag (1-32 characters: a-z, 0-9, '-')."
  type        = string

  validation {
    condition     = can(regex("^[a-z0-9][a-z0-9-]{0,31}$", var.name))
    error_message = "name must be 1-32 characters of a-z, 0-9 and '-', starting with a letter or digit."
  }
}

variable "tags" {
  description = "Tags added to every resource (merged over Name, ManagedBy and Project)."
  type        = map(string)
  default     = {}
}

################################################################################
# VPC
################################################################################

variable "create_vpc" {
  description = "Create the VPC and its private subnets. Set false to use vpc_id and private_subnet_ids instead."
  type        = bool
  default     = true
}

variable "vpc_id" {
  description = "Existing VPC to use when create_vpc is false."
  type        = string
  default     = null

  validation {
    condition     = var.vpc_id == null || can(regex("^vpc-[0-9a-f]+$", var.vpc_id))
    error_message = "vpc_id must look like \"vpc-0123abcd\" (or be null)."
  }
  validation {
    condition     = var.create_vpc || var.vpc_id != null || !(var.create_dsql_vpc_endpoint || var.create_client_vpn || var.opensearch_mode != "none")
    error_message = "vpc_id is required when create_vpc is false and the DSQL endpoint, the Client VPN or OpenSearch is enabled."
  }
}

variable "private_subnet_ids" {
  description = "Existing private subnets (in vpc_id) to use when create_vpc is false."
  type        = list(string)
  default     = []

  validation {
    condition     = alltrue([for id in var.private_subnet_ids : can(regex("^subnet-[0-9a-f]+$", id))])
    error_message = "private_subnet_ids must be subnet IDs like \"subnet-0123abcd\"."
  }
  validation {
    condition     = var.create_vpc || length(var.private_subnet_ids) > 0 || !(var.create_dsql_vpc_endpoint || var.create_client_vpn || var.opensearch_mode != "none")
    error_message = "private_subnet_ids must not be empty when create_vpc is false and the DSQL endpoint, the Client VPN or OpenSearch is enabled."
  }
}

variable "vpc_cidr" {
  description = "IPv4 CIDR of the VPC created when create_vpc is true."
  type        = string
  default     = "10.60.0.0/16"

  validation {
    condition     = can(cidrhost(var.vpc_cidr, 0)) && can(regex("^[0-9.]+/(1[6-9]|2[0-4])$", var.vpc_cidr))
    error_message = "vpc_cidr must be an IPv4 CIDR block with a prefix between /16 and /24, e.g. \"10.60.0.0/16\"."
  }
}

variable "azs" {
  description = "Availability zones for the private subnets. Empty: the region's first two available zones."
  type        = list(string)
  default     = []

  validation {
    condition     = alltrue([for az in var.azs : can(regex("^[a-z]{2}(-[a-z]+)+-[0-9][a-z]$", az))])
    error_message = "azs must be availability zone names like \"us-east-1a\"."
  }
}

variable "private_subnet_cidrs" {
  description = "CIDRs of the private subnets, one per AZ. Empty: a /24 per AZ carved from vpc_cidr."
  type        = list(string)
  default     = []

  validation {
    condition     = alltrue([for cidr in var.private_subnet_cidrs : can(cidrhost(cidr, 0))])
    error_message = "private_subnet_cidrs must all be IPv4 CIDR blocks, e.g. \"10.60.1.0/24\"."
  }
}

variable "enable_flow_log" {
  description = "Record the created VPC's rejected and accepted traffic in a CloudWatch log group."
  type        = bool
  default     = true
}

variable "log_retention_days" {
  description = "Retention of the CloudWatch log groups this module creates (VPC flow log, Client VPN connections)."
  type        = number
  default     = 365

  validation {
    condition     = contains([1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653], var.log_retention_days)
    error_message = "log_retention_days must be one of CloudWatch's retention periods: 1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288 or 3653."
  }
}

variable "logs_kms_key_arn" {
  description = "KMS key that encrypts the CloudWatch log groups. Null: CloudWatch's own encryption."
  type        = string
  default     = null

  validation {
    condition     = var.logs_kms_key_arn == null || can(regex("^arn:aws[a-z-]*:kms:", var.logs_kms_key_arn))
    error_message = "logs_kms_key_arn must be a KMS key ARN (arn:aws:kms:...) or null."
  }
}

################################################################################
# Aurora DSQL
################################################################################

variable "create_dsql_cluster" {
  description = "Create the Aurora DSQL cluster."
  type        = bool
  default     = true
}

variable "dsql_deletion_protection" {
  description = "Turn on the cluster's deletion protection (turn it off before destroying)."
  type        = bool
  default     = true
}

variable "dsql_kms_key_arn" {
  description = "Customer managed KMS key that encrypts the cluster. Null: an AWS owned key."
  type        = string
  default     = null

  validation {
    condition     = var.dsql_kms_key_arn == null || can(regex("^arn:aws[a-z-]*:kms:", var.dsql_kms_key_arn))
    error_message = "dsql_kms_key_arn must be a KMS key ARN (arn:aws:kms:...) or null."
  }
}

variable "create_dsql_vpc_endpoint" {
  description = "Create an interface VPC endpoint for the cluster (private DNS off) so VPN clients reach it privately."
  type        = bool
  default     = true
}

variable "enable_dsql_vpc_only_policy" {
  description = "Produce the cluster policy that denies connections from outside the VPC (output dsql_cluster_policy; see README)."
  type        = bool
  default     = false
}

################################################################################
# OpenSearch (Temporal visibility)
################################################################################

variable "opensearch_mode" {
  description = "Visibility store: \"provisioned\" (a domain; what works with Temporal), \"serverless\" (a collection) or \"none\"."
  type        = string
  default     = "provisioned"

  validation {
    condition     = contains(["provisioned", "serverless", "none"], var.opensearch_mode)
    error_message = "opensearch_mode must be \"provisioned\", \"serverless\" or \"none\"."
  }
}

variable "opensearch_engine_version" {
  description = "Engine of the provisioned domain."
  type        = string
  default     = "OpenSearch_2.17"

  validation {
    condition     = can(regex("^(OpenSearch|Elasticsearch)_[0-9]+\\.[0-9]+$", var.opensearch_engine_version))
    error_message = "opensearch_engine_version must look like \"OpenSearch_2.17\"."
  }
}

variable "opensearch_instance_type" {
  description = "Data node instance type of the provisioned domain."
  type        = string
  default     = "r6g.large.search"

  validation {
    condition     = can(regex("\\.search$", var.opensearch_instance_type))
    error_message = "opensearch_instance_type must be an OpenSearch instance type ending in \".search\", e.g. \"r6g.large.search\"."
  }
}

variable "opensearch_instance_count" {
  description = "Data nodes of the provisioned domain (2 or more spreads them over two AZs)."
  type        = number
  default     = 2

  validation {
    condition     = var.opensearch_instance_count >= 1 && floor(var.opensearch_instance_count) == var.opensearch_instance_count
    error_message = "opensearch_instance_count must be a whole number of at least 1."
  }
}

variable "opensearch_volume_size" {
  description = "EBS volume per data node, in GiB."
  type        = number
  default     = 20

  validation {
    condition     = var.opensearch_volume_size >= 10
    error_message = "opensearch_volume_size must be at least 10 (GiB)."
  }
}

variable "opensearch_kms_key_arn" {
  description = "KMS key for OpenSearch encryption at rest. Null: the AWS managed key."
  type        = string
  default     = null

  validation {
    condition     = var.opensearch_kms_key_arn == null || can(regex("^arn:aws[a-z-]*:kms:", var.opensearch_kms_key_arn))
    error_message = "opensearch_kms_key_arn must be a KMS key ARN (arn:aws:kms:...) or null."
  }
}

variable "opensearch_access_principals" {
  description = "IAM principal ARNs allowed to use OpenSearch (Temporal's role). Empty: the account root, i.e. IAM decides."
  type        = list(string)
  default     = []

  validation {
    condition     = alltrue([for arn in var.opensearch_access_principals : can(regex("^arn:aws[a-z-]*:(iam|sts)::[0-9]{12}:", arn))])
    error_message = "opensearch_access_principals must be IAM ARNs like \"arn:aws:iam::123456789012:role/temporal\"."
  }
}

################################################################################
# Client VPN
################################################################################

variable "create_client_vpn" {
  description = "Create the Client VPN endpoint operators use to reach the private endpoints."
  type        = bool
  default     = true
}

variable "client_vpn_cidr" {
  description = "IPv4 CIDR that VPN clients get addresses from (/12 to /22; must not overlap the VPC)."
  type        = string
  default     = "10.100.0.0/22"

  validation {
    condition     = can(cidrhost(var.client_vpn_cidr, 0)) && can(regex("^[0-9.]+/(1[2-9]|2[0-2])$", var.client_vpn_cidr))
    error_message = "client_vpn_cidr must be an IPv4 CIDR block between /12 and /22, e.g. \"10.100.0.0/22\"."
  }
}

variable "client_vpn_server_certificate_arn" {
  description = "ACM ARN of the VPN server certificate (`dsql-deploy certs acm-import-server`)."
  type        = string
  default     = null

  validation {
    condition     = var.client_vpn_server_certificate_arn == null || can(regex("^arn:aws[a-z-]*:acm:[a-z0-9-]+:[0-9]{12}:certificate/", var.client_vpn_server_certificate_arn))
    error_message = "client_vpn_server_certificate_arn must be an ACM certificate ARN (arn:aws:acm:REGION:ACCOUNT:certificate/ID)."
  }
  validation {
    condition     = !var.create_client_vpn || var.client_vpn_server_certificate_arn != null
    error_message = "client_vpn_server_certificate_arn is required when create_client_vpn is true (run `dsql-deploy certs acm-import-server`)."
  }
}

variable "client_vpn_authentication_options" {
  description = "How VPN clients authenticate: certificate-authentication (root_certificate_chain_arn) and/or federated-authentication (saml_provider_arn)."
  type = list(object({
    type                           = string
    root_certificate_chain_arn     = optional(string)
    saml_provider_arn              = optional(string)
    self_service_saml_provider_arn = optional(string)
  }))
  default = []

  validation {
    condition     = !var.create_client_vpn || (length(var.client_vpn_authentication_options) >= 1 && length(var.client_vpn_authentication_options) <= 2)
    error_message = "client_vpn_authentication_options must list one or two authentication options when create_client_vpn is true."
  }
  validation {
    condition     = alltrue([for o in var.client_vpn_authentication_options : contains(["certificate-authentication", "federated-authentication"], o.type)])
    error_message = "client_vpn_authentication_options types must be \"certificate-authentication\" or \"federated-authentication\"."
  }
  validation {
    condition = alltrue([for o in var.client_vpn_authentication_options :
      o.type != "certificate-authentication" || can(regex("^arn:aws[a-z-]*:acm:", o.root_certificate_chain_arn))
    ])
    error_message = "certificate-authentication needs root_certificate_chain_arn, the ACM ARN of the client CA (`dsql-deploy certs acm-import-root`)."
  }
  validation {
    condition = alltrue([for o in var.client_vpn_authentication_options :
      o.type != "federated-authentication" || can(regex("^arn:aws[a-z-]*:iam::[0-9]{12}:saml-provider/", o.saml_provider_arn))
    ])
    error_message = "federated-authentication needs saml_provider_arn, an IAM SAML provider ARN."
  }
}

variable "allowed_client_cidrs" {
  description = "Source CIDRs allowed to reach the Client VPN endpoint on TCP 443."
  type        = list(string)
  default     = []

  validation {
    condition     = alltrue([for cidr in var.allowed_client_cidrs : can(cidrhost(cidr, 0))])
    error_message = "allowed_client_cidrs must all be CIDR blocks, e.g. \"203.0.113.0/24\"."
  }
  validation {
    condition     = !var.create_client_vpn || length(var.allowed_client_cidrs) > 0
    error_message = "allowed_client_cidrs must not be empty when create_client_vpn is true (use [\"0.0.0.0/0\"] to allow any source)."
  }
}

variable "client_vpn_split_tunnel" {
  description = "Send only VPC traffic through the VPN (the rest stays on the client's own network)."
  type        = bool
  default     = true
}

variable "client_vpn_transport_protocol" {
  description = "Transport protocol of the Client VPN endpoint."
  type        = string
  default     = "udp"

  validation {
    condition     = contains(["udp", "tcp"], var.client_vpn_transport_protocol)
    error_message = "client_vpn_transport_protocol must be \"udp\" or \"tcp\"."
  }
}

variable "client_vpn_port" {
  description = "Port of the Client VPN endpoint (AWS allows 443 or 1194)."
  type        = number
  default     = 443

  validation {
    condition     = contains([443, 1194], var.client_vpn_port)
    error_message = "client_vpn_port must be 443 or 1194."
  }
}

variable "client_vpn_dns_servers" {
  description = "DNS servers pushed to VPN clients (up to two). Empty: the clients' own."
  type        = list(string)
  default     = []

  validation {
    condition     = length(var.client_vpn_dns_servers) <= 2 && alltrue([for ip in var.client_vpn_dns_servers : can(cidrhost("${ip}/32", 0))])
    error_message = "client_vpn_dns_servers must be at most two IPv4 addresses."
  }
}

variable "client_vpn_session_timeout_hours" {
  description = "Maximum VPN session length in hours."
  type        = number
  default     = 8

  validation {
    condition     = contains([8, 10, 12, 24], var.client_vpn_session_timeout_hours)
    error_message = "client_vpn_session_timeout_hours must be 8, 10, 12 or 24."
  }
}

variable "enable_client_vpn_connection_log" {
  description = "Log VPN connections to a CloudWatch log group."
  type        = bool
  default     = true
}

################################################################################
# Temporal
################################################################################

variable "temporal_sql_user" {
  description = "Database role Temporal connects as (temporal_env)."
  type        = string
  default     = "admin"

  validation {
    condition     = can(regex("^[a-z_][a-z0-9_]{0,62}$", var.temporal_sql_user))
    error_message = "temporal_sql_user must be a PostgreSQL role name (a-z, 0-9, '_', at most 63 characters)."
  }
}

variable "temporal_sql_database" {
  description = "Database Temporal uses (temporal_env). DSQL has one database, \"postgres\"."
  type        = string
  default     = "postgres"

  validation {
    condition     = can(regex("^[a-z_][a-z0-9_]{0,62}$", var.temporal_sql_database))
    error_message = "temporal_sql_database must be a PostgreSQL database name (a-z, 0-9, '_', at most 63 characters)."
  }
}
