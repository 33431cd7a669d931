/**
 * What a change to a project config (`.s5.json`) changes about who may read new values, for
 * `s5 check --base REF`: a pull request that names another transit key or backend, makes another
 * local key encrypt, or adds a recipient redirects every value sealed after it is merged. s5
 * refuses such a change on machines that sealed in the project before (the record of known keys)
 * until someone trusts it; a reviewer should see it before anyone does.
 */
import type { ProjectConfig } from "./config.ts";
import { jsonStrings } from "./json-keys.ts";

/** One change, at the member it is about. */
export interface ConfigChange {
  /** The member's path (`vault.transitKey`, `local.keys`), as the message names it. */
  path: string;
  message: string;
  /** Offset in the later text of the member's key (0 when it is gone: the file's start). */
  offset: number;
}

function parse(text: string): ProjectConfig | undefined {
  try {
    const value = JSON.parse(text) as unknown;
    return value !== null && typeof value === "object" && !Array.isArray(value)
      ? (value as ProjectConfig)
      : undefined;
  } catch {
    return undefined;
  }
}

/** A setting as a message shows it (not set: its default's name). */
const shown = (value: string | undefined, unset: string) =>
  value === undefined ? unset : JSON.stringify(value);

/**
 * The encrypting local key (the last), and every recipient of each key by public key, with its
 * name and the path of its entry.
 */
function localKeys(config: ProjectConfig | undefined) {
  const keys = Array.isArray(config?.local?.keys) ? config.local.keys : [];
  return {
    encrypting: keys.at(-1)?.id,
    last: keys.length - 1,
    recipients: new Map(
      keys.map((key, i) => [
        key.id,
        new Map(
          (Array.isArray(key.recipients) ? key.recipients : []).map((r, j) => [
            r.publicKey,
            { name: r.name, path: `local.keys[${i}].recipients[${j}].publicKey` },
          ]),
        ),
      ]),
    ),
  };
}

/**
 * The changes from `before` (undefined: the file is new) to `after` that change where new values
 * are sealed or who may read them: `backend`, `vault.transitKey`, `vault.transitMount`, the
 * encrypting local key, recipients added. Texts that are not a JSON object give none (they are
 * reported as config errors where they are read).
 */
export function configChanges(before: string | undefined, after: string): ConfigChange[] {
  const then = before === undefined ? {} : parse(before);
  const now = parse(after);
  if (!then || !now) return [];
  const keyOffsets = new Map<string, number>();
  for (const string of jsonStrings(after)) {
    if (string.key && !keyOffsets.has(string.path)) keyOffsets.set(string.path, string.start);
  }
  // The member's own key, else the nearest enclosing one that is there (a member removed); the
  // file's start once no shorter path is left (a path the pattern cannot shorten ends it too).
  const at = (path: string) => {
    for (let p = path; ; ) {
      const offset = keyOffsets.get(p);
      if (offset !== undefined) return offset;
      const up = p.replace(/(\.[^.[]*|\[\d+\])$/, "");
      if (up === p) return 0;
      p = up;
    }
  };
  const changes: ConfigChange[] = [];
  const add = (path: string, message: string) => changes.push({ path, message, offset: at(path) });
  const fresh = before === undefined ? "a new project config: " : "";
  if (then.backend !== now.backend) {
    add(
      "backend",
      `${fresh}\`backend\` ${shown(then.backend, "not set")} → ${shown(now.backend, "not set")}: new values are sealed with another backend`,
    );
  }
  for (const name of ["transitKey", "transitMount"] as const) {
    const was = then.vault?.[name];
    const is = now.vault?.[name];
    if (was !== is) {
      const unset = name === "transitKey" ? "default" : "transit";
      add(
        `vault.${name}`,
        `${fresh}\`vault.${name}\` ${shown(was, `not set (${unset})`)} → ${shown(is, `not set (${unset})`)}: new Vault values are sealed with another transit key`,
      );
    }
  }
  const a = localKeys(then);
  const b = localKeys(now);
  if (b.encrypting !== undefined && a.encrypting !== b.encrypting) {
    add(
      `local.keys[${b.last}].id`,
      `${fresh}local key ${b.encrypting} now seals new values${a.encrypting ? ` (was ${a.encrypting})` : ""}: its recipients can read them`,
    );
  }
  for (const [id, recipients] of b.recipients) {
    const had = a.recipients.get(id);
    if (!had) continue;
    for (const [publicKey, { name, path }] of recipients) {
      if (!had.has(publicKey)) {
        add(
          path,
          `recipient ${JSON.stringify(String(name))} added to local key ${id}: they can read every value sealed to it`,
        );
      }
    }
  }
  return changes;
}
