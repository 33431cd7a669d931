/**
 * The Vault backend over another transit key, sharing its login and connections: the controller
 * opens each namespace's S5Secrets with that namespace's key. A module of its own so that naming
 * it does not load the Vault transport.
 */
import type { Backend } from "../backend.ts";

export interface TransitKeyed {
  /** A backend that decrypts and rewraps with transit key `key` (validated as a name). */
  forTransitKey(key: string): Backend;
}

/** `backend` (the `vault` backend of {@link createBackends}) over transit key `key`. */
export function forTransitKey(backend: Backend, key: string): Backend {
  const keyed = backend as Backend & Partial<TransitKeyed>;
  if (backend.name !== "vault" || typeof keyed.forTransitKey !== "function") {
    throw new TypeError(`the ${backend.name} backend has no transit key`);
  }
  return keyed.forTransitKey(key);
}
