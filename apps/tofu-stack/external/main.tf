# The external data source path: OpenTofu runs `s5 tf-external`, which decrypts the tokens in the
# query. Convenient, but the result of a data source IS STORED IN THE STATE (and in saved plans)
# in plain text: encrypt the state (OpenTofu's client-side state encryption) or prefer the
# ephemeral-variable path in ../main.tf.
#
#   tofu init && tofu apply -var 'db_password_token={{ s5:local:AbCdEfGh:… }}'

terraform {
  required_version = ">= 1.6.0"
  required_providers {
    external = {
      source  = "hashicorp/external"
      version = ">= 2.3.0"
    }
  }
}

variable "db_password_token" {
  description = "An s5 token: ciphertext, safe to commit in a .tfvars file."
  type        = string
}

variable "s5" {
  description = "How to run s5 (for example [\"npx\", \"s5\"])."
  type        = list(string)
  default     = ["s5"]
}

data "external" "db" {
  program = concat(var.s5, ["tf-external"])
  query = {
    password = var.db_password_token
    url      = "postgres://app:${var.db_password_token}@db:5432/app"
  }
}

resource "terraform_data" "db" {
  # Sensitive values stay masked in plan output; they are still in the state.
  input = sensitive(data.external.db.result.url)
}

output "db_password" {
  value     = data.external.db.result.password
  sensitive = true
}
