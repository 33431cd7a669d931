# The safer path: the secret reaches OpenTofu as an ephemeral input variable, set from the
# environment by `s5 run`, so its plaintext is never written to the state or a plan file.
#
#   export TF_VAR_db_password='{{ s5:local:AbCdEfGh:… }}'   # a token: safe to keep in .envrc or CI
#   s5 run -- tofu apply
#
# Ephemeral variables need OpenTofu >= 1.11 (Terraform >= 1.10).

terraform {
  required_version = ">= 1.11.0"
}

variable "db_password" {
  description = "Database password: decrypted by `s5 run` from TF_VAR_db_password."
  type        = string
  sensitive   = true
  ephemeral   = true
}

variable "app_name" {
  description = "Not a secret: shows that ordinary variables work as usual."
  type        = string
  default     = "demo"
}

# Stands in for a resource that uses the secret at apply time. A provisioner may read ephemeral
# values; here it hands the password to a command through its environment (never its command
# line), and the command writes only a SHA-256 digest that the tests compare.
resource "terraform_data" "app" {
  input = var.app_name

  provisioner "local-exec" {
    command = "printf '%s' \"$DB_PASSWORD\" | sha256sum | cut -d' ' -f1 > \"$OUT\""
    environment = {
      DB_PASSWORD = var.db_password
      OUT         = "${path.cwd}/password.sha256"
    }
  }
}

output "app" {
  value = terraform_data.app.output
}
