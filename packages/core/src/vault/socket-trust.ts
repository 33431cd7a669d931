/**
 * A `unix://` Vault address (a Vault Agent's or Proxy's socket): whoever can put another socket
 * at that path receives every request — the token, and the plaintexts s5 encrypts — and answers
 * them. So the rule of ../trusted-path.ts applies to every entry the path as written goes through
 * (each directory, each link followed, the socket), with one owner trusted besides root and you:
 * the agent's service user, for the socket and the directory holding it only, when it owns that
 * directory and the directory above it is no place everyone may create entries in
 * (`/run/vault/agent.sock`, the `vault` user's own directory under root's `/run`). A socket in a
 * directory anyone may write to, another user's in `/tmp`, or in a directory of its own that
 * another user made in `/tmp`, or reached through a link another user owns, is refused. A socket
 * not there yet is held to the same rule through its directory: whoever may create it there
 * would receive the first request.
 */
import { ConfigError } from "../errors.ts";
import { type Untrusted, untrustedPart } from "../trusted-path.ts";

/** The untrusted part of the socket at `path` (or of its directory when it is not there). */
function untrustedSocket(path: string): Untrusted | undefined {
  try {
    return untrustedPart(path, { serviceDepth: 2 });
  } catch {
    // Not there (the agent is not running): its directory, every file of which could be it.
  }
  const { dirname } = process.getBuiltinModule("node:path");
  try {
    return untrustedPart(dirname(path), { serviceDepth: 1, entriesUsed: true });
  } catch {
    // Nor its directory: the request says so, naming the address.
    return undefined;
  }
}

/** Throws `S5_CONFIG_VAULT_ADDR` when another user can change the socket `setting` names. */
export function refuseChangeableSocket(path: string, setting: string): void {
  const part = untrustedSocket(path);
  if (!part) return;
  throw new ConfigError(
    "S5_CONFIG_VAULT_ADDR",
    `${setting} (unix://${path}) can be changed by another user: ${part.text}; whoever puts a socket there receives the Vault token and the values s5 sends`,
    {
      hint:
        part.reason === "writable"
          ? `run \`chmod o-w ${part.entry}\` (or have the agent listen in a directory of its own, in one only root may add to, such as /run/vault)`
          : 'have the agent listen in a directory of its own, in one only root may add to, its socket owned by it: listener "unix" { address = "/run/vault/agent.sock" }',
    },
  );
}
