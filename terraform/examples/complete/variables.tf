# Inputs `dsql-deploy infra` writes into dsql-deploy.auto.tfvars.json from
# dsql-deploy.toml. Validation lives in the module (../../variables.tf).

variable "name" {
  description = "Name used for every resource and tag."
  type        = string
  default     = "temporal-dsql"
}

variable "tags" {
  description = "Tags added to every resource."
  type        = map(string)
  default     = {}
}

variable "vpc_cidr" {
  description = "IPv4 CIDR of the VPC."
  type        = string
  default     = "10.60.0.0/16"
}

variable "azs" {
  description = "Availability zones (empty: the region's first two)."
  type        = list(string)
  default     = []
}

variable "dsql_deletion_protection" {
  description = "Turn on the cluster's deletion protection."
  type        = bool
  default     = true
}

variable "dsql_kms_key_arn" {
  description = "Customer managed KMS key for the cluster (null: AWS owned key)."
  type        = string
  default     = null
}

variable "enable_dsql_vpc_only_policy" {
  description = "Produce the cluster policy that denies connections from outside the VPC."
  type        = bool
  default     = false
}

variable "opensearch_mode" {
  description = "\"provisioned\", \"serverless\" or \"none\"."
  type        = string
  default     = "provisioned"
}

variable "opensearch_instance_type" {
  description = "Data node instance type of the provisioned domain."
  type        = string
  default     = "r6g.large.search"
}

variable "opensearch_instance_count" {
  description = "Data nodes of the provisioned domain."
  type        = number
  default     = 2
}

variable "opensearch_access_principals" {
  description = "IAM principal ARNs allowed to use OpenSearch (empty: the account root)."
  type        = list(string)
  default     = []
}

variable "create_client_vpn" {
  description = "Create the Client VPN endpoint."
  type        = bool
  default     = true
}

variable "client_vpn_cidr" {
  description = "IPv4 CIDR for VPN client addresses."
  type        = string
  default     = "10.100.0.0/22"
}

variable "client_vpn_server_certificate_arn" {
  description = "ACM ARN of the VPN server certificate (`dsql-deploy certs print-acm-arns`)."
  type        = string
  default     = null
}

variable "client_vpn_authentication_options" {
  description = "Client VPN authentication options (`dsql-deploy certs print-acm-arns`)."
  type = list(object({
    type                           = string
    root_certificate_chain_arn     = optional(string)
    saml_provider_arn              = optional(string)
    self_service_saml_provider_arn = optional(string)
  }))
  default = []
}

variable "allowed_client_cidrs" {
  description = "Source CIDRs allowed to reach the Client VPN endpoint."
  type        = list(string)
  default     = ["0.0.0.0/0"]
}

variable "client_vpn_split_tunnel" {
  description = "Send only VPC traffic through the VPN."
  type        = bool
  default     = true
}

variable "enable_client_vpn_connection_log" {
  description = "Log VPN connections to CloudWatch."
  type        = bool
  default     = true
}
