/**
 * A `unix://` Vault address (a Vault Agent's or Proxy's socket): whoever can put another socket
 * at that path receives every request — the token, and the plaintexts s5 encrypts — and answers
 * them. So the rule of ../trusted-path.ts applies to the socket and each directory above it, with
 * one owner trusted besides root and you: the agent's service user, when it owns both the socket
 * and the directory that holds it (`/run/vault/agent.sock`, the `vault` user's own directory). A
 * socket another user left in `/tmp`, or in a directory anyone may write to, is refused.
 */
import { ConfigError } from "../errors.ts";
import { pathTrust } from "../trusted-path.ts";

/** Throws `S5_CONFIG_VAULT_ADDR` when another user can change the socket `setting` names. */
export function refuseChangeableSocket(path: string, setting: string): void {
  const { dirname } = process.getBuiltinModule("node:path");
  const { realpathSync, statSync } = process.getBuiltinModule("node:fs");
  let owners: number[];
  try {
    const real = realpathSync(path);
    const socket = statSync(real);
    owners = socket.uid === statSync(dirname(real)).uid ? [socket.uid] : [];
  } catch {
    // Not there (the agent is not running): the request says so, naming the address.
    return;
  }
  const part = pathTrust({ owners })(path);
  if (!part) return;
  throw new ConfigError(
    "S5_CONFIG_VAULT_ADDR",
    `${setting} (unix://${path}) can be changed by another user: ${part.text}; whoever puts a socket there receives the Vault token and the values s5 sends`,
    {
      hint:
        part.reason === "writable"
          ? `run \`chmod o-w ${part.entry}\` (or \`chmod +t\`, as /tmp is), or have the agent listen in a directory of its own`
          : 'have the agent listen in a directory that it (or root, or you) owns, its socket owned by it: listener "unix" { address = "/run/vault/agent.sock" }',
    },
  );
}
