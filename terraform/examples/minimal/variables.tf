variable "name" {
  description = "Name used for every resource and tag."
  type        = string
  default     = "temporal-dsql-minimal"
}

variable "tags" {
  description = "Tags added to every resource."
  type        = map(string)
  default     = {}
}

variable "dsql_deletion_protection" {
  description = "Turn on the cluster's deletion protection."
  type        = bool
  default     = true
}
