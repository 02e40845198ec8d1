//! Drives the Terraform module: tfvars from config, terraform init/plan/apply/destroy/output, outputs to .env.
