/**
 * The external provider logs its program's stdout at TRACE ("Executed external program",
 * output=…), and OpenTofu and Terraform print a provider's log at the level TF_LOG_PROVIDER sets,
 * else TF_LOG: under TRACE the decrypted values of `s5 tf-external` would be in that log (stderr,
 * or TF_LOG_PATH, often kept as a CI artifact). The provider runs its program with its own
 * environment, which is OpenTofu's, so s5 sees the same variables and refuses.
 */
import { ConfigError } from "@s5/core";

// OpenTofu's `parseLogLevel`: empty is off, JSON is TRACE, and any unknown value is TRACE too.
const BELOW_TRACE = new Set(["DEBUG", "INFO", "WARN", "ERROR", "OFF"]);

/** Throws S5_CONFIG_TF_LOG when OpenTofu would log the external provider at TRACE. */
export function refuseProviderTrace(env: NodeJS.ProcessEnv): void {
  const name = env.TF_LOG_PROVIDER ? "TF_LOG_PROVIDER" : "TF_LOG";
  const level = (env[name] ?? "").toUpperCase();
  if (level === "" || BELOW_TRACE.has(level)) return;
  throw new ConfigError(
    "S5_CONFIG_TF_LOG",
    `${name} logs providers at TRACE, and the external provider writes this program's output ` +
      "(the decrypted values) into that log; nothing was decrypted",
    {
      hint:
        "set TF_LOG_PROVIDER=debug (OpenTofu's own TRACE log stays on with TF_LOG=trace), " +
        "or unset TF_LOG",
    },
  );
}
