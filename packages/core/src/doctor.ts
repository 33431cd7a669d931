/**
 * `s5 doctor`'s entry: the Vault check and the Vault client it needs are loaded only when a doctor
 * runs. A static export pulled them into the chunk every command and `s5/config` load at start
 * (~20 million more instructions for a start without a Vault token).
 */
import type { Settings } from "./config.ts";
import type { Finding } from "./vault/doctor.ts";

export type { Finding } from "./vault/doctor.ts";

/** Checks the Vault setup of `settings` against the server, read-only. */
export async function checkVault(settings: Settings): Promise<Finding[]> {
  const doctor = await import("./vault/doctor.ts");
  return doctor.checkVault(settings);
}
