/** Placeholder until the Vault transit backend lands (issue 3). */
import type { Backend } from "../backend.ts";
import type { Settings } from "../config.ts";
import { ConfigError } from "../errors.ts";

export function createVaultBackend(_settings: Settings): Backend {
  throw new ConfigError("S5_CONFIG_VAULT_UNAVAILABLE", "the Vault backend is not built yet", {
    hint: "use local keys (`s5 init`) or the aes backend for now",
  });
}
